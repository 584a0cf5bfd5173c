package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// bindingDef is a required terminology binding of an element of type code,
// Coding or CodeableConcept.
type bindingDef struct {
	path     string // element definition path, "Patient.gender"
	valueSet string // canonical URL without version
}

// valueSetDef is a ValueSet that some element is bound to (required), with
// its codes when the generator can expand it from the definitions.
type valueSetDef struct {
	url string
	// system is the one CodeSystem the ValueSet's compose draws codes from,
	// or "" when it draws from several, or none can be told.
	system string
	// skip says why the ValueSet cannot be expanded; "" when it can.
	skip string
	// codes holds the expansion by code system, sorted by system; each
	// code list is sorted. Empty when skip is set.
	codes []systemCodes
}

type systemCodes struct {
	system string
	codes  []string
}

// terminologyResource is the part of a ValueSet or CodeSystem the
// generator reads.
type terminologyResource struct {
	ResourceType  string      `json:"resourceType"`
	URL           string      `json:"url"`
	Version       string      `json:"version"`
	Content       string      `json:"content"`
	CaseSensitive *bool       `json:"caseSensitive"`
	Concept       []csConcept `json:"concept"`
	Compose       *compose    `json:"compose"`
}

type csConcept struct {
	Code    string      `json:"code"`
	Concept []csConcept `json:"concept"`
}

type compose struct {
	Include []composeSet `json:"include"`
	Exclude []composeSet `json:"exclude"`
}

type composeSet struct {
	System   string                  `json:"system"`
	Version  string                  `json:"version"`
	Concept  []struct{ Code string } `json:"concept"`
	Filter   []json.RawMessage       `json:"filter"`
	ValueSet []string                `json:"valueSet"`
}

// terminology holds the ValueSets and CodeSystems of the definitions by URL.
type terminology struct {
	valueSets   map[string]*terminologyResource
	codeSystems map[string]*terminologyResource
}

// readTerminology indexes the ValueSets and CodeSystems of the bundles.
func readTerminology(bundles ...bundle) (*terminology, error) {
	t := &terminology{valueSets: map[string]*terminologyResource{}, codeSystems: map[string]*terminologyResource{}}
	for _, b := range bundles {
		for _, e := range b.Entry {
			var r terminologyResource
			if err := json.Unmarshal(e.Resource, &r); err != nil {
				return nil, err
			}
			switch r.ResourceType {
			case "ValueSet":
				if t.valueSets[r.URL] != nil {
					return nil, fmt.Errorf("two ValueSets with url %s", r.URL)
				}
				t.valueSets[r.URL] = &r
			case "CodeSystem":
				if t.codeSystems[r.URL] != nil {
					return nil, fmt.Errorf("two CodeSystems with url %s", r.URL)
				}
				t.codeSystems[r.URL] = &r
			}
		}
	}
	return t, nil
}

// maxSystems is the most code systems one expandable ValueSet may draw from:
// the spec package keeps a code's systems as bits of a uint64.
const maxSystems = 64

// buildValueSets expands every ValueSet named by a binding.
func (t *terminology) buildValueSets(bindings []bindingDef) []valueSetDef {
	urls := map[string]bool{}
	for _, b := range bindings {
		urls[b.valueSet] = true
	}
	out := make([]valueSetDef, 0, len(urls))
	for url := range urls {
		d := valueSetDef{url: url, system: t.impliedSystem(url, 0)}
		codes, err := t.expand(url, 0)
		switch {
		case err != nil:
			d.skip = err.Error()
		case len(codes) > maxSystems:
			d.skip = fmt.Sprintf("draws from %d code systems, more than %d", len(codes), maxSystems)
		default:
			for sys, set := range codes {
				sc := systemCodes{system: sys}
				for c := range set {
					sc.codes = append(sc.codes, c)
				}
				sort.Strings(sc.codes)
				d.codes = append(d.codes, sc)
			}
			sort.Slice(d.codes, func(i, j int) bool { return d.codes[i].system < d.codes[j].system })
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].url < out[j].url })
	return out
}

// impliedSystem returns the one code system the compose of ValueSet url
// (following included ValueSets) names, or "".
func (t *terminology) impliedSystem(url string, depth int) string {
	vs := t.valueSets[url]
	if vs == nil || vs.Compose == nil || depth > 8 {
		return ""
	}
	system := ""
	for _, inc := range vs.Compose.Include {
		var s string
		switch {
		case inc.System != "":
			s = inc.System
		case len(inc.ValueSet) == 1:
			s = t.impliedSystem(stripVersion(inc.ValueSet[0]), depth+1)
		}
		if s == "" || (system != "" && s != system) {
			return ""
		}
		system = s
	}
	return system
}

// expand returns the codes of ValueSet url by system, or why they cannot be
// told from the definitions alone.
func (t *terminology) expand(url string, depth int) (map[string]map[string]bool, error) {
	if depth > 8 {
		return nil, fmt.Errorf("ValueSets include each other too deeply")
	}
	vs := t.valueSets[url]
	if vs == nil {
		return nil, fmt.Errorf("not in the definitions")
	}
	if vs.Compose == nil {
		return nil, fmt.Errorf("has no compose")
	}
	out := map[string]map[string]bool{}
	add := func(sys, code string) {
		if out[sys] == nil {
			out[sys] = map[string]bool{}
		}
		out[sys][code] = true
	}
	for _, inc := range vs.Compose.Include {
		switch {
		case len(inc.Filter) > 0:
			return nil, fmt.Errorf("includes codes of %s by filter", inc.System)
		case len(inc.ValueSet) > 0:
			if inc.System != "" || len(inc.ValueSet) > 1 {
				return nil, fmt.Errorf("includes an intersection of ValueSets")
			}
			sub, err := t.expand(stripVersion(inc.ValueSet[0]), depth+1)
			if err != nil {
				return nil, fmt.Errorf("includes %s, which %w", inc.ValueSet[0], err)
			}
			for sys, set := range sub {
				for c := range set {
					add(sys, c)
				}
			}
			continue
		case inc.System == "":
			return nil, fmt.Errorf("has an include without a system")
		}
		cs := t.codeSystems[inc.System]
		if inc.Version != "" && (cs == nil || cs.Version != inc.Version) {
			return nil, fmt.Errorf("includes version %s of %s, which is not in the definitions", inc.Version, inc.System)
		}
		if len(inc.Concept) > 0 {
			for _, c := range inc.Concept {
				add(inc.System, c.Code)
			}
			if cs != nil && cs.CaseSensitive != nil && !*cs.CaseSensitive {
				return nil, fmt.Errorf("draws from %s, whose codes are not case-sensitive", inc.System)
			}
			continue
		}
		switch {
		case cs == nil:
			return nil, fmt.Errorf("includes all of %s, which is not in the definitions", inc.System)
		case cs.Content != "complete":
			return nil, fmt.Errorf("includes all of %s, whose content in the definitions is %q", inc.System, cs.Content)
		case cs.CaseSensitive != nil && !*cs.CaseSensitive:
			return nil, fmt.Errorf("draws from %s, whose codes are not case-sensitive", inc.System)
		}
		var walk func([]csConcept)
		walk = func(cc []csConcept) {
			for _, c := range cc {
				add(inc.System, c.Code)
				walk(c.Concept)
			}
		}
		walk(cs.Concept)
	}
	for _, exc := range vs.Compose.Exclude {
		if len(exc.Filter) > 0 || len(exc.ValueSet) > 0 || len(exc.Concept) == 0 {
			return nil, fmt.Errorf("excludes codes other than by a concept list")
		}
		for _, c := range exc.Concept {
			delete(out[exc.System], c.Code)
		}
	}
	n := 0
	for _, set := range out {
		n += len(set)
	}
	if n == 0 {
		return nil, fmt.Errorf("has no codes")
	}
	return out, nil
}

// stripVersion drops the "|version" of a canonical URL.
func stripVersion(url string) string {
	if i := strings.IndexByte(url, '|'); i >= 0 {
		return url[:i]
	}
	return url
}
