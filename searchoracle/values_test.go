package searchoracle

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai without the system's zone files
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// shanghai is where the server places dates and times without an offset.
var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// fold is the comparison form of FHIR string search: case and accents
// ignored, whitespace runs as one space.
func fold(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteString(strings.ToLower(string(r)))
	}
	return b.String()
}

// strMode is how a string search value is compared.
type strMode int

const (
	startsWith strMode = iota // no modifier
	exact                     // :exact
	contains                  // :contains
)

// matchStr reports whether one of the strings matches the search value q.
func matchStr(values []string, q string, mode strMode) bool {
	for _, v := range values {
		switch mode {
		case startsWith:
			if strings.HasPrefix(fold(v), fold(q)) {
				return true
			}
		case exact:
			if v == q {
				return true
			}
		case contains:
			if strings.Contains(fold(v), fold(q)) {
				return true
			}
		}
	}
	return false
}

// humanNameParts are the strings the name parameters search in HumanName.
func humanNameParts(v any, path ...string) []string {
	var out []string
	for _, n := range get(v, path...) {
		for _, k := range []string{"text", "family", "given", "prefix", "suffix"} {
			out = append(out, strs(n, k)...)
		}
	}
	return out
}

// addressParts are the strings the address parameter searches in Address.
func addressParts(v any, path ...string) []string {
	var out []string
	for _, a := range get(v, path...) {
		for _, k := range []string{"text", "line", "city", "district", "state", "postalCode", "country"} {
			out = append(out, strs(a, k)...)
		}
	}
	return out
}

// span is the range of instants a date value stands for: [lo, hi).
type span struct{ lo, hi time.Time }

var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

var dateRE = regexp.MustCompile(`^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$`)

// parseSpan returns the range of a FHIR date, dateTime or instant written
// s, at its precision; without an offset it is a Shanghai time.
func parseSpan(s string) (span, error) {
	m := dateRE.FindStringSubmatch(s)
	if m == nil {
		return span{}, fmt.Errorf("%q is not a FHIR date", s)
	}
	atoi := func(x string, def int) int {
		if x == "" {
			return def
		}
		n, _ := strconv.Atoi(x)
		return n
	}
	loc := shanghai
	switch z := m[8]; {
	case z == "Z":
		loc = time.UTC
	case z != "":
		h, _ := strconv.Atoi(z[1:3])
		mi, _ := strconv.Atoi(z[4:6])
		off := (h*60 + mi) * 60
		if z[0] == '-' {
			off = -off
		}
		loc = time.FixedZone(z, off)
	}
	nanos, fracDigits := 0, 0
	if f := m[7]; f != "" {
		fracDigits = len(f) - 1
		d := f[1:]
		if len(d) > 9 {
			d = d[:9]
		}
		n, _ := strconv.Atoi(d + strings.Repeat("0", 9-len(d)))
		nanos = n
	}
	lo := time.Date(atoi(m[1], 0), time.Month(atoi(m[2], 1)), atoi(m[3], 1), atoi(m[4], 0), atoi(m[5], 0), atoi(m[6], 0), nanos, loc)
	var hi time.Time
	switch {
	case m[2] == "":
		hi = lo.AddDate(1, 0, 0)
	case m[3] == "":
		hi = lo.AddDate(0, 1, 0)
	case m[4] == "":
		hi = lo.AddDate(0, 0, 1)
	case m[6] == "":
		hi = lo.Add(time.Minute)
	case fracDigits == 0:
		hi = lo.Add(time.Second)
	default:
		hi = lo.Add(time.Duration(math.Pow10(9 - min(fracDigits, 9))))
	}
	return span{lo, hi}, nil
}

// mustSpan is parseSpan for values the test writes.
func mustSpan(s string) span {
	sp, err := parseSpan(s)
	if err != nil {
		panic(err)
	}
	return sp
}

// dateSpans returns the ranges of the date-like values at path: strings
// (date, dateTime, instant) and Periods (open ends unbounded).
func dateSpans(v any, path ...string) []span {
	var out []span
	for _, x := range get(v, path...) {
		switch d := x.(type) {
		case string:
			if sp, err := parseSpan(d); err == nil {
				out = append(out, sp)
			}
		case map[string]any:
			start, hasStart := d["start"].(string)
			end, hasEnd := d["end"].(string)
			if !hasStart && !hasEnd {
				continue
			}
			sp := span{minTime, maxTime}
			if hasStart {
				s, err := parseSpan(start)
				if err != nil {
					continue
				}
				sp.lo = s.lo
			}
			if hasEnd {
				e, err := parseSpan(end)
				if err != nil {
					continue
				}
				sp.hi = e.hi
			}
			out = append(out, sp)
		}
	}
	return out
}

// matchDate reports whether one of the ranges matches the search value
// written q (with its prefix), by the R4 rules for ranges
// (http://hl7.org/fhir/R4/search.html#prefix): eq — the search range
// contains the value's; gt/lt — the value's range reaches above/below the
// search range; ge/le — gt/lt or eq; sa/eb — entirely after/before; ne —
// not eq.
func matchDate(spans []span, q string) bool {
	prefix, val := splitPrefix(q)
	s := mustSpan(val)
	for _, r := range spans {
		eq := !r.lo.Before(s.lo) && !r.hi.After(s.hi)
		var ok bool
		switch prefix {
		case "eq":
			ok = eq
		case "ne":
			ok = !eq
		case "gt":
			ok = r.hi.After(s.hi)
		case "lt":
			ok = r.lo.Before(s.lo)
		case "ge":
			ok = r.hi.After(s.hi) || eq
		case "le":
			ok = r.lo.Before(s.lo) || eq
		case "sa":
			ok = !r.lo.Before(s.hi)
		case "eb":
			ok = !r.hi.After(s.lo)
		default:
			panic("prefix " + prefix)
		}
		if ok {
			return true
		}
	}
	return false
}

// splitPrefix splits a search value into its comparison prefix (eq when
// none) and the rest.
func splitPrefix(q string) (string, string) {
	if len(q) > 2 {
		switch p := q[:2]; p {
		case "eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap":
			return p, q[2:]
		}
	}
	return "eq", q
}

// matchNumber reports whether the number x matches the search value q
// (prefix and decimal): eq and ne use the implied precision of the value
// (70 is [69.5, 70.5)); the comparisons use the value itself.
func matchNumber(x float64, q string) bool {
	prefix, val := splitPrefix(q)
	n, err := strconv.ParseFloat(val, 64)
	if err != nil {
		panic(err)
	}
	decimals := 0
	if i := strings.IndexByte(val, '.'); i >= 0 {
		decimals = len(val) - i - 1
	}
	half := 0.5 * math.Pow10(-decimals)
	eq := x >= n-half && x < n+half
	switch prefix {
	case "eq":
		return eq
	case "ne":
		return !eq
	case "gt":
		return x > n
	case "lt":
		return x < n
	case "ge":
		return x >= n
	case "le":
		return x <= n
	}
	panic("prefix " + prefix)
}

// matchQuantity reports whether one of the Quantities at path matches
// "number|system|code" ("number||unit" matches code or unit; "number"
// alone any units).
func matchQuantity(v any, q string, path ...string) bool {
	parts := strings.SplitN(q, "|", 3)
	for _, x := range get(v, path...) {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		n, ok := num(m["value"])
		if !ok || !matchNumber(n, parts[0]) {
			continue
		}
		if len(parts) == 1 {
			return true
		}
		sys, _ := m["system"].(string)
		code, _ := m["code"].(string)
		unit, _ := m["unit"].(string)
		if parts[1] == "" && (code == parts[2] || unit == parts[2]) ||
			parts[1] != "" && sys == parts[1] && code == parts[2] {
			return true
		}
	}
	return false
}

// Sort keys. A parameter with several values sorts by its lowest value
// ascending and by its highest descending; resources without a value sort
// last either way.

// dateKey returns the sort key of the date ranges: the lowest start
// ascending, the highest end descending (nil when there is none).
func dateKey(spans []span, desc bool) *time.Time {
	var k *time.Time
	for _, s := range spans {
		v := s.lo
		if desc {
			v = s.hi
		}
		if k == nil || !desc && v.Before(*k) || desc && v.After(*k) {
			k = &v
		}
	}
	return k
}

// strKey returns the sort key of strings: the lowest folded value
// ascending, the highest descending.
func strKey(values []string, desc bool) *string {
	var k *string
	for _, s := range values {
		f := fold(s)
		if k == nil || !desc && f < *k || desc && f > *k {
			k = &f
		}
	}
	return k
}

// cmpKey compares two sort keys in the direction asked, missing last.
func cmpKey[T any](a, b *T, desc bool, compare func(x, y T) int) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	c := compare(*a, *b)
	if desc {
		c = -c
	}
	return c
}

func cmpTime(x, y time.Time) int { return x.Compare(y) }
