package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/store"
)

// maxIncludeRounds bounds the rounds of _include:iterate and
// _revinclude:iterate.
const maxIncludeRounds = 4

// builder returns an SQL builder whose parameter numbers come from t and
// parameters from reg (nil: the default registry).
func (t *tx) builder(ctx context.Context, now time.Time, reg *search.Registry) *sqlBuilder {
	if reg == nil {
		reg = search.DefaultRegistry()
	}
	return &sqlBuilder{
		pid:    func(typ, code string) (int64, error) { return t.pid(ctx, typ, code, false) },
		lookup: reg.Lookup,
		now:    now,
		join:   t.d.joinKeyword(),
		perRow: t.d.PerRowSuffix,
	}
}

// searchTypes returns the resource types a query searches.
func searchTypes(q *search.Query) []string {
	if q.Type != "" {
		return []string{q.Type}
	}
	if len(q.Types) > 0 {
		return q.Types
	}
	return spec.ResourceTypes()
}

// matchSQL writes the SELECT of the matching rows: the version columns, one
// column per sort key, then rid. It returns the sort keys.
func (s *sqlBuilder) matchSQL(q *search.Query, c *cursor, limit int) ([]sortKey, error) {
	types := searchTypes(q)
	keys, err := s.sortKeys("r", types, q)
	if err != nil {
		return nil, err
	}
	s.w("SELECT ", versionCols)
	for _, k := range keys {
		s.w(", ", k.expr)
		s.args = append(s.args, k.args...)
	}
	s.w(", r.rid")
	s.ridPage = len(keys) == 0
	order, err := s.fromWhere("r", " JOIN resource_versions v ON v.seq = r.seq", types, allTypes(q), q.Filters)
	if err != nil {
		return nil, err
	}
	if c != nil {
		s.keyset(order, keys, *c)
	}
	s.orderBy(order, keys, c != nil && c.Backward)
	s.w(" LIMIT ")
	s.arg(limit)
	return keys, nil
}

// allTypes reports whether q searches every resource type.
func allTypes(q *search.Query) bool { return q.Type == "" && len(q.Types) == 0 }

// typeCond writes the resource type condition on alias r.
func (s *sqlBuilder) typeCond(r string, types []string) {
	if len(types) == 1 {
		s.w(r, ".res_type = ")
		s.arg(types[0])
		return
	}
	s.w(r, ".res_type IN (", placeholders(len(types)), ")")
	for _, t := range types {
		s.args = append(s.args, t)
	}
}

// countSQL writes a COUNT of all matches of q.
func (s *sqlBuilder) countSQL(q *search.Query) error {
	s.w("SELECT COUNT(*)")
	_, err := s.fromWhere("r", "", searchTypes(q), allTypes(q), q.Filters)
	return err
}

// Search implements store.Tx.
func (t *tx) Search(ctx context.Context, req store.SearchRequest) (store.SearchPage, error) {
	page := store.SearchPage{Total: -1}
	q := req.Query
	if q == nil || req.Count <= 0 {
		return page, fmt.Errorf("search: a query and a positive count are required")
	}
	var cur *cursor
	if req.Cursor != "" {
		probe := t.builder(ctx, t.now, req.Registry)
		keys, err := probe.sortKeys("r", searchTypes(q), q)
		if err != nil {
			return page, err
		}
		c, err := decodeCursor(req.Cursor, keys)
		if err != nil {
			return page, err
		}
		cur = &c
	}
	broad, err := t.probeHas(ctx, req)
	if err != nil {
		return page, err
	}
	b := t.builder(ctx, t.now, req.Registry)
	b.broadHas = broad
	keys, err := b.matchSQL(q, cur, req.Count+1)
	if err != nil {
		return page, err
	}
	vs, sortVals, rids, err := t.scanMatches(ctx, b, keys)
	if err != nil {
		return page, err
	}
	more := len(vs) > req.Count
	if more {
		vs, sortVals, rids = vs[:req.Count], sortVals[:req.Count], rids[:req.Count]
	}
	backward := cur != nil && cur.Backward
	if backward {
		slices.Reverse(vs)
		slices.Reverse(sortVals)
		slices.Reverse(rids)
	}
	page.Matches = vs
	if len(vs) > 0 {
		first := cursor{Vals: sortVals[0], RID: rids[0], Backward: true}
		last := cursor{Vals: sortVals[len(vs)-1], RID: rids[len(vs)-1]}
		if (!backward && more) || backward {
			page.Next = last.encode()
		}
		if (backward && more) || (!backward && cur != nil) {
			page.Prev = first.encode()
		}
	}
	if req.Total {
		cb := t.builder(ctx, t.now, req.Registry)
		cb.broadHas = broad
		if err := cb.countSQL(q); err != nil {
			return page, err
		}
		if page.Total, err = t.countOnce(ctx, cb.b.String(), cb.args...); err != nil {
			return page, fmt.Errorf("search count: %w", err)
		}
	}
	if len(q.Includes) > 0 || len(q.RevIncludes) > 0 {
		if page.Included, err = t.includes(ctx, req, vs, rids); err != nil {
			return page, err
		}
	}
	return page, nil
}

// scanMatches runs a match statement and returns the versions, each row's
// sort values and rid.
func (t *tx) scanMatches(ctx context.Context, b *sqlBuilder, keys []sortKey) ([]store.Version, [][]any, []int64, error) {
	rows, err := t.queryOnce(ctx, b.b.String(), b.args...)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var vs []store.Version
	var vals [][]any
	var rids []int64
	for rows.Next() {
		raw := make([]any, len(keys))
		extra := make([]any, 0, len(keys)+1)
		for i := range raw {
			extra = append(extra, &raw[i])
		}
		var rid int64
		v, err := scanVersionAnd(rows, append(extra, &rid)...)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("search: scan: %w", err)
		}
		for i, k := range keys {
			if raw[i], err = scanSortVal(raw[i], k.kind); err != nil {
				return nil, nil, nil, fmt.Errorf("search: %w", err)
			}
		}
		vs = append(vs, v)
		rids = append(rids, rid)
		vals = append(vals, raw)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, fmt.Errorf("search: %w", err)
	}
	return vs, vals, rids, nil
}

// errTooManyIncluded is returned when includes exceed the page's bound.
func errTooManyIncluded(limit int) error {
	return fhir.Errorf(fhir.IssueTooCostly, "the _include and _revinclude parameters add more than %d resources to one page; use a smaller _count", limit)
}

// probeHas decides how each top-level reverse chain of the query is
// planned: collecting the referring matches first is fast when they are
// few, and testing each candidate is fast when they are many (the first
// page is then found among the first candidates). It counts the referring
// driver's index rows up to BroadHasLimit, or the distinct resources that
// idx_patient_code pairs with the code up to BroadHasTargets, to tell.
func (t *tx) probeHas(ctx context.Context, req store.SearchRequest) (map[*search.Has]bool, error) {
	var broad map[*search.Has]bool
	for i := range req.Query.Filters {
		h := req.Query.Filters[i].Has
		if h == nil {
			continue
		}
		b := t.builder(ctx, t.now, req.Registry)
		limit, ok, err := b.hasProbe(h, searchTypes(req.Query))
		if err != nil {
			return nil, err
		}
		n := limit
		if ok {
			if n, err = t.countOnce(ctx, b.b.String(), b.args...); err != nil {
				return nil, fmt.Errorf("search: %w", err)
			}
		}
		if n >= limit {
			if broad == nil {
				broad = map[*search.Has]bool{}
			}
			broad[h] = true
		}
	}
	return broad, nil
}
