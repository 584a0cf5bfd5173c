package validate

import (
	"strings"
	"testing"

	"github.com/yitong-health/yitong/fhir"
)

// want is one expected issue: its expression, code and a fragment of its
// diagnostics ("" to skip that check).
type want struct {
	expr string
	code fhir.IssueType
	diag string
}

var negativeCases = []struct {
	name string
	json string
	want []want
}{
	{"no resourceType", `{"id":"a"}`,
		[]want{{"Resource", fhir.IssueRequired, "no resourceType"}}},
	{"resourceType not a string", `{"resourceType":1}`,
		[]want{{"Resource", fhir.IssueStructure, "JSON string"}}},
	{"unknown resourceType", `{"resourceType":"Patients"}`,
		[]want{{"Resource", fhir.IssueNotSupported, `"Patients" is not an R4 resource type`}}},
	{"abstract resourceType", `{"resourceType":"DomainResource"}`,
		[]want{{"Resource", fhir.IssueNotSupported, ""}}},
	{"unknown element", `{"resourceType":"Patient","foo":1}`,
		[]want{{"Patient.foo", fhir.IssueStructure, `unknown element "foo" in Patient`}}},
	{"unknown nested element", `{"resourceType":"Patient","name":[{"family":"X","first":"Y"}]}`,
		[]want{{"Patient.name[0].first", fhir.IssueStructure, "unknown element"}}},
	{"unknown element in backbone", `{"resourceType":"Patient","contact":[{"foo":true,"gender":"male"}]}`,
		[]want{{"Patient.contact[0].foo", fhir.IssueStructure, "in Patient.contact"}}},
	{"primitive extension of complex element", `{"resourceType":"Patient","_name":[{"id":"x"}]}`,
		[]want{{"Patient._name", fhir.IssueStructure, "unknown element"}}},
	{"string where boolean", `{"resourceType":"Patient","active":"true"}`,
		[]want{{"Patient.active", fhir.IssueStructure, "must be a JSON boolean"}}},
	{"number where string", `{"resourceType":"Patient","gender":1}`,
		[]want{{"Patient.gender", fhir.IssueStructure, "must be a JSON string, not a number"}}},
	{"string where number", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueInteger":"1"}`,
		[]want{{"Observation.value.ofType(integer)", fhir.IssueStructure, "must be a JSON number"}}},
	{"string where object", `{"resourceType":"Patient","maritalStatus":"M"}`,
		[]want{{"Patient.maritalStatus", fhir.IssueStructure, "must be a JSON object, not a string"}}},
	{"bad date", `{"resourceType":"Patient","birthDate":"1970-13-01"}`,
		[]want{{"Patient.birthDate", fhir.IssueValue, `"1970-13-01" is not a valid date`}}},
	{"dateTime without zone", `{"resourceType":"Patient","deceasedDateTime":"2020-01-01T10:00:00"}`,
		[]want{{"Patient.deceased.ofType(dateTime)", fhir.IssueValue, "not a valid dateTime"}}},
	{"bad instant", `{"resourceType":"Patient","meta":{"lastUpdated":"2020-01-01"}}`,
		[]want{{"Patient.meta.lastUpdated", fhir.IssueValue, "not a valid instant"}}},
	{"bad code whitespace", `{"resourceType":"Patient","gender":" male"}`,
		[]want{{"Patient.gender", fhir.IssueValue, "not a valid code"}}},
	{"bad uri", `{"resourceType":"Patient","implicitRules":"http://x y"}`,
		[]want{{"Patient.implicitRules", fhir.IssueValue, "not a valid uri"}}},
	{"bad id", `{"resourceType":"Patient","id":"a_b"}`,
		[]want{{"Patient.id", fhir.IssueValue, `"a_b" is not a valid id`}}},
	{"empty string", `{"resourceType":"Patient","gender":""}`,
		[]want{{"Patient.gender", fhir.IssueValue, "empty string"}}},
	{"decimal where integer", `{"resourceType":"Patient","multipleBirthInteger":1.5}`,
		[]want{{"Patient.multipleBirth.ofType(integer)", fhir.IssueValue, "not a valid integer"}}},
	{"integer out of range", `{"resourceType":"Patient","multipleBirthInteger":2147483648}`,
		[]want{{"Patient.multipleBirth.ofType(integer)", fhir.IssueValue, "out of the range"}}},
	{"zero positiveInt", `{"resourceType":"Patient","photo":[{"size":1,"contentType":"image/png"}],"link":[{"other":{"reference":"Patient/1"},"type":"seealso"}],"contact":[{"gender":"male"}],"communication":[{"language":{"text":"en"}}],"generalPractitioner":[{"reference":"Practitioner/1"}],"managingOrganization":{"reference":"Organization/1"},"address":[{"period":{"start":"2020"}}],"telecom":[{"rank":0}]}`,
		[]want{{"Patient.telecom[0].rank", fhir.IssueValue, "not a valid positiveInt"}}},
	{"bad base64", `{"resourceType":"Binary","contentType":"text/plain","data":"abc"}`,
		[]want{{"Binary.data", fhir.IssueValue, "not a valid base64Binary"}}},
	{"missing required", `{"resourceType":"Observation","code":{"text":"x"}}`,
		[]want{{"Observation.status", fhir.IssueRequired, "Observation.status is required"}}},
	{"missing required in backbone", `{"resourceType":"Patient","link":[{"type":"seealso"}]}`,
		[]want{{"Patient.link[0].other", fhir.IssueRequired, "Patient.link.other is required"}}},
	{"missing required choice", `{"resourceType":"Questionnaire","status":"active","item":[{"linkId":"1","type":"string","enableWhen":[{"question":"q","operator":"exists"}]}]}`,
		[]want{{"Questionnaire.item[0].enableWhen[0].answer", fhir.IssueRequired, "answer[x] is required"}}},
	{"two value[x]", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueString":"a","valueBoolean":true}`,
		[]want{{"Observation.value", fhir.IssueStructure, `"valueString" and "valueBoolean" are present`}}},
	{"value and extension of another choice type", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueString":"a","_valueBoolean":{"id":"x"}}`,
		[]want{{"Observation.value", fhir.IssueStructure, "allows only one type"}}},
	{"bad relative reference", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patients/1"}}`,
		[]want{{"Observation.subject.reference", fhir.IssueValue, "not a valid reference"}}},
	{"bad reference id", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/a b"}}`,
		[]want{{"Observation.subject.reference", fhir.IssueValue, "not a valid reference"}}},
	{"bad history reference", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/1/_hist/2"}}`,
		[]want{{"Observation.subject.reference", fhir.IssueValue, "not a valid reference"}}},
	{"bad urn:uuid reference", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:1234"}}`,
		[]want{{"Observation.subject.reference", fhir.IssueValue, "not a valid reference"}}},
	{"reference without type", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"1234"}}`,
		[]want{{"Observation.subject.reference", fhir.IssueValue, "not a valid reference"}}},
	{"nested contained", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"#p"},"contained":[{"resourceType":"Patient","id":"p","contained":[{"resourceType":"Patient","id":"q"}]}]}`,
		[]want{{"Observation.contained[0]", fhir.IssueInvariant, "dom-2"}}},
	{"contained without id", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"contained":[{"resourceType":"Patient","active":true}]}`,
		[]want{{"Observation.contained[0]", fhir.IssueRequired, "no id"}}},
	{"contained with versionId", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"#p"},"contained":[{"resourceType":"Patient","id":"p","meta":{"versionId":"1"}}]}`,
		[]want{{"Observation.contained[0]", fhir.IssueInvariant, "dom-4"}}},
	{"contained with security", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"#p"},"contained":[{"resourceType":"Patient","id":"p","meta":{"security":[{"code":"R"}]}}]}`,
		[]want{{"Observation.contained[0]", fhir.IssueInvariant, "dom-5"}}},
	{"contained error inside", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"#p"},"contained":[{"resourceType":"Patient","id":"p","birthDate":"x"}]}`,
		[]want{{"Observation.contained[0].birthDate", fhir.IssueValue, "not a valid date"}}},
	{"empty array", `{"resourceType":"Patient","name":[]}`,
		[]want{{"Patient.name", fhir.IssueStructure, "empty array"}}},
	{"empty object", `{"resourceType":"Patient","maritalStatus":{}}`,
		[]want{{"Patient.maritalStatus", fhir.IssueStructure, "empty object"}}},
	{"null", `{"resourceType":"Patient","birthDate":null}`,
		[]want{{"Patient.birthDate", fhir.IssueStructure, "must not be null"}}},
	{"null in complex array", `{"resourceType":"Patient","name":[null]}`,
		[]want{{"Patient.name[0]", fhir.IssueStructure, "must not be null"}}},
	{"null in primitive array without extension", `{"resourceType":"Patient","name":[{"given":["a",null]}]}`,
		[]want{{"Patient.name[0].given[1]", fhir.IssueStructure, "must not hold null"}}},
	{"single value where array", `{"resourceType":"Patient","name":{"family":"X"}}`,
		[]want{{"Patient.name", fhir.IssueStructure, "must be a JSON array"}}},
	{"single primitive where array", `{"resourceType":"Patient","name":[{"given":"John"}]}`,
		[]want{{"Patient.name[0].given", fhir.IssueStructure, "must be a JSON array"}}},
	{"array where single", `{"resourceType":"Patient","birthDate":["2000-01-01"]}`,
		[]want{{"Patient.birthDate", fhir.IssueStructure, "must not be a JSON array"}}},
	{"bad given item", `{"resourceType":"Patient","name":[{"given":["a","b",3]}]}`,
		[]want{{"Patient.name[0].given[2]", fhir.IssueStructure, "must be a JSON string"}}},
	{"primitive extension not object", `{"resourceType":"Patient","_birthDate":"x"}`,
		[]want{{"Patient.birthDate", fhir.IssueStructure, "must be a JSON object"}}},
	{"primitive extension unknown element", `{"resourceType":"Patient","birthDate":"2000","_birthDate":{"foo":1}}`,
		[]want{{"Patient.birthDate.foo", fhir.IssueStructure, `unknown element "foo" in date`}}},
	{"primitive extension array not parallel", `{"resourceType":"Patient","name":[{"given":["a","b"],"_given":[null]}]}`,
		[]want{{"Patient.name[0].given", fhir.IssueStructure, "must be parallel"}}},
	{"primitive extension both null", `{"resourceType":"Patient","name":[{"given":["a",null],"_given":[{"id":"x"},null]}]}`,
		[]want{{"Patient.name[0].given[1]", fhir.IssueStructure, "neither a value nor an extension"}}},
	{"primitive extension single for array", `{"resourceType":"Patient","name":[{"given":["a"],"_given":{"id":"x"}}]}`,
		[]want{{"Patient.name[0].given", fhir.IssueStructure, "must be a JSON array parallel"}}},
	{"extension without url", `{"resourceType":"Patient","extension":[{"valueString":"x"}]}`,
		[]want{{"Patient.extension[0].url", fhir.IssueRequired, "Extension.url is required"}}},
	{"extension with value and extensions", `{"resourceType":"Patient","extension":[{"url":"http://x","valueString":"x","extension":[{"url":"a","valueBoolean":true}]}]}`,
		[]want{{"Patient.extension[0]", fhir.IssueInvariant, "not both"}}},
	{"extension with neither", `{"resourceType":"Patient","modifierExtension":[{"url":"http://x"}]}`,
		[]want{{"Patient.modifierExtension[0]", fhir.IssueInvariant, "ext-1"}}},
	{"extension bad value type", `{"resourceType":"Patient","extension":[{"url":"http://x","valueFoo":"x"}]}`,
		[]want{{"Patient.extension[0].valueFoo", fhir.IssueStructure, "unknown element"}, {"Patient.extension[0]", fhir.IssueInvariant, "ext-1"}}},
	{"narrative div", `{"resourceType":"Patient","text":{"status":"generated","div":"<p>x</p>"}}`,
		[]want{{"Patient.text.div", fhir.IssueValue, "<div>"}}},
	{"bundle entry resource", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","birthDate":"x"}}]}`,
		[]want{{"Bundle.entry[0].resource.birthDate", fhir.IssueValue, "not a valid date"}}},
	{"bundle entry unknown type", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Foo"}}]}`,
		[]want{{"Bundle.entry[0].resource", fhir.IssueNotSupported, `"Foo"`}}},
	{"parameters resource", `{"resourceType":"Parameters","parameter":[{"name":"x","resource":{"resourceType":"Patient","gender":1}}]}`,
		[]want{{"Parameters.parameter[0].resource.gender", fhir.IssueStructure, "JSON string"}}},
	{"too many values", `{"resourceType":"Patient","name":[{"given":["a"]}],"birthDate":"2000","deceasedBoolean":false,"deceasedDateTime":"2000"}`,
		[]want{{"Patient.deceased", fhir.IssueStructure, "allows only one type"}}},
	{"xhtml extension forbidden", `{"resourceType":"Patient","text":{"status":"generated","div":"<div>x</div>","_div":{"extension":[{"url":"http://x","valueString":"y"}]}}}`,
		[]want{{"Patient.text.div.extension", fhir.IssueStructure, "maximum cardinality is 0"}}},
}

func TestNegative(t *testing.T) {
	for _, c := range negativeCases {
		t.Run(c.name, func(t *testing.T) {
			issues := Resource(decode(t, []byte(c.json)))
			if !fhir.HasErrors(issues) {
				t.Fatalf("no error; issues %v", issues)
			}
			for _, w := range c.want {
				if !hasIssue(issues, w) {
					t.Errorf("missing issue %+v in:\n%s", w, dump(issues))
				}
			}
			if len(issues) != len(c.want) {
				t.Errorf("got %d issues, want %d:\n%s", len(issues), len(c.want), dump(issues))
			}
		})
	}
}

func hasIssue(issues []fhir.Issue, w want) bool {
	for _, is := range issues {
		if len(is.Expression) == 1 && is.Expression[0] == w.expr && is.Code == w.code && strings.Contains(is.Diagnostics, w.diag) {
			return true
		}
	}
	return false
}

func dump(issues []fhir.Issue) string {
	var b strings.Builder
	for _, is := range issues {
		b.WriteString("  " + string(is.Severity) + " " + string(is.Code) + " " + strings.Join(is.Expression, ",") + ": " + is.Diagnostics + "\n")
	}
	return b.String()
}

var validCases = []struct {
	name string
	json string
}{
	{"minimal", `{"resourceType":"Patient"}`},
	{"primitive extension", `{"resourceType":"Patient","birthDate":"1970","_birthDate":{"extension":[{"url":"http://x","valueDateTime":"1970-01-01T10:00:00Z"}]}}`},
	{"extension only, no value", `{"resourceType":"Patient","_gender":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason","valueCode":"unknown"}]}}`},
	{"parallel arrays", `{"resourceType":"Patient","name":[{"given":["a",null,"c"],"_given":[null,{"id":"x"},{"extension":[{"url":"http://x","valueString":"y"}]}]}]}`},
	{"extension array only", `{"resourceType":"Patient","name":[{"_given":[{"id":"x"}]}]}`},
	{"required via extension", `{"resourceType":"Observation","_status":{"extension":[{"url":"http://x","valueCode":"unknown"}]},"code":{"text":"x"}}`},
	{"references", `{"resourceType":"Bundle","type":"collection","entry":[
		{"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/1"}}},
		{"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/1/_history/2"}}},
		{"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"https://example.org/fhir/Patient/1"}}},
		{"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:0a1b2c3d-0000-1111-2222-333344445555"}}},
		{"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:oid:1.2.3.4"}}},
		{"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient?identifier=http://x|1"}}},
		{"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"identifier":{"value":"1"}}}}]}`},
	{"contained referenced", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"#p"},"contained":[{"resourceType":"Patient","id":"p"}]}`},
	{"contained refers to container", `{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},"contained":[{"resourceType":"Provenance","id":"p","target":[{"reference":"#"}],"recorded":"2020-01-01T00:00:00Z","agent":[{"who":{"display":"x"}}]}]}`},
	{"contained via canonical", `{"resourceType":"Questionnaire","status":"active","contained":[{"resourceType":"ValueSet","id":"vs","status":"active"}],"item":[{"linkId":"1","type":"choice","answerValueSet":"#vs"}]}`},
	{"nested item", `{"resourceType":"Questionnaire","status":"active","item":[{"linkId":"1","type":"group","item":[{"linkId":"1.1","type":"string","item":[{"linkId":"1.1.1","type":"display"}]}]}]}`},
	{"numbers", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":-1.50e3},"referenceRange":[{"low":{"value":0}}],"component":[{"code":{"text":"c"},"valueInteger":-2147483648}]}`},
	{"narrative", `{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"}}`},
}

func TestValid(t *testing.T) {
	for _, c := range validCases {
		t.Run(c.name, func(t *testing.T) {
			if issues := Resource(decode(t, []byte(c.json))); len(issues) != 0 {
				t.Errorf("unexpected issues:\n%s", dump(issues))
			}
		})
	}
}

func TestDom3Warning(t *testing.T) {
	issues := Resource(decode(t, []byte(`{"resourceType":"Observation","status":"final","code":{"text":"x"},"contained":[{"resourceType":"Patient","id":"p"}]}`)))
	if fhir.HasErrors(issues) || len(issues) != 1 {
		t.Fatalf("want one warning, got:\n%s", dump(issues))
	}
	is := issues[0]
	if is.Severity != fhir.SeverityWarning || is.Code != fhir.IssueInvariant || is.Expression[0] != "Observation.contained[0]" || !strings.Contains(is.Diagnostics, "dom-3") {
		t.Errorf("got %+v", is)
	}
	if err := Check(decode(t, []byte(`{"resourceType":"Observation","status":"final","code":{"text":"x"},"contained":[{"resourceType":"Patient","id":"p"}]}`))); err != nil {
		t.Errorf("Check with only a warning = %v, want nil", err)
	}
}

func TestCheckAndOptions(t *testing.T) {
	res := `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient?identifier=x"}}`
	if err := Check(decode(t, []byte(res))); err != nil {
		t.Errorf("conditional reference rejected by default: %v", err)
	}
	err := Options{ForbidConditionalReferences: true}.Check(decode(t, []byte(res)))
	fe, ok := fhir.AsError(err)
	if !ok || fe.Code() != fhir.IssueValue {
		t.Errorf("conditional reference with ForbidConditionalReferences: %v", err)
	}
}

func TestIssuesSorted(t *testing.T) {
	issues := Resource(decode(t, []byte(`{"resourceType":"Patient","z":1,"a":2,"gender":3,"birthDate":4}`)))
	for i := 1; i < len(issues); i++ {
		if issues[i-1].Expression[0] > issues[i].Expression[0] {
			t.Fatalf("issues not sorted:\n%s", dump(issues))
		}
	}
	if len(issues) != 4 {
		t.Errorf("got %d issues, want 4", len(issues))
	}
}
