package resources

import (
	"context"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// Create stores res as a new resource with a server-assigned id (any id in
// the body is ignored, as the spec requires). With ifNoneExist set (the
// If-None-Exist criteria) it is a conditional create: if one resource
// matches, nothing is written and that resource is returned with Unchanged
// set; if several match, the error has status 412. Concurrent conditional
// creates with the same criteria never produce two resources.
func (s *Service) Create(ctx context.Context, res map[string]any, ifNoneExist string) (Result, error) {
	var out Result
	err := s.update(ctx, func(tx store.Tx) error {
		var err error
		out, err = s.createTx(ctx, tx, res, ifNoneExist, "")
		return answered(ctx, tx, out, err)
	})
	return out, err
}

// createTx creates res inside tx. id, when non-empty, is the id to use (a
// transaction assigns ids before it writes).
func (s *Service) createTx(ctx context.Context, tx store.Tx, res map[string]any, ifNoneExist, id string) (Result, error) {
	typ, err := s.typeOf(res)
	if err != nil {
		return Result{}, err
	}
	if ifNoneExist != "" {
		if r, found, err := s.matchExisting(ctx, tx, typ, ifNoneExist); err != nil || found {
			return r, err
		}
	}
	if id == "" {
		id = s.opts.NewID()
	}
	return s.write(ctx, tx, typ, id, res, store.Version{}, store.MethodCreate)
}

// matchExisting locks typ and evaluates conditional-create criteria; found
// is true when exactly one resource matches (returned as an unchanged
// result).
func (s *Service) matchExisting(ctx context.Context, tx store.Tx, typ, criteria string) (Result, bool, error) {
	c, err := parseCriteria(s.Registry(), typ, criteria)
	if err != nil {
		return Result{}, false, err
	}
	if err := tx.LockType(ctx, typ); err != nil {
		return Result{}, false, err
	}
	ids, err := c.Find(ctx, tx, 2)
	if err != nil {
		return Result{}, false, err
	}
	switch len(ids) {
	case 0:
		return Result{}, false, nil
	case 1:
		v, err := tx.Current(ctx, typ, ids[0])
		if err != nil {
			return Result{}, false, err
		}
		r, err := decodeVersion(v)
		if err != nil {
			return Result{}, false, err
		}
		return Result{Version: v, Resource: r, Unchanged: true}, true, nil
	default:
		return Result{}, false, fhir.Errorf(fhir.IssueMultiple, "conditional create: several %s resources match %q", typ, criteria).WithStatus(412)
	}
}
