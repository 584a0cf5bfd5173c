package fhirpath

import (
	"math/big"
	"time"
)

// utilityFunctions are §5.9, not() and the type and boundary functions.
func utilityFunctions() map[string]funcDef {
	return map[string]funcDef{
		"trace": {1, 2, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			return in, nil
		}},
		"now": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			t := c.clock()
			_, off := t.Zone()
			return []Node{dtNode(fromGoTime(t, PrecisionSecond, true, off/60, 3))}, nil
		}},
		"today": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			t := c.clock()
			return []Node{dateNode(Date{fromGoTime(t, PrecisionDay, false, 0, 0)})}, nil
		}},
		"timeOfDay": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			t := c.clock()
			d := fromGoTime(t, PrecisionSecond, false, 0, 3)
			d.Year, d.Month, d.Day = 0, 0, 0
			return []Node{timeNode(Time{d})}, nil
		}},
		"not": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			t, err := toTri(in, "not()")
			if err != nil || t == triEmpty {
				return nil, err
			}
			return boolColl(t == triFalse), nil
		}},
		"type": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			out := make([]Node, len(in))
			for i, n := range in {
				ns, name := typeInfo(n)
				out[i] = Node{Value: map[string]any{"namespace": ns, "name": name}, Type: "System.SimpleTypeInfo"}
			}
			return out, nil
		}},
		"precision": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			n, ok, err := singleSystem(in, "precision()")
			if err != nil || !ok {
				return nil, err
			}
			switch v := n.Value.(type) {
			case int64:
				return intColl(0), nil
			case Decimal:
				return intColl(int64(v.Scale)), nil
			case Date:
				return intColl(dateDigits(v.DateTime)), nil
			case DateTime:
				return intColl(dateDigits(v)), nil
			case Time:
				return intColl(dateDigits(v.DateTime) - 8), nil
			}
			return nil, nil
		}},
		"lowBoundary":  {0, 1, boundaryImpl(false)},
		"highBoundary": {0, 1, boundaryImpl(true)},
		"comparable": {1, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			a, ok, err := singleSystem(in, "comparable()")
			if err != nil || !ok {
				return nil, err
			}
			bv, err := args[0](c, scope)
			if err != nil {
				return nil, err
			}
			b, ok, err := singleSystem(bv, "comparable()")
			if err != nil || !ok {
				return nil, err
			}
			qa, oka := a.Value.(Quantity)
			qb, okb := b.Value.(Quantity)
			if !oka || !okb {
				return nil, execErr("comparable() expects quantities")
			}
			_, known := compareQuantities(qa, qb, false)
			return boolColl(known), nil
		}},
		"defineVariable": {1, 2, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			nameV, err := args[0](c, scope)
			if err != nil {
				return nil, err
			}
			name, ok, err := singleString(nameV, "defineVariable()")
			if err != nil || !ok {
				return nil, execErr("defineVariable() requires a name")
			}
			value := in
			if len(args) == 2 {
				if value, err = args[1](c, in); err != nil {
					return nil, err
				}
			}
			switch name {
			case "resource", "context", "rootResource", "ucum", "sct", "loinc":
				return nil, execErr("cannot redefine %%%s", name)
			}
			vars := make(map[string][]Node, len(c.vars)+1)
			for k, v := range c.vars {
				vars[k] = v
			}
			vars[name] = value
			c.vars = vars
			return in, nil
		}},
	}
}

func (c *ctx) clock() time.Time {
	if c.now.IsZero() {
		c.now = time.Now()
	}
	return c.now
}

// dateDigits is the precision() of a date/time: the number of digits of
// its components.
func dateDigits(d DateTime) int64 {
	switch d.Precision {
	case PrecisionYear:
		return 4
	case PrecisionMonth:
		return 6
	case PrecisionDay:
		return 8
	case PrecisionHour:
		return 10
	case PrecisionMinute:
		return 12
	}
	if d.Digits > 0 {
		return 17
	}
	return 14
}

// boundaryImpl implements lowBoundary() and highBoundary() for decimals,
// dates, date/times and times.
func boundaryImpl(high bool) fnImpl {
	return func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
		n, ok, err := singleSystem(in, "boundary function")
		if err != nil || !ok {
			return nil, err
		}
		p := int64(-1)
		if len(args) == 1 {
			if p, err = intArg(c, scope, args[0], "boundary function"); err != nil {
				return nil, err
			}
			if p < 0 {
				return nil, nil
			}
		}
		switch v := n.Value.(type) {
		case int64:
			return decimalBoundary(DecimalFromInt(v), p, high), nil
		case Decimal:
			return decimalBoundary(v, p, high), nil
		case Quantity:
			r := decimalBoundary(v.Value, p, high)
			if r == nil {
				return nil, nil
			}
			return []Node{qtyNode(Quantity{Value: r[0].Value.(Decimal), Unit: v.Unit})}, nil
		case Date:
			if p < 0 {
				p = 8
			}
			d, ok := dateBoundary(v.DateTime, p, high, false)
			if !ok {
				return nil, nil
			}
			return []Node{dateNode(Date{d})}, nil
		case DateTime:
			if p < 0 {
				p = 17
			}
			d, ok := dateBoundary(v, p, high, false)
			if !ok {
				return nil, nil
			}
			return []Node{dtNode(d)}, nil
		case Time:
			if p < 0 {
				p = 9
			}
			d, ok := dateBoundary(v.DateTime, p+8, high, true)
			if !ok {
				return nil, nil
			}
			d.Year, d.Month, d.Day = 0, 0, 0
			return []Node{timeNode(Time{d})}, nil
		}
		return nil, nil
	}
}

func decimalBoundary(d Decimal, p int64, high bool) []Node {
	if p < 0 {
		p = 8
	}
	if p > 28 {
		return nil
	}
	// half a unit in the last written digit
	half := new(big.Rat).SetFrac(big.NewInt(5), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)+1), nil))
	r := new(big.Rat)
	if high {
		r.Add(d.Rat(), half)
	} else {
		r.Sub(d.Rat(), half)
	}
	// round towards the outside at p digits
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(p), nil))
	scaled := new(big.Rat).Mul(r, scale)
	q := Decimal{rat: scaled}.floorInt()
	if high && !scaled.IsInt() {
		q.Add(q, big.NewInt(1))
	}
	out := new(big.Rat).SetFrac(q, scale.Num())
	return []Node{decNode(Decimal{rat: out, Scale: int(p)})}
}

// dateBoundary fills the components after d's precision with their lowest
// or highest values, up to digits (4 year … 17 milliseconds).
func dateBoundary(d DateTime, digits int64, high, timeOnly bool) (DateTime, bool) {
	var p Precision
	switch digits {
	case 4:
		p = PrecisionYear
	case 6:
		p = PrecisionMonth
	case 8:
		p = PrecisionDay
	case 10:
		p = PrecisionHour
	case 12:
		p = PrecisionMinute
	case 14, 17:
		p = PrecisionSecond
	default:
		return DateTime{}, false
	}
	r := d
	if p < d.Precision {
		r.Precision = p
		return r.truncate(), true
	}
	if d.Precision < PrecisionMonth {
		r.Month = pick(high, 12, 1)
	}
	if d.Precision < PrecisionDay {
		r.Day = pick(high, daysIn(r.Year, max(r.Month, 1)), 1)
	}
	if d.Precision < PrecisionHour {
		r.Hour = pick(high, 23, 0)
	}
	if !d.TZ && !timeOnly && p >= PrecisionHour {
		// an unzoned value lies anywhere between UTC+14:00 and UTC-12:00
		r.TZ = true
		r.Offset = pick(high, -12*60, 14*60)
	}
	if d.Precision < PrecisionMinute {
		r.Minute = pick(high, 59, 0)
	}
	if d.Precision < PrecisionSecond || d.Digits == 0 {
		if d.Precision < PrecisionSecond {
			r.Second = pick(high, 59, 0)
		}
		r.Millisecond = pick(high, 999, 0)
	}
	r.Precision = p
	if digits == 17 {
		r.Digits = 3
	} else {
		r.Digits = 0
	}
	return r.truncate(), true
}

func pick(high bool, hi, lo int) int {
	if high {
		return hi
	}
	return lo
}
