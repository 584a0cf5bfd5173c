package resources

import (
	"context"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/store"
)

// Transactions processes several transaction bundles in one store
// transaction (group commit, for imports): each bundle is processed exactly
// as Transaction would, in the order given, and gets its own audit entry, in
// the same store transaction as its writes. The group is all-or-nothing: if
// any bundle fails, nothing of any bundle is written, every bundle's
// resources are restored to what the caller passed, and the error is
// returned (with the index of the bundle that failed when it is known,
// else -1). A caller that needs to know which bundles are good runs them
// again one by one with Transaction.
//
// On success the responses are in the order of bundles.
func (s *Service) Transactions(ctx context.Context, bundles []map[string]any) ([]*BundleResponse, int, error) {
	groups := make([][]*op, len(bundles))
	for i, b := range bundles {
		ops, err := s.parseEntries(b, "transaction")
		if err != nil {
			return nil, i, err
		}
		if err := checkDistinctTargets(ops); err != nil {
			return nil, i, err
		}
		for _, o := range ops {
			if err := authorize(ctx, o); err != nil {
				return nil, i, entryErr(o.index, err)
			}
		}
		groups[i] = ops
	}
	for i, ops := range groups {
		if err := s.validateEntries(ops); err != nil {
			return nil, i, err
		}
		assignIDs(s, ops)
	}
	failed := -1
	var undo undoLog
	var wrote bool
	err := s.st.Update(ctx, func(tx store.Tx) error {
		undo.revert()
		failed, wrote = -1, false
		for i, ops := range groups {
			for _, o := range ops {
				o.result, o.skip, o.target, o.prev, o.prep = Result{}, false, "", store.Version{}, nil
			}
			tt := &trackingTx{Tx: tx, s: s}
			if err := s.runTransaction(ctx, tt, ops, &undo); err != nil {
				failed = i
				return err
			}
			if len(tt.writes) == 0 {
				continue
			}
			wrote = true
			if s.opts.Audit != nil {
				if err := s.opts.Audit.Written(ctx, tx, writeAction(tt.writes), tt.writes); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		undo.revert()
		return nil, failed, err
	}
	if wrote && s.opts.Audit != nil {
		if ev := audit.EventFrom(ctx); ev != nil {
			ev.MarkRecorded()
		}
		s.opts.Audit.Notify()
	}
	out := make([]*BundleResponse, len(groups))
	for i, ops := range groups {
		out[i] = &BundleResponse{kind: "transaction-response", ops: ops}
	}
	return out, -1, nil
}
