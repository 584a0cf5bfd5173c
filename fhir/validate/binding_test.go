package validate

import (
	"testing"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
)

// TestRequiredBindings: codes of elements with a required binding to an
// expandable ValueSet must be in it; everything else is not checked.
func TestRequiredBindings(t *testing.T) {
	const clinical = `"http://terminology.hl7.org/CodeSystem/condition-clinical"`
	cases := []struct {
		name string
		json string
		want *want // nil: valid
	}{
		// code elements
		{"valid code", `{"resourceType":"Patient","gender":"female"}`, nil},
		{"invalid code", `{"resourceType":"Patient","gender":"F"}`,
			&want{"Patient.gender", fhir.IssueCodeInvalid, `"F" is not in the ValueSet http://hl7.org/fhir/ValueSet/administrative-gender, which Patient.gender is bound to (required)`}},
		{"codes are case-sensitive", `{"resourceType":"Patient","gender":"Male"}`,
			&want{"Patient.gender", fhir.IssueCodeInvalid, "not in the ValueSet"}},
		{"code of another element's value set", `{"resourceType":"Observation","status":"active","code":{"text":"x"}}`,
			&want{"Observation.status", fhir.IssueCodeInvalid, "http://hl7.org/fhir/ValueSet/observation-status"}},
		{"invalid code in a backbone", `{"resourceType":"Patient","contact":[{"gender":"female"},{"gender":"woman"}]}`,
			&want{"Patient.contact[1].gender", fhir.IssueCodeInvalid, "Patient.contact.gender"}},
		{"invalid code in a data type", `{"resourceType":"Patient","telecom":[{"system":"fax","value":"1"},{"system":"telex","value":"2"}]}`,
			&want{"Patient.telecom[1].system", fhir.IssueCodeInvalid, "ContactPoint.system"}},
		{"invalid code in a repeating element", `{"resourceType":"CapabilityStatement","status":"active","date":"2020","kind":"instance","fhirVersion":"4.0.1","format":["json"],"rest":[{"mode":"server","resource":[{"type":"Patient","interaction":[{"code":"read"},{"code":"fetch"}]}]}]}`,
			&want{"CapabilityStatement.rest[0].resource[0].interaction[1].code", fhir.IssueCodeInvalid, "type-restful-interaction"}},
		{"invalid code in a contained resource", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"#p"},"contained":[{"resourceType":"Patient","id":"p","gender":"x"}]}`,
			&want{"Observation.contained[0].gender", fhir.IssueCodeInvalid, ""}},
		{"code from a value set with two systems", `{"resourceType":"Task","status":"draft","intent":"unknown"}`, nil},
		{"code from a value set that includes another", `{"resourceType":"OperationDefinition","name":"x","status":"draft","kind":"operation","code":"x","system":false,"type":false,"instance":false,"parameter":[{"name":"p","use":"in","min":0,"max":"1","type":"Patient"}]}`, nil},
		{"code not in a value set that includes another", `{"resourceType":"OperationDefinition","name":"x","status":"draft","kind":"operation","code":"x","system":false,"type":false,"instance":false,"parameter":[{"name":"p","use":"in","min":0,"max":"1","type":"Patients"}]}`,
			&want{"OperationDefinition.parameter[0].type", fhir.IssueCodeInvalid, "all-types"}},
		{"missing binding (example strength)", `{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://example.org","code":"anything"}]}}`, nil},
		{"missing binding (no binding)", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1,"code":"whatever"}}`, nil},
		{"missing binding (extensible)", `{"resourceType":"Encounter","status":"finished","class":{"system":"http://example.org","code":"x"}}`, nil},
		{"unexpandable value set skipped (mime types)", `{"resourceType":"DocumentReference","status":"current","content":[{"attachment":{"contentType":"application/x-not-a-registered-type"}}]}`, nil},
		{"unexpandable value set skipped (currencies)", `{"resourceType":"Account","status":"active","extension":[{"url":"http://e","valueMoney":{"value":1,"currency":"XXQ"}}]}`, nil},
		// CodeableConcept elements
		{"valid coding", `{"resourceType":"Condition","clinicalStatus":{"coding":[{"system":` + clinical + `,"code":"active"}]},"subject":{"reference":"Patient/1"}}`, nil},
		{"valid coding among translations", `{"resourceType":"Condition","clinicalStatus":{"coding":[{"system":"http://example.org","code":"A"},{"system":` + clinical + `,"code":"active"}]},"subject":{"reference":"Patient/1"}}`, nil},
		{"invalid coding", `{"resourceType":"Condition","clinicalStatus":{"coding":[{"system":` + clinical + `,"code":"ongoing"}]},"subject":{"reference":"Patient/1"}}`,
			&want{"Condition.clinicalStatus", fhir.IssueCodeInvalid, "http://terminology.hl7.org/CodeSystem/condition-clinical|ongoing is not in the ValueSet http://hl7.org/fhir/ValueSet/condition-clinical, which Condition.clinicalStatus is bound to (required)"}},
		{"code from another system", `{"resourceType":"Condition","clinicalStatus":{"coding":[{"system":"http://snomed.info/sct","code":"active"}]},"subject":{"reference":"Patient/1"}}`,
			&want{"Condition.clinicalStatus", fhir.IssueCodeInvalid, "http://snomed.info/sct|active is not in the ValueSet"}},
		{"coding without a system", `{"resourceType":"Condition","clinicalStatus":{"coding":[{"code":"active"}]},"subject":{"reference":"Patient/1"}}`,
			&want{"Condition.clinicalStatus", fhir.IssueCodeInvalid, "has no system"}},
		{"text only is not checked", `{"resourceType":"Condition","clinicalStatus":{"text":"active"},"subject":{"reference":"Patient/1"}}`, nil},
		{"coding without a code is not checked", `{"resourceType":"Condition","clinicalStatus":{"coding":[{"system":` + clinical + `,"display":"Active"}]},"subject":{"reference":"Patient/1"}}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			issues := Resource(decode(t, []byte(c.json)))
			if c.want == nil {
				if len(issues) != 0 {
					t.Fatalf("want no issue, got:\n%s", dump(issues))
				}
				return
			}
			if len(issues) != 1 || !hasIssue(issues, *c.want) {
				t.Fatalf("want %+v, got:\n%s", *c.want, dump(issues))
			}
			if err := Check(decode(t, []byte(c.json))); err == nil {
				t.Error("Check accepts the resource")
			}
		})
	}
}

// TestBindingPreconditions keeps the table above honest about the
// definitions it relies on.
func TestBindingPreconditions(t *testing.T) {
	for _, c := range []struct {
		typ, elem  string
		expandable bool
	}{
		{"Patient", "gender", true},
		{"Condition", "clinicalStatus", true},
		{"Attachment", "contentType", false},
		{"Money", "currency", false},
	} {
		b := spec.LookupType(c.typ).Element(c.elem).Binding
		if b == nil || b.Expandable() != c.expandable {
			t.Errorf("%s.%s: binding %+v, want expandable %t", c.typ, c.elem, b, c.expandable)
		}
	}
	if spec.LookupType("Observation").Element("code").Binding != nil {
		t.Error("Observation.code has a required binding")
	}
}

// TestValidCodeAllocations: checking a valid bound code costs no
// allocation.
func TestValidCodeAllocations(t *testing.T) {
	plain := decode(t, []byte(`{"resourceType":"Patient","birthDate":"1990-01-01"}`))
	coded := decode(t, []byte(`{"resourceType":"Patient","birthDate":"1990-01-01","gender":"male","telecom":[{"system":"phone","value":"1","use":"home"}]}`))
	Resource(coded) // warm the pool and the tables
	base := testing.AllocsPerRun(200, func() { Resource(plain) })
	with := testing.AllocsPerRun(200, func() { Resource(coded) })
	if with != base {
		t.Errorf("%v allocations with bound codes, %v without", with, base)
	}
}

// TestRequiredBindingCoding: R4 binds no element of type Coding with
// strength required, so checkCoded's Coding branch is tried on an element
// made up for the test.
func TestRequiredBindingCoding(t *testing.T) {
	const gender = "http://hl7.org/fhir/administrative-gender"
	el := &spec.Element{Name: "coding", Path: "X.coding", Type: "Coding", Binding: spec.BindingOf("http://hl7.org/fhir/ValueSet/administrative-gender")}
	for _, c := range []struct {
		coding string
		want   string // fragment of the diagnostics; "" for valid
	}{
		{`{"system":"` + gender + `","code":"male"}`, ""},
		{`{"system":"` + gender + `","code":"M"}`, gender + "|M is not in the ValueSet"},
		{`{"system":"http://example.org","code":"male"}`, "http://example.org|male is not in the ValueSet"},
		{`{"code":"male"}`, "has no system"},
		{`{"system":"` + gender + `"}`, ""},
	} {
		v := &validator{root: "X"}
		v.push("coding", el)
		v.checkCoded(el, decode(t, []byte(c.coding)))
		switch {
		case c.want == "" && len(v.issues) != 0:
			t.Errorf("%s: %s", c.coding, dump(v.issues))
		case c.want != "" && (len(v.issues) != 1 || !hasIssue(v.issues, want{"X.coding", fhir.IssueCodeInvalid, c.want})):
			t.Errorf("%s: want %q, got:\n%s", c.coding, c.want, dump(v.issues))
		}
	}
}
