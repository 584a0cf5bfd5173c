package search

import "strings"

// FHIR search values escape the characters that separate values and parts
// with a backslash: "\," "\|" "\$" and "\\" stand for the character itself.
// A backslash before any other character, or at the end of the value, is an
// ordinary character and is kept.

// splitUnescaped splits s at each occurrence of sep that is not escaped by a
// backslash. The parts keep their escapes; unescape them when they are final.
func splitUnescaped(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) && isEscapable(s[i+1]) {
				i++
			}
		case sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// countUnescaped returns the number of unescaped occurrences of sep in s.
func countUnescaped(s string, sep byte) int {
	return len(splitUnescaped(s, sep)) - 1
}

// unescape replaces the escapes "\," "\|" "\$" and "\\" of s by the
// character they stand for.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && isEscapable(s[i+1]) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// escape is the inverse of unescape: it escapes the characters that unescape
// would read as an escape or a separator.
func escape(s string) string {
	if !strings.ContainsAny(s, `\,|$`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 4)
	for i := 0; i < len(s); i++ {
		if isEscapable(s[i]) {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isEscapable(c byte) bool {
	return c == ',' || c == '|' || c == '$' || c == '\\'
}
