// Package bulk reads the input files of `yitong import`: NDJSON files (one
// FHIR resource per line, as produced by a FHIR bulk data export) and JSON
// files (one resource, typically a transaction or batch Bundle as produced by
// Synthea), either of them plain or gzip-compressed.
//
// Walk turns command-line arguments into an ordered list of files, ReadFile
// streams the resources of one file to a callback, reporting malformed
// records with their file and line without stopping, and Progress draws a
// progress line on a terminal or in a log.
package bulk
