package store

import (
	"context"
	"time"
)

// Record is one entry of the platform's own keyed state that is not FHIR
// data: accounts, OAuth clients, tokens and codes, login throttles, used
// nonces. The store does not interpret Value; package identity defines it.
type Record struct {
	// Kind groups records ("account", "token", …); Key is unique within a
	// kind. Both are at most 200 bytes.
	Kind, Key string
	Value     []byte
	// Expires is when the record stops existing (UTC, microseconds); zero
	// means never. An expired record reads as absent and is replaced by
	// Insert.
	Expires time.Time
}

// RecordsTx is the keyed-record part of a transaction. Its methods return
// *fhir.Error values with code not-found or conflict where stated.
type RecordsTx interface {
	// Get returns a live record, or a not-found error. In a write
	// transaction the record is locked against concurrent writers until the
	// transaction ends, so read-modify-write of one record is safe.
	Get(ctx context.Context, kind, key string) (Record, error)
	// Put inserts r or replaces the record with its key.
	Put(ctx context.Context, r Record) error
	// Insert inserts r, or fails with a conflict error when a live record
	// with its key exists. It is how a one-time value (a nonce, a code, a
	// user name) is claimed: of concurrent Inserts of one key, one wins.
	Insert(ctx context.Context, r Record) error
	// Delete removes the record if it exists.
	Delete(ctx context.Context, kind, key string) error
	// List returns up to n live records of kind with keys greater than
	// after, in key order.
	List(ctx context.Context, kind, after string, n int) ([]Record, error)
	// Purge deletes the records that expired at or before t and returns
	// how many.
	Purge(ctx context.Context, t time.Time) (int64, error)
}
