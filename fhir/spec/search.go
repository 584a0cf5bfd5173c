package spec

import (
	"sort"
	"sync"
)

// SearchParamDef is one R4 SearchParameter definition as it applies to one
// resource type (its Base).
type SearchParamDef struct {
	// Code is the name used in URLs ("birthdate", "_lastUpdated").
	Code string
	// Type is the search parameter type code: number, date, string, token,
	// reference, composite, quantity, uri or special.
	Type string
	// URL is the canonical URL of the definition.
	URL string
	// Base is the type the definition is declared on and that this
	// Expression applies to: the resource type itself, or "Resource" or
	// "DomainResource" for the parameters every resource inherits.
	Base string
	// Expression is the FHIRPath expression narrowed to Base: of a union
	// over several bases ("AllergyIntolerance.code | Condition.code") only
	// the top-level branches that start with Base are kept. It is the full
	// expression when the union cannot be narrowed (a branch starts with no
	// base, as in InsurancePlan's "name | alias"), and empty for parameters
	// without one (_text, _content, _query).
	Expression string
	// Targets are the resource types a reference parameter may point to,
	// sorted; nil for other types (and for the few reference parameters
	// whose definition lists none).
	Targets []string
	// Components are the parts of a composite parameter, in order.
	Components []SearchComponentDef
}

// SearchComponentDef is one component of a composite SearchParameter.
type SearchComponentDef struct {
	// Definition is the canonical URL of the SearchParameter the component
	// reuses; SearchParamByURL resolves it.
	Definition string
	// Expression is evaluated relative to the node the composite's
	// expression selects.
	Expression string
}

// searchParamRow and searchBaseRow are the compact forms the generator
// writes into zz_search.go.
type searchParamRow struct {
	url, code, typ string
	bases          []searchBaseRow
	targets        []string
	components     []SearchComponentDef
}

type searchBaseRow struct {
	name, expr string
}

func (r *searchParamRow) def(b searchBaseRow) SearchParamDef {
	return SearchParamDef{Code: r.code, Type: r.typ, URL: r.url, Base: b.name, Expression: b.expr, Targets: r.targets, Components: r.components}
}

// searchByBase maps each base type to the definitions declared on it.
var searchByBase = sync.OnceValue(func() map[string][]SearchParamDef {
	m := make(map[string][]SearchParamDef)
	for i := range searchParamDefs {
		r := &searchParamDefs[i]
		for _, b := range r.bases {
			m[b.name] = append(m[b.name], r.def(b))
		}
	}
	return m
})

// SearchParams returns the search parameters of resource type rt, including
// those it inherits from DomainResource and Resource, sorted by code. It
// returns nil when rt is not a resource type (concrete or abstract). The
// slice is fresh; the Targets and Components of its elements are shared and
// must not be modified.
func SearchParams(rt string) []SearchParamDef {
	t := LookupType(rt)
	if t == nil || t.Kind != KindResource {
		return nil
	}
	byBase := searchByBase()
	var out []SearchParamDef
	for ; t != nil; t = LookupType(t.Base) {
		out = append(out, byBase[t.Name]...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// SearchParamByURL returns the definition with canonical URL url as it
// applies to its first base (the only one for all but the few R4
// definitions shared by several resource types, such as clinical-code;
// SearchParams gives the others), and false when there is none.
func SearchParamByURL(url string) (SearchParamDef, bool) {
	i := sort.Search(len(searchParamDefs), func(i int) bool { return searchParamDefs[i].url >= url })
	if i == len(searchParamDefs) || searchParamDefs[i].url != url {
		return SearchParamDef{}, false
	}
	r := &searchParamDefs[i]
	return r.def(r.bases[0]), true
}
