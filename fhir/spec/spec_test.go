package spec

import (
	"slices"
	"testing"
)

func TestResourceTypes(t *testing.T) {
	rts := ResourceTypes()
	if len(rts) < 145 {
		t.Fatalf("ResourceTypes: %d types, want at least 145", len(rts))
	}
	if !slices.IsSorted(rts) {
		t.Error("ResourceTypes is not sorted")
	}
	for _, name := range []string{"Patient", "Observation", "Bundle", "Parameters", "Binary"} {
		if !IsResourceType(name) {
			t.Errorf("IsResourceType(%q) = false", name)
		}
	}
	for _, name := range []string{"Resource", "DomainResource", "HumanName", "date", "Questionnaire.item", "patient", ""} {
		if IsResourceType(name) {
			t.Errorf("IsResourceType(%q) = true", name)
		}
	}
	rts[0] = "changed"
	if ResourceTypes()[0] == "changed" {
		t.Error("ResourceTypes does not return a copy")
	}
}

func TestPatientBirthDate(t *testing.T) {
	p := LookupType("Patient")
	if p == nil || p.Kind != KindResource || p.Base != "DomainResource" {
		t.Fatalf("LookupType(Patient) = %+v", p)
	}
	e := p.Element("birthDate")
	if e == nil {
		t.Fatal("Patient has no birthDate")
	}
	if e.Type != "date" || e.Min != 0 || e.Max != 1 || e.IsArray() || e.MaxString() != "1" || e.Path != "Patient.birthDate" {
		t.Errorf("Patient.birthDate = %+v", e)
	}
	if e.TypeDef.Kind != KindPrimitive || e.TypeDef.Primitive.JSON != JSONString {
		t.Errorf("date type = %+v", e.TypeDef)
	}
	name := p.Element("name")
	if name == nil || !name.IsArray() || name.MaxString() != "*" || name.Type != "HumanName" {
		t.Errorf("Patient.name = %+v", name)
	}
	if id := p.Element("id"); id == nil || id.Type != "id" {
		t.Errorf("Patient.id = %+v, want type id", id)
	}
	gp := p.Element("generalPractitioner")
	if gp == nil || !slices.Equal(gp.Targets, []string{"Organization", "Practitioner", "PractitionerRole"}) {
		t.Errorf("Patient.generalPractitioner targets = %+v", gp)
	}
	if p.Element("deceased[x]") != nil || p.Element("deceasedBoolean") == nil || p.Element("deceasedDateTime") == nil {
		t.Error("Patient.deceased[x] is not expanded")
	}
}

func TestObservationValueChoice(t *testing.T) {
	o := LookupType("Observation")
	want := []string{"valueQuantity", "valueCodeableConcept", "valueString", "valueBoolean", "valueInteger",
		"valueRange", "valueRatio", "valueSampledData", "valueTime", "valueDateTime", "valuePeriod"}
	choice := o.Element("valueQuantity").Choice
	if choice == 0 {
		t.Fatal("valueQuantity is not a choice expansion")
	}
	for _, n := range want {
		e := o.Element(n)
		if e == nil {
			t.Errorf("Observation has no %s", n)
			continue
		}
		if e.Choice != choice || e.Path != "Observation.value[x]" || e.ChoiceName() != "value" || e.Max != 1 {
			t.Errorf("Observation.%s = %+v", n, e)
		}
	}
	if defs := o.Definition("value[x]"); len(defs) != len(want) || defs[0].Name != "valueQuantity" {
		t.Errorf("Observation.Definition(value[x]) has %d elements", len(defs))
	}
	if e := o.Element("effectiveDateTime"); e == nil || e.Choice == choice {
		t.Errorf("effectiveDateTime = %+v, want a different choice group", e)
	}
	if len(o.Required) == 0 || o.Required[0].Path != "Observation.status" {
		t.Errorf("Observation.Required = %+v", o.Required)
	}
}

func TestBackboneAndContentReference(t *testing.T) {
	q := LookupType("Questionnaire")
	item := q.Element("item")
	if item == nil || item.Type != "Questionnaire.item" || !item.IsBackbone() {
		t.Fatalf("Questionnaire.item = %+v", item)
	}
	sub := item.TypeDef.Element("item")
	if sub == nil || sub.ContentReference != "#Questionnaire.item" || sub.TypeDef != item.TypeDef {
		t.Errorf("Questionnaire.item.item = %+v", sub)
	}
	if r := item.TypeDef.Required; len(r) != 2 || r[0].Names[0] != "linkId" || r[1].Names[0] != "type" {
		t.Errorf("Questionnaire.item required = %+v", r)
	}
	ew := item.TypeDef.Element("enableWhen").TypeDef
	var answer *Requirement
	for i := range ew.Required {
		if ew.Required[i].Path == "Questionnaire.item.enableWhen.answer[x]" {
			answer = &ew.Required[i]
		}
	}
	if answer == nil || len(answer.Names) != 10 || !slices.Contains(answer.Names, "answerReference") {
		t.Errorf("enableWhen.answer[x] requirement = %+v", answer)
	}
	if e := LookupType("Bundle.entry").Element("resource"); e == nil || e.Type != "Resource" || e.TypeDef.Kind != KindResource {
		t.Errorf("Bundle.entry.resource = %+v", e)
	}
	if e := LookupType("Timing").Element("repeat"); e == nil || e.TypeDef.Kind != KindBackbone || e.TypeDef.Base != "Element" {
		t.Errorf("Timing.repeat = %+v", e)
	}
}

func TestPrimitives(t *testing.T) {
	cases := []struct {
		typ  string
		json JSONKind
		ok   []string
		bad  []string
	}{
		{"date", JSONString, []string{"2020", "2020-02", "2020-02-29"}, []string{"", "2020-13", "20-01-01", "2020-01-01T00:00:00Z", " 2020"}},
		{"dateTime", JSONString, []string{"2020", "2020-01-01T10:00:00+01:00", "2020-01-01T10:00:00.123Z"}, []string{"2020-01-01T10:00", "2020-01-01T10:00:00"}},
		{"instant", JSONString, []string{"2020-01-01T10:00:00Z"}, []string{"2020-01-01"}},
		{"id", JSONString, []string{"a-b.C1"}, []string{"a_b", "a b", ""}},
		{"code", JSONString, []string{"a b", "x"}, []string{" a", "a  b", "a "}},
		{"integer", JSONNumber, []string{"0", "-12"}, []string{"01", "1.0", "-0x"}},
		{"boolean", JSONBoolean, []string{"true", "false"}, []string{"True"}},
		{"xhtml", JSONString, []string{"<div/>"}, nil},
	}
	for _, c := range cases {
		p := LookupType(c.typ).Primitive
		if p == nil || p.JSON != c.json || (c.typ != "xhtml" && p.Regex == "") {
			t.Errorf("%s: primitive = %+v", c.typ, p)
			continue
		}
		for _, s := range c.ok {
			if !p.MatchString(s) {
				t.Errorf("%s: %q does not match", c.typ, s)
			}
		}
		for _, s := range c.bad {
			if p.MatchString(s) {
				t.Errorf("%s: %q matches", c.typ, s)
			}
		}
	}
	if p := LookupType("integer").Primitive; !p.HasRange || p.Min != -2147483648 || p.Max != 2147483647 {
		t.Errorf("integer range = %+v", p)
	}
	if p := LookupType("unsignedInt").Primitive; !p.HasRange || p.JSON != JSONNumber {
		t.Errorf("unsignedInt = %+v", p)
	}
}

func TestPatientCompartment(t *testing.T) {
	pc := PatientCompartment()
	checks := map[string][]string{
		"Observation":       {"subject", "performer"},
		"Invoice":           {"subject", "recipient"},
		"EnrollmentRequest": {"candidate"},
		"Appointment":       {},
		"Encounter":         {"subject"},
	}
	for rt, want := range checks {
		got, ok := pc[rt]
		if !ok || !slices.Equal(got, want) {
			t.Errorf("PatientCompartment()[%s] = %v, %v; want %v", rt, got, ok, want)
		}
	}
	if _, ok := pc["Organization"]; ok {
		t.Error("Organization is in the Patient compartment")
	}
	params := PatientCompartmentParams("Appointment")
	if len(params) != 1 || params[0].Param != "actor" || !slices.Equal(params[0].Paths, []string{"participant.actor"}) {
		t.Errorf("PatientCompartmentParams(Appointment) = %+v", params)
	}
}

func TestAllElementsResolve(t *testing.T) {
	for _, name := range TypeNames() {
		typ := LookupType(name)
		if typ.Choices > 64 {
			t.Errorf("%s has %d choice elements; validators rely on at most 64", name, typ.Choices)
		}
		for _, e := range typ.Elements {
			if e.TypeDef == nil || typ.Element(e.Name) != e {
				t.Errorf("%s.%s does not resolve", name, e.Name)
			}
		}
	}
}

func BenchmarkBuild(b *testing.B) {
	for b.Loop() {
		if _, err := build(); err != nil {
			b.Fatal(err)
		}
	}
}
