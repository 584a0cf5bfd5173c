package fhirpath

import (
	"encoding/json"
	"testing"

	"github.com/yitong-health/yitong/fhir"
)

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	r, err := fhir.Decode([]byte(s), 100)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const testObservation = `{
  "resourceType": "Observation", "id": "o1", "status": "final",
  "contained": [{"resourceType": "Patient", "id": "p1", "active": true}],
  "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
  "subject": {"reference": "Patient/123"},
  "performer": [{"reference": "Group/9"}, {"reference": "#p1"}, {"reference": "http://x.org/fhir/Practitioner/7/_history/2"}],
  "effectiveDateTime": "2020-01-02T10:00:00Z",
  "valueQuantity": {"value": 72.50, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"},
  "component": [{"code": {"text": "a"}, "valueString": "x"}, {"code": {"text": "b"}, "valueInteger": 3}],
  "extension": [{"url": "http://e/age", "valueAge": {"value": 3, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"}}]
}`

const testPatient = `{
  "resourceType": "Patient", "id": "p",
  "birthDate": "1974-12-25",
  "_birthDate": {"id": "bd", "extension": [{"url": "http://e/time", "valueDateTime": "1974-12-25T14:35:45-05:00"}]},
  "name": [{"given": ["Peter", null, "Jim"], "_given": [null, {"id": "g2", "extension": [{"url": "http://e/x", "valueString": "hidden"}]}, null], "family": "Chalmers"}],
  "gender": "male"
}`

// check evaluates src and compares the node types and formatted values.
func check(t *testing.T, res map[string]any, src string, wantTypes []string, wantValues []string, opts ...Option) {
	t.Helper()
	out, err := MustCompile(src).Evaluate(res, opts...)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	if len(out) != len(wantTypes) {
		t.Fatalf("%s: got %d items %s, want %d", src, len(out), formatNodes(out), len(wantTypes))
	}
	for i, n := range out {
		if n.Type != wantTypes[i] {
			t.Errorf("%s[%d]: type %q, want %q", src, i, n.Type, wantTypes[i])
		}
		if wantValues != nil {
			got := ""
			if s, ok := toSystem(n); ok {
				got, _ = formatSystem(s.Value)
			} else if m, ok := n.Value.(map[string]any); ok {
				got, _ = m["id"].(string)
			}
			if got != wantValues[i] {
				t.Errorf("%s[%d]: value %q, want %q", src, i, got, wantValues[i])
			}
		}
	}
}

func TestChoiceTypes(t *testing.T) {
	obs := decode(t, testObservation)
	check(t, obs, "Observation.value", []string{"Quantity"}, nil)
	check(t, obs, "Observation.value.value", []string{"decimal"}, []string{"72.50"})
	check(t, obs, "(Observation.value as Quantity).unit", []string{"string"}, []string{"kg"})
	check(t, obs, "Observation.value.ofType(Quantity).code", []string{"code"}, []string{"kg"})
	check(t, obs, "Observation.value.ofType(string)", nil, nil)
	check(t, obs, "Observation.value is Quantity", []string{"System.Boolean"}, []string{"true"})
	check(t, obs, "Observation.effective", []string{"dateTime"}, []string{"2020-01-02T10:00:00Z"})
	check(t, obs, "Observation.effective > @2020-01-01", []string{"System.Boolean"}, []string{"true"})
	check(t, obs, "Observation.component", []string{"Observation.component", "Observation.component"}, nil)
	check(t, obs, "Observation.component.value", []string{"string", "integer"}, []string{"x", "3"})
	check(t, obs, "Observation.component.code.text", []string{"string", "string"}, []string{"a", "b"})
	check(t, obs, "Observation.extension('http://e/age').value is Age", []string{"System.Boolean"}, []string{"true"})
	check(t, obs, "Observation.extension('http://e/age').value is Quantity", []string{"System.Boolean"}, []string{"true"})
	check(t, obs, "Observation.extension('http://e/age').value is Duration", []string{"System.Boolean"}, []string{"false"})
	check(t, obs, "Observation is DomainResource", []string{"System.Boolean"}, []string{"true"})
	check(t, obs, "Observation.contained.ofType(Patient).active", []string{"boolean"}, []string{"true"})
	check(t, obs, "Observation.contained[0] is Resource", []string{"System.Boolean"}, []string{"true"})
	check(t, obs, "Observation.code.coding.code", []string{"code"}, []string{"29463-7"})
	// valueQuantity is not a FHIRPath name, but is allowed (lenient mode)
	check(t, obs, "Observation.valueQuantity.value", []string{"decimal"}, nil)
}

func TestResolve(t *testing.T) {
	obs := decode(t, testObservation)
	check(t, obs, "Observation.subject.where(resolve() is Patient)", []string{"Reference"}, nil)
	check(t, obs, "Observation.subject.where(resolve() is Group)", nil, nil)
	check(t, obs, "Observation.performer.resolve()", []string{"Group", "Patient", "Practitioner"}, []string{"9", "p1", "7"})
	check(t, obs, "Observation.performer.where(resolve() is Practitioner).reference", []string{"string"}, nil)
	check(t, obs, "Observation.performer.resolve().ofType(Patient).active", []string{"boolean"}, []string{"true"})
	resolver := WithResolver(func(ref string) map[string]any {
		if ref == "Patient/123" {
			return map[string]any{"resourceType": "Patient", "id": "123", "gender": "female"}
		}
		return nil
	})
	check(t, obs, "Observation.subject.resolve().gender", []string{"code"}, []string{"female"}, resolver)
	check(t, obs, "Observation.performer.resolve()", []string{"Patient"}, []string{"p1"}, resolver)
}

func TestPrimitiveExtensions(t *testing.T) {
	pat := decode(t, testPatient)
	check(t, pat, "Patient.birthDate", []string{"date"}, []string{"1974-12-25"})
	check(t, pat, "Patient.birthDate.id", []string{"string"}, []string{"bd"})
	check(t, pat, "Patient.birthDate.extension('http://e/time').value", []string{"dateTime"}, []string{"1974-12-25T14:35:45-05:00"})
	check(t, pat, "Patient.name.given", []string{"string", "string", "string"}, []string{"Peter", "", "Jim"})
	check(t, pat, "Patient.name.given.where(hasValue())", []string{"string", "string"}, []string{"Peter", "Jim"})
	check(t, pat, "Patient.name.given[1].id", []string{"string"}, []string{"g2"})
	check(t, pat, "Patient.name.given.extension('http://e/x').value", []string{"string"}, []string{"hidden"})
	check(t, pat, "Patient.name.given[1].hasValue()", []string{"System.Boolean"}, []string{"false"})
	check(t, pat, "Patient.birthDate.getValue()", []string{"System.Date"}, []string{"1974-12-25"})
	check(t, pat, "Patient.gender.is(code)", []string{"System.Boolean"}, []string{"true"})
	check(t, pat, "Patient.gender.is(string)", []string{"System.Boolean"}, []string{"true"})
	check(t, pat, "Patient.gender.ofType(string)", nil, nil)
	check(t, pat, "Patient.name.family.ofType(string)", []string{"string"}, []string{"Chalmers"})
}

func TestBundleEntriesTyped(t *testing.T) {
	b := decode(t, `{"resourceType": "Bundle", "type": "collection", "entry": [
		{"resource": {"resourceType": "Patient", "id": "a", "gender": "male"}},
		{"resource": {"resourceType": "Observation", "id": "b", "status": "final", "valueString": "v"}}]}`)
	check(t, b, "Bundle.entry.resource", []string{"Patient", "Observation"}, []string{"a", "b"})
	check(t, b, "Bundle.entry.resource.ofType(Observation).value", []string{"string"}, []string{"v"})
	check(t, b, "Bundle.entry.resource.gender", []string{"code"}, []string{"male"})
}

func TestCompileErrors(t *testing.T) {
	for _, src := range []string{"", "1 +", "Patient.name.(", "foo(", "x.unknownFn()", "'abc", "1 is Foo", "@2020-13-01", "where()", "x.memberOf('http://vs')"} {
		_, err := Compile(src)
		if err == nil {
			t.Errorf("Compile(%q) succeeded", src)
			continue
		}
		if _, ok := fhir.AsError(err); !ok {
			t.Errorf("Compile(%q): %T is not a *fhir.Error", src, err)
		}
	}
}

func TestVariablesAndNumbers(t *testing.T) {
	pat := decode(t, testPatient)
	check(t, pat, "%who.given", []string{""}, []string{"x"},
		WithVariable("who", []Node{{Value: map[string]any{"given": "x"}}}))
	out, err := MustCompile("%undefined").Evaluate(pat)
	if err == nil {
		t.Errorf("undefined variable evaluated to %v", out)
	}
	obs := decode(t, testObservation)
	out, err = MustCompile("Observation.value.value").Evaluate(obs)
	if err != nil || len(out) != 1 || out[0].Value != json.Number("72.50") {
		t.Errorf("value kept as json.Number: %v, %v", out, err)
	}
}

// TestNodeElement: a value read from a resource knows its element
// definition (so the index can find a code's binding); resources and
// computed values do not.
func TestNodeElement(t *testing.T) {
	obs, pat := decode(t, testObservation), decode(t, testPatient)
	cases := []struct {
		res  map[string]any
		src  string
		want string // element path of every item; "" for none
	}{
		{pat, "Patient.gender", "Patient.gender"},
		{pat, "Patient.gender.where($this = 'male')", "Patient.gender"},
		{pat, "Patient.name.given.first()", "HumanName.given"},
		{obs, "Observation.status", "Observation.status"},
		{obs, "Observation.value.ofType(Quantity)", "Observation.value[x]"},
		{obs, "(Observation.value as Quantity).code", "Quantity.code"},
		{obs, "Observation.contained.active", "Patient.active"},
		{obs, "Observation.contained", ""},
		{pat, "Patient", ""},
		{pat, "Patient.gender.upper()", ""},
		{pat, "'male'", ""},
	}
	for _, c := range cases {
		out, err := MustCompile(c.src).Evaluate(c.res)
		if err != nil || len(out) == 0 {
			t.Fatalf("%s: %v, %d items", c.src, err, len(out))
		}
		for _, n := range out {
			got := ""
			if e := n.Element(); e != nil {
				got = e.Path
			}
			if got != c.want {
				t.Errorf("%s: element %q, want %q", c.src, got, c.want)
			}
		}
	}
}
