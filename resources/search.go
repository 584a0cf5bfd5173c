package resources

import (
	"context"
	"net/url"
	"strconv"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// SearchPage is one page of a basic search, in id order.
type SearchPage struct {
	Resources []store.Version
	// After is the id to continue after for the next page ("" if none).
	After string
}

// Search runs a basic type-level search: the criteria conditional
// operations understand (_id, identifier) or, with no criteria, all current
// resources of the type in id order. Unknown parameters are refused, never
// ignored. after continues an earlier page; count bounds the page.
func (s *Service) Search(ctx context.Context, typ string, q url.Values, after string, count int) (SearchPage, error) {
	if !s.opts.IsResourceType(typ) {
		return SearchPage{}, fhir.Errorf(fhir.IssueNotSupported, "%q is not a FHIR R4 resource type", typ).WithStatus(404)
	}
	if count <= 0 {
		count = s.limits.DefaultHistoryCount
	}
	if count > s.limits.MaxHistoryCount {
		return SearchPage{}, fhir.Errorf(fhir.IssueTooCostly, "_count=%d exceeds the limit of %d", count, s.limits.MaxHistoryCount)
	}
	var page SearchPage
	err := s.st.View(ctx, func(tx store.Tx) error {
		if len(q) == 0 {
			vs, err := tx.ListCurrent(ctx, store.CurrentQuery{Types: []string{typ}, AfterType: afterType(typ, after), AfterID: after, Count: count + 1})
			if err != nil {
				return err
			}
			page.Resources = vs
		} else {
			c, err := ParseCriteria(typ, q.Encode())
			if err != nil {
				return err
			}
			// Criteria searches return at most one page: they select by
			// identifier and are small by nature.
			ids, err := c.Find(ctx, tx, s.limits.MaxHistoryCount+1)
			if err != nil {
				return err
			}
			if len(ids) > s.limits.MaxHistoryCount {
				return fhir.Errorf(fhir.IssueTooCostly, "more than %d resources match; narrow the criteria", s.limits.MaxHistoryCount)
			}
			for _, id := range ids {
				if after != "" && id <= after {
					continue
				}
				v, err := tx.Current(ctx, typ, id)
				if err != nil {
					return err
				}
				page.Resources = append(page.Resources, v)
				if len(page.Resources) > count {
					break
				}
			}
		}
		if len(page.Resources) > count {
			page.Resources = page.Resources[:count]
			page.After = page.Resources[count-1].ID
		}
		return nil
	})
	return page, err
}

func afterType(typ, after string) string {
	if after == "" {
		return ""
	}
	return typ
}

// ParseCount reads a _count value.
func ParseCount(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fhir.Errorf(fhir.IssueInvalid, "_count=%q must be a positive integer", v)
	}
	return n, nil
}
