// Package search is the FHIR search request model shared by every layer: the
// search parameters that apply to each resource type (Registry), a parser
// from URL query parameters to a Query, and the parsed Query itself. Storage
// backends translate a Query to their own query language; package search
// knows nothing of SQL.
package search
