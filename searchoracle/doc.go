// Package searchoracle holds only tests: it checks FHIR search over the
// Synthea R4 sample against an oracle.
//
// The test loads ../shared/testdata/synthea-r4 (skipped when the folder is
// not beside the repository) through the importer into SQLite and into
// PostgreSQL: the hospital and practitioner information bundles first, then
// all 120 patient bundles, or under -short the first 20 by file name.
// PostgreSQL gets ANALYZE after the load, since the import leaves its
// planner without statistics (see backends). It then reads every current
// resource back from the store and, for each query of its table, computes
// the expected matches by evaluating the criteria by hand over the decoded
// JSON, without the search index, the search parser, FHIRPath or the SQL:
// the search, followed through every Next cursor, must return exactly those
// resources, in that order; included resources are checked page by page and
// _summary=count totals against the count.
//
// Order: without _sort the server returns matches by creation; with it, by
// the sort keys (a parameter with several values by its lowest value
// ascending and its highest descending, resources without one last), then
// by creation. The oracle knows creation order because every loaded
// resource has a single version, whose store sequence number is the
// resource's creation order.
//
// Queries where the server is known to disagree with FHIR R4
// (http://hl7.org/fhir/R4/search.html) are kept in a separate table,
// knownGaps, that asserts they still disagree, so that a fix makes the test
// fail until the query moves to the main table.
package searchoracle
