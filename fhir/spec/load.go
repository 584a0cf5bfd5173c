package spec

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// typeDef, elemDef and primitiveDef are the compact forms written by the
// generator into zz_generated.go; build turns them into Types.
type typeDef struct {
	name     string
	kind     Kind
	base     string
	abstract bool
	elems    []elemDef
}

// elemDef is one element definition. types holds the allowed types separated
// by commas, each optionally followed by its targets in parentheses
// ("string,Reference(Patient|Group)"), or a backbone type name, or a
// contentReference ("#Questionnaire.item"). max is -1 for "*". flags has bit
// 1 for isSummary and bit 2 for isModifier.
type elemDef struct {
	name  string
	types string
	min   int
	max   int
	flags int
}

type primitiveDef struct {
	name     string
	base     string
	json     JSONKind
	regex    string
	hasRange bool
	min, max int64
}

type compartmentDef struct {
	resource string
	param    string
	paths    string // "|"-separated
}

type specTables struct {
	types         map[string]*Type
	names         []string
	resourceTypes []string
	bindings      map[string]*Binding // by ValueSet URL
}

// tables builds the tables on first use. A fault in the generated tables is
// a programming error and panics.
var tables = sync.OnceValue(func() *specTables {
	t, err := build()
	if err != nil {
		panic("fhir/spec: " + err.Error())
	}
	return t
})

func build() (*specTables, error) {
	st := &specTables{types: make(map[string]*Type, len(typeDefs))}
	prims := make(map[string]*Primitive, len(primitiveDefs))
	for _, p := range primitiveDefs {
		var re *regexp.Regexp
		if p.regex != "" {
			var err error
			if re, err = regexp.Compile(`^(?:` + p.regex + `)$`); err != nil {
				return nil, fmt.Errorf("regex of %s: %w", p.name, err)
			}
		}
		prims[p.name] = &Primitive{JSON: p.json, Regex: p.regex, HasRange: p.hasRange, Min: p.min, Max: p.max, re: re}
	}
	for i := range typeDefs {
		td := &typeDefs[i]
		t := &Type{Name: td.name, Kind: td.kind, Base: td.base, Abstract: td.abstract}
		if td.kind == KindPrimitive {
			t.Primitive = prims[td.name]
			if t.Primitive == nil {
				return nil, fmt.Errorf("primitive type %s has no value definition", td.name)
			}
		}
		if err := addElements(t, td.elems); err != nil {
			return nil, err
		}
		st.types[t.Name] = t
		st.names = append(st.names, t.Name)
		if t.Kind == KindResource && !t.Abstract {
			st.resourceTypes = append(st.resourceTypes, t.Name)
		}
	}
	for _, t := range st.types {
		for _, e := range t.Elements {
			e.TypeDef = st.types[e.Type]
			if e.TypeDef == nil {
				return nil, fmt.Errorf("%s: unknown type %q", e.Path, e.Type)
			}
		}
	}
	var err error
	if st.bindings, err = buildBindings(st.types); err != nil {
		return nil, err
	}
	sort.Strings(st.names)
	sort.Strings(st.resourceTypes)
	return st, nil
}

// addElements expands the element definitions of t into Elements.
func addElements(t *Type, defs []elemDef) error {
	n := 0
	for _, d := range defs {
		n += strings.Count(d.types, ",") + 1
	}
	elems := make([]Element, 0, n)
	for _, d := range defs {
		path := t.Name + "." + d.name
		base := Element{Path: path, Min: d.min, Max: d.max, Summary: d.flags&1 != 0, Modifier: d.flags&2 != 0}
		var names []string
		switch {
		case strings.HasPrefix(d.types, "#"):
			base.Name, base.Type, base.ContentReference = d.name, d.types[1:], d.types
			elems = append(elems, base)
			names = []string{d.name}
		case strings.HasSuffix(d.name, "[x]"):
			t.Choices++
			base.Choice = t.Choices
			stem := strings.TrimSuffix(d.name, "[x]")
			for _, ts := range strings.Split(d.types, ",") {
				e := base
				e.Type, e.Targets = parseTypeSpec(ts)
				e.Name = stem + strings.ToUpper(e.Type[:1]) + e.Type[1:]
				elems = append(elems, e)
				names = append(names, e.Name)
			}
		default:
			if strings.Contains(d.types, ",") {
				return fmt.Errorf("%s: several types on an element that is not a choice", path)
			}
			base.Name = d.name
			base.Type, base.Targets = parseTypeSpec(d.types)
			elems = append(elems, base)
			names = []string{d.name}
		}
		if d.min > 0 {
			t.Required = append(t.Required, Requirement{Path: path, Min: d.min, Names: names})
		}
	}
	t.Elements = make([]*Element, len(elems))
	t.byName = make(map[string]*Element, len(elems))
	for i := range elems {
		e := &elems[i]
		if t.byName[e.Name] != nil {
			return fmt.Errorf("%s: duplicate JSON name %q", t.Name, e.Name)
		}
		t.Elements[i] = e
		t.byName[e.Name] = e
	}
	return nil
}

// parseTypeSpec splits "Reference(Patient|Group)" into its type code and
// targets.
func parseTypeSpec(s string) (string, []string) {
	i := strings.IndexByte(s, '(')
	if i < 0 {
		return s, nil
	}
	return s[:i], strings.Split(strings.TrimSuffix(s[i+1:], ")"), "|")
}
