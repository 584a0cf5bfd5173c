package resources

import (
	"context"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/index"
	"github.com/yitong-health/yitong/store"
)

// Auditor records acts that write, inside their transaction, so that no
// write commits without its audit entry. *audit.Log implements it.
type Auditor interface {
	// Written appends the entry of an act that wrote versions, in tx.
	Written(ctx context.Context, tx store.Tx, action string, writes []audit.Write) error
	// Notify tells the auditor that entries were committed.
	Notify()
}

// trackingTx is a write transaction that remembers the versions put
// through it, for the audit entry of the act.
type trackingTx struct {
	store.Tx
	s      *Service
	writes []audit.Write
}

func (t *trackingTx) Put(ctx context.Context, v store.Version, idx store.Index) (store.Version, error) {
	patients := index.PatientsOf(v.Type, v.ID, idx)
	if g := guardFrom(ctx); g != nil {
		var before []string
		prev, err := t.Tx.Current(ctx, v.Type, v.ID)
		switch {
		case err == nil:
			if before, err = t.s.PatientsOf(prev); err != nil {
				return store.Version{}, err
			}
		case fhir.CodeOf(err) != fhir.IssueNotFound:
			return store.Version{}, err
		}
		if err := g.Write(ctx, v.Type, v.ID, before, patients); err != nil {
			return store.Version{}, err
		}
	}
	out, err := t.Tx.Put(ctx, v, idx)
	if err == nil {
		t.writes = append(t.writes, audit.Write{Version: v, Patients: patients})
	}
	return out, err
}

// update runs fn in a write transaction and, when fn wrote versions,
// appends the act's audit entry in the same transaction (see Auditor);
// the context's audit event is then marked recorded. With an Idempotent in
// the context, its Begin runs first in the transaction.
func (s *Service) update(ctx context.Context, fn func(tx store.Tx) error) error {
	var wrote bool
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if k := idempotentFrom(ctx); k != nil {
			if err := k.Begin(ctx, tx); err != nil {
				return err
			}
		}
		tt := &trackingTx{Tx: tx, s: s}
		if err := fn(tt); err != nil {
			return err
		}
		wrote = len(tt.writes) > 0
		if !wrote || s.opts.Audit == nil {
			return nil
		}
		return s.opts.Audit.Written(ctx, tx, writeAction(tt.writes), tt.writes)
	})
	if err == nil && wrote && s.opts.Audit != nil {
		if ev := audit.EventFrom(ctx); ev != nil {
			ev.MarkRecorded()
		}
		s.opts.Audit.Notify()
	}
	return err
}

// writeAction names a write act by the methods of its versions when no
// audit event names it (writes outside HTTP, such as imports).
func writeAction(ws []audit.Write) string {
	m := ws[0].Version.Method
	for _, w := range ws[1:] {
		if w.Version.Method != m {
			return "write"
		}
	}
	switch m {
	case store.MethodCreate:
		return "create"
	case store.MethodUpdate:
		return "update"
	case store.MethodPatch:
		return "patch"
	case store.MethodDelete:
		return "delete"
	}
	return "write"
}
