package search

import "time"

// Type is a search parameter type (http://hl7.org/fhir/search-param-type).
type Type uint8

// Search parameter types.
const (
	TypeNumber Type = iota + 1
	TypeDate
	TypeString
	TypeToken
	TypeReference
	TypeComposite
	TypeQuantity
	TypeURI
	TypeSpecial
)

var typeNames = [...]string{"", "number", "date", "string", "token", "reference", "composite", "quantity", "uri", "special"}

// String returns the type's FHIR code ("token").
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "unknown"
}

// Param is one search parameter as it applies to one resource type.
// Params come from a Registry and are shared and read-only.
type Param struct {
	// Code is the name used in URLs ("birthdate", "_lastUpdated").
	Code string
	// Resource is the resource type this Param applies to ("Patient"); a
	// parameter defined on several bases appears once per base type.
	Resource string
	Type     Type
	// URL is the canonical URL of the SearchParameter definition.
	URL string
	// Expression is the FHIRPath expression that extracts the values, narrowed
	// to Resource (the branches of a multi-base union that start with another
	// type are dropped). Empty for parameters evaluated specially (_text,
	// _content, _id, _lastUpdated).
	Expression string
	// Targets lists the resource types a reference parameter may point to.
	Targets []string
	// Components are the parts of a composite parameter, in order.
	Components []Component
}

// Component is one part of a composite parameter: the parameter definition it
// reuses and the expression evaluated relative to the composite's node.
type Component struct {
	Param      *Param
	Expression string
}

// Modifier is a search parameter modifier (":exact").
type Modifier uint8

// Modifiers. ModifierType is the ":[type]" modifier of a reference
// parameter; the type is in Filter.TargetType.
const (
	ModifierNone Modifier = iota
	ModifierExact
	ModifierContains
	ModifierMissing
	ModifierNot
	ModifierText
	ModifierAbove
	ModifierBelow
	ModifierIdentifier
	ModifierType
	ModifierOfType
	ModifierIn
	ModifierNotIn
)

var modifierNames = [...]string{"", "exact", "contains", "missing", "not", "text", "above", "below", "identifier", "[type]", "of-type", "in", "not-in"}

// String returns the modifier as written after the colon ("exact"), "" for none.
func (m Modifier) String() string {
	if int(m) < len(modifierNames) {
		return modifierNames[m]
	}
	return "unknown"
}

// Prefix is a comparison prefix of a number, date or quantity value.
type Prefix uint8

// Prefixes. PrefixEq is the default when a value has none.
const (
	PrefixEq Prefix = iota
	PrefixNe
	PrefixGt
	PrefixLt
	PrefixGe
	PrefixLe
	PrefixSa
	PrefixEb
	PrefixAp
)

var prefixNames = [...]string{"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"}

// String returns the prefix as written ("ge").
func (p Prefix) String() string {
	if int(p) < len(prefixNames) {
		return prefixNames[p]
	}
	return "unknown"
}

// Query is a parsed search request.
type Query struct {
	// Type is the resource type searched; empty for a system-level search,
	// where Types (from _type) narrows the types (empty: all).
	Type  string
	Types []string
	// Filters are ANDed; each Filter ORs its values.
	Filters []Filter
	// Includes and RevIncludes are the _include and _revinclude requests.
	Includes    []Include
	RevIncludes []Include
	// Sort is the _sort order; empty means the server's stable default.
	Sort []SortKey
	// Count is the page size: _count, or ParseOptions.DefaultCount when
	// the request has none, so 0 always means an explicit _count=0.
	Count int
	// Total is the _total mode.
	Total Total
	// Summary is the _summary mode.
	Summary Summary
	// Elements are the _elements names (top-level element names).
	Elements []string
	// Ignored lists parameters ignored under Prefer: handling=lenient, each
	// with the reason, for the Bundle's OperationOutcome.
	Ignored []Ignored
}

// Ignored is a parameter ignored under lenient handling.
type Ignored struct {
	Name   string // the parameter as written, with modifier ("foo:exact")
	Reason string
}

// Filter is one parameter occurrence: the resource matches if any of Values
// matches (OR). Repeating a parameter gives several Filters (AND).
type Filter struct {
	Param    *Param
	Modifier Modifier
	// TargetType is the type named by a ":[type]" modifier or by the type
	// given in a chain ("subject:Patient.name"); empty otherwise.
	TargetType string
	// Missing is the value of ":missing" (true: the resource has no value
	// for the parameter).
	Missing bool
	// Chain, when set, is the condition on the resource a reference
	// parameter points to ("subject.name=x"); Values is then empty. When the
	// chain names no type, TargetType is empty and the chain applies to
	// every target type that has the chained parameter.
	Chain *Filter
	// Has, when set, makes this Filter a reverse chain; Param is then nil.
	Has *Has
	// Values are ORed. Empty for :missing, chains and _has.
	Values []Value
}

// Has is a reverse chain: "_has:Observation:patient:code=1234" keeps
// resources referenced by an Observation, through its "patient" parameter,
// that matches Filter.
type Has struct {
	Type string // the referring resource type (Observation)
	Ref  *Param // the referring reference parameter (Observation.patient)
	// Filter is the condition on the referring resource; for a nested
	// "_has:A:p:_has:B:q:code=x" it is itself a _has Filter.
	Filter Filter
}

// Value is one parsed search value. Which fields are set depends on the
// parameter type (and, for composite parameters, Parts holds one Value per
// component).
type Value struct {
	Prefix Prefix
	// Raw is the value as written, after unescaping (for messages).
	Raw string

	// String and URI values (and :contains / :exact / :text / :above /
	// :below string forms); Token code; Reference id.
	Str string

	// Token: System is set when HasSystem ("system|code" or "|code" with an
	// empty system meaning "no system"). With :in and :not-in, Str is the
	// ValueSet canonical as written ("url" or "url|version") and System,
	// HasSystem and Code are unset; with :above and :below on a token,
	// System and Code are both set.
	System    string
	HasSystem bool
	Code      string

	// Number and Quantity: the decimal as written, and the implied range
	// [Lo, Hi) from its precision (1.5 → [1.45, 1.55)).
	Number   string
	NumberLo float64
	NumberHi float64
	// Quantity unit: System and Code above hold "system|code" of the unit
	// for a quantity ("5.4|http://unitsofmeasure.org|mg").

	// Date: the range [Lo, Hi) covered by the value at its precision, UTC.
	Lo, Hi time.Time

	// Reference: target type (may be empty) and id, or an absolute URL /
	// canonical with an optional version.
	RefType    string
	RefID      string
	RefURL     string
	RefVersion string

	// Composite parts, one per component.
	Parts []Value
}

// Include is one _include or _revinclude: resources of Source pointing
// through Param (nil: every reference parameter, from "*") to resources of
// TargetType (empty: any).
type Include struct {
	Source     string
	Param      *Param
	TargetType string
	Iterate    bool
}

// SortKey is one _sort element.
type SortKey struct {
	Param      *Param
	Descending bool
}

// Total is the _total mode.
type Total uint8

// Totals. TotalDefault lets the server choose.
const (
	TotalDefault Total = iota
	TotalNone
	TotalEstimate
	TotalAccurate
)

// Summary is the _summary mode.
type Summary uint8

// Summaries.
const (
	SummaryNone Summary = iota
	SummaryTrue
	SummaryCount
	SummaryData
	SummaryText
	SummaryFalse
)
