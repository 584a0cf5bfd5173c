package spec

import "fmt"

// bindingDef, valueSetDef and systemCodesDef are the compact forms written
// by the generator into zz_binding.go.
type bindingDef struct {
	path     string // element definition path
	valueSet string // canonical URL without version
}

type valueSetDef struct {
	url    string
	system string
	skip   string // why the codes are not known; "" when they are
	codes  []systemCodesDef
}

type systemCodesDef struct {
	system string
	codes  []string
}

// Binding is the required terminology binding of an element of type code,
// Coding or CodeableConcept (FHIR R4 terminologies, "required": the value
// SHALL be one of the codes of the ValueSet). One Binding is shared by all
// elements bound to the same ValueSet.
type Binding struct {
	// ValueSet is the canonical URL of the ValueSet, without a version.
	ValueSet string
	// System is the code system implied for a value of type code: the one
	// CodeSystem the ValueSet's compose draws codes from (following the
	// ValueSets it includes); "" when it draws from several.
	System string
	// Unexpandable says why the codes of the ValueSet cannot be told from
	// the R4 definitions (a filter, a code system not in the definitions
	// such as UCUM or BCP-13); "" when Expandable.
	Unexpandable string

	systems []string          // the code systems, sorted
	codes   map[string]uint64 // code -> bit i set when systems[i] defines it
}

// Expandable reports whether the codes of the ValueSet are known, so that
// HasCode and HasCoding answer.
func (b *Binding) Expandable() bool { return b.codes != nil }

// HasCode reports whether code is in the ValueSet, in any of its systems.
// It is false when the ValueSet is not Expandable. It does not allocate.
func (b *Binding) HasCode(code string) bool {
	return b.codes[code] != 0
}

// HasCoding reports whether the ValueSet holds code from system. It is
// false when the ValueSet is not Expandable. It does not allocate.
func (b *Binding) HasCoding(system, code string) bool {
	bits := b.codes[code]
	if bits == 0 {
		return false
	}
	for i, s := range b.systems {
		if s == system {
			return bits&(1<<i) != 0
		}
	}
	return false
}

// Systems returns the code systems the ValueSet's codes come from, sorted;
// nil when it is not Expandable.
func (b *Binding) Systems() []string {
	return append([]string(nil), b.systems...)
}

// Codes returns the number of codes of the ValueSet (a code defined by two
// of its systems counts once); 0 when it is not Expandable.
func (b *Binding) Codes() int { return len(b.codes) }

// BindingOf returns the required binding of the ValueSet url (without a
// version), or nil when no element is bound to it.
func BindingOf(url string) *Binding {
	return tables().bindings[url]
}

// buildBindings makes the Bindings of valueSetDefs by URL and attaches them
// to the elements of bindingDefs: every expansion of a choice element whose
// type is code, Coding or CodeableConcept.
func buildBindings(types map[string]*Type) (map[string]*Binding, error) {
	byURL := make(map[string]*Binding, len(valueSetDefs))
	for i := range valueSetDefs {
		d := &valueSetDefs[i]
		b := &Binding{ValueSet: d.url, System: d.system, Unexpandable: d.skip}
		if d.skip == "" {
			if len(d.codes) > 64 {
				return nil, fmt.Errorf("ValueSet %s has %d systems", d.url, len(d.codes))
			}
			b.codes = make(map[string]uint64)
			for j, sc := range d.codes {
				b.systems = append(b.systems, sc.system)
				for _, c := range sc.codes {
					b.codes[c] |= 1 << j
				}
			}
		}
		byURL[d.url] = b
	}
	for _, d := range bindingDefs {
		b := byURL[d.valueSet]
		if b == nil {
			return nil, fmt.Errorf("%s: no ValueSet %s", d.path, d.valueSet)
		}
		i := lastDot(d.path)
		t := types[d.path[:i]]
		if t == nil {
			return nil, fmt.Errorf("binding of %s: no type %s", d.path, d.path[:i])
		}
		n := 0
		for _, e := range t.Elements {
			if e.Path != d.path {
				continue
			}
			switch e.Type {
			case "code", "Coding", "CodeableConcept":
				e.Binding = b
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("binding of %s: no coded element", d.path)
		}
	}
	return byURL, nil
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}
