package fhirpath

import (
	"math/big"
)

// unitDef is a UCUM unit known to the engine: its factor to the base unit
// of its dimension.
type unitDef struct {
	dim    string
	factor *big.Rat
}

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("fhirpath: bad unit factor " + s) // static table below
	}
	return r
}

// ucumUnits covers the common UCUM units of mass, length, volume and time.
// Units outside the table compare only with the same unit.
var ucumUnits = map[string]unitDef{
	"g": {"g", rat("1")}, "mg": {"g", rat("1/1000")}, "kg": {"g", rat("1000")}, "ug": {"g", rat("1/1000000")},
	"mcg": {"g", rat("1/1000000")}, "ng": {"g", rat("1/1000000000")}, "[lb_av]": {"g", rat("453.59237")},
	"[oz_av]": {"g", rat("28.349523125")},
	"m":       {"m", rat("1")}, "cm": {"m", rat("1/100")}, "mm": {"m", rat("1/1000")}, "km": {"m", rat("1000")},
	"um": {"m", rat("1/1000000")}, "[in_i]": {"m", rat("0.0254")}, "[ft_i]": {"m", rat("0.3048")},
	"m2": {"m2", rat("1")}, "cm2": {"m2", rat("1/10000")}, "mm2": {"m2", rat("1/1000000")},
	"L": {"L", rat("1")}, "l": {"L", rat("1")}, "dL": {"L", rat("1/10")}, "cL": {"L", rat("1/100")},
	"mL": {"L", rat("1/1000")}, "ml": {"L", rat("1/1000")}, "uL": {"L", rat("1/1000000")},
	"s": {"s", rat("1")}, "ms": {"s", rat("1/1000")}, "min": {"s", rat("60")}, "h": {"s", rat("3600")},
	"d": {"s", rat("86400")}, "wk": {"s", rat("604800")}, "mo": {"s", rat("2629800")}, "a": {"s", rat("31557600")},
	"1": {"1", rat("1")}, "%": {"1", rat("1/100")},
}

// calendarToUCUM maps the calendar duration keywords that have a fixed
// length to their UCUM unit. Years and months are not fixed-length and
// only equal themselves (§6.1.1).
var calendarToUCUM = map[string]string{
	"week": "wk", "day": "d", "hour": "h", "minute": "min", "second": "s", "millisecond": "ms",
}

// normalUnit returns the unit used for comparison: calendar keywords in
// singular form, mapped to UCUM when fixed-length.
func normalUnit(u string) string {
	if c, ok := calendarUnits[u]; ok {
		if m, ok := calendarToUCUM[c]; ok {
			return m
		}
		return c
	}
	return u
}

// compareQuantities orders two quantities, converting between UCUM units
// of the same dimension. known is false when the units are not comparable.
// Under equivalence, year/month keywords match 'a'/'mo'.
func compareQuantities(a, b Quantity, equiv bool) (int, bool) {
	ua, ub := normalUnit(a.Unit), normalUnit(b.Unit)
	// calendar years are twelve calendar months
	if ua == "year" && ub == "month" {
		a, ua = Quantity{Value: a.Value.mul(DecimalFromInt(12)), Unit: "month"}, "month"
	} else if ua == "month" && ub == "year" {
		b, ub = Quantity{Value: b.Value.mul(DecimalFromInt(12)), Unit: "month"}, "month"
	}
	if equiv {
		ua, ub = equivUnit(ua), equivUnit(ub)
	}
	if ua == ub {
		if equiv {
			p := min(a.Value.Scale, b.Value.Scale)
			return a.Value.roundTo(p).Cmp(b.Value.roundTo(p)), true
		}
		return a.Value.Cmp(b.Value), true
	}
	da, oka := ucumUnits[ua]
	db, okb := ucumUnits[ub]
	if !oka || !okb || da.dim != db.dim {
		return 0, false
	}
	va := new(big.Rat).Mul(a.Value.Rat(), da.factor)
	vb := new(big.Rat).Mul(b.Value.Rat(), db.factor)
	if equiv {
		p := min(a.Value.Scale, b.Value.Scale)
		x := Decimal{rat: va}.roundTo(p)
		y := Decimal{rat: vb}.roundTo(p)
		return x.Cmp(y), true
	}
	return va.Cmp(vb), true
}

func equivUnit(u string) string {
	switch u {
	case "year":
		return "a"
	case "month":
		return "mo"
	}
	return u
}

// convertQuantity converts q to unit; ok is false when the units are not
// convertible.
func convertQuantity(q Quantity, unit string) (Quantity, bool) {
	from, to := normalUnit(q.Unit), normalUnit(unit)
	if from == to {
		return Quantity{Value: q.Value, Unit: unit}, true
	}
	df, okf := ucumUnits[from]
	dt, okt := ucumUnits[to]
	if !okf || !okt || df.dim != dt.dim {
		return Quantity{}, false
	}
	r := new(big.Rat).Mul(q.Value.Rat(), df.factor)
	r.Quo(r, dt.factor)
	return Quantity{Value: Decimal{rat: r, Scale: exactScale(r, maxDivisionScale)}, Unit: unit}, true
}
