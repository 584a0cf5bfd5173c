package fhirpath

import (
	"strings"
)

// compile turns a syntax tree into a tree of closures.
func compile(a *ast) (evalFn, error) {
	switch a.kind {
	case astLiteral:
		lit := a.lit
		return func(*ctx, []Node) ([]Node, error) { return lit, nil }, nil
	case astIdent:
		return compileIdent(a)
	case astFunc:
		var input evalFn
		if a.left != nil {
			var err error
			if input, err = compile(a.left); err != nil {
				return nil, err
			}
		}
		return compileFunc(a, input)
	case astIndex:
		return compileIndex(a)
	case astUnary:
		return compileUnary(a)
	case astBinary:
		return compileBinary(a)
	case astTypeOp:
		return compileTypeOp(a)
	case astExternal:
		return compileExternal(a)
	case astSpecial:
		return compileSpecial(a), nil
	}
	return nil, compileErr(a.pos, "unsupported syntax")
}

// compileIdent compiles a member access. At the start of a path an
// identifier that names the type of the focus (or one of its base types,
// such as Resource) selects the focus itself, so "Patient.name" works on a
// Patient; otherwise it navigates to the child element.
func compileIdent(a *ast) (evalFn, error) {
	name := a.name
	if a.left == nil {
		typeLike := name != "" && name[0] >= 'A' && name[0] <= 'Z'
		return func(c *ctx, scope []Node) ([]Node, error) {
			if typeLike {
				if out, matched := selectByTypeName(scope, name); matched {
					return out, nil
				}
			}
			return navigate(scope, name), nil
		}, nil
	}
	input, err := compile(a.left)
	if err != nil {
		return nil, err
	}
	return func(c *ctx, scope []Node) ([]Node, error) {
		in, err := input(c, scope)
		if err != nil || len(in) == 0 {
			return nil, err
		}
		return navigate(in, name), nil
	}, nil
}

// selectByTypeName returns the items of scope whose type is name or
// derives from it; matched is false when no item does.
func selectByTypeName(scope []Node, name string) ([]Node, bool) {
	all := true
	anyMatch := false
	for _, n := range scope {
		if isResourceOf(n, name) {
			anyMatch = true
		} else {
			all = false
		}
	}
	if !anyMatch {
		return nil, false
	}
	if all {
		return scope, true
	}
	out := make([]Node, 0, len(scope))
	for _, n := range scope {
		if isResourceOf(n, name) {
			out = append(out, n)
		}
	}
	return out, true
}

// isResourceOf reports whether n is a resource of type name or a subtype;
// a resource the model does not know matches its own resourceType.
func isResourceOf(n Node, name string) bool {
	if n.def == nil {
		_, isMap := n.Value.(map[string]any)
		return isMap && n.Type == name
	}
	return n.def.Kind == kindResource() && derivesFrom(n.def, name)
}

func compileIndex(a *ast) (evalFn, error) {
	input, err := compile(a.left)
	if err != nil {
		return nil, err
	}
	index, err := compile(a.right)
	if err != nil {
		return nil, err
	}
	return func(c *ctx, scope []Node) ([]Node, error) {
		in, err := input(c, scope)
		if err != nil {
			return nil, err
		}
		idx, err := index(c, scope)
		if err != nil {
			return nil, err
		}
		i, ok, err := singleInt(idx)
		if err != nil || !ok {
			return nil, err
		}
		if i < 0 || i >= int64(len(in)) {
			return nil, nil
		}
		return in[i : i+1 : i+1], nil
	}, nil
}

func compileUnary(a *ast) (evalFn, error) {
	// fold a negative numeric or quantity literal
	if a.left.kind == astLiteral && len(a.left.lit) == 1 {
		if a.name == "+" {
			return compile(a.left)
		}
		if n, ok := negate(a.left.lit[0]); ok {
			lit := []Node{n}
			return func(*ctx, []Node) ([]Node, error) { return lit, nil }, nil
		}
	}
	operand, err := compile(a.left)
	if err != nil {
		return nil, err
	}
	neg := a.name == "-"
	return func(c *ctx, scope []Node) ([]Node, error) {
		in, err := operand(c, scope)
		if err != nil || len(in) == 0 {
			return nil, err
		}
		if len(in) > 1 {
			return nil, execErr("unary %s applied to a collection of %d items", a.name, len(in))
		}
		n, ok := toSystem(in[0])
		if !ok || !isNumeric(n) {
			return nil, execErr("unary %s applied to a non-number", a.name)
		}
		if !neg {
			return []Node{n}, nil
		}
		r, _ := negate(n)
		return []Node{r}, nil
	}, nil
}

// negate returns -n for a number or quantity.
func negate(n Node) (Node, bool) {
	switch v := n.Value.(type) {
	case int64:
		return intNode(-v), true
	case Decimal:
		return decNode(v.neg()), true
	case Quantity:
		return qtyNode(Quantity{Value: v.Value.neg(), Unit: v.Unit}), true
	}
	return Node{}, false
}

func isNumeric(n Node) bool {
	switch n.Value.(type) {
	case int64, Decimal, Quantity:
		return true
	}
	return false
}

func compileSpecial(a *ast) evalFn {
	switch a.name {
	case "$index":
		return func(c *ctx, scope []Node) ([]Node, error) {
			if !c.hasIndex {
				return nil, nil
			}
			return intColl(int64(c.index)), nil
		}
	case "$total":
		return func(c *ctx, scope []Node) ([]Node, error) {
			if !c.hasTotal {
				return nil, nil
			}
			return c.total, nil
		}
	}
	return func(c *ctx, scope []Node) ([]Node, error) { return scope, nil }
}

// Well-known external constants.
var constants = map[string]string{
	"ucum":  "http://unitsofmeasure.org",
	"sct":   "http://snomed.info/sct",
	"loinc": "http://loinc.org",
}

func compileExternal(a *ast) (evalFn, error) {
	name := a.name
	switch name {
	case "resource", "context", "rootResource":
		return func(c *ctx, scope []Node) ([]Node, error) { return c.root, nil }, nil
	}
	if v, ok := constants[name]; ok {
		lit := strColl(v)
		return func(*ctx, []Node) ([]Node, error) { return lit, nil }, nil
	}
	if rest, ok := strings.CutPrefix(name, "vs-"); ok {
		lit := strColl("http://hl7.org/fhir/ValueSet/" + rest)
		return func(*ctx, []Node) ([]Node, error) { return lit, nil }, nil
	}
	if rest, ok := strings.CutPrefix(name, "ext-"); ok {
		lit := strColl("http://hl7.org/fhir/StructureDefinition/" + rest)
		return func(*ctx, []Node) ([]Node, error) { return lit, nil }, nil
	}
	return func(c *ctx, scope []Node) ([]Node, error) {
		v, ok := c.vars[name]
		if !ok {
			return nil, execErr("undefined variable %%%s", name)
		}
		return v, nil
	}, nil
}
