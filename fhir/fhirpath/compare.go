package fhirpath

import (
	"encoding/json"
	"math/big"
	"strings"
)

// tri is a three-valued result: known false, known true, or unknown
// (empty).
type tri uint8

const (
	triFalse tri = iota
	triTrue
	triEmpty
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// equalItems implements = for two items (FHIRPath §6.1.1).
func equalItems(a, b Node) tri {
	if a.Value == nil || b.Value == nil {
		return triFalse
	}
	// fast path: two strings that are not dates or times
	if x, ok := a.Value.(string); ok && !temporalType(a.Type) {
		if y, ok := b.Value.(string); ok && !temporalType(b.Type) {
			return triOf(x == y)
		}
	}
	sa, oka := toSystem(a)
	sb, okb := toSystem(b)
	if oka && okb {
		return equalSystem(sa.Value, sb.Value)
	}
	if oka != okb {
		return triFalse
	}
	return triOf(deepEqual(a.Value, b.Value, false))
}

func temporalType(t string) bool {
	switch t {
	case "date", "dateTime", "instant", "time":
		return true
	}
	return false
}

func equalSystem(a, b any) tri {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return triOf(ok && x == y)
	case bool:
		y, ok := b.(bool)
		return triOf(ok && x == y)
	case int64:
		switch y := b.(type) {
		case int64:
			return triOf(x == y)
		case Decimal:
			return triOf(DecimalFromInt(x).Cmp(y) == 0)
		}
	case Decimal:
		switch y := b.(type) {
		case int64:
			return triOf(x.Cmp(DecimalFromInt(y)) == 0)
		case Decimal:
			return triOf(x.Cmp(y) == 0)
		}
	case Date, DateTime:
		if y, ok := asDateTime(b); ok {
			c, known := compareDateTimes(mustDateTime(x), y)
			if !known {
				return triEmpty
			}
			return triOf(c == 0)
		}
	case Time:
		if y, ok := b.(Time); ok {
			c, known := compareTimes(x, y)
			if !known {
				return triEmpty
			}
			return triOf(c == 0)
		}
	case Quantity:
		if y, ok := b.(Quantity); ok {
			c, known := compareQuantities(x, y, false)
			if !known {
				return triEmpty
			}
			return triOf(c == 0)
		}
	}
	return triFalse
}

func asDateTime(v any) (DateTime, bool) {
	switch x := v.(type) {
	case Date:
		return x.DateTime, true
	case DateTime:
		return x, true
	}
	return DateTime{}, false
}

func mustDateTime(v any) DateTime {
	d, _ := asDateTime(v)
	return d
}

// equivalentItems implements ~ for two items (§6.1.3).
func equivalentItems(a, b Node) bool {
	sa, oka := toSystem(a)
	sb, okb := toSystem(b)
	if oka && okb {
		return equivalentSystem(sa.Value, sb.Value)
	}
	if oka != okb {
		return false
	}
	return deepEqual(a.Value, b.Value, true)
}

func equivalentSystem(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && normalizeSpace(x) == normalizeSpace(y)
	case int64, Decimal:
		dx, okx := numberAsDecimal(x)
		dy, oky := numberAsDecimal(b)
		if !okx || !oky {
			return false
		}
		p := min(dx.Scale, dy.Scale)
		return dx.roundTo(p).Cmp(dy.roundTo(p)) == 0
	case Date, DateTime:
		y, ok := asDateTime(b)
		xd := mustDateTime(x)
		if !ok || xd.Precision != y.Precision {
			return false
		}
		c, known := compareDateTimes(xd, y)
		return known && c == 0
	case Time:
		y, ok := b.(Time)
		if !ok || x.Precision != y.Precision {
			return false
		}
		c, known := compareTimes(x, y)
		return known && c == 0
	case Quantity:
		y, ok := b.(Quantity)
		if !ok {
			return false
		}
		c, known := compareQuantities(x, y, true)
		return known && c == 0
	}
	return equalSystem(a, b) == triTrue
}

func normalizeSpace(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

func numberAsDecimal(v any) (Decimal, bool) {
	switch x := v.(type) {
	case int64:
		return DecimalFromInt(x), true
	case Decimal:
		return x, true
	}
	return Decimal{}, false
}

// deepEqual compares JSON values; equivalence ignores case and white space
// in strings. Element ids are not significant.
func deepEqual(a, b any, equiv bool) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return false
		}
		n := 0
		for k, v := range x {
			if k == "id" {
				continue
			}
			n++
			w, ok := y[k]
			if !ok || !deepEqual(v, w, equiv) {
				return false
			}
		}
		for k := range y {
			if k != "id" {
				n--
			}
		}
		return n == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !deepEqual(x[i], y[i], equiv) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		rx, okx := new(big.Rat).SetString(string(x))
		ry, oky := new(big.Rat).SetString(string(y))
		return okx && oky && rx.Cmp(ry) == 0
	case string:
		y, ok := b.(string)
		if equiv {
			return ok && normalizeSpace(x) == normalizeSpace(y)
		}
		return ok && x == y
	case Node:
		y, ok := b.(Node)
		return ok && equalItems(x, y) == triTrue
	}
	return a == b
}

// compareItems orders two singleton items for <, <=, >, >= (§6.2).
// known is false when the answer is empty (dates of different precision);
// an error is returned for values that cannot be compared.
func compareItems(a, b Node) (c int, known bool, err error) {
	sa, oka := toSystem(a)
	sb, okb := toSystem(b)
	if !oka || !okb {
		return 0, false, execErr("cannot compare %s with %s", typeLabel(a), typeLabel(b))
	}
	switch x := sa.Value.(type) {
	case string:
		if y, ok := sb.Value.(string); ok {
			return strings.Compare(x, y), true, nil
		}
	case int64, Decimal:
		if _, ok := sb.Value.(Quantity); !ok {
			dx, _ := numberAsDecimal(x)
			if dy, ok := numberAsDecimal(sb.Value); ok {
				return dx.Cmp(dy), true, nil
			}
		}
	case Date, DateTime:
		if y, ok := asDateTime(sb.Value); ok {
			c, known := compareDateTimes(mustDateTime(x), y)
			return c, known, nil
		}
	case Time:
		if y, ok := sb.Value.(Time); ok {
			c, known := compareTimes(x, y)
			return c, known, nil
		}
	case Quantity:
		if y, ok := sb.Value.(Quantity); ok {
			c, known := compareQuantities(x, y, false)
			return c, known, nil // incomparable units give empty
		}
	}
	return 0, false, execErr("cannot compare %s with %s", typeLabel(sa), typeLabel(sb))
}

func typeLabel(n Node) string {
	if n.Type != "" {
		return n.Type
	}
	return "an untyped value"
}
