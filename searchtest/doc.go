// Package searchtest holds only tests: the table-driven FHIR R4 search
// conformance suite. It loads a small, hand-written set of resources
// (fixtures_test.go) through resources.Service into a fresh SQLite and a
// fresh PostgreSQL store, then runs tables of searches whose expected
// matches were derived by hand from the R4 search rules
// (http://hl7.org/fhir/R4/search.html), never by running the code: one
// table per parameter type group (string, token, reference, date, number
// and quantity, composite, uri and the special parameters), OR and AND,
// chains and _has, _include and _revinclude, _sort, system-level search,
// paging, result parameters, values that look like injections, and the
// requests that must be refused with a 400 OperationOutcome.
//
// Searches where the server is known to disagree with R4 are kept in
// knownGaps (gaps_test.go), which asserts that each still disagrees: a fix
// makes that test fail until the case moves to its main table.
//
// PostgreSQL is required as for the storage contract suite (see package
// storetest): a missing server fails the run unless
// YITONG_TEST_POSTGRES=off.
package searchtest
