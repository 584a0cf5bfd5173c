package index

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/yitong-health/yitong/fhir/fhirpath"
	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/store"
)

// Version names what Extractor writes. Change it whenever a change to this
// package changes the entries of some resource: a server that starts with
// another version than its index reflects rebuilds the index.
const Version = "3"

// Extractor extracts index entries. It compiles each parameter's expression
// once, on first use, and is safe for concurrent use.
type Extractor struct {
	reg  *search.Registry
	zone *time.Location

	mu    sync.RWMutex
	types map[string][]compiled
}

// compiled is one search parameter of a resource type with its expression
// (and, for a composite, its components' expressions).
type compiled struct {
	p     *search.Param
	expr  *fhirpath.Expression
	parts []*fhirpath.Expression
}

// New returns an Extractor for the parameters of reg. Dates written without
// a time zone (a birthDate, a dateTime without an offset) are taken to be in
// zone, as search values without one are.
func New(reg *search.Registry, zone *time.Location) *Extractor {
	return &Extractor{reg: reg, zone: zone, types: make(map[string][]compiled)}
}

// Zone returns the zone dates without an offset are read in.
func (x *Extractor) Zone() *time.Location { return x.zone }

// params returns the compiled parameters of resource type typ.
func (x *Extractor) params(typ string) ([]compiled, error) {
	x.mu.RLock()
	cs, ok := x.types[typ]
	x.mu.RUnlock()
	if ok {
		return cs, nil
	}
	for _, p := range x.reg.Params(typ) {
		expr := indexExpression(typ, p)
		if expr == "" {
			continue
		}
		e, err := fhirpath.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("index: search parameter %s.%s: %w", typ, p.Code, err)
		}
		c := compiled{p: p, expr: e}
		for _, comp := range p.Components {
			ce, err := fhirpath.Compile(asToOfType(comp.Expression))
			if err != nil {
				return nil, fmt.Errorf("index: search parameter %s.%s: component: %w", typ, p.Code, err)
			}
			c.parts = append(c.parts, ce)
		}
		cs = append(cs, c)
	}
	x.mu.Lock()
	x.types[typ] = cs
	x.mu.Unlock()
	return cs, nil
}

// indexExpression returns the expression whose values are indexed for p on
// typ, or "" when p is not indexed: _id and _lastUpdated are columns of
// every resource, _text and _content have no expression (see addText), and special
// parameters (near) are not supported.
func indexExpression(typ string, p *search.Param) string {
	switch {
	case p.Code == "_id", p.Code == "_lastUpdated", p.Expression == "", p.Type == search.TypeSpecial:
		return ""
	}
	e := asToOfType(p.Expression)
	for _, base := range []string{"Resource.", "DomainResource."} {
		if rest, ok := strings.CutPrefix(e, base); ok {
			e = typ + "." + rest
		}
	}
	return e
}

// Index returns the index entries of res (a resource with resourceType
// set). An error means an expression could not be evaluated on res; it is
// an internal error, not a fault of the resource.
func (x *Extractor) Index(res map[string]any) (store.Index, error) {
	var idx store.Index
	typ, _ := res["resourceType"].(string)
	cs, err := x.params(typ)
	if err != nil {
		return idx, err
	}
	b := builder{idx: &idx, zone: x.zone}
	for _, c := range cs {
		nodes, err := c.expr.Evaluate(res)
		if err != nil {
			// Not wrapped: the engine reports evaluation problems as
			// *fhir.Error values, which would reach the client as its own
			// fault (4xx); failing to index a valid resource is ours.
			return idx, fmt.Errorf("index: search parameter %s.%s: %v", typ, c.p.Code, err)
		}
		if c.p.Type == search.TypeComposite {
			if err := b.addComposite(c, nodes); err != nil {
				return idx, fmt.Errorf("index: search parameter %s.%s: %v", typ, c.p.Code, err)
			}
			continue
		}
		for _, n := range nodes {
			b.add(c.p, n)
		}
	}
	b.addText(x.reg, typ, res)
	b.dedupe()
	return idx, nil
}

var (
	defaultOnce sync.Once
	defaultX    *Extractor
)

// Default returns the Extractor for the built-in R4 search parameters, with
// dates without a zone read in Asia/Shanghai, the zone search values
// without one are read in too (search.DefaultZone).
func Default() *Extractor {
	defaultOnce.Do(func() {
		zone, err := time.LoadLocation(search.DefaultZone)
		if err != nil {
			panic(err) // time/tzdata is embedded by package search
		}
		defaultX = New(search.DefaultRegistry(), zone)
	})
	return defaultX
}

// asPattern matches "(path as Type)" in R4 search expressions.
var asPattern = regexp.MustCompile(`\(([A-Za-z][A-Za-z0-9_.]*) as ([A-Za-z]+)\)`)

// asToOfType rewrites the type casts of R4 search expressions, "(x as T)"
// and "x.as(T)", to "x.ofType(T)". The R4 expressions apply them to
// repeating elements (Observation.component.value), where FHIRPath's "as"
// is an error for more than one item; what they mean, and what R5 writes,
// is ofType: the items of that type.
func asToOfType(e string) string {
	e = asPattern.ReplaceAllString(e, "$1.ofType($2)")
	return strings.ReplaceAll(e, ".as(", ".ofType(")
}
