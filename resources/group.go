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
		for _, ops := range groups {
			for _, o := range ops {
				o.result, o.skip, o.target, o.prev, o.prep = Result{}, false, "", store.Version{}, nil
			}
		}
		return s.runGroup(ctx, tx, groups, &undo, &failed, &wrote)
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

// runGroup runs the bundles of a group in order inside tx, each with its
// own audit entry. While the writer writes bundle i, bundle i+1 is
// prepared (stamped, encoded, indexed) on the other cores when that cannot
// change its outcome: it only creates (plain POSTs), so its only reads are
// its conditional references, and none of them looks in a type that
// bundles up to i write. Otherwise it is staged after bundle i is written,
// exactly as Transaction would.
func (s *Service) runGroup(ctx context.Context, tx store.Tx, groups [][]*op, undo *undoLog, failed *int, wrote *bool) error {
	now := tx.Now()
	written := map[string]bool{} // types written by the bundles up to the current one
	var cur *staged
	for i, ops := range groups {
		*failed = i
		if cur == nil {
			st, err := s.stageTransaction(ctx, tx, ops, undo)
			if err != nil {
				return err
			}
			if err := s.prepareAll(st.writes, now); err != nil {
				return err
			}
			cur = st
		}
		for _, o := range cur.writes {
			written[o.typ] = true
		}
		// Stage the next bundle early and prepare it while this one is
		// written.
		var next *staged
		var prepDone chan error
		if i+1 < len(groups) && onlyCreates(groups[i+1]) {
			mark := len(*undo)
			st, err := s.stageTransaction(ctx, tx, groups[i+1], undo)
			if err == nil && !overlap(st.condTypes, written) {
				next, prepDone = st, make(chan error, 1)
				go func() { prepDone <- s.prepareAll(st.writes, now) }()
			} else {
				undo.revertTo(mark)
			}
		}
		tt := &trackingTx{Tx: tx, s: s}
		err := s.writeStaged(ctx, tt, cur)
		if err == nil && len(tt.writes) > 0 {
			*wrote = true
			if s.opts.Audit != nil {
				err = s.opts.Audit.Written(ctx, tx, writeAction(tt.writes), tt.writes)
			}
		}
		if prepDone != nil {
			perr := <-prepDone
			if err == nil && perr != nil {
				*failed = i + 1
				return perr
			}
		}
		if err != nil {
			return err
		}
		cur = next
	}
	*failed = -1
	return nil
}

// onlyCreates reports whether every entry is a plain POST (no
// If-None-Exist).
func onlyCreates(ops []*op) bool {
	for _, o := range ops {
		if o.method != "POST" || o.ifNoneExist != "" {
			return false
		}
	}
	return true
}

// overlap reports whether the types looked in (a; "*": any) meet the types
// written (b).
func overlap(a, b map[string]bool) bool {
	if a["*"] && len(b) > 0 {
		return true
	}
	for k := range a {
		if b[k] {
			return true
		}
	}
	return false
}
