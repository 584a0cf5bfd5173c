package fhirpath

// compileBinary compiles an infix operator.
func compileBinary(a *ast) (evalFn, error) {
	left, err := compile(a.left)
	if err != nil {
		return nil, err
	}
	right, err := compile(a.right)
	if err != nil {
		return nil, err
	}
	switch a.name {
	case "and", "or", "xor", "implies":
		return compileLogic(a.name, left, right), nil
	case "|":
		return func(c *ctx, scope []Node) ([]Node, error) {
			l, r, err := both(c, scope, left, right)
			if err != nil {
				return nil, err
			}
			return union(l, r), nil
		}, nil
	case "=", "!=":
		neg := a.name == "!="
		return func(c *ctx, scope []Node) ([]Node, error) {
			l, r, err := both(c, scope, left, right)
			if err != nil || len(l) == 0 || len(r) == 0 {
				return nil, err
			}
			t := equalColls(l, r)
			if t == triEmpty {
				return nil, nil
			}
			return boolColl((t == triTrue) != neg), nil
		}, nil
	case "~", "!~":
		neg := a.name == "!~"
		return func(c *ctx, scope []Node) ([]Node, error) {
			l, r, err := both(c, scope, left, right)
			if err != nil {
				return nil, err
			}
			return boolColl(equivalentColls(l, r) != neg), nil
		}, nil
	case "<", ">", "<=", ">=":
		op := a.name
		return func(c *ctx, scope []Node) ([]Node, error) {
			l, r, err := both(c, scope, left, right)
			if err != nil || len(l) == 0 || len(r) == 0 {
				return nil, err
			}
			if len(l) > 1 || len(r) > 1 {
				return nil, execErr("%s applied to a collection of several items", op)
			}
			cmp, known, err := compareItems(l[0], r[0])
			if err != nil || !known {
				return nil, err
			}
			var b bool
			switch op {
			case "<":
				b = cmp < 0
			case ">":
				b = cmp > 0
			case "<=":
				b = cmp <= 0
			default:
				b = cmp >= 0
			}
			return boolColl(b), nil
		}, nil
	case "in", "contains":
		in := a.name == "in"
		return func(c *ctx, scope []Node) ([]Node, error) {
			l, r, err := both(c, scope, left, right)
			if err != nil {
				return nil, err
			}
			item, coll := l, r
			if !in {
				item, coll = r, l
			}
			if len(item) == 0 {
				return nil, nil
			}
			if len(item) > 1 {
				return nil, execErr("%s applied to a collection of several items", a.name)
			}
			return boolColl(containsItem(coll, item[0])), nil
		}, nil
	case "&":
		return func(c *ctx, scope []Node) ([]Node, error) {
			l, r, err := both(c, scope, left, right)
			if err != nil {
				return nil, err
			}
			ls, _, err := singleString(l, "&")
			if err != nil {
				return nil, err
			}
			rs, _, err := singleString(r, "&")
			if err != nil {
				return nil, err
			}
			return strColl(ls + rs), nil
		}, nil
	case "+", "-", "*", "/", "div", "mod":
		op := a.name
		return func(c *ctx, scope []Node) ([]Node, error) {
			l, r, err := both(c, scope, left, right)
			if err != nil || len(l) == 0 || len(r) == 0 {
				return nil, err
			}
			if len(l) > 1 || len(r) > 1 {
				return nil, execErr("%s applied to a collection of several items", op)
			}
			return arithmetic(op, l[0], r[0])
		}, nil
	}
	return nil, compileErr(a.pos, "unknown operator %q", a.name)
}

func both(c *ctx, scope []Node, left, right evalFn) ([]Node, []Node, error) {
	l, err := left(c, scope)
	if err != nil {
		return nil, nil, err
	}
	r, err := right(c, scope)
	if err != nil {
		return nil, nil, err
	}
	return l, r, nil
}

// compileLogic implements the three-valued and, or, xor and implies; the
// right operand is not evaluated when the left decides the result.
func compileLogic(op string, left, right evalFn) evalFn {
	return func(c *ctx, scope []Node) ([]Node, error) {
		l, err := left(c, scope)
		if err != nil {
			return nil, err
		}
		lv, err := toTri(l, op)
		if err != nil {
			return nil, err
		}
		switch {
		case op == "and" && lv == triFalse:
			return boolColl(false), nil
		case op == "or" && lv == triTrue:
			return boolColl(true), nil
		case op == "implies" && lv == triFalse:
			return boolColl(true), nil
		}
		r, err := right(c, scope)
		if err != nil {
			return nil, err
		}
		rv, err := toTri(r, op)
		if err != nil {
			return nil, err
		}
		var res tri
		switch op {
		case "and":
			switch {
			case rv == triFalse:
				res = triFalse
			case lv == triTrue && rv == triTrue:
				res = triTrue
			default:
				res = triEmpty
			}
		case "or":
			switch {
			case rv == triTrue:
				res = triTrue
			case lv == triFalse && rv == triFalse:
				res = triFalse
			default:
				res = triEmpty
			}
		case "xor":
			if lv == triEmpty || rv == triEmpty {
				res = triEmpty
			} else {
				res = triOf(lv != rv)
			}
		default: // implies, left is true or empty
			switch {
			case rv == triTrue:
				res = triTrue
			case lv == triTrue:
				res = rv
			default:
				res = triEmpty
			}
		}
		if res == triEmpty {
			return nil, nil
		}
		return boolColl(res == triTrue), nil
	}
}

// toTri applies singleton evaluation of collections for a boolean operand:
// empty is unknown, a single boolean is itself, a single other item is
// true, and several items are an error.
func toTri(coll []Node, what string) (tri, error) {
	switch len(coll) {
	case 0:
		return triEmpty, nil
	case 1:
		if s, ok := toSystem(coll[0]); ok {
			if b, ok := s.Value.(bool); ok {
				return triOf(b), nil
			}
		}
		return triTrue, nil
	}
	return triEmpty, execErr("%s expects a single boolean, got %d items", what, len(coll))
}

// equalColls compares collections item by item in order.
func equalColls(l, r []Node) tri {
	if len(l) != len(r) {
		return triFalse
	}
	res := triTrue
	for i := range l {
		switch equalItems(l[i], r[i]) {
		case triFalse:
			return triFalse
		case triEmpty:
			res = triEmpty
		}
	}
	return res
}

// equivalentColls compares collections regardless of order.
func equivalentColls(l, r []Node) bool {
	if len(l) != len(r) {
		return false
	}
	used := make([]bool, len(r))
	for _, x := range l {
		found := false
		for j, y := range r {
			if !used[j] && equivalentItems(x, y) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func containsItem(coll []Node, item Node) bool {
	for _, x := range coll {
		if equalItems(x, item) == triTrue {
			return true
		}
	}
	return false
}

// union merges two collections, removing duplicates.
func union(l, r []Node) []Node {
	out := make([]Node, 0, len(l)+len(r))
	for _, coll := range [2][]Node{l, r} {
		for _, x := range coll {
			if !containsItem(out, x) {
				out = append(out, x)
			}
		}
	}
	return out
}

// distinct removes duplicates, keeping the first of each.
func distinct(in []Node) []Node {
	out := make([]Node, 0, len(in))
	for _, x := range in {
		if !containsItem(out, x) {
			out = append(out, x)
		}
	}
	return out
}
