package fhirpath

import (
	"sync"
)

// fnImpl implements a function. in is the input collection (the focus of
// the invocation), scope the enclosing $this against which eager arguments
// are evaluated; args are the compiled arguments, evaluated by the
// implementation as it needs (once for ordinary parameters, per item with
// $this bound for expression parameters such as where's criteria).
type fnImpl func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error)

// funcDef is a function's arity and implementation.
type funcDef struct {
	min, max int
	impl     fnImpl
}

// functions is the function table, built on first use (the implementations
// refer back to compile, so it cannot be a package-level initialiser).
var functions = sync.OnceValue(func() map[string]funcDef {
	m := make(map[string]funcDef, 128)
	for _, group := range []map[string]funcDef{
		existenceFunctions(), filteringFunctions(), subsettingFunctions(), conversionFunctions(),
		stringFunctions(), mathFunctions(), utilityFunctions(), fhirFunctions(), temporalFunctions(),
	} {
		for k, v := range group {
			m[k] = v
		}
	}
	return m
})

// unsupported names functions that Compile rejects with a clear message.
var unsupported = map[string]string{
	"memberOf":   "memberOf() needs a terminology service, which the engine does not have",
	"subsumes":   "subsumes() needs a terminology service, which the engine does not have",
	"subsumedBy": "subsumedBy() needs a terminology service, which the engine does not have",
}

// compileFunc compiles a function invocation; input is nil for a function
// at the start of a path (its input is then $this).
func compileFunc(a *ast, input evalFn) (evalFn, error) {
	if input == nil {
		input = func(c *ctx, scope []Node) ([]Node, error) { return scope, nil }
	}
	switch a.name {
	case "ofType", "is", "as":
		if len(a.args) != 1 {
			return nil, compileErr(a.pos, "%s() takes one type argument", a.name)
		}
		name := a.args[0].typeName()
		if name == "" {
			return nil, compileErr(a.args[0].pos, "%s() expects a type name", a.name)
		}
		ts, ok := resolveTypeSpec(name)
		if !ok {
			return nil, compileErr(a.args[0].pos, "unknown type %q", name)
		}
		switch a.name {
		case "ofType":
			return ofTypeFn(input, ts), nil
		case "is":
			return isFn(input, ts), nil
		}
		return asFn(input, ts), nil
	}
	if a.name == "sort" {
		return compileSort(a, input)
	}
	if why, ok := unsupported[a.name]; ok {
		return nil, compileErr(a.pos, "%s", why)
	}
	def, ok := functions()[a.name]
	if !ok {
		return nil, compileErr(a.pos, "unknown function %s()", a.name)
	}
	if len(a.args) < def.min || len(a.args) > def.max {
		if def.min == def.max {
			return nil, compileErr(a.pos, "%s() takes %d argument(s), got %d", a.name, def.min, len(a.args))
		}
		return nil, compileErr(a.pos, "%s() takes %d to %d arguments, got %d", a.name, def.min, def.max, len(a.args))
	}
	args := make([]evalFn, len(a.args))
	for i, arg := range a.args {
		fn, err := compile(arg)
		if err != nil {
			return nil, err
		}
		args[i] = fn
	}
	impl := def.impl
	return func(c *ctx, scope []Node) ([]Node, error) {
		in, err := input(c, scope)
		if err != nil {
			return nil, err
		}
		return impl(c, scope, in, args)
	}, nil
}

// each calls f for every item of in with $index bound, restoring the
// enclosing $index afterwards. item is a one-element slice of in, so the
// loop does not allocate.
func each(c *ctx, in []Node, f func(i int, item []Node) (bool, error)) error {
	saveIndex, saveHas := c.index, c.hasIndex
	defer func() { c.index, c.hasIndex = saveIndex, saveHas }()
	for i := range in {
		c.index, c.hasIndex = i, true
		more, err := f(i, in[i:i+1:i+1])
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
	return nil
}

// step counts work against maxSteps.
func (c *ctx) step(n int) error {
	c.steps += n
	if c.steps > maxSteps {
		return execErr("evaluation exceeded %d steps", maxSteps)
	}
	return nil
}

// singleString returns the string of a singleton collection: ok is false
// for an empty one; several items or a non-string are an error.
func singleString(coll []Node, what string) (string, bool, error) {
	if len(coll) == 0 {
		return "", false, nil
	}
	if len(coll) > 1 {
		return "", false, execErr("%s expects a single string, got %d items", what, len(coll))
	}
	if coll[0].Value == nil {
		return "", false, nil // a primitive with only extensions
	}
	s, ok := toSystem(coll[0])
	if str, isStr := s.Value.(string); ok && isStr {
		return str, true, nil
	}
	return "", false, execErr("%s expects a string, got %s", what, typeLabel(coll[0]))
}

// singleInt returns the integer of a singleton collection like
// singleString.
func singleInt(coll []Node) (int64, bool, error) {
	if len(coll) == 0 {
		return 0, false, nil
	}
	if len(coll) > 1 {
		return 0, false, execErr("expected a single integer, got %d items", len(coll))
	}
	s, _ := toSystem(coll[0])
	if i, ok := s.Value.(int64); ok {
		return i, true, nil
	}
	return 0, false, execErr("expected an integer, got %s", typeLabel(coll[0]))
}

// singleBool returns the boolean of a singleton collection by singleton
// evaluation.
func singleBool(coll []Node, what string) (tri, error) {
	if len(coll) > 1 {
		return triEmpty, execErr("%s expects a single boolean, got %d items", what, len(coll))
	}
	if len(coll) == 0 {
		return triEmpty, nil
	}
	s, _ := toSystem(coll[0])
	if b, ok := s.Value.(bool); ok {
		return triOf(b), nil
	}
	return triEmpty, execErr("%s expects a boolean, got %s", what, typeLabel(coll[0]))
}

// singleItem returns the single item of a collection; ok is false when it
// is empty; several items are an error.
func singleItem(coll []Node, what string) (Node, bool, error) {
	switch len(coll) {
	case 0:
		return Node{}, false, nil
	case 1:
		return coll[0], true, nil
	}
	return Node{}, false, execErr("%s expects a single item, got %d", what, len(coll))
}

// optionalArg evaluates args[i] when present.
func optionalArg(c *ctx, scope []Node, args []evalFn, i int) ([]Node, bool, error) {
	if i >= len(args) {
		return nil, false, nil
	}
	v, err := args[i](c, scope)
	return v, true, err
}
