package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// searchDef is one SearchParameter definition with its expression narrowed
// to each of its bases.
type searchDef struct {
	url, code, typ string
	bases          []searchBase
	targets        []string
	components     []searchComponent
}

// searchBase is one base type of a definition with the expression that
// applies to it.
type searchBase struct {
	name, expr string
}

type searchComponent struct {
	definition, expr string
}

// searchTypes are the SearchParameter.type codes of R4.
var searchTypes = map[string]bool{
	"number": true, "date": true, "string": true, "token": true, "reference": true,
	"composite": true, "quantity": true, "uri": true, "special": true,
}

// buildSearch reads every SearchParameter of the bundle, checks that its
// bases are resource types of m, its targets resource types, and its
// component definitions known, and narrows its expression to each base. The
// result is sorted by URL.
func buildSearch(params bundle, m *model) ([]searchDef, error) {
	resources := map[string]bool{}
	for _, t := range m.types {
		if t.kind == "KindResource" {
			resources[t.name] = true
		}
	}
	var out []searchDef
	seen := map[string]bool{}    // URL
	codes := map[string]string{} // "base code" → URL
	for _, e := range params.Entry {
		var sp searchParameter
		if err := json.Unmarshal(e.Resource, &sp); err != nil {
			return nil, err
		}
		if sp.ResourceType != "SearchParameter" {
			continue
		}
		if sp.URL == "" || sp.Code == "" || len(sp.Base) == 0 || !searchTypes[sp.Type] {
			return nil, fmt.Errorf("search parameter %q: incomplete definition (code %q, type %q, base %v)", sp.URL, sp.Code, sp.Type, sp.Base)
		}
		if seen[sp.URL] {
			return nil, fmt.Errorf("search parameter %q defined twice", sp.URL)
		}
		seen[sp.URL] = true
		d := searchDef{url: sp.URL, code: sp.Code, typ: sp.Type}
		for _, b := range sp.Base {
			if !resources[b] {
				return nil, fmt.Errorf("search parameter %q: base %q is not a resource type", sp.URL, b)
			}
			key := b + " " + sp.Code
			if other, dup := codes[key]; dup {
				return nil, fmt.Errorf("search parameter code %s.%s defined by %q and %q", b, sp.Code, other, sp.URL)
			}
			codes[key] = sp.URL
			d.bases = append(d.bases, searchBase{name: b, expr: narrow(sp.Expression, b, sp.Base)})
		}
		for _, t := range sp.Target {
			if !resources[t] {
				return nil, fmt.Errorf("search parameter %q: target %q is not a resource type", sp.URL, t)
			}
		}
		d.targets = append([]string(nil), sp.Target...)
		sort.Strings(d.targets)
		for _, c := range sp.Component {
			d.components = append(d.components, searchComponent{definition: c.Definition, expr: c.Expression})
		}
		out = append(out, d)
	}
	for _, d := range out {
		for _, c := range d.components {
			if !seen[c.definition] {
				return nil, fmt.Errorf("search parameter %q: component %q is not defined", d.url, c.definition)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].url < out[j].url })
	return out, nil
}

// narrow returns the top-level "|" branches of the FHIRPath union expr that
// apply to resource type base: those whose leading type name (after any
// opening parentheses) is base. It returns expr unchanged when a branch does
// not start with one of the definition's bases (then the expression is not a
// per-type union and cannot be narrowed, as in InsurancePlan's
// "name | alias"), when no branch applies to base, or when expr cannot be
// split (unbalanced parentheses or an unterminated string).
func narrow(expr, base string, bases []string) string {
	if expr == "" {
		return ""
	}
	branches, ok := splitUnion(expr)
	if !ok {
		return expr
	}
	var keep []string
	for _, br := range branches {
		lead := leadingName(br)
		if !contains(bases, lead) {
			return expr
		}
		if lead == base {
			keep = append(keep, br)
		}
	}
	if len(keep) == 0 {
		return expr
	}
	return strings.Join(keep, " | ")
}

// splitUnion splits expr at the "|" operators outside parentheses, brackets,
// braces and string literals ('...' with backslash escapes, and `...`
// delimited identifiers), trimming each branch. It reports false when the
// nesting is unbalanced, a string is unterminated, or a branch is empty.
func splitUnion(expr string) ([]string, bool) {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; c {
		case '\'', '`':
			j := i + 1
			for ; j < len(expr) && expr[j] != c; j++ {
				if expr[j] == '\\' {
					j++
				}
			}
			if j >= len(expr) {
				return nil, false
			}
			i = j
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth < 0 {
				return nil, false
			}
		case '|':
			if depth == 0 {
				out = append(out, strings.TrimSpace(expr[start:i]))
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, false
	}
	out = append(out, strings.TrimSpace(expr[start:]))
	for _, b := range out {
		if b == "" {
			return nil, false
		}
	}
	return out, true
}

// leadingName returns the identifier that starts branch after any opening
// parentheses and spaces ("Observation" for "(Observation.value as
// Quantity)").
func leadingName(branch string) string {
	s := strings.TrimLeft(branch, "( \t")
	n := 0
	for n < len(s) && (s[n] >= 'A' && s[n] <= 'Z' || s[n] >= 'a' && s[n] <= 'z' || s[n] >= '0' && s[n] <= '9' || s[n] == '_') {
		n++
	}
	return s[:n]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
