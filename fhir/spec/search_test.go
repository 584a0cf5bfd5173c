package spec

import (
	"slices"
	"strings"
	"testing"
)

// searchParam returns the parameter code of rt, failing the test when absent.
func searchParam(t *testing.T, rt, code string) SearchParamDef {
	t.Helper()
	for _, p := range SearchParams(rt) {
		if p.Code == code {
			return p
		}
	}
	t.Fatalf("%s has no search parameter %q", rt, code)
	return SearchParamDef{}
}

func TestSearchParamsObservation(t *testing.T) {
	ps := SearchParams("Observation")
	if !slices.IsSortedFunc(ps, func(a, b SearchParamDef) int { return strings.Compare(a.Code, b.Code) }) {
		t.Error("SearchParams(Observation) is not sorted by code")
	}
	code := searchParam(t, "Observation", "code")
	if code.Type != "token" || code.Expression != "Observation.code" || code.Base != "Observation" ||
		code.URL != "http://hl7.org/fhir/SearchParameter/clinical-code" {
		t.Errorf("Observation code = %+v", code)
	}
	subject := searchParam(t, "Observation", "subject")
	if subject.Type != "reference" || !slices.Contains(subject.Targets, "Patient") || !slices.Contains(subject.Targets, "Group") ||
		!slices.IsSorted(subject.Targets) {
		t.Errorf("Observation subject = %+v", subject)
	}
	combo := searchParam(t, "Observation", "combo-code-value-quantity")
	if combo.Type != "composite" || len(combo.Components) != 2 || combo.Expression != "Observation | Observation.component" {
		t.Fatalf("combo-code-value-quantity = %+v", combo)
	}
	for _, c := range combo.Components {
		if _, ok := SearchParamByURL(c.Definition); !ok {
			t.Errorf("component %s does not resolve", c.Definition)
		}
	}
	if c := combo.Components[1]; c.Expression != "value.as(Quantity)" {
		t.Errorf("second component = %+v", c)
	}
	if v := searchParam(t, "Observation", "value-quantity"); v.Type != "quantity" {
		t.Errorf("value-quantity = %+v", v)
	}
}

func TestSearchParamsNarrowing(t *testing.T) {
	cases := []struct{ rt, code, expr string }{
		{"Patient", "birthdate", "Patient.birthDate"},
		{"Condition", "code", "Condition.code"},
		{"AllergyIntolerance", "code", "AllergyIntolerance.code | AllergyIntolerance.reaction.substance"},
		// Parenthesised branches.
		{"MedicationRequest", "code", "(MedicationRequest.medication as CodeableConcept)"},
		{"RiskAssessment", "date", "(RiskAssessment.occurrence as dateTime)"},
		// Branches holding strings and function calls.
		{"Practitioner", "email", "Practitioner.telecom.where(system='email')"},
		{"Observation", "patient", "Observation.subject.where(resolve() is Patient)"},
		// "Medication" must not pick up the MedicationX branches.
		{"Medication", "code", "Medication.code"},
		// Branches naming the type alone.
		{"Observation", "combo-code", "Observation.code | Observation.component.code"},
		// Inherited parameters keep their Resource/DomainResource expression.
		{"Patient", "_id", "Resource.id"},
		{"Patient", "_lastUpdated", "Resource.meta.lastUpdated"},
		{"Bundle", "_tag", "Resource.meta.tag"},
		// No expression.
		{"Patient", "_text", ""},
		{"Patient", "_content", ""},
		{"Patient", "_query", ""},
		// Not narrowable: the branches do not start with a type, so the full
		// expression is kept.
		{"InsurancePlan", "name", "name | alias"},
	}
	for _, c := range cases {
		if p := searchParam(t, c.rt, c.code); p.Expression != c.expr {
			t.Errorf("%s %s expression = %q, want %q", c.rt, c.code, p.Expression, c.expr)
		}
	}
	for _, rt := range ResourceTypes() {
		for _, p := range SearchParams(rt) {
			if p.Base != rt && p.Base != "Resource" && p.Base != "DomainResource" {
				t.Errorf("%s %s has base %s", rt, p.Code, p.Base)
			}
			for _, br := range strings.Split(p.Expression, " | ") {
				lead := strings.TrimLeft(br, "(")
				if p.Expression != "" && !strings.HasPrefix(lead, p.Base) && p.URL != "http://hl7.org/fhir/SearchParameter/InsurancePlan-name" {
					t.Errorf("%s %s: branch %q does not start with %s", rt, p.Code, br, p.Base)
				}
			}
		}
	}
}

func TestSearchParamsInheritance(t *testing.T) {
	for _, rt := range ResourceTypes() {
		ps := SearchParams(rt)
		seen := map[string]bool{}
		for _, p := range ps {
			if seen[p.Code] {
				t.Errorf("%s: code %q twice", rt, p.Code)
			}
			seen[p.Code] = true
		}
		for _, code := range []string{"_id", "_lastUpdated", "_tag", "_security", "_profile", "_source", "_content"} {
			if !seen[code] {
				t.Errorf("%s has no %s", rt, code)
			}
		}
		if got, want := seen["_text"], LookupType(rt).Base == "DomainResource"; got != want {
			t.Errorf("%s: _text present = %t, want %t", rt, got, want)
		}
	}
	if SearchParams("HumanName") != nil || SearchParams("nope") != nil {
		t.Error("SearchParams of a non-resource type is not nil")
	}
	if ps := SearchParams("Resource"); len(ps) == 0 || ps[0].Code != "_content" {
		t.Errorf("SearchParams(Resource) = %+v", ps)
	}
	ps := SearchParams("Patient")
	ps[0].Code = "changed"
	if SearchParams("Patient")[0].Code == "changed" {
		t.Error("SearchParams does not return a fresh slice")
	}
}

func TestSearchParamByURL(t *testing.T) {
	// individual-birthdate is shared by Patient, Person and RelatedPerson:
	// by URL it applies to its first base.
	p, ok := SearchParamByURL("http://hl7.org/fhir/SearchParameter/individual-birthdate")
	if !ok || p.Code != "birthdate" || p.Type != "date" || p.Base != "Patient" || p.Expression != "Patient.birthDate" {
		t.Errorf("individual-birthdate = %+v, %t", p, ok)
	}
	if _, ok := SearchParamByURL("http://example.org/nope"); ok {
		t.Error("unknown URL found")
	}
	if _, ok := SearchParamByURL(""); ok {
		t.Error("empty URL found")
	}
	n := 0
	for _, r := range searchParamDefs {
		n += len(r.bases)
		if _, ok := SearchParamByURL(r.url); !ok {
			t.Errorf("%s not found by URL", r.url)
		}
	}
	if len(searchParamDefs) != 1375 {
		t.Errorf("%d definitions, want 1375", len(searchParamDefs))
	}
	t.Logf("%d definitions, %d (base, code) pairs", len(searchParamDefs), n)
}
