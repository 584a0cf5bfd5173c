package resources

import (
	"context"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/jsonpatch"
	"github.com/yitong-health/yitong/store"
)

// Patch applies a JSON Patch (RFC 6902) to the current version of typ/id
// and stores the result as a new version. The patched resource must keep
// its resourceType and id and must validate. ifMatch as in Update.
func (s *Service) Patch(ctx context.Context, typ, id string, patch []byte, ifMatch int64) (Result, error) {
	var out Result
	err := s.update(ctx, func(tx store.Tx) error {
		var err error
		out, err = s.patchTx(ctx, tx, typ, id, patch, ifMatch)
		return answered(ctx, tx, out, err)
	})
	return out, err
}

func (s *Service) patchTx(ctx context.Context, tx store.Tx, typ, id string, patch []byte, ifMatch int64) (Result, error) {
	if err := s.checkTypeID(typ, id); err != nil {
		return Result{}, err
	}
	prev, err := tx.Current(ctx, typ, id)
	if err != nil {
		return Result{}, notFoundAs(err, typ, id)
	}
	if prev.Deleted {
		return Result{}, fhir.Errorf(fhir.IssueDeleted, "%s/%s was deleted; a patch needs an existing resource", typ, id)
	}
	if err := checkIfMatch(prev, ifMatch, typ, id); err != nil {
		return Result{}, err
	}
	doc, err := decodeVersion(prev)
	if err != nil {
		return Result{}, err
	}
	patched, err := jsonpatch.Apply(doc, patch)
	if err != nil {
		return Result{}, err
	}
	if err := checkBody(patched, typ, id); err != nil {
		return Result{}, fhir.Errorf(fhir.IssueInvalid, "the patch may not change resourceType or id: %v", err)
	}
	return s.write(ctx, tx, typ, id, patched, prev, store.MethodPatch)
}

// ConditionalPatch patches the one resource matching criteria; none is a
// not-found error, several a 412.
func (s *Service) ConditionalPatch(ctx context.Context, typ, criteria string, patch []byte, ifMatch int64) (Result, error) {
	var out Result
	err := s.update(ctx, func(tx store.Tx) error {
		id, err := s.resolveConditional(ctx, tx, typ, criteria, "patch")
		if err != nil {
			return err
		}
		if id == "" {
			return fhir.Errorf(fhir.IssueNotFound, "conditional patch: no %s matches %q", typ, criteria)
		}
		out, err = s.patchTx(ctx, tx, typ, id, patch, ifMatch)
		return answered(ctx, tx, out, err)
	})
	return out, err
}
