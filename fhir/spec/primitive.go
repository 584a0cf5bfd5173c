package spec

import "regexp"

// Primitive describes the value of a primitive type.
type Primitive struct {
	// JSON is how the value is represented in FHIR JSON.
	JSON JSONKind
	// Regex is the type's regex from the definitions (the "regex" extension
	// on its value element), to be matched against the whole lexical value;
	// empty for xhtml, which has none.
	Regex string
	// HasRange is true for integer types, whose values must lie in
	// [Min, Max] (the 32-bit range; the regex further restricts positiveInt
	// and unsignedInt).
	HasRange bool
	Min, Max int64

	re *regexp.Regexp // Regex anchored at both ends; nil when Regex is empty
}

// MatchString reports whether s as a whole matches the type's regex. It is
// true for every s when the type has no regex. For a JSON number s is its
// lexical form; for a boolean "true" or "false".
func (p *Primitive) MatchString(s string) bool {
	return p.re == nil || p.re.MatchString(s)
}
