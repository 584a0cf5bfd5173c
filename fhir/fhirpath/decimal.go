package fhirpath

import (
	"math/big"
	"strings"
)

// maxDecimalText bounds the length of a decimal literal or converted string,
// so that big.Rat arithmetic stays cheap on hostile input.
const maxDecimalText = 128

// maxDivisionScale is the number of fractional digits kept by a division
// whose exact result has no finite decimal expansion.
const maxDivisionScale = 8

// Decimal is an exact System.Decimal. Scale is the number of fractional
// digits it was written with (or computed to), which FHIRPath uses for
// precision, equivalence and formatting. The zero Decimal is 0.
type Decimal struct {
	rat   *big.Rat
	Scale int
}

// ParseDecimal parses a decimal in FHIR JSON syntax (an optional sign,
// digits, an optional fraction and an optional exponent). ok is false when s
// is not such a number.
func ParseDecimal(s string) (d Decimal, ok bool) {
	if len(s) == 0 || len(s) > maxDecimalText {
		return Decimal{}, false
	}
	mant, exp := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp = s[:i], s[i+1:]
		if !isInteger(strings.TrimPrefix(strings.TrimPrefix(exp, "+"), "-")) || len(exp) > 4 {
			return Decimal{}, false
		}
	}
	body := strings.TrimPrefix(strings.TrimPrefix(mant, "-"), "+")
	intPart, frac, hasDot := strings.Cut(body, ".")
	if !isInteger(intPart) || (hasDot && !isInteger(frac)) {
		return Decimal{}, false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return Decimal{}, false
	}
	scale := len(frac)
	if exp != "" {
		// an exponent shifts the written digits
		e := 0
		sign := 1
		for i, c := range exp {
			if i == 0 && (c == '+' || c == '-') {
				if c == '-' {
					sign = -1
				}
				continue
			}
			e = e*10 + int(c-'0')
		}
		scale -= sign * e
		if scale < 0 {
			scale = 0
		}
	}
	return Decimal{rat: r, Scale: scale}, true
}

func isInteger(s string) bool {
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

// DecimalFromInt returns n as a Decimal with scale 0.
func DecimalFromInt(n int64) Decimal {
	return Decimal{rat: new(big.Rat).SetInt64(n)}
}

// Rat returns the exact value; the caller must not modify it.
func (d Decimal) Rat() *big.Rat {
	if d.rat == nil {
		return new(big.Rat)
	}
	return d.rat
}

// String formats d with its scale, e.g. "1.50"; divisions that produced a
// long expansion are trimmed of trailing zeros.
func (d Decimal) String() string {
	return d.Rat().FloatString(d.Scale)
}

// Float64 returns the nearest float64.
func (d Decimal) Float64() float64 {
	f, _ := d.Rat().Float64()
	return f
}

// Cmp compares d and e exactly: -1, 0 or +1.
func (d Decimal) Cmp(e Decimal) int { return d.Rat().Cmp(e.Rat()) }

// IsInt reports whether d has no fractional part.
func (d Decimal) IsInt() bool { return d.Rat().IsInt() }

func (d Decimal) add(e Decimal) Decimal {
	return Decimal{rat: new(big.Rat).Add(d.Rat(), e.Rat()), Scale: max(d.Scale, e.Scale)}
}

func (d Decimal) sub(e Decimal) Decimal {
	return Decimal{rat: new(big.Rat).Sub(d.Rat(), e.Rat()), Scale: max(d.Scale, e.Scale)}
}

func (d Decimal) mul(e Decimal) Decimal {
	return Decimal{rat: new(big.Rat).Mul(d.Rat(), e.Rat()), Scale: min(d.Scale+e.Scale, maxDivisionScale*2)}
}

func (d Decimal) neg() Decimal {
	return Decimal{rat: new(big.Rat).Neg(d.Rat()), Scale: d.Scale}
}

// quo divides; ok is false for division by zero. The scale is the smallest
// that represents the result exactly, at most maxDivisionScale.
func (d Decimal) quo(e Decimal) (Decimal, bool) {
	if e.Rat().Sign() == 0 {
		return Decimal{}, false
	}
	r := new(big.Rat).Quo(d.Rat(), e.Rat())
	return Decimal{rat: r, Scale: exactScale(r, maxDivisionScale)}, true
}

// exactScale returns the number of fractional digits needed to write r
// exactly, capped at limit.
func exactScale(r *big.Rat, limit int) int {
	s := r.FloatString(limit)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = strings.TrimRight(s, "0")
		return len(s) - i - 1
	}
	return 0
}

// roundTo rounds half away from zero to n fractional digits.
func (d Decimal) roundTo(n int) Decimal {
	if n < 0 {
		n = 0
	}
	s := d.Rat().FloatString(n) // FloatString rounds half away from zero
	r, _ := new(big.Rat).SetString(s)
	return Decimal{rat: r, Scale: n}
}

// truncInt returns the integer part (towards zero) as a big.Int.
func (d Decimal) truncInt() *big.Int {
	r := d.Rat()
	return new(big.Int).Quo(r.Num(), r.Denom())
}

// floorInt returns the largest integer ≤ d.
func (d Decimal) floorInt() *big.Int {
	r := d.Rat()
	// Euclidean division is the floor for a positive denominator
	q, _ := new(big.Int).DivMod(r.Num(), r.Denom(), new(big.Int))
	return q
}

// bigToInt64 converts b; ok is false when it does not fit an int64.
func bigToInt64(b *big.Int) (int64, bool) {
	if !b.IsInt64() {
		return 0, false
	}
	return b.Int64(), true
}
