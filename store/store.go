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

// Token is one token index entry of a resource (for conditional operations
// and, later, search): parameter name, code system and code.
type Token struct {
	Param  string
	System string
	Code   string
}

// Ref is one reference from a resource to another: the top-level element
// holding it (e.g. "subject") and the target type and id.
type Ref struct {
	Path       string
	TargetType string
	TargetID   string
}

// Index holds the index entries written with a version. Put replaces all
// entries of the resource with these, in the same transaction.
type Index struct {
	Tokens []Token
	Refs   []Ref
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

// TokenMatch is one condition of a token query: the resource has a Token
// with this Param and Code, and with this System when System is non-nil
// (a nil System matches any system; an empty one matches tokens without one).
type TokenMatch struct {
	Param  string
	System *string
	Code   string
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
	// Dialect names the backend: "sqlite" or "postgres".
	Dialect() string
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
	// FindTokens returns the ids of current, non-deleted resources of type typ
	// that match every condition (AND); each condition's alternatives are
	// given as separate TokenMatch values in one inner slice (OR). At most
	// limit ids are returned, in id order.
	FindTokens(ctx context.Context, typ string, all [][]TokenMatch, limit int) ([]string, error)
	// LockType serializes conditional operations on resource type typ until
	// the transaction ends, so that a search followed by a write cannot race
	// with another transaction doing the same.
	LockType(ctx context.Context, typ string) error
	// ListCurrent returns current, non-deleted resources matching q, in
	// (Type, ID) order, at most q.Count (which must be positive); it serves
	// bulk export and plain listing.
	ListCurrent(ctx context.Context, q CurrentQuery) ([]Version, error)
	// Referencing returns current, non-deleted resources that hold a reference
	// to (targetType, targetID) from one of the given top-level paths of their
	// type; paths maps a resource type to its element names (nil: any path).
	Referencing(ctx context.Context, targetType, targetID string, paths map[string][]string) ([]Version, error)
}
