package search

import (
	"fmt"
	"regexp"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
)

// Registry holds the search parameters that apply to each resource type:
// the R4 definitions from fhir/spec (each resource type with the parameters
// it inherits from Resource and DomainResource) plus any custom parameters
// added with Add. The abstract types "Resource" and "DomainResource" are
// present too, with the parameters every resource (or every domain
// resource) has.
//
// A Registry is safe for concurrent use; Add publishes a new snapshot, so
// readers never see a half-added parameter. Params it returns are shared
// and must not be modified.
type Registry struct {
	mu     sync.Mutex // serialises Add
	frozen bool       // DefaultRegistry refuses Add
	state  atomic.Pointer[registryState]
}

// registryState is an immutable snapshot of a Registry.
type registryState struct {
	types map[string]*typeParams
}

// typeParams are the parameters of one resource type.
type typeParams struct {
	byCode map[string]*Param
	byURL  map[string]*Param
	sorted []*Param // by code
	// paths holds facts about the elements each parameter's expression
	// reaches (see elementKinds).
	kinds map[*Param]elemKinds
}

// paramCode is the syntax of a parameter code: the R4 codes, and what Add
// accepts for custom ones.
var paramCode = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_\-]*$`)

// DefaultRegistry returns the registry of the R4 search parameters, built
// on first use and shared: Add on it returns an error (build your own with
// NewRegistry to add custom parameters).
func DefaultRegistry() *Registry { return defaultRegistry() }

var defaultRegistry = sync.OnceValue(func() *Registry {
	r := NewRegistry()
	r.frozen = true
	return r
})

// NewRegistry returns a new registry holding the R4 search parameters of
// every resource type (spec.ResourceTypes) and of Resource and
// DomainResource. Composite components are resolved through their
// definition URL to the Param of the same resource type.
func NewRegistry() *Registry {
	st := &registryState{types: make(map[string]*typeParams)}
	names := append(spec.ResourceTypes(), "DomainResource", "Resource")
	for _, rt := range names {
		tp := &typeParams{byCode: map[string]*Param{}, byURL: map[string]*Param{}, kinds: map[*Param]elemKinds{}}
		defs := spec.SearchParams(rt)
		params := make([]Param, len(defs))
		for i, d := range defs {
			p := &params[i]
			*p = Param{Code: d.Code, Resource: rt, Type: typeOfCode(d.Type), URL: d.URL, Expression: d.Expression, Targets: d.Targets}
			tp.byCode[p.Code] = p
			tp.byURL[p.URL] = p
			tp.sorted = append(tp.sorted, p)
		}
		for i, d := range defs {
			for _, c := range d.Components {
				cp := tp.byURL[c.Definition]
				if cp == nil {
					cp = detachedParam(c.Definition)
				}
				params[i].Components = append(params[i].Components, Component{Param: cp, Expression: c.Expression})
			}
		}
		for _, p := range tp.sorted {
			tp.kinds[p] = elementKinds(p.Expression)
		}
		st.types[rt] = tp
	}
	r := &Registry{}
	r.state.Store(st)
	return r
}

// detachedParam returns a Param for the definition url as it applies to
// its first base; used for a composite component defined on another type
// (none in R4). It panics when url is unknown, which the spec tests rule
// out for the generated tables.
func detachedParam(url string) *Param {
	d, ok := spec.SearchParamByURL(url)
	if !ok {
		panic("fhir/search: unknown component definition " + url)
	}
	return &Param{Code: d.Code, Resource: d.Base, Type: typeOfCode(d.Type), URL: d.URL, Expression: d.Expression, Targets: d.Targets}
}

// typeOfCode maps a SearchParameter.type code to a Type, 0 when unknown.
func typeOfCode(code string) Type {
	for i, n := range typeNames {
		if i > 0 && n == code {
			return Type(i)
		}
	}
	return 0
}

// Lookup returns the parameter code of resourceType, or nil when there is
// none (or the type is unknown).
func (r *Registry) Lookup(resourceType, code string) *Param {
	tp := r.state.Load().types[resourceType]
	if tp == nil {
		return nil
	}
	return tp.byCode[code]
}

// LookupURL returns the parameter of resourceType whose definition has the
// canonical URL url, or nil.
func (r *Registry) LookupURL(resourceType, url string) *Param {
	tp := r.state.Load().types[resourceType]
	if tp == nil {
		return nil
	}
	return tp.byURL[url]
}

// Params returns the parameters of resourceType sorted by code (a fresh
// slice of shared Params), nil for an unknown type.
func (r *Registry) Params(resourceType string) []*Param {
	tp := r.state.Load().types[resourceType]
	if tp == nil {
		return nil
	}
	return append([]*Param(nil), tp.sorted...)
}

// HasType reports whether the registry knows resourceType.
func (r *Registry) HasType(resourceType string) bool {
	return r.state.Load().types[resourceType] != nil
}

// kinds returns the element facts of p (zero for a Param not in r).
func (r *Registry) kinds(p *Param) elemKinds {
	if p == nil {
		return elemKinds{}
	}
	if tp := r.state.Load().types[p.Resource]; tp != nil {
		return tp.kinds[p]
	}
	return elemKinds{}
}

// Add registers a custom search parameter (from a SearchParameter
// resource). It copies p, so the caller may reuse it. It returns an
// *fhir.Error with code invalid when p.Resource is not a concrete resource
// type, p.Code is not a valid code or clashes with a parameter the type
// already has, p.URL clashes with another parameter of the type, p.Type is
// unknown or special, a reference parameter names a target that is not a
// resource type, or a composite parameter has no components or a component
// whose Param is missing, composite, or of another resource type. Add on
// DefaultRegistry is refused (not-supported).
func (r *Registry) Add(p *Param) error {
	if p == nil {
		return fhir.Errorf(fhir.IssueInvalid, "search parameter is nil")
	}
	if r.frozen {
		return fhir.Errorf(fhir.IssueNotSupported, "the default search parameter registry is shared and cannot be extended; use NewRegistry")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.state.Load()
	if err := old.check(p); err != nil {
		return err
	}
	cp := *p
	cp.Targets = append([]string(nil), p.Targets...)
	cp.Components = append([]Component(nil), p.Components...)
	otp := old.types[cp.Resource]
	tp := &typeParams{
		byCode: make(map[string]*Param, len(otp.byCode)+1),
		byURL:  make(map[string]*Param, len(otp.byURL)+1),
		sorted: make([]*Param, 0, len(otp.sorted)+1),
		kinds:  make(map[*Param]elemKinds, len(otp.kinds)+1),
	}
	for k, v := range otp.byCode {
		tp.byCode[k] = v
	}
	for k, v := range otp.byURL {
		tp.byURL[k] = v
	}
	for k, v := range otp.kinds {
		tp.kinds[k] = v
	}
	tp.byCode[cp.Code] = &cp
	if cp.URL != "" {
		tp.byURL[cp.URL] = &cp
	}
	tp.kinds[&cp] = elementKinds(cp.Expression)
	tp.sorted = append(append(tp.sorted, otp.sorted...), &cp)
	sort.Slice(tp.sorted, func(i, j int) bool { return tp.sorted[i].Code < tp.sorted[j].Code })
	st := &registryState{types: make(map[string]*typeParams, len(old.types))}
	for k, v := range old.types {
		st.types[k] = v
	}
	st.types[cp.Resource] = tp
	r.state.Store(st)
	return nil
}

// check validates a custom parameter against the snapshot.
func (st *registryState) check(p *Param) error {
	bad := func(format string, args ...any) error {
		return fhir.Errorf(fhir.IssueInvalid, "search parameter %s: %s", clip(p.Code), fmt.Sprintf(format, args...))
	}
	if !spec.IsResourceType(p.Resource) {
		return bad("base %s is not a resource type", clip(p.Resource))
	}
	tp := st.types[p.Resource]
	if tp == nil {
		return bad("base %s is not in the registry", clip(p.Resource))
	}
	if !paramCode.MatchString(p.Code) || len(p.Code) > 64 {
		return bad("the code is not valid (letters, digits, '-' and '_', at most 64)")
	}
	if tp.byCode[p.Code] != nil || isResultParam(p.Code) {
		return bad("%s already has a parameter with this code", p.Resource)
	}
	if p.URL != "" && tp.byURL[p.URL] != nil {
		return bad("%s already has a parameter with URL %s", p.Resource, clip(p.URL))
	}
	if p.Type < TypeNumber || p.Type > TypeURI {
		return bad("type %s is not supported", p.Type)
	}
	for _, t := range p.Targets {
		if !spec.IsResourceType(t) {
			return bad("target %s is not a resource type", clip(t))
		}
	}
	if p.Type != TypeReference && len(p.Targets) > 0 {
		return bad("only reference parameters have targets")
	}
	if p.Type == TypeComposite {
		if len(p.Components) < 2 {
			return bad("a composite parameter needs at least two components")
		}
		for i, c := range p.Components {
			switch {
			case c.Param == nil:
				return bad("component %d has no parameter", i+1)
			case c.Param.Type == TypeComposite || c.Param.Type == TypeSpecial || c.Param.Type == 0:
				return bad("component %d has type %s", i+1, c.Param.Type)
			case c.Param.Resource != p.Resource:
				return bad("component %d is a parameter of %s", i+1, clip(c.Param.Resource))
			}
		}
	} else if len(p.Components) > 0 {
		return bad("only composite parameters have components")
	}
	return nil
}
