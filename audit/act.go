package audit

import (
	"context"

	"github.com/yitong-health/yitong/store"
)

// Appender appends the entries of acts inside their transaction; *Log
// implements it.
type Appender interface {
	Append(ctx context.Context, tx store.Tx, e Entry) error
	Notify()
}

// Act runs fn in a write transaction of st and appends, in it, the entry
// fn returns (nil: none) through a (nil: no audit). fn's error is either a
// refusal, for which refused reports true: the transaction still commits,
// so that a refused act's bookkeeping (a failure count) and its entry are
// kept, and Act returns the refusal; or a failure, which rolls everything
// back.
func Act(ctx context.Context, st store.Store, a Appender, refused func(error) bool, fn func(tx store.Tx) (*Entry, error)) error {
	var refusal error
	var audited bool
	err := st.Update(ctx, func(tx store.Tx) error {
		refusal, audited = nil, false
		e, err := fn(tx)
		if err != nil && !refused(err) {
			return err
		}
		refusal = err
		if e == nil || a == nil {
			return nil
		}
		audited = true
		return a.Append(ctx, tx, *e)
	})
	if err != nil {
		return err
	}
	if audited {
		a.Notify()
	}
	return refusal
}
