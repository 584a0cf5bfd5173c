package validate

import (
	"fmt"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
)

// Required terminology bindings (FHIR R4 terminologies, binding strength
// "required": the value SHALL be one of the codes of the ValueSet). Only
// ValueSets the generator could expand from the R4 definitions are checked
// (spec.Binding.Expandable); the others (UCUM units, MIME types, currencies,
// a LOINC answer list) are skipped. Lookups are generated maps: a valid code
// costs no allocation.

// checkCode reports code s of element el (the current location) when el has
// a required binding to an expandable ValueSet that does not hold it. A
// code element's system is implied, so the code may come from any of the
// ValueSet's systems.
func (v *validator) checkCode(el *spec.Element, s string) {
	b := el.Binding
	if b == nil || b.HasCode(s) || !b.Expandable() {
		return
	}
	v.add(fhir.IssueCodeInvalid, fmt.Sprintf("%q is not in the ValueSet %s, which %s is bound to (required)", truncate(s), b.ValueSet, el.Path))
}

// checkCoded reports a Coding or CodeableConcept obj of element el (the
// current location) none of whose codings is in the expandable ValueSet of
// el's required binding. A coding matches by system and code; a
// CodeableConcept needs one matching coding and may carry others
// (translations). A CodeableConcept with no coding that has a code (text
// only) is not checked.
func (v *validator) checkCoded(el *spec.Element, obj map[string]any) {
	b := el.Binding
	if b == nil || !b.Expandable() {
		return
	}
	var first map[string]any
	if el.Type == "Coding" {
		if inValueSet(b, obj) {
			return
		}
		first = obj
	} else {
		codings, _ := obj["coding"].([]any)
		for _, x := range codings {
			c, _ := x.(map[string]any)
			if c == nil {
				continue
			}
			if inValueSet(b, c) {
				return
			}
			if _, ok := c["code"].(string); ok && first == nil {
				first = c
			}
		}
	}
	if first == nil {
		return
	}
	code, hasCode := first["code"].(string)
	if !hasCode {
		return
	}
	system, _ := first["system"].(string)
	if system == "" {
		v.add(fhir.IssueCodeInvalid, fmt.Sprintf("%s is bound (required) to the ValueSet %s, but its coding %q has no system", el.Path, b.ValueSet, truncate(code)))
		return
	}
	v.add(fhir.IssueCodeInvalid, fmt.Sprintf("%s|%s is not in the ValueSet %s, which %s is bound to (required)", truncate(system), truncate(code), b.ValueSet, el.Path))
}

// inValueSet reports whether Coding c holds a system and code of b.
func inValueSet(b *spec.Binding, c map[string]any) bool {
	system, _ := c["system"].(string)
	code, _ := c["code"].(string)
	return code != "" && b.HasCoding(system, code)
}
