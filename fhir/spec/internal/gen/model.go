package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// structureDefinition is the part of a StructureDefinition the generator reads.
type structureDefinition struct {
	ResourceType   string `json:"resourceType"`
	ID             string `json:"id"`
	Type           string `json:"type"`
	Kind           string `json:"kind"`
	Abstract       bool   `json:"abstract"`
	Derivation     string `json:"derivation"`
	BaseDefinition string `json:"baseDefinition"`
	Snapshot       struct {
		Element []elementDefinition `json:"element"`
	} `json:"snapshot"`
}

// elementDefinition is the part of an ElementDefinition the generator reads.
type elementDefinition struct {
	Path             string `json:"path"`
	Min              int    `json:"min"`
	Max              string `json:"max"`
	ContentReference string `json:"contentReference"`
	Base             struct {
		Path string `json:"path"`
	} `json:"base"`
	Type            []typeRef `json:"type"`
	IsModifier      bool      `json:"isModifier"`
	IsSummary       bool      `json:"isSummary"`
	MinValueInteger *int64    `json:"minValueInteger"`
	MaxValueInteger *int64    `json:"maxValueInteger"`
	Binding         *struct {
		Strength string `json:"strength"`
		ValueSet string `json:"valueSet"`
	} `json:"binding"`
}

// typeRef is ElementDefinition.type.
type typeRef struct {
	Code      string `json:"code"`
	Extension []struct {
		URL         string `json:"url"`
		ValueURL    string `json:"valueUrl"`
		ValueString string `json:"valueString"`
	} `json:"extension"`
	TargetProfile []string `json:"targetProfile"`
}

const (
	extFHIRType = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
	extRegex    = "http://hl7.org/fhir/StructureDefinition/regex"
)

// ext returns the value of the extension url on t, or "".
func (t typeRef) ext(url string) string {
	for _, e := range t.Extension {
		if e.URL == url {
			if e.ValueURL != "" {
				return e.ValueURL
			}
			return e.ValueString
		}
	}
	return ""
}

// model is everything the generated tables hold about types.
type model struct {
	types    []typeDef      // sorted by name
	prims    []primitiveDef // sorted by name
	bindings []bindingDef   // sorted by path
}

// typeDef is one data type, resource or backbone element.
type typeDef struct {
	name     string
	kind     string // Go constant name of the spec.Kind
	base     string
	abstract bool
	elems    []elemDef
}

// elemDef is one element definition (a choice element is not expanded here:
// the spec package expands it when it loads the tables).
type elemDef struct {
	name  string // last path segment, "value[x]" for a choice
	types string // see typesString
	min   int
	max   int // -1 for "*"
	flags int // 1 summary, 2 modifier
}

// primitiveDef describes the value of a primitive type.
type primitiveDef struct {
	name     string
	base     string
	json     string // Go constant name of the spec.JSONKind
	regex    string
	min, max *int64
}

// jsonKinds gives the JSON representation of the primitive types that are
// not JSON strings (FHIR R4 JSON format, section "Primitive types").
var jsonKinds = map[string]string{
	"boolean":     "JSONBoolean",
	"integer":     "JSONNumber",
	"positiveInt": "JSONNumber",
	"unsignedInt": "JSONNumber",
	"decimal":     "JSONNumber",
}

// buildModel extracts the type tables from the two StructureDefinition bundles.
func buildModel(bundles ...bundle) (*model, error) {
	m := &model{}
	for _, b := range bundles {
		for _, e := range b.Entry {
			var head struct {
				ResourceType string `json:"resourceType"`
			}
			if err := json.Unmarshal(e.Resource, &head); err != nil {
				return nil, err
			}
			if head.ResourceType != "StructureDefinition" {
				continue
			}
			var sd structureDefinition
			if err := json.Unmarshal(e.Resource, &sd); err != nil {
				return nil, err
			}
			if !wanted(sd) {
				continue
			}
			if err := m.addStructure(sd); err != nil {
				return nil, fmt.Errorf("%s: %w", sd.ID, err)
			}
		}
	}
	if err := m.inheritRanges(); err != nil {
		return nil, err
	}
	sort.Slice(m.types, func(i, j int) bool { return m.types[i].name < m.types[j].name })
	sort.Slice(m.prims, func(i, j int) bool { return m.prims[i].name < m.prims[j].name })
	sort.Slice(m.bindings, func(i, j int) bool { return m.bindings[i].path < m.bindings[j].path })
	return m, nil
}

// wanted reports whether sd defines a base type or resource (not a profile
// nor a logical model).
func wanted(sd structureDefinition) bool {
	switch sd.Kind {
	case "primitive-type", "complex-type", "resource":
	default:
		return false
	}
	return sd.Derivation == "specialization" || (sd.Derivation == "" && sd.Abstract)
}

func (m *model) addStructure(sd structureDefinition) error {
	root := sd.Type
	children := map[string][]elementDefinition{}
	for _, el := range sd.Snapshot.Element {
		if el.Path == root {
			continue
		}
		i := strings.LastIndexByte(el.Path, '.')
		if i < 0 {
			return fmt.Errorf("unexpected element path %q", el.Path)
		}
		parent := el.Path[:i]
		children[parent] = append(children[parent], el)
	}
	kind := map[string]string{
		"primitive-type": "KindPrimitive",
		"complex-type":   "KindComplex",
		"resource":       "KindResource",
	}[sd.Kind]
	base := sd.BaseDefinition[strings.LastIndexByte(sd.BaseDefinition, '/')+1:]
	if sd.Kind == "primitive-type" {
		if err := m.addPrimitive(sd, base, children[root]); err != nil {
			return err
		}
	}
	return m.addType(root, kind, base, sd.Abstract, children)
}

// addType adds the type or backbone named path and, recursively, the
// backbone elements defined inside it.
func (m *model) addType(path, kind, base string, abstract bool, children map[string][]elementDefinition) error {
	td := typeDef{name: path, kind: kind, base: base, abstract: abstract}
	for _, el := range children[path] {
		name := el.Path[len(path)+1:]
		if kind == "KindPrimitive" && name == "value" {
			continue // the JSON value itself, described by primitiveDef
		}
		ed := elemDef{name: name, min: el.Min, max: -1}
		if el.Max != "*" {
			if _, err := fmt.Sscanf(el.Max, "%d", &ed.max); err != nil {
				return fmt.Errorf("%s: bad max %q", el.Path, el.Max)
			}
		}
		if el.IsSummary {
			ed.flags |= 1
		}
		if el.IsModifier {
			ed.flags |= 2
		}
		switch {
		case el.ContentReference != "":
			ed.types = el.ContentReference
		case len(children[el.Path]) > 0:
			if len(el.Type) != 1 {
				return fmt.Errorf("%s: backbone element with %d types", el.Path, len(el.Type))
			}
			ed.types = el.Path
			if err := m.addType(el.Path, "KindBackbone", el.Type[0].Code, false, children); err != nil {
				return err
			}
		default:
			s, err := typesString(el)
			if err != nil {
				return err
			}
			ed.types = s
			if b := el.Binding; b != nil && b.Strength == "required" && b.ValueSet != "" && hasCodedType(el) {
				m.bindings = append(m.bindings, bindingDef{path: el.Path, valueSet: stripVersion(b.ValueSet)})
			}
		}
		td.elems = append(td.elems, ed)
	}
	m.types = append(m.types, td)
	return nil
}

// hasCodedType reports whether el may hold a code, Coding or
// CodeableConcept: the types a terminology binding constrains here.
func hasCodedType(el elementDefinition) bool {
	for _, t := range el.Type {
		switch t.Code {
		case "code", "Coding", "CodeableConcept":
			return true
		}
	}
	return false
}

// typesString renders the types of el compactly as the spec package reads
// them: type codes separated by commas, each optionally followed by its
// target resource types in parentheses, e.g. "string,Reference(Patient|Group)".
func typesString(el elementDefinition) (string, error) {
	if len(el.Type) == 0 {
		return "", fmt.Errorf("%s: no type", el.Path)
	}
	if len(el.Type) > 1 && !strings.HasSuffix(el.Path, "[x]") {
		return "", fmt.Errorf("%s: several types on an element that is not a choice", el.Path)
	}
	parts := make([]string, 0, len(el.Type))
	for _, t := range el.Type {
		code := t.Code
		if strings.HasPrefix(code, "http://hl7.org/fhirpath/System.") {
			code = t.ext(extFHIRType)
			if code == "" {
				code = "string"
			}
		}
		// R4's snapshots give Resource.id the FHIRPath type System.String
		// with fhir-type "string", but the specification defines it as id.
		if el.Base.Path == "Resource.id" {
			code = "id"
		}
		if len(t.TargetProfile) > 0 {
			targets := make([]string, len(t.TargetProfile))
			for i, p := range t.TargetProfile {
				targets[i] = p[strings.LastIndexByte(p, '/')+1:]
			}
			code += "(" + strings.Join(targets, "|") + ")"
		}
		parts = append(parts, code)
	}
	return strings.Join(parts, ","), nil
}

// addPrimitive records the JSON kind, regex and range of primitive type sd
// from its value element.
func (m *model) addPrimitive(sd structureDefinition, base string, elems []elementDefinition) error {
	pd := primitiveDef{name: sd.Type, base: base, json: "JSONString"}
	if k, ok := jsonKinds[sd.Type]; ok {
		pd.json = k
	}
	found := false
	for _, el := range elems {
		if el.Path != sd.Type+".value" {
			continue
		}
		found = true
		for _, t := range el.Type {
			pd.regex = t.ext(extRegex)
		}
		pd.min, pd.max = el.MinValueInteger, el.MaxValueInteger
	}
	if !found {
		return fmt.Errorf("primitive type without a value element")
	}
	m.prims = append(m.prims, pd)
	return nil
}

// inheritRanges gives integer types without a range of their own (such as
// positiveInt) the range of the type they specialise.
func (m *model) inheritRanges() error {
	byName := map[string]*primitiveDef{}
	for i := range m.prims {
		byName[m.prims[i].name] = &m.prims[i]
	}
	for i := range m.prims {
		p := &m.prims[i]
		for b := byName[p.base]; b != nil && (p.min == nil || p.max == nil); b = byName[b.base] {
			if p.min == nil {
				p.min = b.min
			}
			if p.max == nil {
				p.max = b.max
			}
		}
	}
	if byName["integer"] == nil || byName["integer"].min == nil {
		return fmt.Errorf("the integer type has no range in the definitions")
	}
	return nil
}
