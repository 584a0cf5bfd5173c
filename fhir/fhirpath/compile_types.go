package fhirpath

// compileTypeOp compiles "x is T" and "x as T".
func compileTypeOp(a *ast) (evalFn, error) {
	ts, ok := resolveTypeSpec(a.name)
	if !ok {
		return nil, compileErr(a.pos, "unknown type %q", a.name)
	}
	input, err := compile(a.left)
	if err != nil {
		return nil, err
	}
	if a.op == "is" {
		return isFn(input, ts), nil
	}
	return asFn(input, ts), nil
}

// isFn returns true or false for a singleton input, empty for an empty one
// and an error for several items.
func isFn(input evalFn, ts typeSpec) evalFn {
	return func(c *ctx, scope []Node) ([]Node, error) {
		in, err := input(c, scope)
		if err != nil || len(in) == 0 {
			return nil, err
		}
		if len(in) > 1 {
			return nil, execErr("'is' applied to a collection of %d items", len(in))
		}
		return boolColl(ts.isA(in[0])), nil
	}
}

// asFn returns the singleton input when it is of the type, else empty; an
// input of several items is an error.
func asFn(input evalFn, ts typeSpec) evalFn {
	return func(c *ctx, scope []Node) ([]Node, error) {
		in, err := input(c, scope)
		if err != nil || len(in) == 0 {
			return nil, err
		}
		if len(in) > 1 {
			return nil, execErr("'as' applied to a collection of %d items", len(in))
		}
		if ts.matches(in[0]) {
			return in, nil
		}
		return nil, nil
	}
}

// ofTypeFn keeps the items of the type.
func ofTypeFn(input evalFn, ts typeSpec) evalFn {
	return func(c *ctx, scope []Node) ([]Node, error) {
		in, err := input(c, scope)
		if err != nil || len(in) == 0 {
			return nil, err
		}
		n := 0
		for _, x := range in {
			if ts.matches(x) {
				n++
			}
		}
		if n == len(in) {
			return in, nil
		}
		out := make([]Node, 0, n)
		for _, x := range in {
			if ts.matches(x) {
				out = append(out, x)
			}
		}
		return out, nil
	}
}
