package search

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// prefixNamed maps the written prefixes to their Prefix.
var prefixNamed = map[string]Prefix{
	"eq": PrefixEq, "ne": PrefixNe, "gt": PrefixGt, "lt": PrefixLt, "ge": PrefixGe,
	"le": PrefixLe, "sa": PrefixSa, "eb": PrefixEb, "ap": PrefixAp,
}

// splitPrefix splits a comparison prefix off a number, date or quantity
// value: two lowercase letters naming a prefix followed by a digit or a
// sign ("ge5", "lt2020-01-01", "gt-3"). Otherwise the prefix is eq and s is
// returned whole.
func splitPrefix(s string) (Prefix, string) {
	if len(s) >= 3 && (s[2] >= '0' && s[2] <= '9' || s[2] == '-' || s[2] == '+') {
		if p, ok := prefixNamed[s[:2]]; ok {
			return p, s[2:]
		}
	}
	return PrefixEq, s
}

// maxExponent and maxDigits bound the exponent and the digits of a number
// value, so that the exact arithmetic below stays cheap (a few
// microseconds); larger magnitudes are out of the range of a float64
// anyway, and more digits than a float64 holds add nothing.
const (
	maxExponent = 400
	maxDigits   = 64
)

// parseNumber checks the decimal s (optional sign, digits, optional
// fraction, optional exponent: "100", "-1.5", "1e2", "2.5E-3") and returns
// the range [lo, hi) it stands for at its precision: half a unit of its
// last digit either side (100 → [99.5, 100.5), 1.5 → [1.45, 1.55),
// 1e2 → [50, 150)). The exact decimal bounds are rounded to the nearest
// float64, as stored values are (strconv.ParseFloat), so a stored 0.85 is
// outside [0.75, 0.85) and a stored 0.75 inside; only when that would make
// the range empty (more digits than a float64 holds) are they rounded
// outwards instead.
func parseNumber(s, name string) (lo, hi float64, err error) {
	bad := func(why string) (float64, float64, error) {
		return 0, 0, invalid(name, "%s is not a valid number%s", clip(s), why)
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		es := s[i+1:]
		digits := strings.TrimLeft(es, "+-")
		if len(es)-len(digits) > 1 || !allDigits(digits) || len(digits) > 4 {
			return bad("")
		}
		e, convErr := strconv.Atoi(es)
		if convErr != nil || e > maxExponent || e < -maxExponent {
			return bad(" (exponent out of range)")
		}
		exp = e
	}
	unsigned := strings.TrimLeft(mant, "+-")
	if len(mant)-len(unsigned) > 1 {
		return bad("")
	}
	intPart, frac, hasDot := strings.Cut(unsigned, ".")
	if !allDigits(intPart) || hasDot && !allDigits(frac) {
		return bad("")
	}
	if len(intPart)+len(frac) > maxDigits {
		return bad(" (more than 64 digits)")
	}
	val, ok := new(big.Rat).SetString(strings.TrimPrefix(mant, "+") + "e" + strconv.Itoa(exp))
	if !ok {
		return bad("")
	}
	// delta = 5 × 10^(exp − len(frac) − 1)
	delta := new(big.Rat).SetInt64(5)
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(exp-len(frac)-1))), nil)
	if exp-len(frac)-1 >= 0 {
		delta.Mul(delta, new(big.Rat).SetInt(pow))
	} else {
		delta.Quo(delta, new(big.Rat).SetInt(pow))
	}
	loR, hiR := new(big.Rat).Sub(val, delta), new(big.Rat).Add(val, delta)
	lo, _ = loR.Float64()
	hi, _ = hiR.Float64()
	if !(lo < hi) {
		lo, hi = roundFloat(loR, -1), roundFloat(hiR, +1)
	}
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return bad(" (out of range)")
	}
	return lo, hi, nil
}

// roundFloat returns r rounded to a float64 towards -Inf (dir < 0) or
// +Inf (dir > 0).
func roundFloat(r *big.Rat, dir int) float64 {
	f, exact := r.Float64()
	if exact || math.IsInf(f, 0) {
		return f
	}
	c := new(big.Rat).SetFloat64(f).Cmp(r)
	switch {
	case dir < 0 && c > 0:
		return math.Nextafter(f, math.Inf(-1))
	case dir > 0 && c < 0:
		return math.Nextafter(f, math.Inf(1))
	}
	return f
}

// quantity fills v from "[prefix]number", "[prefix]number||code" or
// "[prefix]number|system|code".
func quantity(v *Value, s, name string) error {
	v.Prefix, s = splitPrefix(s)
	parts := splitUnescaped(s, '|')
	switch len(parts) {
	case 1:
	case 3:
		v.System, v.Code = unescape(parts[1]), unescape(parts[2])
		v.HasSystem = v.System != ""
		if v.Code == "" {
			return invalid(name, "%s has an empty unit code", clip(v.Raw))
		}
	default:
		return invalid(name, "%s is not a valid quantity (number, number||unit or number|system|unit)", clip(v.Raw))
	}
	v.Number = unescape(parts[0])
	var err error
	v.NumberLo, v.NumberHi, err = parseNumber(v.Number, name)
	return err
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
