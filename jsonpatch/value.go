package jsonpatch

import (
	"encoding/json"
	"github.com/yitong-health/yitong/fhir"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// deepCopy copies the objects and arrays of v; other values (strings,
// json.Number, booleans, nil and any foreign type) are immutable or opaque and
// shared. When budget is not nil it is decremented once per value copied and
// the copy stops early once it is negative (the caller then discards the
// result).
func deepCopy(v any, budget *int) any {
	if budget != nil {
		*budget--
		if *budget < 0 {
			return nil
		}
	}
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e, budget)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = deepCopy(e, budget)
		}
		return a
	}
	return v
}

// equal compares two JSON values semantically: numbers by numeric value,
// objects without regard to member order, arrays element by element.
func equal(a, b any) bool {
	if na, ok := numberText(a); ok {
		nb, ok := numberText(b)
		return ok && numbersEqual(na, nb)
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equal(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// numberText returns the decimal text of a number value.
func numberText(v any) (string, bool) {
	switch x := v.(type) {
	case json.Number:
		return string(x), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	}
	return "", false
}

// numbersEqual compares two numbers written in JSON syntax by value, exactly
// and without converting them to float64. Text that is not a JSON number is
// compared as is.
func numbersEqual(a, b string) bool {
	da, oka := parseDecimal(a)
	db, okb := parseDecimal(b)
	if !oka || !okb {
		return a == b
	}
	return da.neg == db.neg && da.digits == db.digits && da.exp.Cmp(&db.exp) == 0
}

// decimal is a number as sign × digits × 10^exp, with digits free of leading
// and trailing zeros; zero has empty digits, no sign and exponent 0.
type decimal struct {
	neg    bool
	digits string
	exp    big.Int
}

// parseDecimal parses the JSON number grammar
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? (leading zeros are tolerated).
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	i := 0
	if i < len(s) && s[i] == '-' {
		d.neg = true
		i++
	}
	digitsFrom := func(j int) int {
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		return j
	}
	end := digitsFrom(i)
	if end == i {
		return d, false
	}
	intPart := s[i:end]
	i = end
	frac := ""
	if i < len(s) && s[i] == '.' {
		end = digitsFrom(i + 1)
		if end == i+1 {
			return d, false
		}
		frac = s[i+1 : end]
		i = end
	}
	expText := "0"
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		end = digitsFrom(j)
		if end == j {
			return d, false
		}
		expText = s[i+1 : end]
		i = end
	}
	if i != len(s) {
		return d, false
	}
	if _, ok := d.exp.SetString(strings.TrimPrefix(expText, "+"), 10); !ok {
		return d, false
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	trimmed := strings.TrimRight(digits, "0")
	if trimmed == "" {
		return decimal{}, true
	}
	d.exp.Sub(&d.exp, big.NewInt(int64(len(frac))))
	d.exp.Add(&d.exp, big.NewInt(int64(len(digits)-len(trimmed))))
	d.digits = trimmed
	return d, true
}

// kind names the JSON type of v for diagnostics (numbers of any Go type
// count as numbers).
func kind(v any) string {
	if _, ok := numberText(v); ok {
		return "a number"
	}
	return fhir.KindOf(v)
}

// preview renders v for diagnostics: scalars as JSON, containers by kind.
func preview(v any) string {
	switch x := v.(type) {
	case map[string]any, []any:
		return kind(v)
	case string:
		return truncate(strconv.Quote(x), 60)
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	}
	if n, ok := numberText(v); ok {
		return truncate(n, 60)
	}
	return kind(v)
}

// truncate shortens s to at most n bytes, cutting at a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
