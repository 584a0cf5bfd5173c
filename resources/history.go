package resources

import (
	"context"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// HistoryPage is one page of history, newest first.
type HistoryPage struct {
	Versions []store.Version
	// Total is the number of versions in scope (ignoring paging).
	Total int
	// Next is the cursor for the following page (0: none).
	Next int64
}

// History returns a page of history. typ and id narrow the scope (both
// empty: the whole system). since keeps versions updated at or after it;
// before is a cursor from an earlier page; count the page size (0: the
// default; above the limit: an error). Instance history of a resource that
// never existed is a not-found error; one whose versions since filters out
// is an empty page.
func (s *Service) History(ctx context.Context, typ, id string, since time.Time, before int64, count int) (HistoryPage, error) {
	if typ != "" && !s.opts.IsResourceType(typ) {
		return HistoryPage{}, fhir.Errorf(fhir.IssueNotSupported, "%q is not a FHIR R4 resource type", typ).WithStatus(404)
	}
	if id != "" && !ValidID(id) {
		return HistoryPage{}, fhir.Errorf(fhir.IssueInvalid, "%q is not a valid resource id", id)
	}
	switch {
	case count == 0:
		count = s.limits.DefaultHistoryCount
	case count < 0:
		return HistoryPage{}, fhir.Errorf(fhir.IssueInvalid, "_count must not be negative")
	case count > s.limits.MaxHistoryCount:
		return HistoryPage{}, fhir.Errorf(fhir.IssueTooCostly, "_count=%d exceeds the limit of %d", count, s.limits.MaxHistoryCount)
	}
	var page HistoryPage
	err := s.st.View(ctx, func(tx store.Tx) error {
		q := store.HistoryQuery{Type: typ, ID: id, Since: since, Before: before, Count: count + 1}
		vs, err := tx.History(ctx, q)
		if err != nil {
			return err
		}
		if len(vs) > count {
			vs = vs[:count]
			page.Next = vs[count-1].Seq
		}
		page.Versions = vs
		page.Total, err = tx.HistoryCount(ctx, q)
		if err != nil || id == "" || page.Total > 0 {
			return err
		}
		// Nothing in scope: an empty page when the resource exists (since
		// filtered out all its versions), not-found when it never did.
		_, err = tx.Current(ctx, typ, id)
		return notFoundAs(err, typ, id)
	})
	if err != nil {
		return HistoryPage{}, err
	}
	return page, nil
}
