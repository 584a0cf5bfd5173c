package resources

import (
	"context"

	"github.com/yitong-health/yitong/store"
)

// Tx is a write transaction of the service for a domain act that keeps
// its invariant across several resources and records (a signed
// prescription: its new version, its Provenance and the signer's PIN
// count). Resources written through it are validated, stamped, indexed,
// guarded (see Guard) and audited like any write: the act's one audit
// entry lists every version it wrote and commits with them.
type Tx struct {
	s  *Service
	tx *trackingTx
}

// InTx runs fn in one write transaction (see Tx). An error from fn rolls
// everything back, including what fn wrote through Store; a nil error
// commits. An act that must keep something while refusing (a wrong PIN's
// count) returns nil from fn and reports its refusal after InTx returns.
func (s *Service) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	return s.update(ctx, func(tx store.Tx) error {
		return fn(&Tx{s: s, tx: tx.(*trackingTx)})
	})
}

// Store is the underlying store transaction, for records and the clock
// (Now). Versions must be written through Create and Update.
func (t *Tx) Store() store.Tx { return t.tx.Tx }

// Read returns the current version of typ/id in the transaction, as
// Service.Read does.
func (t *Tx) Read(ctx context.Context, typ, id string) (Result, error) {
	if err := t.s.checkTypeID(typ, id); err != nil {
		return Result{}, err
	}
	v, err := t.tx.Current(ctx, typ, id)
	return currentResult(v, err, typ, id)
}

// Update stores res as the next version of typ/id (Service.Update).
func (t *Tx) Update(ctx context.Context, typ, id string, res map[string]any, ifMatch int64) (Result, error) {
	return t.s.updateTx(ctx, t.tx, typ, id, res, ifMatch)
}

// Create stores res as a new resource (Service.Create, unconditional).
func (t *Tx) Create(ctx context.Context, res map[string]any) (Result, error) {
	return t.s.createTx(ctx, t.tx, res, "", "")
}

// Answer hands the act's result to the context's Idempotent (see
// WithIdempotent), which records the idempotency key in this transaction.
// An act through InTx calls it once it has succeeded, and not when it
// commits a refusal, so a refused request does not use up its key.
func (t *Tx) Answer(ctx context.Context, r Result) error {
	return answered(ctx, t.tx.Tx, r, nil)
}

// GuardFrom returns the context's Guard, or nil.
func GuardFrom(ctx context.Context) Guard { return guardFrom(ctx) }
