package search

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns the form in which string parameters are indexed and
// compared: Unicode NFD with combining marks removed (accents ignored),
// lower-cased, with runs of white space collapsed to one space and trimmed.
// Chinese text is unchanged apart from white space. Searches match a prefix
// of the normalized value (":exact" compares the value as written).
func Normalize(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || ('A' <= c && c <= 'Z') || c == ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' ') || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	if isASCII(s) {
		return normalizeASCII(s)
	}
	return normalizeUnicode(s)
}

// isASCII reports whether s holds only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// normalizeASCII is normalizeUnicode for ASCII text, byte by byte: ASCII is
// its own NFD and holds no combining marks, its white space is the six
// bytes unicode.IsSpace accepts below 0x80, and lower-casing maps A–Z only.
// Most indexed text (codings' display, names) takes this path.
func normalizeASCII(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ', '\t', '\n', '\v', '\f', '\r':
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// normalizeUnicode is Normalize for any text.
func normalizeUnicode(s string) string {
	var b strings.Builder
	b.Grow(len(s))
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
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
