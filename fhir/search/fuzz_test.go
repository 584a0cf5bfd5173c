package search

import (
	"reflect"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/fhir"
)

// roundTripSeeds are accepted queries covering every value type, modifier,
// chain and result parameter.
var roundTripSeeds = []struct{ rt, raw string }{
	{"Patient", `name=Zh\,ang,Li\|\$\\x&family:exact=Wang&given:contains=an&_text=fever&name=a\b`},
	{"Patient", "birthdate=ge1990-02-01,2020-01-01T10:30:15.25+08:00,2020-01-01T10:30:15 08:00&_count=0&_sort=-birthdate,name"},
	{"Patient", "identifier:of-type=http://t|MR|12\\|3&gender:missing=true&_id=a,b&_id:not=c&_tag=|x&_security=s|"},
	{"Observation", "code=http://loinc.org|1234,|x,y|,a\\|b&code:text=bp&code:below=s|c&code:not=x"},
	{"Observation", "code:in=http://x/ValueSet/a|1,http://x/ValueSet/b&code:not-in=http://x/ValueSet/c&code:above=s|c,t|d&_content=高血压 fever"},
	{"", "_content=Zhāng,随访&_content=x"},
	{"Observation", "subject=123,Patient/1,Patient/1/_history/2,http://x/fhir/Patient/1,http://x/Patient/1/_history/3|4,urn:uuid:1&subject:identifier=s|v"},
	{"Observation", "subject:Patient=1,Patient/2&subject:Patient.organization.name:exact=acme&subject.name=x&performer:missing=false"},
	{"Observation", "value-quantity=5.4,le5.4||mg,gt1e2|http://unitsofmeasure.org|mm\\|Hg&combo-code-value-quantity=http://loinc.org|8480-6$lt60||mm[Hg],a\\$b$eq1"},
	{"Observation", "code-value-date=x$ge2020&_include=Observation:subject:Patient&_include=Observation:*&_include:recurse=Patient:organization&_revinclude=Provenance:target&_total=estimate&_summary=data&_elements=code,value"},
	{"RiskAssessment", "probability=ge+0.5,1.0E-2,-3"},
	{"Patient", "_has:Observation:patient:_has:AuditEvent:entity:agent=x&_has:Observation:subject:code:text=bp"},
	{"QuestionnaireResponse", "questionnaire=http://x/Questionnaire/q|2.0"},
	{"PlanDefinition", "depends-on:below=http://x/Library/a|1&url:above=http://x"},
	{"", "_type=Patient,Group&identifier=a|b&_lastUpdated=gt2020&_sort=_id"},
	{"", "_id=1&_summary=count"},
	{"Patient", "foo=1&name=&_contained=true"},
}

func TestRoundTrip(t *testing.T) {
	for _, s := range roundTripSeeds {
		checkRoundTrip(t, s.rt, s.raw, true)
	}
}

// checkRoundTrip parses raw twice and through Query.Values, requiring equal
// Queries. When mustAccept is false a rejected input only has to fail
// cleanly.
func checkRoundTrip(t *testing.T, rt, raw string, mustAccept bool) {
	t.Helper()
	opts := ParseOptions{Lenient: strings.Contains(raw, "foo=")}
	q, err := Parse(rt, vals(raw), opts)
	if err != nil {
		if mustAccept {
			t.Fatalf("Parse(%q, %q): %v", rt, raw, err)
		}
		fe, ok := fhir.AsError(err)
		if !ok || fe.Code() == fhir.IssueException || len(fe.Issues) != 1 {
			t.Fatalf("Parse(%q, %q): error %v (%T) is not a single-issue *fhir.Error", rt, raw, err, err)
		}
		// At most about 100 bytes of each echoed input, quoted (an invalid
		// byte quotes to four), plus the text.
		if len(err.Error()) > 1200 {
			t.Fatalf("Parse(%q, %q): message of %d bytes", rt, raw, len(err.Error()))
		}
		return
	}
	again, err := Parse(rt, vals(raw), opts)
	if err != nil || !reflect.DeepEqual(q, again) {
		t.Fatalf("Parse(%q, %q) is not deterministic: %v", rt, raw, err)
	}
	canon := q.Values()
	big := ParseOptions{MaxParams: 1 << 20, MaxValueLength: 1 << 20, MaxValuesPerParam: 1 << 20, MaxIncludes: 1 << 20, MaxCount: opts.MaxCount}
	back, err := Parse(rt, canon, big)
	if err != nil {
		t.Fatalf("Parse(%q, %q): canonical form %v does not parse: %v", rt, raw, canon, err)
	}
	want := normalise(q)
	if got := normalise(back); !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse(%q, %q): canonical form %v parses differently:\n got %+v\nwant %+v", rt, raw, canon, got, want)
	}
}

// normalise clears what Query.Values does not keep: Raw and Ignored.
func normalise(q *Query) *Query {
	c := *q
	c.Ignored = nil
	c.Filters = make([]Filter, len(q.Filters))
	for i := range q.Filters {
		c.Filters[i] = normaliseFilter(q.Filters[i])
	}
	return &c
}

func normaliseFilter(f Filter) Filter {
	if f.Chain != nil {
		ch := normaliseFilter(*f.Chain)
		f.Chain = &ch
	}
	if f.Has != nil {
		h := *f.Has
		h.Filter = normaliseFilter(h.Filter)
		f.Has = &h
	}
	f.Values = normaliseValues(f.Values)
	return f
}

func normaliseValues(vs []Value) []Value {
	if vs == nil {
		return nil
	}
	out := make([]Value, len(vs))
	for i, v := range vs {
		v.Raw = ""
		v.Parts = normaliseValues(v.Parts)
		out[i] = v
	}
	return out
}

// FuzzParse feeds arbitrary resource types and query strings to Parse: it
// must never panic, must fail only with a single-issue *fhir.Error of
// bounded size, and every accepted query must parse again to the same
// Query, directly and through its canonical form.
func FuzzParse(f *testing.F) {
	for _, s := range roundTripSeeds {
		f.Add(s.rt, s.raw)
	}
	for _, s := range []struct{ rt, raw string }{
		{"Patient", "birthdate=1990-13-01"}, {"Observation", "subject:Patient.organization.partof.name=x"},
		{"Patient", "_has:Observation:patient:code:text=x"}, {"Nope", "x=y"}, {"Patient", "_count=1001"},
		{"Observation", "combo-code-value-quantity=a$b$c"}, {"Patient", "name:missing=maybe"},
		{"Patient", "_text:exact=x"}, {"Observation", "code:below=x"}, {"Patient", "gender:in=x|1|2"},
	} {
		f.Add(s.rt, s.raw)
	}
	f.Fuzz(func(t *testing.T, rt, raw string) {
		checkRoundTrip(t, rt, raw, false)
	})
}
