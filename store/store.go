// Package store defines Yitong's storage contract: a versioned FHIR resource
// store with transactions. Backends live in store/sqlite and store/postgres and
// share one implementation of the SQL in store/sqlstore; every backend passes
// the contract suite in store/storetest.
//
// Exported store methods own the transaction: callers run their work inside
// View or Update, and everything written through one Tx commits together or
// not at all.
package store

import (
	"context"
	"time"

	"github.com/yitong-health/yitong/fhir/search"
)

// Method says how a version came to be; it is what a history bundle reports
// as entry.request.method.
type Method string

// Methods.
const (
	MethodCreate Method = "POST"
	MethodUpdate Method = "PUT"
	MethodPatch  Method = "PATCH"
	MethodDelete Method = "DELETE"
)

// Version is one stored version of a resource.
type Version struct {
	Type      string
	ID        string
	VersionID int64
	// Seq is the store-wide, strictly increasing sequence number of the
	// version; it orders system history. Set by Put.
	Seq         int64
	LastUpdated time.Time // UTC, microsecond precision
	Method      Method
	Deleted     bool
	// Body is the compact JSON of the resource with id and meta.versionId /
	// meta.lastUpdated set. It is nil for a deletion.
	Body []byte
}

// Index holds the search index entries written with a version: for each
// search parameter of the resource (named by its code, e.g. "birthdate"),
// the values its expression extracted. Put replaces all entries of the
// resource with these, in the same transaction. Entries repeated within one
// kind are stored once.
type Index struct {
	Strings    []StringEntry
	Tokens     []Token
	Refs       []Ref
	Dates      []DateEntry
	Numbers    []NumberEntry
	Quantities []QuantityEntry
	URIs       []URIEntry
	Composites []CompositeEntry
}

// Len returns the number of entries.
func (x Index) Len() int {
	return len(x.Strings) + len(x.Tokens) + len(x.Refs) + len(x.Dates) + len(x.Numbers) + len(x.Quantities) + len(x.URIs) + len(x.Composites)
}

// StringEntry is a string value: Norm is the normalized form searches match
// by prefix (see search.Normalize); Exact is the value as written.
type StringEntry struct {
	Param string
	Norm  string
	Exact string
}

// Token is a coded value: system and code (System is empty when the value
// has none). The :text modifier of a token parameter matches StringEntry
// values under the same Param.
type Token struct {
	Param  string
	System string
	Code   string
}

// Ref is a reference from a resource: for a local target its type and id;
// for an absolute URL or canonical outside this server, TargetType is empty
// and TargetID holds the URL.
type Ref struct {
	Param      string
	TargetType string
	TargetID   string
}

// DateEntry is the time range [Lo, Hi] a date, period or timing covers, in
// Unix microseconds UTC (both ends inclusive); an open end is math.MinInt64
// or math.MaxInt64.
type DateEntry struct {
	Param  string
	Lo, Hi int64
}

// NumberEntry is a number value.
type NumberEntry struct {
	Param string
	Value float64
}

// QuantityEntry is a quantity value with its unit's system and code.
type QuantityEntry struct {
	Param  string
	System string
	Code   string
	Value  float64
}

// CompositeEntry is one combination of the component values of a composite
// parameter's node (Observation.component: its code and its value). A is
// the first component: a token's code and system, or a reference's id and
// type. The second component is in B (a token; a quantity's unit code and
// system, with its value in Num; a normalized string in B.Code), in Num (a
// number) or in Lo and Hi (a date range, inclusive Unix microseconds). A
// third number component is in Num2. Unused fields are zero.
type CompositeEntry struct {
	Param          string
	ACode, ASystem string
	BCode, BSystem string
	Num, Num2      float64
	Lo, Hi         int64
}

// URIEntry is a uri value.
type URIEntry struct {
	Param string
	URI   string
}

// HistoryQuery selects versions for a history interaction. Type and ID narrow
// the scope (both empty: system level). Results are newest first.
type HistoryQuery struct {
	Type string
	ID   string
	// Since, when non-zero, keeps versions with LastUpdated >= Since.
	Since time.Time
	// Before, when non-zero, keeps versions with Seq < Before (keyset paging).
	Before int64
	// Count is the maximum number of versions returned (required, > 0).
	Count int
}

// SearchRequest asks for one page of a search.
type SearchRequest struct {
	// Query is the parsed search; its Filters, Includes, RevIncludes, Sort,
	// Type and Types are used here (paging, summary and elements are the
	// caller's).
	Query *search.Query
	// Count is the page size; it must be positive.
	Count int
	// Cursor continues from a page's Next or Prev ("" for the first page).
	// A cursor is only valid with the query that produced it.
	Cursor string
	// Total asks for the number of all matches (SearchPage.Total).
	Total bool
	// MaxIncluded bounds the included resources of one page; more is a
	// too-costly error.
	MaxIncluded int
	// Registry gives the parameters of the target types of chains and of
	// "*" includes; nil means search.DefaultRegistry().
	Registry *search.Registry
}

// SearchState is the state of the search index.
type SearchState struct {
	// ReindexFrom is the key from which current resources still need their
	// entries rebuilt, or -1 when none do. A migration that changes what is
	// indexed sets it to 0.
	ReindexFrom int64
	// Applied describes what the entries reflect (or, during a reindex,
	// will reflect); the store keeps it for the caller and does not read
	// it. Empty until first recorded.
	Applied string
}

// SearchPage is one page of search results.
type SearchPage struct {
	// Matches are the current versions of the matching resources, in the
	// query's order (default: by creation, oldest first).
	Matches []Version
	// Included are the resources _include and _revinclude add, each once,
	// none of them also in Matches.
	Included []Version
	// Next and Prev are cursors for the following and preceding pages; ""
	// when there is none. They stay correct under concurrent writes: a
	// page continues after the last row of the page before it (keyset
	// paging), so no match is skipped or repeated by inserts elsewhere.
	Next, Prev string
	// Total is the number of all matches when requested, else -1.
	Total int
}

// CurrentQuery selects current, non-deleted resources for bulk export.
type CurrentQuery struct {
	Types []string // empty: all types
	Since time.Time
	// After, when non-empty, continues after this (Type, ID) pair in
	// (Type, ID) order.
	AfterType, AfterID string
	Count              int
}

// Store is a transactional versioned resource store.
type Store interface {
	// View runs fn in a read-only transaction with a consistent snapshot.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction. If fn returns an error the
	// transaction is rolled back and nothing fn wrote is kept; otherwise it is
	// committed durably before Update returns nil.
	Update(ctx context.Context, fn func(Tx) error) error
	// Ping reports whether the database answers (for /readyz).
	Ping(ctx context.Context) error
	// Analyze refreshes the database's query planner statistics. Bulk
	// loads call it when they finish: without statistics PostgreSQL plans
	// searches over freshly loaded data badly (seconds instead of
	// milliseconds). Backends whose plans do not depend on statistics do
	// nothing.
	Analyze(ctx context.Context) error
	// Dialect names the backend: "sqlite" or "postgres".
	Dialect() string
	// Now is the store's clock: what a transaction begun now sees as
	// Tx.Now (UTC, microsecond precision).
	Now() time.Time
	Close() error
}

// Tx is a store transaction. Its methods return *fhir.Error values with code
// not-found, deleted or conflict where the contract says so, and wrapped
// internal errors otherwise. A Tx must not be used after its View/Update
// function returns.
type Tx interface {
	// Now is the transaction's clock, fixed for the whole transaction (UTC,
	// microsecond precision).
	Now() time.Time
	// Current returns the current version of a resource. It returns a
	// not-found error if the resource never existed; a deleted resource is
	// returned with Deleted set (and no error). In a write transaction it
	// also locks the resource against concurrent writers until the
	// transaction ends, so read-modify-write of one resource is safe.
	Current(ctx context.Context, typ, id string) (Version, error)
	// Version returns one version; not-found if there is no such version.
	Version(ctx context.Context, typ, id string, versionID int64) (Version, error)
	// Put stores v as the new current version of (v.Type, v.ID) and replaces
	// the resource's index entries with idx. v.VersionID must be exactly one
	// more than the current version (1 for a new resource); otherwise the
	// write fails with a conflict error and the transaction writes nothing.
	// A backend may queue writes and send them before the transaction's next
	// read or its commit; the conflict error then comes from that read or from
	// Update. Put returns the version; its Seq is set only by backends that
	// write at once (read it back after commit otherwise).
	Put(ctx context.Context, v Version, idx Index) (Version, error)
	// History returns versions matching q, newest first.
	History(ctx context.Context, q HistoryQuery) ([]Version, error)
	// HistoryCount returns how many versions match q, ignoring Before and Count.
	HistoryCount(ctx context.Context, q HistoryQuery) (int, error)
	// Search returns one page of the current, non-deleted resources that
	// match r.Query. Problems with the query that only the store can see (a
	// cursor that is not its own) are *fhir.Error values with code invalid.
	Search(ctx context.Context, r SearchRequest) (SearchPage, error)
	// SearchState returns the state of the search index: where a pending
	// reindex continues and what the index reflects.
	SearchState(ctx context.Context) (SearchState, error)
	// RequestReindex records that the index must be rebuilt to reflect
	// applied (every current resource from the first), replacing any
	// reindex in progress. Write transactions only.
	RequestReindex(ctx context.Context, applied string) error
	// Reindex rebuilds the index entries of up to n current, non-deleted
	// resources with a key of at least from, in key order, with the entries
	// fn computes from each current version, and records the progress. It
	// returns the key to continue from, or -1 when every resource is done.
	// The resources are locked against concurrent writers until the
	// transaction ends, so entries never describe a stale version. Write
	// transactions only.
	Reindex(ctx context.Context, from int64, n int, fn func(Version) (Index, error)) (int64, error)
	// LockType serializes conditional operations on resource type typ until
	// the transaction ends, so that a search followed by a write cannot race
	// with another transaction doing the same.
	LockType(ctx context.Context, typ string) error
	// ListCurrent returns current, non-deleted resources matching q, in
	// (Type, ID) order, at most q.Count (which must be positive); it serves
	// bulk export and plain listing.
	ListCurrent(ctx context.Context, q CurrentQuery) ([]Version, error)
	// Referencing returns current, non-deleted resources that hold a reference
	// to (targetType, targetID) through one of the given search parameters
	// of their type; params maps a resource type to parameter codes (nil:
	// any reference parameter of any type). Results are in (Type, ID) order.
	Referencing(ctx context.Context, targetType, targetID string, params map[string][]string) ([]Version, error)
	// Audit is the audit log's part of the transaction: entries appended
	// through it commit with everything else the transaction writes.
	Audit() AuditTx
	// Records is the platform's keyed state (accounts, clients, tokens),
	// written in the same transaction as everything else.
	Records() RecordsTx
	// Idempotency holds the idempotency keys of retryable writes, written
	// in the same transaction as the act each guards.
	Idempotency() IdempotencyTx
}
