package jsonpatch

import (
	"errors"
	"slices"
	"strconv"
	"strings"
)

// pointer is a parsed JSON Pointer (RFC 6901): its reference tokens with the
// ~0 and ~1 escapes resolved. The empty pointer is the whole document.
type pointer []string

// parsePointer parses s. It fails when s is neither empty nor starts with "/",
// or when a "~" is not followed by "0" or "1".
func parsePointer(s string) (pointer, error) {
	if s == "" {
		return pointer{}, nil
	}
	if s[0] != '/' {
		return nil, errors.New(`a JSON Pointer must be empty or start with "/": ` + strconv.Quote(s))
	}
	parts := strings.Split(s[1:], "/")
	for i, t := range parts {
		if !strings.Contains(t, "~") {
			continue
		}
		var b strings.Builder
		for j := 0; j < len(t); j++ {
			if t[j] != '~' {
				b.WriteByte(t[j])
				continue
			}
			if j+1 < len(t) && t[j+1] == '0' {
				b.WriteByte('~')
			} else if j+1 < len(t) && t[j+1] == '1' {
				b.WriteByte('/')
			} else {
				return nil, errors.New(`"~" must be followed by "0" or "1" in a JSON Pointer: ` + strconv.Quote(s))
			}
			j++
		}
		parts[i] = b.String()
	}
	return pointer(parts), nil
}

var escaper = strings.NewReplacer("~", "~0", "/", "~1")

// String renders p back as a JSON Pointer.
func (p pointer) String() string {
	var b strings.Builder
	for _, t := range p {
		b.WriteByte('/')
		b.WriteString(escaper.Replace(t))
	}
	return b.String()
}

// isProperPrefixOf reports whether p names a strict ancestor of q.
func (p pointer) isProperPrefixOf(q pointer) bool {
	if len(p) >= len(q) {
		return false
	}
	for i := range p {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

// equal reports whether p and q name the same location.
func (p pointer) equal(q pointer) bool {
	return slices.Equal(p, q)
}
