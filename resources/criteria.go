package resources

import (
	"context"
	"net/url"
	"strings"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/index"
	"github.com/yitong-health/yitong/store"
)

// Criteria are the search criteria of a conditional interaction or a
// conditional reference ("identifier=http://x|123&birthdate=1990"): any
// search parameters of the type, parsed strictly. Unknown parameters and
// result parameters (_sort, _count, _include, ...) are refused rather than
// ignored: ignoring one could make a conditional update overwrite the wrong
// resource.
type Criteria struct {
	Type string
	q    *search.Query
	reg  *search.Registry
}

// ParseCriteria parses a query string of criteria for resource type typ.
//
// A query that repeats the type ("Patient?identifier=…", as some clients
// send in If-None-Exist) is accepted when the type is typ.
func ParseCriteria(typ, query string) (Criteria, error) {
	return parseCriteria(search.DefaultRegistry(), typ, query)
}

// parseCriteria parses criteria with the parameters of reg.
func parseCriteria(reg *search.Registry, typ, query string) (Criteria, error) {
	c := Criteria{Type: typ, reg: reg}
	if rest, ok := strings.CutPrefix(query, typ+"?"); ok {
		query = rest
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return c, fhir.Errorf(fhir.IssueInvalid, "the search criteria %q are not a valid query string: %v", clip(query), err)
	}
	if len(vals) == 0 {
		return c, fhir.Errorf(fhir.IssueInvalid, "conditional %s without search criteria", typ)
	}
	for name := range vals {
		if isResultParam(name) {
			return c, fhir.Errorf(fhir.IssueNotSupported, "%q is not a search criterion; conditional operations take search parameters only", name)
		}
	}
	q, err := search.Parse(typ, vals, search.ParseOptions{Registry: reg})
	if err != nil {
		return c, err
	}
	if err := checkSearchable(q.Filters); err != nil {
		return c, err
	}
	if len(q.Filters) == 0 {
		return c, fhir.Errorf(fhir.IssueInvalid, "conditional %s without search criteria", typ)
	}
	c.q = q
	return c, nil
}

// isResultParam reports whether name (with any modifier) is a parameter that
// shapes results instead of selecting resources.
func isResultParam(name string) bool {
	base, _, _ := strings.Cut(name, ":")
	switch base {
	case "_count", "_sort", "_include", "_revinclude", "_total", "_summary", "_elements", "_contained", "_containedType", "_format", "_pretty", "_type":
		return true
	}
	return false
}

func clip(s string) string {
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}

// Find returns the ids of current resources matching c, in creation order,
// at most limit.
func (c Criteria) Find(ctx context.Context, tx store.Tx, limit int) ([]string, error) {
	q, err := withTerminology(ctx, tx, c.reg, c.q)
	if err != nil {
		return nil, err
	}
	page, err := tx.Search(ctx, store.SearchRequest{Query: q, Count: limit, Registry: c.reg})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, v := range page.Matches {
		ids = append(ids, v.ID)
	}
	return ids, nil
}

// Matches reports whether a resource that is not stored yet (one created in
// the same bundle), with the given id and index entries, matches c.
// Criteria with token :in, :not-in, :above or :below cannot be matched so
// (a not-supported error).
// Transactions use it to resolve conditional references.
func (c Criteria) Matches(typ, id string, idx store.Index) (bool, error) {
	if typ != c.Type {
		return false, nil
	}
	return index.Match(idx, id, c.q.Filters)
}
