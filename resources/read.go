package resources

import (
	"context"
	"strconv"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// Read returns the current version of typ/id. A resource that never existed
// is a not-found error; a deleted one is a deleted error (HTTP 410) — its
// last version is still returned in the Result so callers can set ETag.
func (s *Service) Read(ctx context.Context, typ, id string) (Result, error) {
	if err := s.checkTypeID(typ, id); err != nil {
		return Result{}, err
	}
	var v store.Version
	err := s.st.View(ctx, func(tx store.Tx) error {
		var err error
		v, err = tx.Current(ctx, typ, id)
		return err
	})
	return currentResult(v, err, typ, id)
}

// currentResult turns the outcome of reading typ/id's current version into
// Read's answer: not found, deleted (with the last version) or the
// decoded resource.
func currentResult(v store.Version, err error, typ, id string) (Result, error) {
	if err != nil {
		return Result{}, notFoundAs(err, typ, id)
	}
	if v.Deleted {
		return Result{Version: v}, fhir.Errorf(fhir.IssueDeleted, "%s/%s was deleted (version %d)", typ, id, v.VersionID)
	}
	res, err := decodeVersion(v)
	return Result{Version: v, Resource: res}, err
}

// VRead returns one version of typ/id; a version that records a deletion is
// a deleted error.
func (s *Service) VRead(ctx context.Context, typ, id, vid string) (Result, error) {
	if err := s.checkTypeID(typ, id); err != nil {
		return Result{}, err
	}
	n, err := strconv.ParseInt(vid, 10, 64)
	if err != nil || n < 1 {
		return Result{}, fhir.Errorf(fhir.IssueNotFound, "version %q of %s/%s is not known (versions are positive integers)", vid, typ, id)
	}
	var v store.Version
	err = s.st.View(ctx, func(tx store.Tx) error {
		var err error
		v, err = tx.Version(ctx, typ, id, n)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	if v.Deleted {
		return Result{Version: v}, fhir.Errorf(fhir.IssueDeleted, "version %d of %s/%s records its deletion", n, typ, id)
	}
	res, err := decodeVersion(v)
	return Result{Version: v, Resource: res}, err
}

func notFoundAs(err error, typ, id string) error {
	if fhir.CodeOf(err) == fhir.IssueNotFound {
		return fhir.Errorf(fhir.IssueNotFound, "%s/%s is not known", typ, id)
	}
	return err
}

// checkTypeID validates a type and id taken from a URL.
func (s *Service) checkTypeID(typ, id string) error {
	if !s.opts.IsResourceType(typ) {
		return fhir.Errorf(fhir.IssueNotSupported, "%q is not a FHIR R4 resource type", typ).WithStatus(404)
	}
	if !ValidID(id) {
		return fhir.Errorf(fhir.IssueInvalid, "%q is not a valid resource id (1-64 of A-Z a-z 0-9 - .)", id)
	}
	return nil
}
