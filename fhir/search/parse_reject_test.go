package search

import (
	"strings"
	"testing"

	"github.com/yitong-health/yitong/fhir"
)

// TestParseRejects checks that each bad request fails, under strict and
// lenient handling alike, with the code and a message naming the
// parameter.
func TestParseRejects(t *testing.T) {
	long := strings.Repeat("x", 300)
	cases := []struct {
		rt, raw string
		code    fhir.IssueType
		frag    []string
	}{
		// Values.
		{"Patient", "birthdate=1990-13-01", fhir.IssueInvalid, []string{`parameter "birthdate": "1990-13-01" is not a valid date (month 13)`}},
		{"Patient", "birthdate=2021-02-29", fhir.IssueInvalid, []string{`(day 29 of February 2021)`}},
		{"Patient", "birthdate=2020-02-30", fhir.IssueInvalid, []string{"day 30"}},
		{"Patient", "birthdate=2020-04-31", fhir.IssueInvalid, []string{"day 31"}},
		{"Patient", "birthdate=2020-01-01T24:00", fhir.IssueInvalid, []string{"hour 24"}},
		{"Patient", "birthdate=2020-01-01T10:60", fhir.IssueInvalid, []string{"minute 60"}},
		{"Patient", "birthdate=2020-01-01T10:00:60", fhir.IssueInvalid, []string{"second 60"}},
		{"Patient", "birthdate=2020-01-01T10", fhir.IssueInvalid, []string{"not a valid date"}},
		{"Patient", "birthdate=2020-01-01T10:00:00+15:00", fhir.IssueInvalid, []string{"offset out of range"}},
		{"Patient", "birthdate=2020-01-01T10:00:00.1234567890Z", fhir.IssueInvalid, []string{"fraction"}},
		{"Patient", "birthdate=2020-01-01Z", fhir.IssueInvalid, []string{"not a valid date"}},
		{"Patient", "birthdate=0000", fhir.IssueInvalid, []string{"year 0"}},
		{"Patient", "birthdate=20200101", fhir.IssueInvalid, []string{"not a valid date"}},
		{"Patient", "birthdate=xx2020", fhir.IssueInvalid, []string{`"xx2020" is not a valid date`}},
		{"Patient", "birthdate=gt", fhir.IssueInvalid, []string{"not a valid date"}},
		{"Patient", "birthdate=2020-1-1", fhir.IssueInvalid, []string{"not a valid date"}},
		{"RiskAssessment", "probability=abc", fhir.IssueInvalid, []string{`parameter "probability": "abc" is not a valid number`}},
		{"RiskAssessment", "probability=1.", fhir.IssueInvalid, []string{"not a valid number"}},
		{"RiskAssessment", "probability=.5", fhir.IssueInvalid, []string{"not a valid number"}},
		{"RiskAssessment", "probability=1e", fhir.IssueInvalid, []string{"not a valid number"}},
		{"RiskAssessment", "probability=1e999", fhir.IssueInvalid, []string{"exponent out of range"}},
		{"RiskAssessment", "probability=--1", fhir.IssueInvalid, []string{"not a valid number"}},
		{"RiskAssessment", "probability=xx5", fhir.IssueInvalid, []string{"not a valid number"}},
		{"Observation", "value-quantity=5|mg", fhir.IssueInvalid, []string{"not a valid quantity"}},
		{"Observation", "value-quantity=5|a|b|c", fhir.IssueInvalid, []string{"not a valid quantity"}},
		{"Observation", "value-quantity=5|http://unitsofmeasure.org|", fhir.IssueInvalid, []string{"empty unit code"}},
		{"Observation", "code=a|b|c", fhir.IssueInvalid, []string{"more than one unescaped |"}},
		{"Observation", "code=|", fhir.IssueInvalid, []string{"neither a system nor a code"}},
		{"Patient", "_id=a/b", fhir.IssueInvalid, []string{`"a/b" is not a valid id`}},
		{"Observation", "subject=Foo/1", fhir.IssueInvalid, []string{`"Foo" is not a resource type`}},
		{"Observation", "subject=Medication/1", fhir.IssueInvalid, []string{"Medication is not a target type of subject"}},
		{"Observation", "subject:Patient=Group/1", fhir.IssueInvalid, []string{"does not refer to a Patient"}},
		{"Observation", "subject=a/b/c", fhir.IssueInvalid, []string{"not a valid reference"}},
		{"Observation", "subject=Patient/a_b", fhir.IssueInvalid, []string{"not a valid id"}},
		{"Observation", "subject=1|2", fhir.IssueInvalid, []string{"not a valid reference"}},
		{"Observation", "subject=http://x/Patient/1|1|2", fhir.IssueInvalid, []string{"not a valid URL or canonical"}},
		{"Observation", "combo-code-value-quantity=http://loinc.org|8480-6", fhir.IssueInvalid, []string{"has 1 parts", "needs 2"}},
		{"Observation", "combo-code-value-quantity=a$b$c", fhir.IssueInvalid, []string{"has 3 parts"}},
		{"Observation", "combo-code-value-quantity=a$", fhir.IssueInvalid, []string{"part 2", "empty"}},
		{"Observation", "combo-code-value-quantity=a$lt", fhir.IssueInvalid, []string{"not a valid number"}},
		{"Patient", "name:missing=yes", fhir.IssueInvalid, []string{":missing takes true or false"}},
		{"Patient", "identifier:of-type=a|b", fhir.IssueInvalid, []string{"not a valid :of-type value"}},
		{"Patient", "identifier:of-type=sys||123", fhir.IssueInvalid, []string{"not a valid :of-type value"}},
		// Modifiers: unknown or not allowed, under lenient handling too.
		{"Patient", "name:foo=x", fhir.IssueInvalid, []string{`parameter "name:foo"`, `unknown modifier ":foo"`}},
		{"Patient", "name:text=x", fhir.IssueInvalid, []string{"modifier :text is not allowed on string parameters"}},
		{"Patient", "name:not=x", fhir.IssueInvalid, []string{"not allowed on string"}},
		{"Patient", "gender:exact=x", fhir.IssueInvalid, []string{"modifier :exact is not allowed on token parameters"}},
		{"Patient", "gender:contains=x", fhir.IssueInvalid, []string{"not allowed on token"}},
		{"Patient", "name:in=http://vs", fhir.IssueInvalid, []string{"modifier :in is not allowed on string"}},
		{"ValueSet", "url:not-in=http://vs", fhir.IssueInvalid, []string{"modifier :not-in is not allowed on uri"}},
		{"Patient", "_id:in=http://vs", fhir.IssueInvalid, []string{"not allowed on _id"}},
		{"Observation", "code:below=123", fhir.IssueInvalid, []string{":below needs system|code"}},
		{"Observation", "code:above=http://snomed.info/sct|", fhir.IssueInvalid, []string{":above needs system|code"}},
		{"Observation", "code:below=|123", fhir.IssueInvalid, []string{":below needs system|code"}},
		// _text and _content take plain text.
		{"Patient", "_text:exact=fever", fhir.IssueInvalid, []string{`parameter "_text:exact"`, "not allowed on _text, which takes plain text only"}},
		{"Patient", "_text:not=fever", fhir.IssueInvalid, []string{"modifier \":not\" is not allowed"}},
		{"Patient", "_content:contains=fever", fhir.IssueInvalid, []string{"not allowed on _content"}},
		{"Patient", "_content:missing=true", fhir.IssueInvalid, []string{"plain text only"}},
		{"Patient", "_sort=-_content", fhir.IssueInvalid, []string{"searches text and cannot be sorted on"}},
		{"Patient", "_text=  \t ", fhir.IssueInvalid, []string{"no text to search for"}},
		{"Patient", "_content=" + strings.Repeat("x", 257), fhir.IssueInvalid, []string{"257 bytes", "limit is 256"}},
		{"Patient", "gender:of-type=a|b|c", fhir.IssueNotSupported, []string{"Identifier"}},
		{"Patient", "birthdate:exact=2020", fhir.IssueInvalid, []string{"not allowed on date"}},
		{"RiskAssessment", "probability:above=1", fhir.IssueInvalid, []string{"not allowed on number"}},
		{"Observation", "value-quantity:text=1", fhir.IssueInvalid, []string{"not allowed on quantity"}},
		{"Observation", "combo-code-value-quantity:exact=a$1", fhir.IssueInvalid, []string{"not allowed on composite"}},
		{"Observation", "subject:exact=1", fhir.IssueInvalid, []string{"not allowed on reference"}},
		{"Observation", "subject:Medication=1", fhir.IssueInvalid, []string{"Medication is not a target type of subject"}},
		{"Observation", "subject:above=Patient/1", fhir.IssueNotSupported, []string{"canonical"}},
		{"Observation", "subject:in=x", fhir.IssueInvalid, []string{"not allowed on reference"}},
		{"ValueSet", "url:exact=http://x", fhir.IssueInvalid, []string{"not allowed on uri"}},
		{"ValueSet", "url:contains=x", fhir.IssueInvalid, []string{"not allowed on uri"}},
		{"Patient", "_id:exact=1", fhir.IssueInvalid, []string{"not allowed on token"}},
		{"Patient", "_id:text=1", fhir.IssueInvalid, []string{"not allowed on _id"}},
		{"Patient", "name:exact:contains=x", fhir.IssueInvalid, []string{"unknown modifier"}},
		// Chains.
		{"Observation", "code.name=x", fhir.IssueInvalid, []string{`parameter "code.name"`, `"code" is a token parameter and cannot be chained`}},
		{"Observation", "subject.nosuch=x", fhir.IssueInvalid, []string{`parameter "subject.nosuch"`, `"nosuch"`}},
		{"Observation", "subject:Patient.nosuch=x", fhir.IssueInvalid, []string{`no target type (Patient) has a search parameter "nosuch"`}},
		{"Observation", "subject:Foo.name=x", fhir.IssueInvalid, []string{`"Foo" is not a target type of "subject"`}},
		{"Observation", "subject:Medication.code=x", fhir.IssueInvalid, []string{"not a target type"}},
		{"Observation", "subject:Patient.organization.partof.partof.name=x", fhir.IssueTooCostly, []string{"at most 3 deep"}},
		{"Observation", "subject:Patient.name:foo=x", fhir.IssueInvalid, []string{"unknown modifier"}},
		{"Observation", "subject.=x", fhir.IssueInvalid, []string{"search parameter"}},
		// Reverse chains.
		{"Patient", "_has=x", fhir.IssueInvalid, []string{"_has:Type:parameter:filter"}},
		{"Patient", "_has:Observation:patient=x", fhir.IssueInvalid, []string{"_has:Type:parameter:filter"}},
		{"Patient", "_has:Foo:patient:code=x", fhir.IssueInvalid, []string{`"Foo" is not a resource type`}},
		{"Patient", "_has:Observation:nosuch:code=x", fhir.IssueInvalid, []string{`Observation has no reference parameter "nosuch"`}},
		{"Patient", "_has:Observation:code:code=x", fhir.IssueInvalid, []string{"no reference parameter"}},
		{"Patient", "_has:Observation:patient:nosuch=x", fhir.IssueInvalid, []string{`"nosuch"`}},
		{"Patient", "_has:Observation:patient:code:foo=x", fhir.IssueInvalid, []string{"unknown modifier"}},
		{"Patient", "_has:Observation:patient:date=2021-13", fhir.IssueInvalid, []string{"month 13"}},
		{"Organization", "_has:Observation:patient:code=x", fhir.IssueInvalid, []string{"Observation.patient does not refer to Organization"}},
		{"Patient", "_has:Observation:patient:_has:AuditEvent:entity:_has:Provenance:target:_has:Provenance:target:agent=x", fhir.IssueTooCostly, []string{"at most 3 deep"}},
		{"", "_has:Observation:patient:code=x", fhir.IssueNotSupported, []string{"_has needs the searched resource type"}},
		// Result parameters.
		{"Patient", "_count=1001", fhir.IssueTooCostly, []string{`parameter "_count": 1001 exceeds the limit of 1000`}},
		{"Patient", "_count=99999999999", fhir.IssueInvalid, []string{"not a non-negative integer"}},
		{"Patient", "_count=-1", fhir.IssueInvalid, []string{"not a non-negative integer"}},
		{"Patient", "_count=1.5", fhir.IssueInvalid, []string{"not a non-negative integer"}},
		{"Patient", "_count=5&_count=6", fhir.IssueInvalid, []string{"only once"}},
		{"Patient", "_count:exact=5", fhir.IssueInvalid, []string{"_count takes no modifier"}},
		{"Patient", "_total=all", fhir.IssueInvalid, []string{`parameter "_total"`, "none, estimate, accurate"}},
		{"Patient", "_summary=yes", fhir.IssueInvalid, []string{`parameter "_summary"`}},
		{"Patient", "_sort=nosuch", fhir.IssueInvalid, []string{`parameter "_sort": Patient has no search parameter "nosuch"`}},
		{"Patient", "_sort=name,,birthdate", fhir.IssueInvalid, []string{"empty item"}},
		{"Patient", "_sort=name,-name", fhir.IssueInvalid, []string{"given twice"}},
		{"Patient", "_sort=organization", fhir.IssueInvalid, []string{"reference parameter and cannot be sorted"}},
		{"Patient", "_sort=general-practitioner.name", fhir.IssueNotSupported, []string{"chained"}},
		{"Patient", "_sort:desc=name", fhir.IssueInvalid, []string{"takes no modifier"}},
		{"Patient", "_elements=nosuch", fhir.IssueInvalid, []string{`Patient has no element "nosuch"`}},
		{"Patient", "_elements=Patient.name", fhir.IssueInvalid, []string{"not an element name"}},
		{"Patient", "_type=Patient", fhir.IssueInvalid, []string{"only in a system-level search"}},
		{"", "_type=Foo", fhir.IssueInvalid, []string{`"Foo" is not a resource type`}},
		{"", "_type=Patient,", fhir.IssueInvalid, []string{"empty item"}},
		{"Patient", "_include=Patient", fhir.IssueInvalid, []string{"Source:parameter"}},
		{"Patient", "_include=Foo:bar", fhir.IssueInvalid, []string{`"Foo" is not a resource type`}},
		{"Patient", "_include=Patient:name", fhir.IssueInvalid, []string{`Patient has no reference parameter "name"`}},
		{"Patient", "_include=Patient:general-practitioner:Patient", fhir.IssueInvalid, []string{"not a target type of Patient.general-practitioner"}},
		{"Patient", "_include=Observation:subject", fhir.IssueInvalid, []string{"not the searched type"}},
		{"Patient", "_include=Patient:*:Organization", fhir.IssueInvalid, []string{"takes no target type"}},
		{"Patient", "_include:foo=Patient:organization", fhir.IssueInvalid, []string{"unknown modifier"}},
		{"Patient", "_revinclude=Observation:specimen", fhir.IssueInvalid, []string{"Observation.specimen does not refer to Patient"}},
		{"Patient", "_revinclude=Observation:subject:Patient:x", fhir.IssueInvalid, nil},
		// Limits.
		{"Patient", "name=" + long + long + long + long, fhir.IssueTooCostly, []string{"bytes long; the limit is 1024"}},
		{"Patient", strings.Repeat("n", 1100) + "=x", fhir.IssueTooCostly, []string{"parameter name"}},
		{"Patient", "name=" + strings.Repeat("a,", 100) + "a", fhir.IssueTooCostly, []string{"101 values; the limit is 100"}},
		{"Patient", strings.TrimSuffix(strings.Repeat("name=a&", 51), "&"), fhir.IssueTooCostly, []string{"51 parameters; the limit is 50"}},
		{"Patient", strings.TrimSuffix(strings.Repeat("_include:iterate=Patient:organization&", 11), "&"), fhir.IssueTooCostly, []string{"more than 10"}},
		// System level.
		{"", "_type=Patient,Observation&_sort=name", fhir.IssueInvalid, []string{"Observation has no search parameter"}},
		{"", "_elements=Patient.x", fhir.IssueInvalid, []string{"not an element name"}},
		{"Nope", "name=x", fhir.IssueNotSupported, []string{`resource type "Nope"`}},
		{"Resource", "name=x", fhir.IssueNotSupported, []string{`resource type "Resource"`}},
	}
	for _, c := range cases {
		for _, lenient := range []bool{false, true} {
			q, err := Parse(c.rt, vals(c.raw), ParseOptions{Lenient: lenient})
			name := c.raw
			if len(name) > 80 {
				name = name[:80]
			}
			if err == nil {
				t.Errorf("%s?%s (lenient %t) accepted: %+v", c.rt, name, lenient, q)
				continue
			}
			if q != nil {
				t.Errorf("%s?%s: a Query with the error", c.rt, name)
			}
			t.Run("", func(t *testing.T) { wantError(t, err, c.code, c.frag...) })
			if msg := err.Error(); len(msg) > 400 {
				t.Errorf("%s?%s: message of %d bytes", c.rt, name, len(msg))
			}
		}
	}
}

// TestParseIgnorable checks the problems lenient handling turns into
// Query.Ignored entries, and that strict handling refuses them.
func TestParseIgnorable(t *testing.T) {
	cases := []struct {
		rt, raw, name, reason string
		code                  fhir.IssueType
	}{
		{"Patient", "foo=1", "foo", "unknown search parameter", fhir.IssueNotSupported},
		{"Patient", "foo:exact=1", "foo:exact", "unknown search parameter", fhir.IssueNotSupported},
		{"Patient", "foo.bar=1", "foo.bar", "unknown search parameter", fhir.IssueNotSupported},
		{"Patient", "=1", "", "unknown search parameter", fhir.IssueNotSupported},
		{"Patient", "name=", "name", "empty value", fhir.IssueInvalid},
		{"Patient", "name=a,,b", "name", "empty value", fhir.IssueInvalid},
		{"Patient", "name=a,", "name", "empty value", fhir.IssueInvalid},
		{"Patient", "_count=", "_count", "empty value", fhir.IssueInvalid},
		{"Patient", "_contained=true", "_contained", "searching contained resources is not supported", fhir.IssueNotSupported},
		{"Patient", "_containedType=contained", "_containedType", "returning contained resources is not supported", fhir.IssueNotSupported},
		{"Patient", "_query=foo", "_query", "named queries is not supported", fhir.IssueNotSupported},
		{"Patient", "_filter=name eq x", "_filter", "the _filter expression language is not supported", fhir.IssueNotSupported},
		{"Patient", "_list=42", "_list", "searching by List is not supported", fhir.IssueNotSupported},
		{"Location", "near=1|2|3|km", "near", "special parameters are not supported", fhir.IssueNotSupported},
		{"", "name=x", "name", "unknown search parameter", fhir.IssueNotSupported},
		{"", "_text=x", "_text", "unknown search parameter", fhir.IssueNotSupported},
		{"", "_type=Patient,Observation&name=x", "name", "unknown search parameter", fhir.IssueNotSupported},
	}
	for _, c := range cases {
		_, err := Parse(c.rt, vals(c.raw), ParseOptions{})
		if err == nil {
			t.Errorf("%s?%s accepted under strict handling", c.rt, c.raw)
		} else {
			wantError(t, err, c.code, "parameter "+clip(c.name))
		}
		q, err := Parse(c.rt, vals(c.raw+"&_id=1"), ParseOptions{Lenient: true})
		if err != nil {
			t.Errorf("%s?%s lenient: %v", c.rt, c.raw, err)
			continue
		}
		if len(q.Ignored) != 1 || q.Ignored[0].Name != c.name || q.Ignored[0].Reason != c.reason {
			t.Errorf("%s?%s: Ignored = %+v", c.rt, c.raw, q.Ignored)
		}
		if len(q.Filters) != 1 || q.Filters[0].Param.Code != "_id" {
			t.Errorf("%s?%s: Filters = %+v", c.rt, c.raw, q.Filters)
		}
	}
}

// TestParseNeverEchoesLongValues checks that messages repeat at most about
// 100 bytes of the user's input.
func TestParseNeverEchoesLongValues(t *testing.T) {
	secret := strings.Repeat("9", 500)
	for _, raw := range []string{"date=" + secret, "code:" + secret + "=x", "subject=" + secret + "/1", "_sort=" + secret, "code=" + secret + "|a|b"} {
		_, err := Parse("Observation", vals(raw), ParseOptions{Lenient: true})
		if err == nil {
			t.Errorf("%.40s... accepted", raw)
			continue
		}
		if strings.Contains(err.Error(), strings.Repeat("9", 101)) {
			t.Errorf("message echoes more than 100 bytes: %.200s", err.Error())
		}
	}
}

func TestParseNumberLimits(t *testing.T) {
	for _, raw := range []string{"probability=1." + strings.Repeat("9", 64), "probability=" + strings.Repeat("9", 65)} {
		_, err := Parse("RiskAssessment", vals(raw), ParseOptions{})
		wantError(t, err, fhir.IssueInvalid, "more than 64 digits")
	}
	q := mustParse(t, "RiskAssessment", "probability="+strings.Repeat("9", 64))
	if v := value1(t, q); v.NumberHi <= v.NumberLo {
		t.Errorf("64 digits = %+v", v)
	}
}
