package index

import (
	"strconv"
	"time"
)

// dateRange returns the range a FHIR date, dateTime or instant covers at
// its precision, as inclusive Unix microseconds: "2020" covers all of 2020,
// "2020-03-01T10:00:00Z" one second. Values without a time-zone offset are
// read in zone. ok is false for text that is not such a value.
func dateRange(s string, zone *time.Location) (lo, hi int64, ok bool) {
	n := len(s)
	num := func(i, j int) (int, bool) {
		if j > n {
			return 0, false
		}
		v := 0
		for k := i; k < j; k++ {
			c := s[k]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok := num(0, 4)
	if !ok {
		return 0, 0, false
	}
	month, day, hour, minute, sec, nanos := 1, 1, 0, 0, 0, 0
	var end func(time.Time) time.Time
	i := 4
	loc := zone
	switch {
	case n == 4:
		end = func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }
	case n == 7 && s[4] == '-':
		if month, ok = num(5, 7); !ok || month < 1 || month > 12 {
			return 0, 0, false
		}
		end = func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
	case n >= 10 && s[4] == '-' && s[7] == '-':
		if month, ok = num(5, 7); !ok || month < 1 || month > 12 {
			return 0, 0, false
		}
		if day, ok = num(8, 10); !ok || day < 1 || day > daysIn(year, month) {
			return 0, 0, false
		}
		i = 10
		if n == 10 {
			end = func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }
			break
		}
		if s[10] != 'T' || n < 16 || s[13] != ':' {
			return 0, 0, false
		}
		if hour, ok = num(11, 13); !ok || hour > 23 {
			return 0, 0, false
		}
		if minute, ok = num(14, 16); !ok || minute > 59 {
			return 0, 0, false
		}
		i = 16
		unit := time.Minute
		if i < n && s[i] == ':' {
			if sec, ok = num(17, 19); !ok || sec > 60 {
				return 0, 0, false
			}
			if sec == 60 {
				sec = 59 // a leap second is indexed as the second before it
			}
			i = 19
			unit = time.Second
			if i < n && s[i] == '.' {
				j := i + 1
				for j < n && s[j] >= '0' && s[j] <= '9' {
					j++
				}
				digits := s[i+1 : j]
				if digits == "" {
					return 0, 0, false
				}
				frac := digits
				if len(frac) > 9 {
					frac = frac[:9]
				}
				f, _ := strconv.Atoi(frac)
				for k := len(frac); k < 9; k++ {
					f *= 10
				}
				nanos = f
				unit = time.Duration(1)
				for k := len(digits); k < 9; k++ {
					unit *= 10
				}
				i = j
			}
		}
		if i < n {
			switch s[i] {
			case 'Z':
				if i+1 != n {
					return 0, 0, false
				}
				loc = time.UTC
			case '+', '-':
				if n != i+6 || s[i+3] != ':' {
					return 0, 0, false
				}
				oh, ok1 := num(i+1, i+3)
				om, ok2 := num(i+4, i+6)
				if !ok1 || !ok2 || oh > 14 || om > 59 {
					return 0, 0, false
				}
				off := oh*3600 + om*60
				if s[i] == '-' {
					off = -off
				}
				loc = time.FixedZone("", off)
			default:
				return 0, 0, false
			}
		}
		end = func(t time.Time) time.Time { return t.Add(max(unit, time.Microsecond)) }
	default:
		return 0, 0, false
	}
	start := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, loc)
	return start.UnixMicro(), end(start).UnixMicro() - 1, true
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
