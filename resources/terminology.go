package resources

import (
	"context"
	"fmt"
	"strings"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/store"
)

// MaxExpansion bounds the codes one token filter with :in, :not-in,
// :above or :below may stand for; a larger expansion is refused as too
// costly.
const MaxExpansion = 1000

// termModifier reports whether f is a token filter whose codes come from
// terminology stored on the server.
func termModifier(f *search.Filter) bool {
	if f.Param == nil || f.Param.Type != search.TypeToken {
		return false
	}
	switch f.Modifier {
	case search.ModifierIn, search.ModifierNotIn, search.ModifierAbove, search.ModifierBelow:
		return true
	}
	return false
}

// needsTerminology reports whether some filter, chained or in a reverse
// chain, is a termModifier filter.
func needsTerminology(fs []search.Filter) bool {
	for i := range fs {
		f := &fs[i]
		switch {
		case termModifier(f):
			return true
		case f.Has != nil && needsTerminology([]search.Filter{f.Has.Filter}):
			return true
		case f.Chain != nil && needsTerminology([]search.Filter{*f.Chain}):
			return true
		}
	}
	return false
}

// withTerminology returns q, or when some filter uses :in, :not-in, :above
// or :below on a token, a copy of q whose such filters are plain token
// filters over the codes they stand for (see expander). q is not changed,
// so its canonical form (the self link) keeps the modifiers.
func withTerminology(ctx context.Context, tx store.Tx, reg *search.Registry, q *search.Query) (*search.Query, error) {
	if !needsTerminology(q.Filters) {
		return q, nil
	}
	x := &expander{ctx: ctx, tx: tx, reg: reg, valueSets: map[string][]coding{}, systems: map[string]*codeTree{}}
	c := *q
	c.Filters = make([]search.Filter, len(q.Filters))
	for i := range q.Filters {
		f, err := x.filter(q.Filters[i])
		if err != nil {
			return nil, err
		}
		c.Filters[i] = f
	}
	return &c, nil
}

// coding is one system|code pair.
type coding struct{ system, code string }

// expander resolves terminology modifiers within one transaction, reading
// each ValueSet and CodeSystem once.
type expander struct {
	ctx       context.Context
	tx        store.Tx
	reg       *search.Registry
	valueSets map[string][]coding
	systems   map[string]*codeTree
}

// filter returns f with its termModifier filters (f itself, its chain, its
// reverse chain's filter) rewritten:
//
//   - :in → the codes of the ValueSets named (OR);
//   - :not-in → :not over those codes (resources with none of them,
//     including those without a value);
//   - :below → each system|code and its descendants in the code system;
//   - :above → each system|code and its ancestors.
func (x *expander) filter(f search.Filter) (search.Filter, error) {
	switch {
	case f.Has != nil:
		h := *f.Has
		in, err := x.filter(h.Filter)
		if err != nil {
			return f, err
		}
		h.Filter = in
		f.Has = &h
		return f, nil
	case f.Chain != nil:
		c, err := x.filter(*f.Chain)
		if err != nil {
			return f, err
		}
		f.Chain = &c
		return f, nil
	case !termModifier(&f):
		return f, nil
	}
	name := f.Param.Code + ":" + f.Modifier.String()
	var codes []coding
	seen := map[coding]bool{}
	for _, v := range f.Values {
		var cs []coding
		var err error
		switch f.Modifier {
		case search.ModifierIn, search.ModifierNotIn:
			cs, err = x.valueSet(name, v.Str)
		case search.ModifierBelow:
			cs, err = x.related(name, v.System, v.Code, false)
		case search.ModifierAbove:
			cs, err = x.related(name, v.System, v.Code, true)
		}
		if err != nil {
			return f, err
		}
		for _, c := range cs {
			if !seen[c] {
				seen[c] = true
				codes = append(codes, c)
			}
		}
		if len(codes) > MaxExpansion {
			return f, fhir.Errorf(fhir.IssueTooCostly, "parameter %q: %s stands for more than %d codes; the limit is %d", name, clip(v.Raw), MaxExpansion, MaxExpansion)
		}
	}
	if len(codes) == 0 {
		// Only a ValueSet can be empty: :above and :below keep the code.
		return f, fhir.Errorf(fhir.IssueNotSupported, "parameter %q: the value set has no codes, so the search cannot be run as a code search", name)
	}
	mod := search.ModifierNone
	if f.Modifier == search.ModifierNotIn {
		mod = search.ModifierNot
	}
	vs := make([]search.Value, len(codes))
	for i, c := range codes {
		vs[i] = search.Value{Raw: c.system + "|" + c.code, Str: c.code, System: c.system, HasSystem: true, Code: c.code}
	}
	f.Modifier, f.Values = mod, vs
	return f, nil
}

// find returns the current resource of typ whose url is canonical ("url"
// or "url|version"): the one with that version, or without a version the
// one updated last; nil when there is none.
func (x *expander) find(typ, canonical string) (map[string]any, error) {
	u, version := canonical, ""
	if i := strings.LastIndexByte(canonical, '|'); i >= 0 {
		u, version = canonical[:i], canonical[i+1:]
	}
	urlP, verP, lastP := x.reg.Lookup(typ, "url"), x.reg.Lookup(typ, "version"), x.reg.Lookup(typ, "_lastUpdated")
	if urlP == nil || verP == nil || lastP == nil {
		return nil, fmt.Errorf("terminology: %s has no url, version or _lastUpdated search parameter", typ)
	}
	q := &search.Query{
		Type:    typ,
		Filters: []search.Filter{{Param: urlP, Values: []search.Value{{Raw: u, Str: u}}}},
		Sort:    []search.SortKey{{Param: lastP, Descending: true}},
		Count:   1,
		Total:   search.TotalNone,
	}
	if version != "" {
		q.Filters = append(q.Filters, search.Filter{Param: verP, Values: []search.Value{{Raw: version, Str: version, Code: version}}})
	}
	page, err := x.tx.Search(x.ctx, store.SearchRequest{Query: q, Count: 1, Registry: x.reg})
	if err != nil || len(page.Matches) == 0 {
		return nil, err
	}
	return decodeVersion(page.Matches[0])
}

// valueSet returns the codes of the ValueSet canonical: those of its
// expansion.contains when it has one, else those its compose lists
// (compose.include concepts less compose.exclude concepts). A ValueSet
// that is not stored, and composes that select codes by filter, whole code
// systems or other value sets, are refused: there is no terminology
// service to expand them.
func (x *expander) valueSet(name, canonical string) ([]coding, error) {
	if cs, ok := x.valueSets[canonical]; ok {
		return cs, nil
	}
	vs, err := x.find("ValueSet", canonical)
	if err != nil {
		return nil, err
	}
	if vs == nil {
		return nil, fhir.Errorf(fhir.IssueInvalid, "parameter %q: no ValueSet with url %s is stored on this server", name, clip(canonical))
	}
	id, _ := vs["id"].(string)
	var codes []coding
	if exp, ok := vs["expansion"].(map[string]any); ok {
		codes = expansionCodes(exp["contains"], nil)
	} else {
		compose, ok := vs["compose"].(map[string]any)
		if !ok {
			return nil, fhir.Errorf(fhir.IssueNotSupported, "parameter %q: cannot expand ValueSet/%s (%s): it has neither an expansion nor a compose", name, id, clip(canonical))
		}
		inc, err := composeCodes(compose["include"], "include")
		if err == nil {
			var exc []coding
			if exc, err = composeCodes(compose["exclude"], "exclude"); err == nil {
				drop := map[coding]bool{}
				for _, c := range exc {
					drop[c] = true
				}
				for _, c := range inc {
					if !drop[c] {
						codes = append(codes, c)
					}
				}
			}
		}
		if err != nil {
			return nil, fhir.Errorf(fhir.IssueNotSupported, "parameter %q: cannot expand ValueSet/%s (%s): %v", name, id, clip(canonical), err)
		}
	}
	x.valueSets[canonical] = codes
	return codes, nil
}

// expansionCodes collects the system|code pairs of an expansion's contains
// entries, nested ones too (entries without a code only group others).
func expansionCodes(v any, out []coding) []coding {
	for _, c := range fhir.Objects(v) {
		system, _ := c["system"].(string)
		code, _ := c["code"].(string)
		if code != "" {
			out = append(out, coding{system, code})
		}
		out = expansionCodes(c["contains"], out)
	}
	return out
}

// composeCodes returns the codes listed by compose.include or
// compose.exclude (part names which), or an error saying which entry
// cannot be expanded without a terminology service.
func composeCodes(v any, part string) ([]coding, error) {
	var out []coding
	for i, inc := range fhir.Objects(v) {
		system, _ := inc["system"].(string)
		concepts := fhir.Objects(inc["concept"])
		switch {
		case inc["valueSet"] != nil:
			return nil, fmt.Errorf("compose.%s[%d] takes codes from other value sets", part, i)
		case inc["filter"] != nil:
			return nil, fmt.Errorf("compose.%s[%d] selects codes of %s by filter", part, i, clip(system))
		case system == "":
			return nil, fmt.Errorf("compose.%s[%d] has no system", part, i)
		case len(concepts) == 0:
			return nil, fmt.Errorf("compose.%s[%d] takes every code of %s", part, i, clip(system))
		}
		for _, c := range concepts {
			if code, _ := c["code"].(string); code != "" {
				out = append(out, coding{system, code})
			}
		}
	}
	return out, nil
}

// codeTree is the hierarchy of one code system: each code's parents and
// children.
type codeTree struct {
	parents, children map[string][]string
}

// related returns system|code with its ancestors (up) or descendants
// (down), from the CodeSystem stored with url system. A system without
// one, or whose CodeSystem lists no concepts, and a code the CodeSystem
// does not define are refused.
func (x *expander) related(name, system, code string, up bool) ([]coding, error) {
	t, err := x.tree(name, system)
	if err != nil {
		return nil, err
	}
	if _, ok := t.parents[code]; !ok {
		return nil, fhir.Errorf(fhir.IssueInvalid, "parameter %q: code %s is not defined by the CodeSystem %s stored on this server", name, clip(code), clip(system))
	}
	next := t.children
	if up {
		next = t.parents
	}
	out := []coding{{system, code}}
	seen := map[string]bool{code: true}
	for i := 0; i < len(out) && len(out) <= MaxExpansion; i++ {
		for _, c := range next[out[i].code] {
			if !seen[c] {
				seen[c] = true
				out = append(out, coding{system, c})
			}
		}
	}
	return out, nil
}

// tree returns the hierarchy of the CodeSystem stored with url system:
// nested concepts are children of the concept they are in, and the
// properties "parent" and "child" (valueCode) link concepts too.
func (x *expander) tree(name, system string) (*codeTree, error) {
	if t, ok := x.systems[system]; ok {
		return t, nil
	}
	cs, err := x.find("CodeSystem", system)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return nil, fhir.Errorf(fhir.IssueNotSupported, "parameter %q: the server knows no hierarchy for code system %s (no CodeSystem with that url is stored)", name, clip(system))
	}
	t := &codeTree{parents: map[string][]string{}, children: map[string][]string{}}
	link := func(parent, child string) {
		t.parents[child] = append(t.parents[child], parent)
		t.children[parent] = append(t.children[parent], child)
	}
	var walk func(v any, parent string)
	walk = func(v any, parent string) {
		for _, c := range fhir.Objects(v) {
			code, _ := c["code"].(string)
			if code == "" {
				continue
			}
			if _, ok := t.parents[code]; !ok {
				t.parents[code] = nil
			}
			if parent != "" {
				link(parent, code)
			}
			for _, p := range fhir.Objects(c["property"]) {
				other, _ := p["valueCode"].(string)
				switch p["code"] {
				case "parent":
					if other != "" {
						link(other, code)
					}
				case "child":
					if other != "" {
						link(code, other)
					}
				}
			}
			walk(c["concept"], code)
		}
	}
	walk(cs["concept"], "")
	if len(t.parents) == 0 {
		id, _ := cs["id"].(string)
		return nil, fhir.Errorf(fhir.IssueNotSupported, "parameter %q: the server knows no hierarchy for code system %s (CodeSystem/%s lists no concepts)", name, clip(system), id)
	}
	x.systems[system] = t
	return t, nil
}
