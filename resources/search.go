package resources

import (
	"context"
	"net/url"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/store"
)

// MaxIncluded bounds the resources _include and _revinclude add to one page
// of search results.
const MaxIncluded = 1000

// SearchOptions are the request properties of a search that are not search
// parameters.
type SearchOptions struct {
	// Lenient is Prefer: handling=lenient: unknown parameters are ignored
	// and reported instead of refused.
	Lenient bool
	// Cursor continues a page's next or previous link ("" for the first
	// page).
	Cursor string
}

// SearchResult is one page of a search with the parsed query it answers.
type SearchResult struct {
	Query *search.Query
	// Page holds the matches and included resources; Page.Total is -1 when
	// the query asked for no total.
	Page store.SearchPage
}

// Search runs a type-level search (typ set) or a system-level one (typ
// empty) over the current resources. Parameters follow the FHIR R4 search
// rules (see package search); problems with them are 400 errors naming the
// parameter. With _count=0 or _summary=count only the total is computed.
// Token :in, :not-in, :above and :below are resolved from the ValueSet and
// CodeSystem resources stored on the server (see withTerminology).
// The total is counted when _total=accurate or estimate asks for it; by
// default it is given only when the first page holds every match, since
// counting a large result costs as much as reading all of it.
func (s *Service) Search(ctx context.Context, typ string, values url.Values, opts SearchOptions) (*SearchResult, error) {
	if typ != "" && !s.opts.IsResourceType(typ) {
		return nil, fhir.Errorf(fhir.IssueNotSupported, "%q is not a FHIR R4 resource type", typ).WithStatus(404)
	}
	reg := s.Registry()
	q, err := search.Parse(typ, values, search.ParseOptions{Registry: reg, Lenient: opts.Lenient, MaxCount: s.limits.MaxHistoryCount})
	if err != nil {
		return nil, err
	}
	if err := checkSearchable(q.Filters); err != nil {
		return nil, err
	}
	res := &SearchResult{Query: q}
	countOnly := q.Count == 0 || q.Summary == search.SummaryCount
	req := store.SearchRequest{
		Query:       q,
		Count:       max(q.Count, 1),
		Cursor:      opts.Cursor,
		Total:       countOnly || q.Total == search.TotalAccurate || q.Total == search.TotalEstimate,
		MaxIncluded: MaxIncluded,
		Registry:    reg,
	}
	err = s.st.View(ctx, func(tx store.Tx) error {
		if req.Query, err = withTerminology(ctx, tx, reg, q); err != nil {
			return err
		}
		res.Page, err = tx.Search(ctx, req)
		return err
	})
	if err != nil {
		return nil, err
	}
	if p := &res.Page; p.Total < 0 && q.Total != search.TotalNone && opts.Cursor == "" && p.Next == "" {
		// The first page holds every match: the total is known for free.
		p.Total = len(p.Matches)
	}
	if countOnly {
		res.Page.Matches, res.Page.Included, res.Page.Next, res.Page.Prev = nil, nil, "", ""
	}
	return res, nil
}

// Searchable reports whether searches support parameter p: every type but
// special (near), and not the standard parameters with no expression
// except _id, _lastUpdated, _text and _content.
func Searchable(p *search.Param) bool {
	switch {
	case p.Code == "_id", p.Code == "_lastUpdated", search.IsTextParam(p):
		return true
	case p.Type == search.TypeSpecial, p.Expression == "":
		return false
	}
	return true
}

// checkSearchable refuses filters on parameters searches do not support, so
// that they are never silently matched against an empty index.
func checkSearchable(fs []search.Filter) error {
	for i := range fs {
		f := &fs[i]
		switch {
		case f.Has != nil:
			if err := checkSearchable([]search.Filter{f.Has.Filter}); err != nil {
				return err
			}
		case f.Param != nil && !Searchable(f.Param):
			return fhir.Errorf(fhir.IssueNotSupported, "search parameter %q (%s) is not supported yet", f.Param.Code, f.Param.Type)
		case f.Chain != nil:
			if err := checkSearchable([]search.Filter{*f.Chain}); err != nil {
				return err
			}
		}
	}
	return nil
}
