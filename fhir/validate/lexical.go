package validate

import "strings"

// Hand-written matchers for the regexes of the common primitive types in the
// R4 definitions (see spec.Primitive.Regex). Each accepts exactly the strings
// its regex matches as a whole, where \s is RE2's [\t\n\f\r ] and \S its
// complement; lexical_test.go checks the equivalence against the regexes.

// isSpace reports whether c is in RE2's \s.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// validString matches string and markdown: [ \r\n\t\S]+.
func validString(s string) bool {
	return s != "" && strings.IndexByte(s, '\f') < 0
}

// validURI matches uri, url and canonical: \S*.
func validURI(s string) bool {
	for i := 0; i < len(s); i++ {
		if isSpace(s[i]) {
			return false
		}
	}
	return true
}

// validCode matches code: [^\s]+(\s[^\s]+)*.
func validCode(s string) bool {
	if s == "" || isSpace(s[0]) || isSpace(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if isSpace(s[i]) && isSpace(s[i-1]) {
			return false
		}
	}
	return true
}

// validID matches id: [A-Za-z0-9\-\.]{1,64}.
func validID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// validUUID matches uuid: urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}.
func validUUID(s string) bool {
	const prefix = "urn:uuid:"
	if len(s) != len(prefix)+36 || !strings.HasPrefix(s, prefix) {
		return false
	}
	s = s[len(prefix):]
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(isDigit(c) || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// validBase64 matches base64Binary: (\s*([0-9a-zA-Z\+/=]){4}\s*)+, that is
// at least one group of four alphabet characters, whitespace only between
// groups.
func validBase64(s string) bool {
	run, total := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '+' || c == '/' || c == '=':
			run++
			total++
		case isSpace(c):
			if run%4 != 0 {
				return false
			}
			run = 0
		default:
			return false
		}
	}
	return total > 0 && run%4 == 0
}

// scanDate consumes the date part YYYY(-MM(-DD)?)? at the start of s and
// returns how many of year, month and day it holds and the rest of s. The
// year is four digits other than 0000.
func scanDate(s string) (parts int, rest string, ok bool) {
	if len(s) < 4 || !isDigit(s[0]) || !isDigit(s[1]) || !isDigit(s[2]) || !isDigit(s[3]) || s[:4] == "0000" {
		return 0, "", false
	}
	s = s[4:]
	if s == "" || s[0] != '-' {
		return 1, s, true
	}
	if len(s) < 3 || !twoDigits(s[1], s[2], 1, 12) {
		return 0, "", false
	}
	s = s[3:]
	if s == "" || s[0] != '-' {
		return 2, s, true
	}
	if len(s) < 3 || !twoDigits(s[1], s[2], 1, 31) {
		return 0, "", false
	}
	return 3, s[3:], true
}

// twoDigits reports whether a and b are digits forming a number in [lo, hi].
func twoDigits(a, b byte, lo, hi int) bool {
	if !isDigit(a) || !isDigit(b) {
		return false
	}
	n := int(a-'0')*10 + int(b-'0')
	return n >= lo && n <= hi
}

// scanTime consumes hh:mm:ss(\.[0-9]+)? at the start of s (seconds up to
// 60 for leap seconds) and returns the rest.
func scanTime(s string) (rest string, ok bool) {
	if len(s) < 8 || s[2] != ':' || s[5] != ':' ||
		!twoDigits(s[0], s[1], 0, 23) || !twoDigits(s[3], s[4], 0, 59) || !twoDigits(s[6], s[7], 0, 60) {
		return "", false
	}
	s = s[8:]
	if s != "" && s[0] == '.' {
		i := 1
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == 1 {
			return "", false
		}
		s = s[i:]
	}
	return s, true
}

// validZone matches the whole of s against Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00).
func validZone(s string) bool {
	if s == "Z" {
		return true
	}
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return false
	}
	if s[1:] == "14:00" {
		return true
	}
	return twoDigits(s[1], s[2], 0, 13) && twoDigits(s[4], s[5], 0, 59)
}

// validDate matches date.
func validDate(s string) bool {
	_, rest, ok := scanDate(s)
	return ok && rest == ""
}

// validDateTime matches dateTime: a date, and after a full date optionally
// T, a time and a zone.
func validDateTime(s string) bool {
	parts, rest, ok := scanDate(s)
	if !ok {
		return false
	}
	if rest == "" {
		return true
	}
	if parts != 3 || rest[0] != 'T' {
		return false
	}
	rest, ok = scanTime(rest[1:])
	return ok && validZone(rest)
}

// validInstant matches instant: a full date, T, a time and a zone.
func validInstant(s string) bool {
	parts, rest, ok := scanDate(s)
	if !ok || parts != 3 || rest == "" || rest[0] != 'T' {
		return false
	}
	rest, ok = scanTime(rest[1:])
	return ok && validZone(rest)
}

// validTime matches time.
func validTime(s string) bool {
	rest, ok := scanTime(s)
	return ok && rest == ""
}

// scanUint consumes 0|[1-9][0-9]* at the start of s and returns the rest.
func scanUint(s string) (rest string, ok bool) {
	if s == "" || !isDigit(s[0]) {
		return "", false
	}
	if s[0] == '0' {
		return s[1:], true
	}
	i := 1
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[i:], true
}

// validDecimal matches decimal: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func validDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	s, ok := scanUint(s)
	if !ok {
		return false
	}
	if s != "" && s[0] == '.' {
		i := 1
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == 1 {
			return false
		}
		s = s[i:]
	}
	if s == "" {
		return true
	}
	if s[0] != 'e' && s[0] != 'E' {
		return false
	}
	s = s[1:]
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// validInteger matches integer: -?([0]|([1-9][0-9]*)).
func validInteger(s string) bool {
	rest, ok := scanUint(strings.TrimPrefix(s, "-"))
	return ok && rest == ""
}

// validUnsignedInt matches unsignedInt: [0]|([1-9][0-9]*).
func validUnsignedInt(s string) bool {
	rest, ok := scanUint(s)
	return ok && rest == ""
}

// validPositiveInt matches positiveInt: [1-9][0-9]*.
func validPositiveInt(s string) bool {
	return validUnsignedInt(s) && s != "0"
}
