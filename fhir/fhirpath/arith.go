package fhirpath

import (
	"math"
	"math/big"
	"time"
)

// arithmetic applies +, -, *, /, div or mod to two singleton items
// (§6.6). Division by zero yields empty; incompatible operands are an
// error.
func arithmetic(op string, a, b Node) ([]Node, error) {
	sa, oka := toSystem(a)
	sb, okb := toSystem(b)
	if !oka || !okb {
		return nil, execErr("%s applied to %s and %s", op, typeLabel(a), typeLabel(b))
	}
	// a number combines with a dimensionless quantity as a quantity '1'
	if q, ok := sb.Value.(Quantity); ok && q.Unit == "1" && op != "*" {
		if d, ok := numberAsDecimal(sa.Value); ok {
			sa = qtyNode(Quantity{Value: d, Unit: "1"})
		}
	}
	if q, ok := sa.Value.(Quantity); ok && q.Unit == "1" {
		if d, ok := numberAsDecimal(sb.Value); ok && op != "*" && op != "/" {
			sb = qtyNode(Quantity{Value: d, Unit: "1"})
		}
	}
	switch x := sa.Value.(type) {
	case string:
		if y, ok := sb.Value.(string); ok && op == "+" {
			return strColl(x + y), nil
		}
	case int64:
		switch y := sb.Value.(type) {
		case int64:
			return intArith(op, x, y)
		case Decimal:
			return decArith(op, DecimalFromInt(x), y)
		case Quantity:
			if op == "*" {
				return []Node{qtyNode(Quantity{Value: DecimalFromInt(x).mul(y.Value), Unit: y.Unit})}, nil
			}
		}
	case Decimal:
		switch y := sb.Value.(type) {
		case int64:
			return decArith(op, x, DecimalFromInt(y))
		case Decimal:
			return decArith(op, x, y)
		case Quantity:
			if op == "*" {
				return []Node{qtyNode(Quantity{Value: x.mul(y.Value), Unit: y.Unit})}, nil
			}
		}
	case Quantity:
		return quantityArith(op, x, sb.Value)
	case Date, DateTime, Time:
		if y, ok := sb.Value.(Quantity); ok && (op == "+" || op == "-") {
			return dateArith(op, sa, y)
		}
	}
	return nil, execErr("%s applied to %s and %s", op, typeLabel(sa), typeLabel(sb))
}

func intArith(op string, x, y int64) ([]Node, error) {
	switch op {
	case "+":
		r := x + y
		if (r > x) != (y > 0) {
			return nil, execErr("integer overflow")
		}
		return intColl(r), nil
	case "-":
		r := x - y
		if (r < x) != (y > 0) {
			return nil, execErr("integer overflow")
		}
		return intColl(r), nil
	case "*":
		if x != 0 && y != 0 {
			r := x * y
			if r/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
				return nil, execErr("integer overflow")
			}
			return intColl(r), nil
		}
		return intColl(0), nil
	case "/":
		return decArith(op, DecimalFromInt(x), DecimalFromInt(y))
	case "div":
		if y == 0 {
			return nil, nil
		}
		if x == math.MinInt64 && y == -1 {
			return nil, execErr("integer overflow")
		}
		return intColl(x / y), nil
	case "mod":
		if y == 0 {
			return nil, nil
		}
		if y == -1 {
			return intColl(0), nil
		}
		return intColl(x % y), nil
	}
	return nil, execErr("unknown operator %s", op)
}

func decArith(op string, x, y Decimal) ([]Node, error) {
	switch op {
	case "+":
		return []Node{decNode(x.add(y))}, nil
	case "-":
		return []Node{decNode(x.sub(y))}, nil
	case "*":
		return []Node{decNode(x.mul(y))}, nil
	case "/":
		q, ok := x.quo(y)
		if !ok {
			return nil, nil
		}
		return []Node{decNode(q)}, nil
	case "div":
		if y.Rat().Sign() == 0 {
			return nil, nil
		}
		q := new(big.Rat).Quo(x.Rat(), y.Rat())
		i, ok := bigToInt64(Decimal{rat: q}.truncInt())
		if !ok {
			return nil, execErr("integer overflow")
		}
		return intColl(i), nil
	case "mod":
		if y.Rat().Sign() == 0 {
			return nil, nil
		}
		q := new(big.Rat).Quo(x.Rat(), y.Rat())
		t := new(big.Rat).SetInt(Decimal{rat: q}.truncInt())
		r := new(big.Rat).Sub(x.Rat(), t.Mul(t, y.Rat()))
		return []Node{decNode(Decimal{rat: r, Scale: max(x.Scale, y.Scale)})}, nil
	}
	return nil, execErr("unknown operator %s", op)
}

func quantityArith(op string, x Quantity, b any) ([]Node, error) {
	switch y := b.(type) {
	case Quantity:
		switch op {
		case "+", "-":
			yc, ok := convertQuantity(y, x.Unit)
			if !ok {
				return nil, execErr("cannot add quantities in %q and %q", x.Unit, y.Unit)
			}
			v := x.Value.add(yc.Value)
			if op == "-" {
				v = x.Value.sub(yc.Value)
			}
			return []Node{qtyNode(Quantity{Value: v, Unit: x.Unit})}, nil
		case "*":
			if yc, ok := convertQuantity(y, x.Unit); ok {
				y = yc
			}
			return []Node{qtyNode(Quantity{Value: x.Value.mul(y.Value), Unit: mulUnit(x.Unit, y.Unit)})}, nil
		case "/":
			if yc, ok := convertQuantity(y, x.Unit); ok {
				q, ok := x.Value.quo(yc.Value)
				if !ok {
					return nil, nil
				}
				return []Node{qtyNode(Quantity{Value: q, Unit: "1"})}, nil
			}
			q, ok := x.Value.quo(y.Value)
			if !ok {
				return nil, nil
			}
			return []Node{qtyNode(Quantity{Value: q, Unit: x.Unit + "/" + y.Unit})}, nil
		}
	case int64, Decimal:
		d, _ := numberAsDecimal(y)
		switch op {
		case "*":
			return []Node{qtyNode(Quantity{Value: x.Value.mul(d), Unit: x.Unit})}, nil
		case "/":
			q, ok := x.Value.quo(d)
			if !ok {
				return nil, nil
			}
			return []Node{qtyNode(Quantity{Value: q, Unit: x.Unit})}, nil
		}
	}
	return nil, execErr("%s is not defined for these quantity operands", op)
}

// mulUnit multiplies two units: equal units square ("cm"·"cm" = "cm2"),
// '1' is neutral, others are joined with '.'.
func mulUnit(a, b string) string {
	switch {
	case a == "1":
		return b
	case b == "1":
		return a
	case a == b:
		return a + "2"
	}
	return a + "." + b
}

// dateArith adds a time-valued quantity to a date, date/time or time
// (§6.6.7). Calendar years and months add calendar units; fixed-length
// units add their duration; the result keeps the operand's precision.
func dateArith(op string, v Node, q Quantity) ([]Node, error) {
	u := normalUnit(q.Unit)
	amount := q.Value
	if op == "-" {
		amount = amount.neg()
	}
	var d DateTime
	kind := 0
	switch x := v.Value.(type) {
	case Date:
		d = x.DateTime
	case DateTime:
		d, kind = x, 1
	case Time:
		d, kind = x.DateTime, 2
		d.Year, d.Month, d.Day = 2000, 1, 1
	}
	t := d.goTime()
	whole, ok := bigToInt64(amount.truncInt())
	if !ok || whole > 1e7 || whole < -1e7 {
		return nil, execErr("date arithmetic out of range")
	}
	switch u {
	case "year":
		if kind == 2 {
			return nil, execErr("cannot add years to a time")
		}
		t = t.AddDate(int(whole), 0, 0)
	case "month":
		if kind == 2 {
			return nil, execErr("cannot add months to a time")
		}
		t = addMonths(t, int(whole))
	default:
		def, ok := ucumUnits[u]
		if !ok || def.dim != "s" || u == "a" || u == "mo" {
			return nil, execErr("cannot add %q to a date", q.Unit)
		}
		secs := new(big.Rat).Mul(new(big.Rat).SetInt64(whole), def.factor)
		// below the operand's precision the amount is truncated to that unit
		ms := new(big.Rat).Mul(secs, big.NewRat(1000, 1))
		msi, ok := bigToInt64(Decimal{rat: ms}.truncInt())
		if !ok || msi > 1e15 || msi < -1e15 {
			return nil, execErr("date arithmetic out of range")
		}
		step := precisionMillis(d.Precision)
		msi = msi / step * step
		t = t.Add(time.Duration(msi) * time.Millisecond)
	}
	r := fromGoTime(t, d.Precision, d.TZ, d.Offset, d.Digits)
	switch kind {
	case 0:
		return []Node{dateNode(Date{r})}, nil
	case 1:
		return []Node{dtNode(r)}, nil
	}
	r.Year, r.Month, r.Day = 0, 0, 0
	return []Node{timeNode(Time{r})}, nil
}

// addMonths adds n calendar months, clamping the day to the month's end.
func addMonths(t time.Time, n int) time.Time {
	y, m := t.Year(), int(t.Month())-1+n
	y += m / 12
	m %= 12
	if m < 0 {
		m += 12
		y--
	}
	day := min(t.Day(), daysIn(y, m+1))
	return time.Date(y, time.Month(m+1), day, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

func precisionMillis(p Precision) int64 {
	switch p {
	case PrecisionYear, PrecisionMonth, PrecisionDay:
		return 86400000
	case PrecisionHour:
		return 3600000
	case PrecisionMinute:
		return 60000
	}
	return 1
}
