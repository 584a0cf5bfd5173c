package fhirpath

import (
	"math"
	"math/big"
	"strconv"
)

// numFn implements a math function on one number.
type numFn func(v any) ([]Node, error)

// mathFunction wraps f: the input must be a single number (or quantity
// where noted); empty input gives empty.
func mathFunction(f numFn) funcDef {
	return funcDef{0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
		n, ok, err := singleSystem(in, "math function")
		if err != nil || !ok {
			return nil, err
		}
		return f(n.Value)
	}}
}

// mathFunctions are §5.7.
func mathFunctions() map[string]funcDef {
	return map[string]funcDef{
		"abs": mathFunction(func(v any) ([]Node, error) {
			switch x := v.(type) {
			case int64:
				if x == math.MinInt64 {
					return nil, execErr("integer overflow")
				}
				if x < 0 {
					x = -x
				}
				return intColl(x), nil
			case Decimal:
				return []Node{decNode(Decimal{rat: new(big.Rat).Abs(x.Rat()), Scale: x.Scale})}, nil
			case Quantity:
				return []Node{qtyNode(Quantity{Value: Decimal{rat: new(big.Rat).Abs(x.Value.Rat()), Scale: x.Value.Scale}, Unit: x.Unit})}, nil
			}
			return nil, execErr("abs() expects a number")
		}),
		"ceiling": mathFunction(func(v any) ([]Node, error) {
			d, err := decimalOf(v, "ceiling()")
			if err != nil {
				return nil, err
			}
			f := d.floorInt()
			if !d.IsInt() {
				f.Add(f, big.NewInt(1))
			}
			return bigIntColl(f)
		}),
		"floor": mathFunction(func(v any) ([]Node, error) {
			d, err := decimalOf(v, "floor()")
			if err != nil {
				return nil, err
			}
			return bigIntColl(d.floorInt())
		}),
		"truncate": mathFunction(func(v any) ([]Node, error) {
			d, err := decimalOf(v, "truncate()")
			if err != nil {
				return nil, err
			}
			return bigIntColl(d.truncInt())
		}),
		"exp":  floatFunction("exp()", math.Exp),
		"ln":   floatFunction("ln()", math.Log),
		"sqrt": floatFunction("sqrt()", math.Sqrt),
		"round": {0, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			n, ok, err := singleSystem(in, "round()")
			if err != nil || !ok {
				return nil, err
			}
			d, err := decimalOf(n.Value, "round()")
			if err != nil {
				return nil, err
			}
			p := int64(0)
			if len(args) == 1 {
				if p, err = intArg(c, scope, args[0], "round()"); err != nil {
					return nil, err
				}
				if p < 0 || p > 30 {
					return nil, execErr("round() precision out of range")
				}
			}
			return []Node{decNode(d.roundTo(int(p)))}, nil
		}},
		"log": {1, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			n, ok, err := singleSystem(in, "log()")
			if err != nil || !ok {
				return nil, err
			}
			bv, err := args[0](c, scope)
			if err != nil {
				return nil, err
			}
			b, ok, err := singleSystem(bv, "log()")
			if err != nil || !ok {
				return nil, err
			}
			x, err := decimalOf(n.Value, "log()")
			if err != nil {
				return nil, err
			}
			y, err := decimalOf(b.Value, "log()")
			if err != nil {
				return nil, err
			}
			return floatResult(math.Log(x.Float64()) / math.Log(y.Float64()))
		}},
		"power": {1, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			n, ok, err := singleSystem(in, "power()")
			if err != nil || !ok {
				return nil, err
			}
			ev, err := args[0](c, scope)
			if err != nil {
				return nil, err
			}
			e, ok, err := singleSystem(ev, "power()")
			if err != nil || !ok {
				return nil, err
			}
			bi, bInt := n.Value.(int64)
			ei, eInt := e.Value.(int64)
			if bInt && eInt && ei >= 0 {
				r := new(big.Int).Exp(big.NewInt(bi), big.NewInt(min(ei, 4096)), nil)
				if ei <= 4096 && r.IsInt64() {
					return intColl(r.Int64()), nil
				}
				return nil, execErr("integer overflow in power()")
			}
			x, err := decimalOf(n.Value, "power()")
			if err != nil {
				return nil, err
			}
			y, err := decimalOf(e.Value, "power()")
			if err != nil {
				return nil, err
			}
			return floatResult(math.Pow(x.Float64(), y.Float64()))
		}},
	}
}

func decimalOf(v any, what string) (Decimal, error) {
	if d, ok := numberAsDecimal(v); ok {
		return d, nil
	}
	return Decimal{}, execErr("%s expects a number", what)
}

func bigIntColl(b *big.Int) ([]Node, error) {
	if i, ok := bigToInt64(b); ok {
		return intColl(i), nil
	}
	return nil, execErr("integer overflow")
}

func floatFunction(what string, f func(float64) float64) funcDef {
	return mathFunction(func(v any) ([]Node, error) {
		d, err := decimalOf(v, what)
		if err != nil {
			return nil, err
		}
		return floatResult(f(d.Float64()))
	})
}

// floatResult converts a float64 result to a Decimal; NaN and infinities
// give empty.
func floatResult(f float64) ([]Node, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, nil
	}
	d, ok := ParseDecimal(strconv.FormatFloat(f, 'f', -1, 64))
	if !ok {
		return nil, nil
	}
	if d.Scale > maxDivisionScale {
		d = d.roundTo(maxDivisionScale)
	}
	return []Node{decNode(d)}, nil
}
