package fhirpath

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Precision is the finest component present in a date, date/time or time.
// Milliseconds belong to PrecisionSecond: FHIRPath compares seconds as a
// decimal.
type Precision uint8

// Precisions, coarsest first.
const (
	PrecisionYear Precision = iota + 1
	PrecisionMonth
	PrecisionDay
	PrecisionHour
	PrecisionMinute
	PrecisionSecond
)

// DateTime is a System.DateTime with partial precision. Components finer
// than Precision are zero. TZ is set when an offset was given; Offset is
// then the offset east of UTC in minutes.
type DateTime struct {
	Year, Month, Day, Hour, Minute, Second, Millisecond int
	// Digits is the number of fractional-second digits written (0–9).
	Digits    int
	Precision Precision
	TZ        bool
	Offset    int
}

// Date is a System.Date: a DateTime of at most day precision, no zone.
type Date struct{ DateTime }

// Time is a System.Time: the time-of-day components of a DateTime, with
// Precision between PrecisionHour and PrecisionSecond.
type Time struct{ DateTime }

// parseDatePart parses "YYYY", "YYYY-MM" or "YYYY-MM-DD" at the start of s
// and returns the rest.
func parseDatePart(s string) (DateTime, string, bool) {
	var d DateTime
	if len(s) < 4 || !isInteger(s[:4]) {
		return d, s, false
	}
	d.Year, _ = strconv.Atoi(s[:4])
	d.Precision = PrecisionYear
	s = s[4:]
	if len(s) >= 3 && s[0] == '-' && isInteger(s[1:3]) {
		d.Month, _ = strconv.Atoi(s[1:3])
		if d.Month < 1 || d.Month > 12 {
			return d, s, false
		}
		d.Precision = PrecisionMonth
		s = s[3:]
		if len(s) >= 3 && s[0] == '-' && isInteger(s[1:3]) {
			d.Day, _ = strconv.Atoi(s[1:3])
			if d.Day < 1 || d.Day > daysIn(d.Year, d.Month) {
				return d, s, false
			}
			d.Precision = PrecisionDay
			s = s[3:]
		}
	}
	return d, s, true
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseTimePart parses "hh", "hh:mm", "hh:mm:ss" or "hh:mm:ss.fff" into d
// and returns the rest.
func parseTimePart(d DateTime, s string) (DateTime, string, bool) {
	if len(s) < 2 || !isInteger(s[:2]) {
		return d, s, false
	}
	d.Hour, _ = strconv.Atoi(s[:2])
	d.Precision = PrecisionHour
	s = s[2:]
	if len(s) >= 3 && s[0] == ':' && isInteger(s[1:3]) {
		d.Minute, _ = strconv.Atoi(s[1:3])
		d.Precision = PrecisionMinute
		s = s[3:]
		if len(s) >= 3 && s[0] == ':' && isInteger(s[1:3]) {
			d.Second, _ = strconv.Atoi(s[1:3])
			d.Precision = PrecisionSecond
			s = s[3:]
			if len(s) >= 2 && s[0] == '.' && s[1] >= '0' && s[1] <= '9' {
				i := 1
				for i < len(s) && s[i] >= '0' && s[i] <= '9' {
					i++
				}
				frac := s[1:i]
				d.Digits = min(len(frac), 9)
				ms := (frac + "000")[:3]
				d.Millisecond, _ = strconv.Atoi(ms)
				s = s[i:]
			}
		}
	}
	if d.Hour > 23 || d.Minute > 59 || d.Second > 59 {
		return d, s, false
	}
	return d, s, true
}

// parseZone parses "Z" or "+hh:mm"/"-hh:mm".
func parseZone(d DateTime, s string) (DateTime, string, bool) {
	if s == "" {
		return d, s, true
	}
	if s[0] == 'Z' {
		d.TZ, d.Offset = true, 0
		return d, s[1:], true
	}
	if (s[0] == '+' || s[0] == '-') && len(s) >= 6 && isInteger(s[1:3]) && s[3] == ':' && isInteger(s[4:6]) {
		h, _ := strconv.Atoi(s[1:3])
		m, _ := strconv.Atoi(s[4:6])
		if h > 14 || m > 59 {
			return d, s, false
		}
		d.TZ, d.Offset = true, h*60+m
		if s[0] == '-' {
			d.Offset = -d.Offset
		}
		return d, s[6:], true
	}
	return d, s, false
}

// ParseDate parses a FHIR date ("2020", "2020-01", "2020-01-02").
func ParseDate(s string) (Date, bool) {
	d, rest, ok := parseDatePart(s)
	if !ok || rest != "" {
		return Date{}, false
	}
	return Date{d}, true
}

// ParseDateTime parses a FHIR dateTime or instant, or a FHIRPath date/time
// literal body (without '@'): a date, optionally followed by "T", a partial
// time and a zone.
func ParseDateTime(s string) (DateTime, bool) {
	d, rest, ok := parseDatePart(s)
	if !ok {
		return DateTime{}, false
	}
	if rest == "" {
		return d, true
	}
	if rest[0] != 'T' {
		return DateTime{}, false
	}
	rest = rest[1:]
	if rest == "" {
		return d, d.Precision >= PrecisionYear
	}
	if d.Precision != PrecisionDay {
		return DateTime{}, false
	}
	d, rest, ok = parseTimePart(d, rest)
	if !ok {
		return DateTime{}, false
	}
	d, rest, ok = parseZone(d, rest)
	if !ok || rest != "" {
		return DateTime{}, false
	}
	return d, true
}

// ParseTime parses a FHIR time or a FHIRPath time literal body (without
// "@T"): "hh", "hh:mm", "hh:mm:ss(.fff)".
func ParseTime(s string) (Time, bool) {
	d, rest, ok := parseTimePart(DateTime{}, s)
	if !ok || rest != "" {
		return Time{}, false
	}
	return Time{d}, true
}

// String formats the date/time in FHIR syntax at its precision.
func (d DateTime) String() string {
	var b strings.Builder
	d.writeDate(&b)
	if d.Precision >= PrecisionHour {
		b.WriteByte('T')
		d.writeTime(&b)
		if d.TZ {
			writeZone(&b, d.Offset)
		}
	}
	return b.String()
}

// String formats the date at its precision.
func (d Date) String() string {
	var b strings.Builder
	d.writeDate(&b)
	return b.String()
}

// String formats the time at its precision, without a leading "T".
func (t Time) String() string {
	var b strings.Builder
	t.writeTime(&b)
	return b.String()
}

func (d DateTime) writeDate(b *strings.Builder) {
	fmt.Fprintf(b, "%04d", d.Year)
	if d.Precision >= PrecisionMonth {
		fmt.Fprintf(b, "-%02d", d.Month)
	}
	if d.Precision >= PrecisionDay {
		fmt.Fprintf(b, "-%02d", d.Day)
	}
}

func (d DateTime) writeTime(b *strings.Builder) {
	fmt.Fprintf(b, "%02d", d.Hour)
	if d.Precision >= PrecisionMinute {
		fmt.Fprintf(b, ":%02d", d.Minute)
	}
	if d.Precision >= PrecisionSecond {
		fmt.Fprintf(b, ":%02d", d.Second)
		if d.Digits > 0 {
			fmt.Fprintf(b, ".%03d", d.Millisecond)
		}
	}
}

func writeZone(b *strings.Builder, off int) {
	if off == 0 {
		b.WriteByte('Z')
		return
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	b.WriteByte(sign)
	fmt.Fprintf(b, "%02d:%02d", off/60, off%60)
}

// goTime converts to a time.Time in UTC (zone-less values are taken as
// UTC), filling missing components with their minimum.
func (d DateTime) goTime() time.Time {
	month, day := max(d.Month, 1), max(d.Day, 1)
	t := time.Date(d.Year, time.Month(month), day, d.Hour, d.Minute, d.Second, d.Millisecond*int(time.Millisecond), time.UTC)
	if d.TZ {
		t = t.Add(-time.Duration(d.Offset) * time.Minute)
	}
	return t
}

// fromGoTime builds a DateTime at precision p from t, keeping the zone
// offset (minutes) when tz is set.
func fromGoTime(t time.Time, p Precision, tz bool, offset int, digits int) DateTime {
	if tz {
		t = t.In(time.FixedZone("", offset*60))
	}
	d := DateTime{Year: t.Year(), Month: int(t.Month()), Day: t.Day(), Hour: t.Hour(), Minute: t.Minute(),
		Second: t.Second(), Millisecond: t.Nanosecond() / int(time.Millisecond), Precision: p, TZ: tz, Offset: offset, Digits: digits}
	return d.truncate()
}

// truncate zeroes the components finer than the precision.
func (d DateTime) truncate() DateTime {
	if d.Precision < PrecisionMonth {
		d.Month = 0
	}
	if d.Precision < PrecisionDay {
		d.Day = 0
	}
	if d.Precision < PrecisionHour {
		d.Hour, d.TZ, d.Offset = 0, false, 0
	}
	if d.Precision < PrecisionMinute {
		d.Minute = 0
	}
	if d.Precision < PrecisionSecond {
		d.Second, d.Millisecond, d.Digits = 0, 0, 0
	}
	return d
}

// compareDateTimes compares a and b. ok is false when the result is unknown
// because the values have different precisions and agree up to the coarser
// one. Values with time components are compared in UTC.
func compareDateTimes(a, b DateTime) (c int, ok bool) {
	if a.Precision >= PrecisionHour && b.Precision >= PrecisionHour && (a.TZ || b.TZ) {
		if a.TZ != b.TZ {
			// one value is in local time, the other is not: unknown
			// unless the dates alone differ
			if c := cmpDates(a, b); c != 0 {
				return c, true
			}
			return 0, false
		}
		a, b = toUTC(a), toUTC(b)
	}
	fa := [...]int{a.Year, a.Month, a.Day, a.Hour, a.Minute, a.Second*1000 + a.Millisecond}
	fb := [...]int{b.Year, b.Month, b.Day, b.Hour, b.Minute, b.Second*1000 + b.Millisecond}
	n := min(int(a.Precision), int(b.Precision))
	for i := 0; i < n; i++ {
		if fa[i] != fb[i] {
			if fa[i] < fb[i] {
				return -1, true
			}
			return 1, true
		}
	}
	if a.Precision != b.Precision {
		return 0, false
	}
	return 0, true
}

// cmpDates compares the year, month and day of two values of at least
// day precision.
func cmpDates(a, b DateTime) int {
	fa := [...]int{a.Year, a.Month, a.Day}
	fb := [...]int{b.Year, b.Month, b.Day}
	for i := range fa {
		if fa[i] != fb[i] {
			// a zone moves a date by at most a day
			if d := fa[i] - fb[i]; i == 2 && d*d <= 1 {
				return 0
			}
			if fa[i] < fb[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func toUTC(d DateTime) DateTime {
	if !d.TZ || d.Offset == 0 {
		d.TZ, d.Offset = true, 0
		return d
	}
	return fromGoTime(d.goTime(), d.Precision, true, 0, d.Digits)
}

// compareTimes compares two times like compareDateTimes.
func compareTimes(a, b Time) (int, bool) {
	fa := [...]int{a.Hour, a.Minute, a.Second*1000 + a.Millisecond}
	fb := [...]int{b.Hour, b.Minute, b.Second*1000 + b.Millisecond}
	n := min(int(a.Precision), int(b.Precision)) - int(PrecisionHour) + 1
	for i := 0; i < n; i++ {
		if fa[i] != fb[i] {
			if fa[i] < fb[i] {
				return -1, true
			}
			return 1, true
		}
	}
	if a.Precision != b.Precision {
		return 0, false
	}
	return 0, true
}
