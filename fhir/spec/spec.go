// Package spec holds the parts of the official FHIR R4 (4.0.1) definitions
// that Yitong needs at run time, as tables generated from the definition
// bundles in shared/fhir-r4 (see internal/gen): every resource type, data
// type and backbone element with its element definitions, the primitive types
// with their JSON kind and validation regex, the Patient compartment, and
// the search parameters of every resource type (SearchParams), and the
// required terminology bindings of coded elements with the codes of their
// ValueSets where the definitions enumerate them (Element.Binding).
//
// Everything returned by this package is shared and read-only: callers must
// not modify a *Type, *Element or their slices. Functions that return maps or
// slices of names return fresh copies unless documented otherwise.
//
// Package spec imports nothing else of the project.
package spec

import (
	"strconv"
	"strings"
)

//go:generate go run ./internal/gen -defs ../../../shared/fhir-r4

// Kind classifies a Type.
type Kind uint8

// Kinds of Type.
const (
	// KindPrimitive is a primitive data type such as date or string.
	KindPrimitive Kind = iota + 1
	// KindComplex is a complex data type such as HumanName, including the
	// abstract Element and BackboneElement.
	KindComplex
	// KindResource is a resource type, including the abstract Resource and
	// DomainResource.
	KindResource
	// KindBackbone is an element defined inline in a resource or data type,
	// with its own children. Its Type.Name is its definition path, such as
	// "Questionnaire.item" or "Timing.repeat".
	KindBackbone
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case KindPrimitive:
		return "primitive"
	case KindComplex:
		return "complex"
	case KindResource:
		return "resource"
	case KindBackbone:
		return "backbone"
	}
	return "unknown"
}

// JSONKind is the JSON representation of a primitive value.
type JSONKind uint8

// JSON kinds of primitive values.
const (
	JSONString  JSONKind = iota + 1 // a JSON string
	JSONBoolean                     // true or false
	JSONNumber                      // a JSON number
)

// String returns "string", "boolean" or "number".
func (k JSONKind) String() string {
	switch k {
	case JSONString:
		return "string"
	case JSONBoolean:
		return "boolean"
	case JSONNumber:
		return "number"
	}
	return "unknown"
}

// Type is a data type, a resource type or a backbone element.
type Type struct {
	// Name is the type name ("Patient", "HumanName", "date"), or for a
	// backbone element its definition path ("Questionnaire.item").
	Name string
	Kind Kind
	// Base is the type this one specialises ("DomainResource" for most
	// resources, "BackboneElement" or "Element" for backbone elements, "uri"
	// for url); empty for Element and Resource.
	Base string
	// Abstract is true for Element, BackboneElement, Resource and
	// DomainResource.
	Abstract bool
	// Elements are the JSON properties of an object of this type in
	// definition order, with every choice element expanded into one Element
	// per allowed type. For a primitive type they are the properties of its
	// primitive-extension object ("_birthDate"): id and extension.
	Elements []*Element
	// Required lists the element definitions with a minimum cardinality of
	// at least one, in definition order.
	Required []Requirement
	// Choices is the number of choice elements: the largest Element.Choice.
	// It is at most 64 for every R4 type (spec_test.go checks), so a set of
	// choice elements fits a uint64.
	Choices int
	// Primitive describes the value of a primitive type; nil for other kinds.
	Primitive *Primitive

	byName map[string]*Element
}

// Element returns the element whose JSON property name is name, or nil.
// For a choice element name is one expansion ("valueQuantity"), never the
// definition name ("value[x]").
func (t *Type) Element(name string) *Element {
	return t.byName[name]
}

// Definition returns the Elements of the element definition named name
// (the last part of its path): all expansions, in definition order, for a
// choice element such as "value[x]", else the one element; nil when t has
// no such definition.
func (t *Type) Definition(name string) []*Element {
	path := t.Name + "." + name
	var out []*Element
	for _, e := range t.Elements {
		if e.Path == path {
			out = append(out, e)
		}
	}
	return out
}

// Element is one JSON property of a Type. A choice element such as
// Observation.value[x] is represented by one Element per allowed type
// (valueQuantity, valueString, ...), all with the same Path and Choice.
type Element struct {
	// Name is the JSON property name, e.g. "birthDate" or "valueQuantity".
	Name string
	// Path is the definition path, e.g. "Patient.birthDate" or
	// "Observation.value[x]".
	Path string
	// Type is the type of the value: a primitive or complex type name
	// ("date", "HumanName"), "Resource" for an element holding a whole
	// resource (contained, Bundle.entry.resource), or the name of a backbone
	// Type ("Questionnaire.item").
	Type string
	// TypeDef is the Type named by Type; never nil.
	TypeDef *Type
	// Min is the minimum cardinality.
	Min int
	// Max is the maximum cardinality, -1 for unbounded ("*").
	Max int
	// Choice is 0 for an ordinary element, and for a choice expansion the
	// 1-based number of its choice element within the owning Type: the
	// expansions of one choice element share it.
	Choice int
	// Targets lists the allowed target resource types of a Reference or
	// canonical (from targetProfile); "Resource" means any. Nil when the
	// definition states none.
	Targets []string
	// ContentReference is the definition this element reuses, such as
	// "#Questionnaire.item" for Questionnaire.item.item; empty otherwise.
	ContentReference string
	// Summary and Modifier are the definition's isSummary and isModifier.
	Summary, Modifier bool
	// Binding is the required terminology binding of an element of type
	// code, Coding or CodeableConcept; nil when it has none (or a weaker
	// one).
	Binding *Binding
}

// IsArray reports whether the element repeats (its maximum is not 1), in
// which case FHIR JSON represents it as an array even with one item.
func (e *Element) IsArray() bool { return e.Max != 1 }

// IsBackbone reports whether the element's value is a backbone element with
// its own child table (TypeDef).
func (e *Element) IsBackbone() bool { return e.TypeDef.Kind == KindBackbone }

// MaxString returns the maximum cardinality as written in the definitions:
// "*" or a number.
func (e *Element) MaxString() string {
	if e.Max < 0 {
		return "*"
	}
	return strconv.Itoa(e.Max)
}

// ChoiceName returns the choice element name without "[x]" ("value" for
// valueQuantity), or "" when the element is not a choice expansion.
func (e *Element) ChoiceName() string {
	if e.Choice == 0 {
		return ""
	}
	return e.Path[strings.LastIndexByte(e.Path, '.')+1 : len(e.Path)-len("[x]")]
}

// Requirement is an element definition with a minimum cardinality of at
// least one.
type Requirement struct {
	// Path is the definition path, e.g. "Observation.status".
	Path string
	// Min is the minimum cardinality.
	Min int
	// Names are the JSON property names that satisfy the requirement: one,
	// or all expansions of a choice element.
	Names []string
}

// LookupType returns the type, resource or backbone element named name, or
// nil when there is none.
func LookupType(name string) *Type {
	return tables().types[name]
}

// IsResourceType reports whether name is a concrete (non-abstract) R4
// resource type.
func IsResourceType(name string) bool {
	t := tables().types[name]
	return t != nil && t.Kind == KindResource && !t.Abstract
}

// ResourceTypes returns the names of the concrete R4 resource types, sorted.
func ResourceTypes() []string {
	return append([]string(nil), tables().resourceTypes...)
}

// TypeNames returns the names of all types, resources and backbone elements,
// sorted.
func TypeNames() []string {
	return append([]string(nil), tables().names...)
}
