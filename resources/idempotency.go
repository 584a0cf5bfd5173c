package resources

import (
	"context"

	"github.com/yitong-health/yitong/store"
)

// Idempotent guards an act with an idempotency key (package rest's
// Idempotency-Key). The key's record is written in the act's own write
// transaction, so after a crash either both exist or neither does.
type Idempotent interface {
	// Begin runs first in each write transaction of the act (before
	// anything is read or written); an error aborts the transaction. It is
	// where the key is locked and found already recorded.
	Begin(ctx context.Context, tx store.Tx) error
	// Answer runs in the act's transaction once the act has succeeded, with
	// what it produced: a Result (create, update, patch, delete and their
	// conditional forms, and acts through Tx.Answer) or the *BundleResponse
	// of a transaction. It records the key; an error rolls the act back.
	// An act that fails, or that commits a refusal (see InTx), never
	// calls it: the key stays unused.
	Answer(ctx context.Context, tx store.Tx, result any) error
}

type idempotentKey struct{}

// WithIdempotent returns ctx carrying k: the write interactions run with
// it call its Begin and Answer. Batch refuses such a context (each entry
// commits on its own, so no one key can guard a batch).
func WithIdempotent(ctx context.Context, k Idempotent) context.Context {
	return context.WithValue(ctx, idempotentKey{}, k)
}

func idempotentFrom(ctx context.Context) Idempotent {
	k, _ := ctx.Value(idempotentKey{}).(Idempotent)
	return k
}

// answered passes a successful act's result to the context's Idempotent
// inside tx; it returns err unchanged when the act failed.
func answered(ctx context.Context, tx store.Tx, result any, err error) error {
	if err != nil {
		return err
	}
	if k := idempotentFrom(ctx); k != nil {
		return k.Answer(ctx, tx, result)
	}
	return nil
}
