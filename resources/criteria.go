package resources

import (
	"context"
	"net/url"
	"sort"
	"strings"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// Criteria are the search criteria of a conditional interaction or a
// conditional reference ("identifier=http://x|123&_id=7"). Until full search
// arrives, the parameters understood are _id and identifier (token, with
// optional system, comma for OR, repetition for AND). Any other parameter is
// refused with not-supported rather than ignored: ignoring it could make a
// conditional update overwrite the wrong resource.
type Criteria struct {
	Type string
	ids  [][]string           // AND of OR lists
	toks [][]store.TokenMatch // AND of OR lists
}

// ParseCriteria parses a query string of criteria for resource type typ.
//
// A query that repeats the type ("Patient?identifier=…", as some clients
// send in If-None-Exist) is accepted when the type is typ.
func ParseCriteria(typ, query string) (Criteria, error) {
	c := Criteria{Type: typ}
	if rest, ok := strings.CutPrefix(query, typ+"?"); ok {
		query = rest
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return c, fhir.Errorf(fhir.IssueInvalid, "the search criteria %q are not a valid query string: %v", query, err)
	}
	if len(vals) == 0 {
		return c, fhir.Errorf(fhir.IssueInvalid, "conditional %s without search criteria", typ)
	}
	names := make([]string, 0, len(vals))
	for k := range vals {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range vals[name] {
			if v == "" {
				return c, fhir.Errorf(fhir.IssueInvalid, "search parameter %q has an empty value", name)
			}
			alts := strings.Split(v, ",")
			switch name {
			case "_id":
				c.ids = append(c.ids, alts)
			case "identifier":
				var ors []store.TokenMatch
				for _, a := range alts {
					m := store.TokenMatch{Param: "identifier"}
					if sys, code, ok := strings.Cut(a, "|"); ok {
						m.System = &sys
						m.Code = code
					} else {
						m.Code = a
					}
					if m.Code == "" {
						return c, fhir.Errorf(fhir.IssueNotSupported, "identifier search without a value (%q) is not supported in conditional operations", a)
					}
					ors = append(ors, m)
				}
				c.toks = append(c.toks, ors)
			default:
				return c, fhir.Errorf(fhir.IssueNotSupported, "search parameter %q is not supported in conditional operations on %s (supported: _id, identifier)", name, typ)
			}
		}
	}
	return c, nil
}

// Find returns the ids of current resources matching c, in id order, at
// most limit.
func (c Criteria) Find(ctx context.Context, tx store.Tx, limit int) ([]string, error) {
	if len(c.ids) == 0 {
		return tx.FindTokens(ctx, c.Type, c.toks, limit)
	}
	// _id narrows to a few candidates: load each and match in memory.
	var ids []string
	for _, id := range dedupe(sortedCopy(c.ids[0])) {
		if !c.matchesID(id) {
			continue
		}
		v, err := tx.Current(ctx, c.Type, id)
		if fhir.CodeOf(err) == fhir.IssueNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		if v.Deleted {
			continue
		}
		if len(c.toks) > 0 {
			res, err := fhir.Decode(v.Body, 0)
			if err != nil {
				return nil, err
			}
			if !c.Matches(id, res) {
				continue
			}
		}
		ids = append(ids, id)
	}
	return capIDs(ids, limit), nil
}

func sortedCopy(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}

func capIDs(ids []string, limit int) []string {
	if len(ids) > limit {
		return ids[:limit]
	}
	return ids
}

func dedupe(sorted []string) []string {
	out := sorted[:0]
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func (c Criteria) matchesID(id string) bool {
	for _, ors := range c.ids {
		ok := false
		for _, a := range ors {
			if a == id {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// Matches reports whether an in-memory resource with the given id matches c.
// Transactions use it to resolve conditional references to resources created
// in the same bundle.
func (c Criteria) Matches(id string, res map[string]any) bool {
	if rt, _ := res["resourceType"].(string); rt != c.Type || !c.matchesID(id) {
		return false
	}
	tokens := indexOf(res).Tokens
	for _, ors := range c.toks {
		ok := false
		for _, m := range ors {
			for _, t := range tokens {
				if t.Param == m.Param && t.Code == m.Code && (m.System == nil || *m.System == t.System) {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
