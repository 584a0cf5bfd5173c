package searchtest

import (
	"strings"
	"testing"
)

// terminologyCases: token :in and :not-in take a ValueSet stored on the
// server (its expansion, else its compose concept lists); :below and
// :above take system|code of a code system whose CodeSystem is stored,
// and match the code with its descendants or ancestors (R4 search
// 3.1.1.5.5). Conditions: cond-dm sct 44054006 + icd-10 E11, cond-htn sct
// 38341003, cond-flu sct 6142004 + J11 without a system, cond-icd icd-10
// J11.
var terminologyCases = []searchCase{
	{name: "in version 1", typ: "Condition", query: "code:in=http://terminology.example/ValueSet/dx|1", want: ids("cond-dm", "cond-htn")},
	{name: "in version 2", typ: "Condition", query: "code:in=http://terminology.example/ValueSet/dx|2", want: ids("cond-flu", "cond-icd")},
	{name: "in latest", typ: "Condition", query: "code:in=http://terminology.example/ValueSet/dx", want: ids("cond-flu", "cond-icd")},
	{name: "in expansion", typ: "Condition", query: "code:in=http://terminology.example/ValueSet/expanded", want: ids("cond-dm", "cond-htn")},
	{name: "in exclude", typ: "Condition", query: "code:in=http://terminology.example/ValueSet/exclude", want: ids("cond-dm", "cond-htn")},
	{name: "in or", typ: "Condition", query: "code:in=http://terminology.example/ValueSet/dx|1,http://terminology.example/ValueSet/dx|2", want: ids("cond-dm", "cond-htn", "cond-flu", "cond-icd")},
	{name: "in and", typ: "Condition", query: "code:in=http://terminology.example/ValueSet/dx|1&code:in=http://terminology.example/ValueSet/expanded", want: ids("cond-dm", "cond-htn")},
	{name: "not-in", typ: "Condition", query: "code:not-in=http://terminology.example/ValueSet/dx|1", want: ids("cond-flu", "cond-icd")},
	{name: "not-in expansion", typ: "Condition", query: "code:not-in=http://terminology.example/ValueSet/expanded", want: ids("cond-flu", "cond-icd")},
	{name: "in through has", typ: "Patient", query: "_has:Condition:subject:code:in=http://terminology.example/ValueSet/dx|1", want: ids("pat-muller", "pat-zhang")},
	{name: "below root", typ: "Condition", query: "code:below=http://snomed.info/sct|64572001", want: ids("cond-dm", "cond-htn", "cond-flu")},
	{name: "below nested", typ: "Condition", query: "code:below=http://snomed.info/sct|73211009", want: ids("cond-dm")},
	{name: "below leaf", typ: "Condition", query: "code:below=http://snomed.info/sct|44054006", want: ids("cond-dm")},
	{name: "below or", typ: "Condition", query: "code:below=http://snomed.info/sct|38341003,http://snomed.info/sct|6142004", want: ids("cond-htn", "cond-flu")},
	{name: "above leaf", typ: "Condition", query: "code:above=http://snomed.info/sct|44054006", want: ids("cond-dm")},
	{name: "above root", typ: "Condition", query: "code:above=http://snomed.info/sct|64572001", want: nil},
	{name: "above via parent property", typ: "Condition", query: "code:above=http://snomed.info/sct|38341003", want: ids("cond-htn")},
	{name: "below and not", typ: "Condition", query: "code:below=http://snomed.info/sct|64572001&code:not=http://hl7.org/fhir/sid/icd-10|E11", want: ids("cond-htn", "cond-flu")},
	{name: "below through has", typ: "Patient", query: "_has:Condition:subject:code:below=http://snomed.info/sct|73211009", want: ids("pat-muller")},
}

// terminologyErrors must be refused with a 400: modifiers on _text and
// _content, values they cannot take, ValueSets that are not stored or
// cannot be expanded without a terminology service, and :above/:below on
// code systems whose hierarchy the server does not know.
var terminologyErrors = []struct{ name, typ, query, says string }{
	{"text exact", "Patient", "_text:exact=x", "plain text only"},
	{"text not", "Patient", "_text:not=x", "plain text only"},
	{"content missing", "Patient", "_content:missing=true", "plain text only"},
	{"content contains", "Patient", "_content:contains=x", "plain text only"},
	{"text blank", "Patient", "_text=%20", "no text"},
	{"content too long", "Patient", "_content=" + strings.Repeat("x", 257), "limit is 256"},
	{"sort on content", "Patient", "_sort=_content", "cannot be sorted"},
	{"in unknown", "Condition", "code:in=http://terminology.example/ValueSet/nope", "no ValueSet with url"},
	{"in unknown version", "Condition", "code:in=http://terminology.example/ValueSet/dx|9", "no ValueSet with url"},
	{"in filter", "Condition", "code:in=http://terminology.example/ValueSet/filter", "by filter"},
	{"in whole system", "Condition", "code:in=http://terminology.example/ValueSet/whole", "every code of http://hl7.org/fhir/sid/icd-10"},
	{"in empty", "Condition", "code:in=http://terminology.example/ValueSet/empty", "no codes"},
	{"in on a string", "Patient", "name:in=http://terminology.example/ValueSet/dx", "not allowed on string"},
	{"not-in unknown", "Condition", "code:not-in=http://terminology.example/ValueSet/nope", "no ValueSet"},
	{"below unknown system", "Condition", "code:below=http://hl7.org/fhir/sid/icd-10|E11", "no hierarchy for code system http://hl7.org/fhir/sid/icd-10"},
	{"below system without concepts", "Condition", "code:below=http://example.org/fhir/CodeSystem/colors|red", "lists no concepts"},
	{"below unknown code", "Condition", "code:below=http://snomed.info/sct|999", "code 999 is not defined"},
	{"above without system", "Condition", "code:above=44054006", "needs system|code"},
}

func testTerminologyErrors(t *testing.T, e *env) {
	for _, c := range terminologyErrors {
		t.Run(c.name, func(t *testing.T) {
			o := e.search(t, c.typ, c.query)
			if msg := refused(o.err); msg != "" {
				t.Fatalf("%s?%s: %s (matches %v)", c.typ, c.query, msg, o.matches)
			}
			if !strings.Contains(o.err.Error(), c.says) {
				t.Errorf("%s?%s: %v; want a message saying %q", c.typ, c.query, o.err, c.says)
			}
		})
	}
}
