package fhirpath

import (
	"strconv"
	"strings"
)

// converter converts one System value; ok is false when the value does
// not convert (the function then returns empty).
type converter func(v Node) (Node, bool)

// conversionFunctions are §5.5.
func conversionFunctions() map[string]funcDef {
	m := map[string]funcDef{
		"iif": {2, 3, iifImpl},
	}
	convs := map[string]converter{
		"Boolean": convBoolean, "Integer": convInteger, "Decimal": convDecimal, "String": convString,
		"Date": convDate, "DateTime": convDateTime, "Time": convTime, "Quantity": func(n Node) (Node, bool) { return convQuantity(n, "") },
	}
	for name, conv := range convs {
		conv := conv
		if name != "Quantity" {
			m["to"+name] = funcDef{0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
				n, ok, err := singleSystem(in, "to"+name+"()")
				if err != nil || !ok {
					return nil, err
				}
				if r, ok := conv(n); ok {
					return []Node{r}, nil
				}
				return nil, nil
			}}
		}
		m["convertsTo"+name] = funcDef{0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			n, ok, err := singleSystem(in, "convertsTo"+name+"()")
			if err != nil || !ok {
				return nil, err
			}
			_, ok = conv(n)
			return boolColl(ok), nil
		}}
	}
	m["toQuantity"] = funcDef{0, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
		n, ok, err := singleSystem(in, "toQuantity()")
		if err != nil || !ok {
			return nil, err
		}
		unit := ""
		if len(args) == 1 {
			u, err := args[0](c, scope)
			if err != nil {
				return nil, err
			}
			if unit, _, err = singleString(u, "toQuantity()"); err != nil {
				return nil, err
			}
		}
		if r, ok := convQuantity(n, unit); ok {
			return []Node{r}, nil
		}
		return nil, nil
	}}
	return m
}

// singleSystem returns the System value of a singleton input.
func singleSystem(in []Node, what string) (Node, bool, error) {
	n, ok, err := singleItem(in, what)
	if err != nil || !ok {
		return Node{}, false, err
	}
	s, ok := toSystem(n)
	if !ok {
		return Node{}, false, nil
	}
	return s, true, nil
}

func iifImpl(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
	if len(in) > 1 {
		return nil, execErr("iif() applied to a collection of %d items", len(in))
	}
	if len(in) == 1 {
		scope = in
	}
	cond, err := args[0](c, scope)
	if err != nil {
		return nil, err
	}
	t, err := singleBool(cond, "iif()")
	if err != nil {
		return nil, err
	}
	if t == triTrue {
		return args[1](c, scope)
	}
	if len(args) == 3 {
		return args[2](c, scope)
	}
	return nil, nil
}

func convBoolean(n Node) (Node, bool) {
	switch v := n.Value.(type) {
	case bool:
		return boolNode(v), true
	case int64:
		if v == 0 || v == 1 {
			return boolNode(v == 1), true
		}
	case Decimal:
		if v.Cmp(DecimalFromInt(1)) == 0 {
			return boolNode(true), true
		}
		if v.Cmp(DecimalFromInt(0)) == 0 {
			return boolNode(false), true
		}
	case string:
		switch strings.ToLower(v) {
		case "true", "t", "yes", "y", "1", "1.0":
			return boolNode(true), true
		case "false", "f", "no", "n", "0", "0.0":
			return boolNode(false), true
		}
	}
	return Node{}, false
}

func convInteger(n Node) (Node, bool) {
	switch v := n.Value.(type) {
	case int64:
		return intNode(v), true
	case bool:
		if v {
			return intNode(1), true
		}
		return intNode(0), true
	case string:
		body := strings.TrimPrefix(strings.TrimPrefix(v, "+"), "-")
		if isInteger(body) {
			if i, err := strconv.ParseInt(v, 10, 64); err == nil {
				return intNode(i), true
			}
		}
	}
	return Node{}, false
}

func convDecimal(n Node) (Node, bool) {
	switch v := n.Value.(type) {
	case int64:
		return decNode(DecimalFromInt(v)), true
	case Decimal:
		return decNode(v), true
	case bool:
		d := DecimalFromInt(0)
		if v {
			d = DecimalFromInt(1)
		}
		d.Scale = 1
		return decNode(d), true
	case string:
		if strings.ContainsAny(v, "eE") {
			return Node{}, false
		}
		if d, ok := ParseDecimal(strings.TrimPrefix(v, "+")); ok {
			return decNode(d), true
		}
	}
	return Node{}, false
}

func convString(n Node) (Node, bool) {
	s, ok := formatSystem(n.Value)
	if !ok {
		return Node{}, false
	}
	return strNode(s), true
}

// formatSystem formats a System value as toString() does.
func formatSystem(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case Decimal:
		return x.String(), true
	case Date:
		return x.String(), true
	case DateTime:
		return x.String(), true
	case Time:
		return x.String(), true
	case Quantity:
		return x.String(), true
	}
	return "", false
}

func convDate(n Node) (Node, bool) {
	switch v := n.Value.(type) {
	case Date:
		return dateNode(v), true
	case DateTime:
		d := v
		d.Precision = min(d.Precision, PrecisionDay)
		return dateNode(Date{d.truncate()}), true
	case string:
		if d, ok := ParseDate(v); ok {
			return dateNode(d), true
		}
		if dt, ok := ParseDateTime(v); ok {
			dt.Precision = min(dt.Precision, PrecisionDay)
			return dateNode(Date{dt.truncate()}), true
		}
	}
	return Node{}, false
}

func convDateTime(n Node) (Node, bool) {
	switch v := n.Value.(type) {
	case Date:
		return dtNode(v.DateTime), true
	case DateTime:
		return dtNode(v), true
	case string:
		if dt, ok := ParseDateTime(v); ok {
			return dtNode(dt), true
		}
	}
	return Node{}, false
}

func convTime(n Node) (Node, bool) {
	switch v := n.Value.(type) {
	case Time:
		return timeNode(v), true
	case string:
		if t, ok := ParseTime(strings.TrimPrefix(v, "T")); ok {
			return timeNode(t), true
		}
	}
	return Node{}, false
}

// convQuantity converts to a Quantity, then to unit when unit is not "".
func convQuantity(n Node, unit string) (Node, bool) {
	var q Quantity
	switch v := n.Value.(type) {
	case int64:
		q = Quantity{Value: DecimalFromInt(v), Unit: "1"}
	case Decimal:
		q = Quantity{Value: v, Unit: "1"}
	case bool:
		d := DecimalFromInt(0)
		if v {
			d = DecimalFromInt(1)
		}
		d.Scale = 1
		q = Quantity{Value: d, Unit: "1"}
	case Quantity:
		q = v
	case string:
		var ok bool
		if q, ok = parseQuantityString(v); !ok {
			return Node{}, false
		}
	default:
		return Node{}, false
	}
	if unit != "" {
		var ok bool
		if q, ok = convertQuantity(q, unit); !ok {
			return Node{}, false
		}
	}
	return qtyNode(q), true
}

// parseQuantityString parses "10", "10.5 'mg'" or "4 days".
func parseQuantityString(s string) (Quantity, bool) {
	num, rest, _ := strings.Cut(strings.TrimSpace(s), " ")
	d, ok := ParseDecimal(strings.TrimPrefix(num, "+"))
	if !ok || strings.ContainsAny(num, "eE") {
		return Quantity{}, false
	}
	rest = strings.TrimSpace(rest)
	switch {
	case rest == "":
		return Quantity{Value: d, Unit: "1"}, true
	case len(rest) >= 2 && rest[0] == '\'' && rest[len(rest)-1] == '\'':
		return Quantity{Value: d, Unit: rest[1 : len(rest)-1]}, true
	case isCalendarUnit(rest):
		return Quantity{Value: d, Unit: rest}, true
	}
	return Quantity{}, false
}
