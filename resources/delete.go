package resources

import (
	"context"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// Delete records the deletion of typ/id as a new version; earlier versions
// stay readable through vread and history. A resource that never existed is
// a not-found error; deleting an already deleted resource writes nothing and
// returns Unchanged. ifMatch as in Update.
func (s *Service) Delete(ctx context.Context, typ, id string, ifMatch int64) (Result, error) {
	var out Result
	err := s.update(ctx, func(tx store.Tx) error {
		var err error
		out, err = s.deleteTx(ctx, tx, typ, id, ifMatch)
		return answered(ctx, tx, out, err)
	})
	return out, err
}

func (s *Service) deleteTx(ctx context.Context, tx store.Tx, typ, id string, ifMatch int64) (Result, error) {
	if err := s.checkTypeID(typ, id); err != nil {
		return Result{}, err
	}
	prev, err := tx.Current(ctx, typ, id)
	if err != nil {
		return Result{}, notFoundAs(err, typ, id)
	}
	if err := checkIfMatch(prev, ifMatch, typ, id); err != nil {
		return Result{}, err
	}
	if prev.Deleted {
		return Result{Version: prev, Unchanged: true}, nil
	}
	now := tx.Now()
	v, err := tx.Put(ctx, store.Version{
		Type: typ, ID: id, VersionID: prev.VersionID + 1, LastUpdated: now,
		Method: store.MethodDelete, Deleted: true,
	}, store.Index{})
	if err != nil {
		return Result{}, err
	}
	return Result{Version: v}, nil
}

// ConditionalDelete deletes the one resource of typ matching criteria. No
// match is a not-found error; several matches a 412 (Yitong deletes single
// matches only, so a loose criterion cannot wipe many resources).
func (s *Service) ConditionalDelete(ctx context.Context, typ, criteria string) (Result, error) {
	var out Result
	err := s.update(ctx, func(tx store.Tx) error {
		id, err := s.resolveConditional(ctx, tx, typ, criteria, "delete")
		if err != nil {
			return err
		}
		if id == "" {
			return fhir.Errorf(fhir.IssueNotFound, "conditional delete: no %s matches %q", typ, criteria)
		}
		out, err = s.deleteTx(ctx, tx, typ, id, 0)
		return answered(ctx, tx, out, err)
	})
	return out, err
}
