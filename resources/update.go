package resources

import (
	"context"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// Update stores res as the new version of typ/id. The body's resourceType
// and id must equal typ and id. If the resource does not exist (or was
// deleted) it is created with the client's id (Created set). ifMatch, when
// non-zero, is the version the client expects to replace (412 otherwise).
func (s *Service) Update(ctx context.Context, typ, id string, res map[string]any, ifMatch int64) (Result, error) {
	var out Result
	err := s.update(ctx, func(tx store.Tx) error {
		var err error
		out, err = s.updateTx(ctx, tx, typ, id, res, ifMatch)
		return answered(ctx, tx, out, err)
	})
	return out, err
}

func (s *Service) updateTx(ctx context.Context, tx store.Tx, typ, id string, res map[string]any, ifMatch int64) (Result, error) {
	if err := s.checkTypeID(typ, id); err != nil {
		return Result{}, err
	}
	if err := checkBody(res, typ, id); err != nil {
		return Result{}, err
	}
	prev, err := current(ctx, tx, typ, id)
	if err != nil {
		return Result{}, err
	}
	if err := checkIfMatch(prev, ifMatch, typ, id); err != nil {
		return Result{}, err
	}
	return s.write(ctx, tx, typ, id, res, prev, store.MethodUpdate)
}

// checkBody checks that the body's type and id agree with the URL.
func checkBody(res map[string]any, typ, id string) error {
	rt, _ := res["resourceType"].(string)
	if rt != typ {
		return fhir.ErrorAt(fhir.IssueInvalid, "resourceType", "the body is a %q but the URL names %s", rt, typ)
	}
	bid, ok := res["id"].(string)
	if !ok {
		return fhir.ErrorAt(fhir.IssueRequired, typ+".id", "an update must carry the resource id in the body (expected %q)", id)
	}
	if bid != id {
		return fhir.ErrorAt(fhir.IssueInvalid, typ+".id", "the id in the body (%q) differs from the id in the URL (%q)", bid, id)
	}
	return nil
}

// ConditionalUpdate updates the one resource of type typ matching criteria.
// No match: the resource is created (with the body's id if it has one,
// otherwise a new id). One match: it is updated; a body id must then equal
// the match's id. Several matches: 412.
func (s *Service) ConditionalUpdate(ctx context.Context, typ, criteria string, res map[string]any, ifMatch int64) (Result, error) {
	var out Result
	err := s.update(ctx, func(tx store.Tx) error {
		var err error
		out, err = s.conditionalUpdateTx(ctx, tx, typ, criteria, res, ifMatch)
		return answered(ctx, tx, out, err)
	})
	return out, err
}

func (s *Service) conditionalUpdateTx(ctx context.Context, tx store.Tx, typ, criteria string, res map[string]any, ifMatch int64) (Result, error) {
	id, err := s.resolveConditional(ctx, tx, typ, criteria, "update")
	if err != nil {
		return Result{}, err
	}
	bid, hasID := res["id"].(string)
	switch {
	case id == "" && hasID:
		id = bid
	case id == "":
		id = s.opts.NewID()
		res["id"] = id
	case hasID && bid != id:
		return Result{}, fhir.ErrorAt(fhir.IssueInvalid, typ+".id", "the id in the body (%q) differs from the resource matching the criteria (%q)", bid, id)
	default:
		res["id"] = id
	}
	return s.updateTx(ctx, tx, typ, id, res, ifMatch)
}

// resolveConditional locks typ and returns the id of the single resource
// matching criteria, "" when none does, or a 412 error when several do.
func (s *Service) resolveConditional(ctx context.Context, tx store.Tx, typ, criteria, what string) (string, error) {
	if !s.opts.IsResourceType(typ) {
		return "", fhir.Errorf(fhir.IssueNotSupported, "%q is not a FHIR R4 resource type", typ).WithStatus(404)
	}
	c, err := parseCriteria(s.Registry(), typ, criteria)
	if err != nil {
		return "", err
	}
	if err := tx.LockType(ctx, typ); err != nil {
		return "", err
	}
	ids, err := c.Find(ctx, tx, 2)
	if err != nil {
		return "", err
	}
	switch len(ids) {
	case 0:
		return "", nil
	case 1:
		return ids[0], nil
	default:
		return "", fhir.Errorf(fhir.IssueMultiple, "conditional %s: several %s resources match %q", what, typ, criteria).WithStatus(412)
	}
}
