package spec

import "testing"

func TestBindings(t *testing.T) {
	const gender = "http://hl7.org/fhir/administrative-gender"
	cases := []struct {
		typ, elem  string
		valueSet   string // "" for no binding
		system     string
		expandable bool
	}{
		{"Patient", "gender", "http://hl7.org/fhir/ValueSet/administrative-gender", gender, true},
		{"Patient.contact", "gender", "http://hl7.org/fhir/ValueSet/administrative-gender", gender, true},
		{"Address", "use", "http://hl7.org/fhir/ValueSet/address-use", "http://hl7.org/fhir/address-use", true},
		{"Condition", "clinicalStatus", "http://hl7.org/fhir/ValueSet/condition-clinical", "http://terminology.hl7.org/CodeSystem/condition-clinical", true},
		{"Timing.repeat", "durationUnit", "http://hl7.org/fhir/ValueSet/units-of-time", "http://unitsofmeasure.org", true},
		{"Task", "intent", "http://hl7.org/fhir/ValueSet/task-intent", "", true}, // two systems: none implied
		{"Attachment", "contentType", "http://hl7.org/fhir/ValueSet/mimetypes", "urn:ietf:bcp:13", false},
		{"Money", "currency", "http://hl7.org/fhir/ValueSet/currencies", "urn:iso:std:iso:4217", false},
		{"Observation", "code", "", "", false},  // example binding
		{"Patient", "language", "", "", false},  // preferred binding
		{"Patient", "birthDate", "", "", false}, // not coded
		{"Encounter", "class", "", "", false},   // extensible binding
		{"Coding", "code", "", "", false},       // no binding
		{"Observation", "status", "http://hl7.org/fhir/ValueSet/observation-status", "http://hl7.org/fhir/observation-status", true},
	}
	for _, c := range cases {
		e := LookupType(c.typ).Element(c.elem)
		if e == nil {
			t.Fatalf("%s has no %s", c.typ, c.elem)
		}
		b := e.Binding
		if c.valueSet == "" {
			if b != nil {
				t.Errorf("%s: binding %s, want none", e.Path, b.ValueSet)
			}
			continue
		}
		if b == nil {
			t.Errorf("%s: no binding, want %s", e.Path, c.valueSet)
			continue
		}
		if b.ValueSet != c.valueSet || b.System != c.system || b.Expandable() != c.expandable {
			t.Errorf("%s: binding %s system %q expandable %t; want %s %q %t", e.Path, b.ValueSet, b.System, b.Expandable(), c.valueSet, c.system, c.expandable)
		}
		if b.Expandable() != (b.Unexpandable == "") {
			t.Errorf("%s: Expandable %t but Unexpandable %q", e.Path, b.Expandable(), b.Unexpandable)
		}
		if BindingOf(c.valueSet) != b {
			t.Errorf("BindingOf(%s) is not the element's binding", c.valueSet)
		}
	}
}

func TestBindingCodes(t *testing.T) {
	const gender = "http://hl7.org/fhir/administrative-gender"
	b := LookupType("Patient").Element("gender").Binding
	for _, c := range []struct {
		system, code string
		hasCode      bool
		hasCoding    bool
	}{
		{gender, "male", true, true},
		{gender, "unknown", true, true},
		{gender, "Male", false, false}, // codes are case-sensitive
		{gender, "M", false, false},
		{"http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender", "male", true, false}, // another system
		{"", "male", true, false},
		{gender, "", false, false},
	} {
		if got := b.HasCode(c.code); got != c.hasCode {
			t.Errorf("HasCode(%q) = %t", c.code, got)
		}
		if got := b.HasCoding(c.system, c.code); got != c.hasCoding {
			t.Errorf("HasCoding(%q, %q) = %t", c.system, c.code, got)
		}
	}
	if b.Codes() != 4 {
		t.Errorf("administrative-gender has %d codes, want 4", b.Codes())
	}
	// Two systems: each code only in its own.
	ti := LookupType("Task").Element("intent").Binding
	if !ti.HasCoding("http://hl7.org/fhir/task-intent", "unknown") || ti.HasCoding("http://hl7.org/fhir/request-intent", "unknown") || !ti.HasCoding("http://hl7.org/fhir/request-intent", "order") {
		t.Errorf("task-intent: systems %v", ti.Systems())
	}
	// Unexpandable: nothing is known to be in it.
	mt := LookupType("Attachment").Element("contentType").Binding
	if mt.HasCode("text/plain") || mt.Codes() != 0 || mt.Systems() != nil {
		t.Error("an unexpandable ValueSet claims codes")
	}
	// Choice expansions of coded types share the binding; others have none.
	if e := LookupType("ElementDefinition").Element("defaultValueCode"); e == nil || e.Binding != nil {
		t.Errorf("ElementDefinition.defaultValueCode: %+v", e)
	}
}

func TestBindingsHaveCodedElements(t *testing.T) {
	for _, d := range bindingDefs {
		i := lastDot(d.path)
		n := 0
		for _, e := range LookupType(d.path[:i]).Elements {
			if e.Path == d.path && e.Binding != nil {
				n++
			}
		}
		if n == 0 {
			t.Errorf("%s: no element carries the binding", d.path)
		}
	}
	if BindingOf("http://example.org/none") != nil {
		t.Error("BindingOf an unknown ValueSet is not nil")
	}
}
