package store

import (
	"context"
	"time"
)

// IdempotencyRecord is what an idempotency key (the Idempotency-Key header
// of a retryable write) recorded: who used it, for which request, and the
// answer a repeat of that request gets. It is written in the same
// transaction as the act it guards, so it exists exactly when the act does.
type IdempotencyRecord struct {
	// Agent scopes the key to the principal that used it ("user:…",
	// "client:…", "anonymous:-"); Key is the client's key. Agent and Key
	// are each at most MaxIdempotencyKey bytes.
	Agent, Key string
	// Method and Path are the request's HTTP method and URL path;
	// RequestHash is the hash of everything that decides the act (method,
	// path, query, conditional headers and body), so a reuse of the key for
	// another request is recognised.
	Method, Path string
	RequestHash  []byte
	// RequestID is the request id of the act (for the audit entry of a
	// replay).
	RequestID string
	// Status, Header and Body are the recorded answer. The store does not
	// interpret Header and Body.
	Status int
	Header []byte
	Body   []byte
	// Created is when the act committed (the transaction's time); Expires
	// is when the record stops existing (UTC, microseconds). An expired
	// record reads as absent and is replaced by Insert.
	Created, Expires time.Time
}

// MaxIdempotencyKey bounds the agent and the key of an IdempotencyRecord.
const MaxIdempotencyKey = 255

// IdempotencyTx is the idempotency-key part of a transaction. Its methods
// return *fhir.Error values with code not-found or conflict where stated.
type IdempotencyTx interface {
	// Lock serialises, until the transaction ends, the write transactions
	// that lock the same agent and key: the first holds it, the others
	// wait. With Get after it, a transaction learns whether a concurrent
	// one committed the key before it does its own act. Write
	// transactions only.
	Lock(ctx context.Context, agent, key string) error
	// Get returns the live record of agent and key, or a not-found error.
	Get(ctx context.Context, agent, key string) (IdempotencyRecord, error)
	// Insert stores r, or fails with a conflict error when a live record
	// of its agent and key exists: of concurrent Inserts of one key, one
	// wins (a unique constraint of the database decides).
	Insert(ctx context.Context, r IdempotencyRecord) error
	// Purge deletes the records that expired at or before t and returns
	// how many. Write transactions only.
	Purge(ctx context.Context, t time.Time) (int64, error)
}
