package search

import (
	"fmt"
	"time"
)

// parseDate parses a date search value (after its prefix):
//
//	YYYY, YYYY-MM, YYYY-MM-DD,
//	YYYY-MM-DDThh:mm, YYYY-MM-DDThh:mm:ss, YYYY-MM-DDThh:mm:ss.fffffffff
//
// a time optionally followed by Z or an offset ±hh:mm (a space before
// hh:mm is read as "+", the usual result of an unencoded "+" in a URL). It
// returns the range [lo, hi) the value covers at its precision, in UTC; a
// value without an offset is read in zone. Month, day (for the month and
// year), hour, minute, second and offset ranges are checked.
func parseDate(s string, zone *time.Location, name string) (lo, hi time.Time, err error) {
	fail := func(why string) (time.Time, time.Time, error) {
		if why != "" {
			why = " (" + why + ")"
		}
		return time.Time{}, time.Time{}, invalid(name, "%s is not a valid date%s", clip(s), why)
	}
	num := func(at, n int) (int, bool) {
		if at+n > len(s) {
			return 0, false
		}
		v := 0
		for _, c := range []byte(s[at : at+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	sep := func(at int, c byte) bool { return at < len(s) && s[at] == c }

	year, ok := num(0, 4)
	if !ok {
		return fail("")
	}
	if year == 0 {
		return fail("year 0")
	}
	if len(s) == 4 {
		lo = time.Date(year, 1, 1, 0, 0, 0, 0, zone)
		return lo.UTC(), lo.AddDate(1, 0, 0).UTC(), nil
	}
	month, ok := num(5, 2)
	if !sep(4, '-') || !ok {
		return fail("")
	}
	if month < 1 || month > 12 {
		return fail(fmt.Sprintf("month %d", month))
	}
	if len(s) == 7 {
		lo = time.Date(year, time.Month(month), 1, 0, 0, 0, 0, zone)
		return lo.UTC(), lo.AddDate(0, 1, 0).UTC(), nil
	}
	day, ok := num(8, 2)
	if !sep(7, '-') || !ok {
		return fail("")
	}
	if last := daysIn(year, month); day < 1 || day > last {
		return fail(fmt.Sprintf("day %d of %s %d", day, time.Month(month), year))
	}
	if len(s) == 10 {
		lo = time.Date(year, time.Month(month), day, 0, 0, 0, 0, zone)
		return lo.UTC(), time.Date(year, time.Month(month), day+1, 0, 0, 0, 0, zone).UTC(), nil
	}
	hour, okh := num(11, 2)
	minute, okm := num(14, 2)
	if !sep(10, 'T') || !okh || !sep(13, ':') || !okm {
		return fail("")
	}
	if hour > 23 {
		return fail(fmt.Sprintf("hour %d", hour))
	}
	if minute > 59 {
		return fail(fmt.Sprintf("minute %d", minute))
	}
	at, step := 16, time.Minute
	second, nanos := 0, 0
	if sep(at, ':') {
		if second, ok = num(at+1, 2); !ok {
			return fail("")
		}
		if second > 59 {
			return fail(fmt.Sprintf("second %d", second))
		}
		at, step = at+3, time.Second
		if sep(at, '.') {
			n := 0
			for at+1+n < len(s) && s[at+1+n] >= '0' && s[at+1+n] <= '9' {
				n++
			}
			if n == 0 || n > 9 {
				return fail("1 to 9 digits of fraction")
			}
			f, _ := num(at+1, n)
			for i := n; i < 9; i++ {
				f *= 10
			}
			nanos = f
			step = time.Duration(pow10(9 - n))
			at += 1 + n
		}
	}
	loc := zone
	switch rest := s[at:]; {
	case rest == "":
	case rest == "Z":
		loc = time.UTC
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-' || rest[0] == ' ') && rest[3] == ':':
		oh, okh := num(at+1, 2)
		om, okm := num(at+4, 2)
		if !okh || !okm {
			return fail("")
		}
		if oh > 14 || om > 59 || oh == 14 && om > 0 {
			return fail("offset out of range")
		}
		off := oh*3600 + om*60
		if rest[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	default:
		return fail("")
	}
	lo = time.Date(year, time.Month(month), day, hour, minute, second, nanos, loc)
	return lo.UTC(), lo.Add(step).UTC(), nil
}

// daysIn returns the number of days of month in year (Gregorian).
func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func pow10(n int) int64 {
	v := int64(1)
	for ; n > 0; n-- {
		v *= 10
	}
	return v
}
