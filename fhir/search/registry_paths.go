package search

import (
	"strings"

	"github.com/yitong-health/yitong/fhir/spec"
)

// elemKinds records what the elements selected by a parameter's expression
// are, as far as the expression is a union of simple element paths.
type elemKinds struct {
	// identifier: every branch selects Identifier elements (the :of-type
	// modifier applies).
	identifier bool
	// canonical: every branch selects canonical elements (a reference
	// parameter then accepts :above and :below).
	canonical bool
}

// elementKinds resolves expr through the element tables of fhir/spec. A
// branch is understood when it is a path from a type name ("Patient.name"),
// optionally with ".where(...)" filters anywhere, a final ".as(X)" or
// " as X" (parenthesised or not) and parentheses around it. Any branch that
// is not understood makes both facts false.
func elementKinds(expr string) elemKinds {
	branches := splitTopLevel(expr, '|')
	if expr == "" || branches == nil {
		return elemKinds{}
	}
	k := elemKinds{identifier: true, canonical: true}
	for _, br := range branches {
		types := branchTypes(br)
		if len(types) == 0 {
			return elemKinds{}
		}
		for _, t := range types {
			k.identifier = k.identifier && t == "Identifier"
			k.canonical = k.canonical && t == "canonical"
		}
	}
	return k
}

// branchTypes returns the types of the elements one union branch selects,
// nil when the branch is not a simple path.
func branchTypes(br string) []string {
	br = strings.TrimSpace(br)
	for strings.HasPrefix(br, "(") && strings.HasSuffix(br, ")") && matchingParen(br) == len(br)-1 {
		br = strings.TrimSpace(br[1 : len(br)-1])
	}
	cast := ""
	if i := strings.LastIndex(br, " as "); i > 0 {
		br, cast = strings.TrimSpace(br[:i]), strings.TrimSpace(br[i+4:])
	} else if strings.HasSuffix(br, ")") {
		if i := strings.LastIndex(br, ".as("); i > 0 {
			br, cast = br[:i], br[i+4:len(br)-1]
		}
	}
	br = stripWhere(br)
	if br == "" {
		return nil
	}
	segs := strings.Split(br, ".")
	t := spec.LookupType(segs[0])
	if t == nil {
		return nil
	}
	cur := []*spec.Type{t}
	var last []*spec.Element
	for _, seg := range segs[1:] {
		if !isIdent(seg) {
			return nil
		}
		last = last[:0]
		var next []*spec.Type
		for _, ct := range cur {
			es := ct.Definition(seg)
			if len(es) == 0 {
				es = ct.Definition(seg + "[x]")
			}
			for _, e := range es {
				last = append(last, e)
				next = append(next, e.TypeDef)
			}
		}
		if len(next) == 0 {
			return nil
		}
		cur = next
	}
	if len(last) == 0 {
		return nil
	}
	var out []string
	for _, e := range last {
		if cast != "" && !strings.EqualFold(e.Type, cast) {
			continue
		}
		out = append(out, e.Type)
	}
	return out
}

// stripWhere removes every ".where(...)" call from a path, or returns ""
// when its parentheses are unbalanced.
func stripWhere(s string) string {
	for {
		i := strings.Index(s, ".where(")
		if i < 0 {
			return s
		}
		end := matchingParen(s[i+len(".where"):])
		if end < 0 {
			return ""
		}
		s = s[:i] + s[i+len(".where")+end+1:]
	}
}

// matchingParen returns the index of the parenthesis closing the one that
// opens s, or -1. Quoted strings are skipped.
func matchingParen(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			for i++; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// splitTopLevel splits s at sep outside parentheses and quoted strings;
// nil when the nesting is unbalanced.
func splitTopLevel(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			for i++; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case c == '(':
			depth++
		case c == ')':
			if depth--; depth < 0 {
				return nil
			}
		case c == sep && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	if depth != 0 {
		return nil
	}
	return append(out, strings.TrimSpace(s[start:]))
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
