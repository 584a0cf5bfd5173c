package fhirpath

import (
	"sort"
)

// sortKey is one sort() criterion; a criterion written with a leading
// unary minus sorts descending.
type sortKey struct {
	fn   evalFn
	desc bool
}

// compileSort compiles sort([criterion, ...]) (FHIRPath 2.1): items are
// ordered by each criterion in turn, evaluated with the item as $this;
// without criteria by the items themselves. Empty keys sort first.
func compileSort(a *ast, input evalFn) (evalFn, error) {
	keys := make([]sortKey, len(a.args))
	for i, arg := range a.args {
		if arg.kind == astUnary && arg.name == "-" {
			keys[i].desc = true
			arg = arg.left
		}
		fn, err := compile(arg)
		if err != nil {
			return nil, err
		}
		keys[i].fn = fn
	}
	return func(c *ctx, scope []Node) ([]Node, error) {
		in, err := input(c, scope)
		if err != nil || len(in) < 2 {
			return in, err
		}
		vals := make([][][]Node, len(in))
		err = each(c, in, func(i int, item []Node) (bool, error) {
			vals[i] = make([][]Node, max(len(keys), 1))
			if len(keys) == 0 {
				vals[i][0] = item
				return true, nil
			}
			for k, key := range keys {
				v, err := key.fn(c, item)
				if err != nil {
					return false, err
				}
				if len(v) > 1 {
					return false, execErr("sort() criterion returned %d items", len(v))
				}
				vals[i][k] = v
			}
			return true, nil
		})
		if err != nil {
			return nil, err
		}
		order := make([]int, len(in))
		for i := range order {
			order[i] = i
		}
		var cmpErr error
		sort.SliceStable(order, func(x, y int) bool {
			a, b := vals[order[x]], vals[order[y]]
			for k := range a {
				c, err := compareKeys(a[k], b[k])
				if err != nil {
					cmpErr = err
					return false
				}
				if k < len(keys) && keys[k].desc && len(a[k]) > 0 && len(b[k]) > 0 {
					c = -c
				}
				if c != 0 {
					return c < 0
				}
			}
			return false
		})
		if cmpErr != nil {
			return nil, cmpErr
		}
		out := make([]Node, len(in))
		for i, j := range order {
			out[i] = in[j]
		}
		return out, nil
	}, nil
}

func compareKeys(a, b []Node) (int, error) {
	switch {
	case len(a) == 0 && len(b) == 0:
		return 0, nil
	case len(a) == 0:
		return -1, nil
	case len(b) == 0:
		return 1, nil
	}
	c, _, err := compareItems(a[0], b[0])
	return c, err
}
