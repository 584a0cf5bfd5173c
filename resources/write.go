package resources

import (
	"context"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// write validates res and stores it (see put).
func (s *Service) write(ctx context.Context, tx store.Tx, typ, id string, res map[string]any, prev store.Version, method store.Method) (Result, error) {
	issues, err := s.validate(res)
	if err != nil {
		return Result{}, err
	}
	return s.put(ctx, tx, typ, id, res, prev, method, issues)
}

// put stamps an already validated res with id and the next version, stores
// it with its index entries and returns the stored version. prev is the
// current version (zero Version when the resource never existed); issues are
// the validator's warnings.
func (s *Service) put(ctx context.Context, tx store.Tx, typ, id string, res map[string]any, prev store.Version, method store.Method, issues []fhir.Issue) (Result, error) {
	vid := prev.VersionID + 1
	now := tx.Now()
	stamp(res, id, vid, now)
	idx, err := s.opts.Index(res)
	if err != nil {
		return Result{}, err
	}
	v, err := tx.Put(ctx, store.Version{
		Type: typ, ID: id, VersionID: vid, LastUpdated: now, Method: method,
		Body: fhir.Marshal(res),
	}, idx)
	if err != nil {
		return Result{}, err
	}
	return Result{Version: v, Resource: res, Created: prev.VersionID == 0 || prev.Deleted, Issues: issues}, nil
}

// current returns the current version of typ/id, or a zero Version (and no
// error) when the resource never existed.
func current(ctx context.Context, tx store.Tx, typ, id string) (store.Version, error) {
	v, err := tx.Current(ctx, typ, id)
	if fhir.CodeOf(err) == fhir.IssueNotFound {
		return store.Version{}, nil
	}
	return v, err
}

// checkIfMatch fails with 412 when ifMatch is set and differs from the
// current version.
func checkIfMatch(prev store.Version, ifMatch int64, typ, id string) error {
	if ifMatch == 0 {
		return nil
	}
	if prev.VersionID == 0 || prev.Deleted {
		return fhir.Errorf(fhir.IssueConflict, "If-Match: %s/%s does not exist", typ, id).WithStatus(412)
	}
	if prev.VersionID != ifMatch {
		return fhir.Errorf(fhir.IssueConflict, "If-Match: version %d was requested but %s/%s is at version %d", ifMatch, typ, id, prev.VersionID).WithStatus(412)
	}
	return nil
}

// decodeVersion decodes a stored version's body.
func decodeVersion(v store.Version) (map[string]any, error) {
	if v.Deleted || v.Body == nil {
		return nil, nil
	}
	return fhir.Decode(v.Body, 0)
}
