package fhirpath

import (
	"math/big"
)

// temporalFunctions are the FHIRPath 2.1 component functions (yearOf() …
// timeOf()). Inputs are dates, date/times, times or strings that convert
// to a date/time; a component finer than the value's precision, or an
// input of another type, gives empty.
func temporalFunctions() map[string]funcDef {
	component := func(p Precision, get func(DateTime) int, timeOK, dateOK bool) funcDef {
		return funcDef{0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			d, isTime, ok, err := temporalInput(in)
			if err != nil || !ok || d.Precision < p || (isTime && !timeOK) || (!isTime && !dateOK) {
				return nil, err
			}
			return intColl(int64(get(d))), nil
		}}
	}
	return map[string]funcDef{
		"yearOf":        component(PrecisionYear, func(d DateTime) int { return d.Year }, false, true),
		"monthOf":       component(PrecisionMonth, func(d DateTime) int { return d.Month }, false, true),
		"dayOf":         component(PrecisionDay, func(d DateTime) int { return d.Day }, false, true),
		"hourOf":        component(PrecisionHour, func(d DateTime) int { return d.Hour }, true, true),
		"minuteOf":      component(PrecisionMinute, func(d DateTime) int { return d.Minute }, true, true),
		"secondOf":      component(PrecisionSecond, func(d DateTime) int { return d.Second }, true, true),
		"millisecondOf": millisecondOf(),
		"timezoneOffsetOf": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			d, isTime, ok, err := temporalInput(in)
			if err != nil || !ok || isTime || !d.TZ {
				return nil, err
			}
			r := new(big.Rat).SetFrac64(int64(d.Offset), 60)
			return []Node{decNode(Decimal{rat: r, Scale: exactScale(r, 2)})}, nil
		}},
		"dateOf": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			d, isTime, ok, err := temporalInput(in)
			if err != nil || !ok || isTime {
				return nil, err
			}
			d.Precision = min(d.Precision, PrecisionDay)
			return []Node{dateNode(Date{d.truncate()})}, nil
		}},
		"timeOf": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			d, isTime, ok, err := temporalInput(in)
			if err != nil || !ok || isTime || d.Precision < PrecisionHour {
				return nil, err
			}
			d.Year, d.Month, d.Day, d.TZ, d.Offset = 0, 0, 0, false, 0
			return []Node{timeNode(Time{d})}, nil
		}},
	}
}

func millisecondOf() funcDef {
	return funcDef{0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
		d, _, ok, err := temporalInput(in)
		if err != nil || !ok || d.Precision < PrecisionSecond || d.Digits == 0 {
			return nil, err
		}
		return intColl(int64(d.Millisecond)), nil
	}}
}

// temporalInput returns the single date/time of in; isTime marks a Time.
func temporalInput(in []Node) (d DateTime, isTime, ok bool, err error) {
	n, ok, err := singleSystem(in, "date/time function")
	if err != nil || !ok {
		return DateTime{}, false, false, err
	}
	switch v := n.Value.(type) {
	case Date:
		return v.DateTime, false, true, nil
	case DateTime:
		return v, false, true, nil
	case Time:
		return v.DateTime, true, true, nil
	case string:
		if dt, ok := ParseDateTime(v); ok {
			return dt, false, true, nil
		}
		if t, ok := ParseTime(v); ok {
			return t.DateTime, true, true, nil
		}
	}
	return DateTime{}, false, false, nil
}
