package fhirpath

// existenceFunctions are §5.1.
func existenceFunctions() map[string]funcDef {
	return map[string]funcDef{
		"empty": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			return boolColl(len(in) == 0), nil
		}},
		"exists": {0, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			if len(args) == 0 {
				return boolColl(len(in) > 0), nil
			}
			found := false
			err := each(c, in, func(_ int, item []Node) (bool, error) {
				r, err := args[0](c, item)
				if err != nil {
					return false, err
				}
				t, err := toTri(r, "exists()")
				found = t == triTrue
				return !found, err
			})
			return boolColl(found), err
		}},
		"all": {1, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			ok := true
			err := each(c, in, func(_ int, item []Node) (bool, error) {
				r, err := args[0](c, item)
				if err != nil {
					return false, err
				}
				t, err := toTri(r, "all()")
				ok = t == triTrue
				return ok, err
			})
			return boolColl(ok), err
		}},
		"allTrue":  {0, 0, boolAggregate(true, true)},
		"anyTrue":  {0, 0, boolAggregate(false, true)},
		"allFalse": {0, 0, boolAggregate(true, false)},
		"anyFalse": {0, 0, boolAggregate(false, false)},
		"subsetOf": {1, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			other, err := args[0](c, scope)
			if err != nil {
				return nil, err
			}
			return boolColl(subset(in, other)), nil
		}},
		"supersetOf": {1, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			other, err := args[0](c, scope)
			if err != nil {
				return nil, err
			}
			return boolColl(subset(other, in)), nil
		}},
		"count": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			return intColl(int64(len(in))), nil
		}},
		"distinct": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			return distinct(in), nil
		}},
		"isDistinct": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			return boolColl(len(distinct(in)) == len(in)), nil
		}},
	}
}

// boolAggregate implements allTrue (all, true), anyTrue (any, true),
// allFalse and anyFalse.
func boolAggregate(all, want bool) fnImpl {
	return func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
		for _, n := range in {
			s, _ := toSystem(n)
			b, ok := s.Value.(bool)
			if !ok {
				return nil, execErr("expected booleans, got %s", typeLabel(n))
			}
			if all && b != want {
				return boolColl(false), nil
			}
			if !all && b == want {
				return boolColl(true), nil
			}
		}
		return boolColl(all), nil
	}
}

func subset(a, b []Node) bool {
	for _, x := range a {
		if !containsItem(b, x) {
			return false
		}
	}
	return true
}

// filteringFunctions are §5.2 (ofType is compiled specially).
func filteringFunctions() map[string]funcDef {
	return map[string]funcDef{
		"where": {1, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			var out []Node
			err := each(c, in, func(_ int, item []Node) (bool, error) {
				r, err := args[0](c, item)
				if err != nil {
					return false, err
				}
				t, err := toTri(r, "where()")
				if t == triTrue {
					out = append(out, item[0])
				}
				return true, err
			})
			return out, err
		}},
		"select": {1, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			var out []Node
			err := each(c, in, func(_ int, item []Node) (bool, error) {
				r, err := args[0](c, item)
				if len(in) == 1 {
					out = r
				} else {
					out = append(out, r...)
				}
				return true, err
			})
			if len(in) == 1 {
				return out, err
			}
			return out, err
		}},
		"repeat":    {1, 1, repeatImpl(false)},
		"repeatAll": {1, 1, repeatImpl(true)},
		"aggregate": {1, 2, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			total, _, err := optionalArg(c, scope, args, 1)
			if err != nil {
				return nil, err
			}
			saveTotal, saveHas := c.total, c.hasTotal
			defer func() { c.total, c.hasTotal = saveTotal, saveHas }()
			err = each(c, in, func(_ int, item []Node) (bool, error) {
				c.total, c.hasTotal = total, true
				r, err := args[0](c, item)
				total = r
				return true, err
			})
			return total, err
		}},
		"children": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			var out []Node
			for i := range in {
				out = childNodes(&in[i], out)
			}
			return out, c.step(len(out))
		}},
		"descendants": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			var out []Node
			frontier := in
			for len(frontier) > 0 {
				var next []Node
				for i := range frontier {
					next = childNodes(&frontier[i], next)
				}
				if err := c.step(len(next)); err != nil {
					return nil, err
				}
				out = append(out, next...)
				frontier = next
			}
			return out, nil
		}},
	}
}

// repeatImpl applies the projection repeatedly, breadth first. repeat()
// drops items already seen; repeatAll() keeps duplicates.
func repeatImpl(all bool) fnImpl {
	return func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
		var out []Node
		frontier := in
		for len(frontier) > 0 {
			var next []Node
			err := each(c, frontier, func(_ int, item []Node) (bool, error) {
				r, err := args[0](c, item)
				if err != nil {
					return false, err
				}
				for _, x := range r {
					if !all && containsItem(out, x) {
						continue
					}
					if !all {
						out = append(out, x)
					}
					next = append(next, x)
				}
				return true, c.step(len(r) + 1)
			})
			if err != nil {
				return nil, err
			}
			if all {
				out = append(out, next...)
			}
			frontier = next
		}
		return out, nil
	}
}

// subsettingFunctions are §5.3 and the combining functions of §5.4.
func subsettingFunctions() map[string]funcDef {
	return map[string]funcDef{
		"single": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			if len(in) > 1 {
				return nil, execErr("single() applied to %d items", len(in))
			}
			return in, nil
		}},
		"first": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			if len(in) == 0 {
				return nil, nil
			}
			return in[:1:1], nil
		}},
		"last": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			if len(in) == 0 {
				return nil, nil
			}
			return in[len(in)-1:], nil
		}},
		"tail": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			if len(in) <= 1 {
				return nil, nil
			}
			return in[1:], nil
		}},
		"skip": {1, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			n, err := intArg(c, scope, args[0], "skip()")
			if err != nil {
				return nil, err
			}
			if n >= int64(len(in)) {
				return nil, nil
			}
			if n <= 0 {
				return in, nil
			}
			return in[n:], nil
		}},
		"take": {1, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			n, err := intArg(c, scope, args[0], "take()")
			if err != nil {
				return nil, err
			}
			if n <= 0 {
				return nil, nil
			}
			if n >= int64(len(in)) {
				return in, nil
			}
			return in[:n:n], nil
		}},
		"intersect": {1, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			other, err := args[0](c, scope)
			if err != nil {
				return nil, err
			}
			var out []Node
			for _, x := range in {
				if containsItem(other, x) && !containsItem(out, x) {
					out = append(out, x)
				}
			}
			return out, nil
		}},
		"exclude": {1, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			other, err := args[0](c, scope)
			if err != nil {
				return nil, err
			}
			var out []Node
			for _, x := range in {
				if !containsItem(other, x) {
					out = append(out, x)
				}
			}
			return out, nil
		}},
		"union": {1, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			other, err := args[0](c, scope)
			if err != nil {
				return nil, err
			}
			return union(in, other), nil
		}},
		"combine": {1, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			other, err := args[0](c, scope)
			if err != nil {
				return nil, err
			}
			out := make([]Node, 0, len(in)+len(other))
			out = append(out, in...)
			return append(out, other...), nil
		}},
	}
}

// intArg evaluates an integer argument; empty is an error.
func intArg(c *ctx, scope []Node, arg evalFn, what string) (int64, error) {
	v, err := arg(c, scope)
	if err != nil {
		return 0, err
	}
	n, ok, err := singleInt(v)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, execErr("%s requires an integer argument", what)
	}
	return n, nil
}
