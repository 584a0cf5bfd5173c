package sqlstore

import (
	"context"
	"fmt"

	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/store"
)

// found is a resource in a search result with its rid.
type found struct {
	v   store.Version
	rid int64
}

// includes returns the resources that q's _include and _revinclude add to
// the matches: first from the matches, then, for the :iterate ones, from
// what the previous round added, until a round adds nothing (at most
// maxIncludeRounds rounds). Each resource appears once, and never when it
// is a match. More than limit resources is a too-costly error.
func (t *tx) includes(ctx context.Context, req store.SearchRequest, matches []store.Version, rids []int64) ([]store.Version, error) {
	q, limit, reg := req.Query, req.MaxIncluded, req.Registry
	if reg == nil {
		reg = search.DefaultRegistry()
	}
	seen := make(map[[2]string]bool, len(matches))
	frontier := make([]found, len(matches))
	for i, v := range matches {
		seen[[2]string{v.Type, v.ID}] = true
		frontier[i] = found{v, rids[i]}
	}
	var out []store.Version
	for round := 0; round < maxIncludeRounds && len(frontier) > 0; round++ {
		var next []found
		add := func(fs []found) error {
			for _, f := range fs {
				k := [2]string{f.v.Type, f.v.ID}
				if seen[k] {
					continue
				}
				seen[k] = true
				out = append(out, f.v)
				next = append(next, f)
				if limit > 0 && len(out) > limit {
					return errTooManyIncluded(limit)
				}
			}
			return nil
		}
		for _, inc := range q.Includes {
			if round > 0 && !inc.Iterate {
				continue
			}
			fs, err := t.includeForward(ctx, reg, inc, frontier)
			if err != nil {
				return nil, err
			}
			if err := add(fs); err != nil {
				return nil, err
			}
		}
		for _, inc := range q.RevIncludes {
			if round > 0 && !inc.Iterate {
				continue
			}
			fs, err := t.includeReverse(ctx, reg, inc, frontier)
			if err != nil {
				return nil, err
			}
			if err := add(fs); err != nil {
				return nil, err
			}
		}
		frontier = next
	}
	return out, nil
}

// refParams returns the codes of the reference parameters an include uses:
// its parameter, or for "Source:*" every reference parameter of Source.
func refParams(reg *search.Registry, inc search.Include) []string {
	if inc.Param != nil {
		return []string{inc.Param.Code}
	}
	var codes []string
	for _, p := range reg.Params(inc.Source) {
		if p.Type == search.TypeReference {
			codes = append(codes, p.Code)
		}
	}
	return codes
}

// includeForward returns the resources that frontier resources of type
// inc.Source reference through inc's parameters.
func (t *tx) includeForward(ctx context.Context, reg *search.Registry, inc search.Include, frontier []found) ([]found, error) {
	var rids []any
	for _, f := range frontier {
		if f.v.Type == inc.Source {
			rids = append(rids, f.rid)
		}
	}
	codes := refParams(reg, inc)
	if len(rids) == 0 || len(codes) == 0 {
		return nil, nil
	}
	b := t.builder(ctx, t.now, reg)
	b.w("SELECT ", versionCols, ", r.rid FROM idx_ref x JOIN resources r ON r.res_type = x.target_type AND r.res_id = x.target_id JOIN resource_versions v ON v.seq = r.seq WHERE x.rid IN (", placeholders(len(rids)), ")")
	b.args = append(b.args, rids...)
	if err := b.pidsIn("x.pid", inc.Source, codes); err != nil {
		return nil, err
	}
	if inc.TargetType != "" {
		b.w(" AND x.target_type = ")
		b.arg(inc.TargetType)
	}
	b.w(" AND r.deleted = 0 ORDER BY r.rid")
	return t.scanFound(ctx, b)
}

// includeReverse returns the resources of type inc.Source that reference a
// frontier resource through inc's parameters.
func (t *tx) includeReverse(ctx context.Context, reg *search.Registry, inc search.Include, frontier []found) ([]found, error) {
	codes := refParams(reg, inc)
	if len(codes) == 0 {
		return nil, nil
	}
	byType := map[string][]any{}
	var types []string
	for _, f := range frontier {
		if inc.TargetType != "" && f.v.Type != inc.TargetType {
			continue
		}
		if byType[f.v.Type] == nil {
			types = append(types, f.v.Type)
		}
		byType[f.v.Type] = append(byType[f.v.Type], f.v.ID)
	}
	var out []found
	for _, typ := range types {
		ids := byType[typ]
		b := t.builder(ctx, t.now, reg)
		b.w("SELECT ", versionCols, ", r.rid FROM idx_ref x JOIN resources r ON r.rid = x.rid JOIN resource_versions v ON v.seq = r.seq WHERE x.target_type = ")
		b.arg(typ)
		b.w(" AND x.target_id IN (", placeholders(len(ids)), ")")
		b.args = append(b.args, ids...)
		if err := b.pidsIn("x.pid", inc.Source, codes); err != nil {
			return nil, err
		}
		b.w(" AND r.deleted = 0 ORDER BY r.rid")
		fs, err := t.scanFound(ctx, b)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

// pidsIn writes " AND " and the condition that col holds the number of
// one of the given parameters of typ.
func (s *sqlBuilder) pidsIn(col, typ string, codes []string) error {
	keys := make([]paramKey, len(codes))
	for i, c := range codes {
		keys[i] = paramKey{typ, c}
	}
	s.w(" AND ")
	return s.pidIn(col, keys)
}

func (t *tx) scanFound(ctx context.Context, b *sqlBuilder) ([]found, error) {
	rows, err := t.queryOnce(ctx, b.b.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("include: %w", err)
	}
	defer rows.Close()
	var out []found
	for rows.Next() {
		var f found
		var err error
		if f.v, err = scanVersionAnd(rows, &f.rid); err != nil {
			return nil, fmt.Errorf("include: scan: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("include: %w", err)
	}
	return out, nil
}
