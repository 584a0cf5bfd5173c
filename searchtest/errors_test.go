package searchtest

import (
	"net/http"
	"slices"
	"testing"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
)

// errorCases must be refused with a 400 and an OperationOutcome: values
// that do not parse, unknown parameters and modifiers, modifiers the
// parameter type does not allow, chains through a parameter that is not a
// reference, and result parameters out of their bounds.
var errorCases = []struct{ name, typ, query string }{
	{"month 13", "Patient", "birthdate=1980-13"},
	{"date without dashes", "Patient", "birthdate=19800512"},
	{"date not a date", "Patient", "birthdate=yesterday"},
	{"unknown prefix", "Patient", "birthdate=xx1980"},
	{"prefix gte", "Patient", "birthdate=gte1980"},
	{"bad offset", "Patient", "birthdate=1980-05-12T10:00:00%2B25:00"},
	{"february 30", "Patient", "_lastUpdated=2024-02-30"},
	{"number not a number", "RiskAssessment", "probability=abc"},
	{"number unknown prefix", "RiskAssessment", "probability=zz0.8"},
	{"quantity not a number", "Observation", "value-quantity=abc|http://unitsofmeasure.org|mg"},
	{"unknown modifier", "Patient", "name:foo=x"},
	{"not on a string", "Patient", "name:not=x"},
	{"exact on a token", "Patient", "gender:exact=male"},
	{"exact on a date", "Patient", "birthdate:exact=1980"},
	{"contains on a uri", "ValueSet", "url:contains=example"},
	{"of-type with two parts", "Patient", "identifier:of-type=MR|MRN-001"},
	{"missing not boolean", "Patient", "birthdate:missing=maybe"},
	{"unknown parameter", "Patient", "foo=bar"},
	{"chain through a token", "Observation", "code.display=x"},
	{"chain through a date", "Observation", "subject:Patient.birthdate.name=x"},
	{"chain to an unknown parameter", "Observation", "subject.foo=x"},
	{"chain to a type not targeted", "Observation", "subject:ValueSet.name=x"},
	{"chain too deep", "Observation", "subject:Patient.organization.partof.partof.name=x"},
	{"has unknown reference", "Patient", "_has:Observation:foo:code=x"},
	{"has unknown type", "Patient", "_has:Nothing:patient:code=x"},
	{"has without parameter", "Patient", "_has:Observation:patient=x"},
	{"sort unknown", "Patient", "_sort=foo"},
	{"include unknown", "Patient", "_include=Patient:foo"},
	{"include not a reference", "Patient", "_include=Patient:name"},
	{"count negative", "Patient", "_count=-1"},
	{"count not a number", "Patient", "_count=abc"},
	{"count fraction", "Patient", "_count=1.5"},
	{"count absurd", "Patient", "_count=1000000"},
	{"count huge", "Patient", "_count=99999999999999999999"},
	{"summary unknown", "Patient", "_summary=bogus"},
	{"total unknown", "Patient", "_total=bogus"},
	{"system unknown type", "", "_type=NotAType"},
	{"system parameter not common", "", "name=x"},
}

// okCodes are the issue types a refused search may carry.
var okCodes = []fhir.IssueType{fhir.IssueInvalid, fhir.IssueValue, fhir.IssueNotSupported, fhir.IssueTooCostly, fhir.IssueProcessing, fhir.IssueStructure, fhir.IssueRequired}

func testErrors(t *testing.T, e *env) {
	for _, c := range errorCases {
		t.Run(c.name, func(t *testing.T) {
			o := e.search(t, c.typ, c.query)
			if msg := refused(o.err); msg != "" {
				t.Errorf("%s?%s: %s (matches %v)", c.typ, c.query, msg, o.matches)
			}
		})
	}
}

// refused returns "" when err is a 400 *fhir.Error with an issue type of a
// bad request, else what is wrong.
func refused(err error) string {
	if err == nil {
		return "no error, want a 400"
	}
	if _, ok := fhir.AsError(err); !ok {
		return "error " + err.Error() + " is not a *fhir.Error (it would be a 500)"
	}
	if s := resources.StatusOf(err); s != http.StatusBadRequest {
		return "status " + http.StatusText(s) + ", want 400: " + err.Error()
	}
	if c := fhir.CodeOf(err); !slices.Contains(okCodes, c) {
		return "issue type " + string(c) + " is not one of a bad request: " + err.Error()
	}
	return ""
}
