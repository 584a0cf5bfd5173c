// Package validate checks the structure of a FHIR R4 resource against the
// definitions in package spec: known resource type, known elements, JSON
// kinds, array versus single values, cardinality, choice elements, primitive
// formats (the spec's regexes), primitive extensions, extensions, reference
// formats, the contained-resource rules dom-2 to dom-5, and required
// terminology bindings (binding.go): a code, Coding or CodeableConcept
// element bound (required) to a ValueSet the R4 definitions enumerate must
// hold one of its codes, else an issue of type code-invalid. ValueSets that
// cannot be expanded from the definitions (spec.Binding.Unexpandable) are
// not checked.
//
// It does not check extensible, preferred or example bindings, profiles, or
// FHIRPath invariants other than dom-2..dom-5 and ext-1.
//
// Every issue has exactly one Expression: a FHIRPath location such as
// "Patient.name[0].given[1]". A choice element is located as FHIRPath writes
// it, "Observation.value.ofType(Quantity)"; an element of a resource inside
// another is located through its container, "Bundle.entry[2].resource.id".
// Issues come sorted by expression, then diagnostics, so the result is
// deterministic.
//
// Validation is cheap: a valid resource costs no allocation per element.
// All functions are safe for concurrent use.
package validate

import (
	"slices"
	"strings"
	"sync"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
)

// Options adjusts validation. The zero value is the default.
type Options struct {
	// ForbidConditionalReferences rejects conditional references such as
	// "Patient?identifier=http://example.org|123". By default they are
	// accepted because FHIR allows them in transaction and batch Bundles,
	// where the server resolves them before storing; a caller validating a
	// resource outside such a Bundle should set this.
	ForbidConditionalReferences bool
}

// Resource validates res with the default Options. It returns nil when res
// is valid; otherwise issues of severity error (and warning for dom-3).
func Resource(res map[string]any) []fhir.Issue {
	return Options{}.Resource(res)
}

// Resource validates res (a resource in the representation of fhir.Decode)
// and returns the problems found, sorted by expression then diagnostics; nil
// when there are none. Use fhir.HasErrors to tell errors from warnings.
func (o Options) Resource(res map[string]any) []fhir.Issue {
	v := pool.Get().(*validator)
	v.opts = o
	v.resource(res, false)
	issues := v.issues
	v.reset()
	pool.Put(v)
	if len(issues) > 1 {
		slices.SortStableFunc(issues, func(a, b fhir.Issue) int {
			if c := strings.Compare(a.Expression[0], b.Expression[0]); c != 0 {
				return c
			}
			return strings.Compare(a.Diagnostics, b.Diagnostics)
		})
	}
	return issues
}

// Check validates res with the default Options and returns nil, or an
// *fhir.Error holding all issues when at least one is an error.
func Check(res map[string]any) error {
	return Options{}.Check(res)
}

// Check validates res and returns nil, or an *fhir.Error holding all issues
// when at least one is an error.
func (o Options) Check(res map[string]any) error {
	issues := o.Resource(res)
	if !fhir.HasErrors(issues) {
		return nil
	}
	return &fhir.Error{Issues: issues}
}

var pool = sync.Pool{New: func() any { return &validator{path: make([]seg, 0, 32)} }}

// validator is the state of one validation. It is pooled: after reset it
// holds no reference to the validated resource.
type validator struct {
	opts   Options
	issues []fhir.Issue
	root   string          // the top-level resource type, or "Resource"
	path   []seg           // location below root
	scope  *containedScope // of the resource being walked; nil without contained
	// freeScopes are scopes kept for reuse.
	freeScopes []*containedScope
}

func (v *validator) reset() {
	v.issues = nil
	v.root = ""
	clear(v.path)
	v.path = v.path[:0]
	v.scope = nil
}

// add records an issue of severity error located at the current path.
func (v *validator) add(code fhir.IssueType, msg string) {
	v.addSeverity(fhir.SeverityError, code, msg)
}

func (v *validator) addSeverity(sev fhir.Severity, code fhir.IssueType, msg string) {
	v.issues = append(v.issues, fhir.Issue{
		Severity:    sev,
		Code:        code,
		Diagnostics: msg,
		Expression:  []string{v.expression()},
	})
}

// Types used on hot paths, resolved once.
var (
	typeExtension = mustType("Extension")
	typeReference = mustType("Reference")
	typeElement   = mustType("Element")
	typeNarrative = mustType("Narrative")
)

func mustType(name string) *spec.Type {
	t := spec.LookupType(name)
	if t == nil {
		panic("fhir/validate: spec has no type " + name)
	}
	return t
}
