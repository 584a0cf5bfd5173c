package fhirpath

import (
	"sync"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
)

// Expression is a compiled FHIRPath expression. It is immutable and safe
// for concurrent use.
type Expression struct {
	src string
	fn  evalFn
}

// evalFn evaluates a compiled expression. scope is the focus that an
// identifier at the start of a path navigates from ($this): the context at
// the top level, the current item inside where(), select() and friends.
// Returned slices may be shared: callers must not modify them.
type evalFn func(c *ctx, scope []Node) ([]Node, error)

// ctx is the state of one evaluation. It is used by one goroutine only.
type ctx struct {
	root     []Node
	vars     map[string][]Node
	resolver func(ref string) map[string]any
	now      time.Time
	index    int
	hasIndex bool
	total    []Node
	hasTotal bool
	steps    int
}

// maxSteps bounds the work of one evaluation (items produced by repeat(),
// descendants() and aggregate loops), so that no expression runs away.
const maxSteps = 1 << 22

var ctxPool = sync.Pool{New: func() any { return new(ctx) }}

// Option configures one evaluation.
type Option func(*ctx)

// WithResolver makes resolve() call r with the reference text
// ("Patient/123", "#p1", an absolute URL); r returns the resource or nil
// when it cannot be resolved. Without a resolver, resolve() yields a
// minimal {"resourceType", "id"} stub for literal references and the
// contained resource for "#id" references.
func WithResolver(r func(ref string) map[string]any) Option {
	return func(c *ctx) { c.resolver = r }
}

// WithVariable binds %name to value. The standard names (%resource,
// %context, %ucum, ...) cannot be overridden.
func WithVariable(name string, value []Node) Option {
	return func(c *ctx) {
		if c.vars == nil {
			c.vars = make(map[string][]Node)
		}
		c.vars[name] = value
	}
}

// WithNow fixes the instant that now(), today() and timeOfDay() report;
// by default it is the time of the call.
func WithNow(t time.Time) Option {
	return func(c *ctx) { c.now = t }
}

// Compile parses and compiles a FHIRPath expression. Errors are
// *fhir.Error values with code invalid (too-long for an expression over
// MaxExpressionLength) naming the offset and the problem: syntax errors,
// unknown functions, wrong argument counts and unknown type names.
func Compile(expr string) (*Expression, error) {
	a, err := parse(expr)
	if err != nil {
		return nil, err
	}
	fn, err := compile(a)
	if err != nil {
		return nil, err
	}
	return &Expression{src: expr, fn: fn}, nil
}

// MustCompile is Compile for expressions known to be valid; it panics on
// an error.
func MustCompile(expr string) *Expression {
	e, err := Compile(expr)
	if err != nil {
		panic("fhirpath: " + err.Error())
	}
	return e
}

// String returns the source text.
func (e *Expression) String() string { return e.src }

// Evaluate evaluates e with resource as %resource, %context and the
// initial focus. The result is a new collection the caller may keep; its
// map values are the resource's own (not copies). Errors are *fhir.Error
// values (code invalid or processing) for execution errors such as a
// collection with several items where one is required.
func (e *Expression) Evaluate(resource map[string]any, opts ...Option) ([]Node, error) {
	return e.EvaluateNodes([]Node{ResourceNode(resource)}, opts...)
}

// EvaluateNodes evaluates e with focus as the initial context (for
// invariants on elements); %resource is the first item of focus.
func (e *Expression) EvaluateNodes(focus []Node, opts ...Option) ([]Node, error) {
	c := ctxPool.Get().(*ctx)
	*c = ctx{root: focus}
	for _, o := range opts {
		o(c)
	}
	out, err := e.fn(c, focus)
	*c = ctx{}
	ctxPool.Put(c)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ResourceNode returns the node for a resource, typed by its resourceType.
func ResourceNode(resource map[string]any) Node {
	rt, _ := resource["resourceType"].(string)
	return Node{Value: resource, Type: rt, def: spec.LookupType(rt)}
}

// execErr is an evaluation error.
func execErr(format string, args ...any) error {
	return fhir.Errorf(fhir.IssueProcessing, "FHIRPath evaluation error: "+format, args...)
}

// compileErr is a semantic error found while compiling a parsed tree.
func compileErr(pos int, format string, args ...any) error {
	args = append([]any{pos}, args...)
	return fhir.Errorf(fhir.IssueInvalid, "FHIRPath error at offset %d: "+format, args...)
}
