package search

import (
	"slices"
	"testing"
	"time"
)

func TestParseStringAndURI(t *testing.T) {
	q := mustParse(t, "Patient", `name=Zh\,ang,Li\|\$\\x&family:exact=Wang&given:contains=an&_text=fever&_content=x`)
	if len(q.Filters) != 5 {
		t.Fatalf("filters = %+v", q.Filters)
	}
	// Sorted by name: _content, _text, family, given, name.
	want := []struct {
		code string
		mod  Modifier
		strs []string
	}{
		{"_content", ModifierNone, []string{"x"}},
		{"_text", ModifierNone, []string{"fever"}},
		{"family", ModifierExact, []string{"Wang"}},
		{"given", ModifierContains, []string{"an"}},
		{"name", ModifierNone, []string{"Zh,ang", `Li|$\x`}},
	}
	for i, w := range want {
		f := q.Filters[i]
		if f.Param.Code != w.code || f.Param.Type != TypeString || f.Modifier != w.mod || len(f.Values) != len(w.strs) {
			t.Errorf("filter %d = %+v, want %+v", i, f, w)
			continue
		}
		for j, s := range w.strs {
			if f.Values[j].Str != s || f.Values[j].Raw != s {
				t.Errorf("%s value %d = %+v, want %q", w.code, j, f.Values[j], s)
			}
		}
	}
	// A date-looking value on a string parameter is a string.
	if v := value1(t, mustParse(t, "Patient", "name=ge2020-01-01")); v.Str != "ge2020-01-01" || v.Prefix != PrefixEq {
		t.Errorf("name=ge2020-01-01 = %+v", v)
	}
	// An unknown escape keeps its backslash.
	if v := value1(t, mustParse(t, "Patient", `name=a\b\`)); v.Str != `a\b\` {
		t.Errorf(`name=a\b\ = %q`, v.Str)
	}
	q = mustParse(t, "ValueSet", "url=http://x/vs&url:below=http://x/&url:above=http://x/vs/a/b")
	for i, m := range []Modifier{ModifierNone, ModifierAbove, ModifierBelow} {
		if f := q.Filters[i]; f.Param.Type != TypeURI || f.Modifier != m || f.Values[0].Str == "" {
			t.Errorf("uri filter %d = %+v", i, f)
		}
	}
	if v := value1(t, mustParse(t, "Patient", "_profile=http://x/sd|1.0")); v.Str != "http://x/sd|1.0" {
		t.Errorf("_profile = %+v", v)
	}
}

func TestParseToken(t *testing.T) {
	cases := []struct {
		raw       string
		mod       Modifier
		system    string
		hasSystem bool
		code, str string
	}{
		{"code=1234", 0, "", false, "1234", "1234"},
		{"code=http://loinc.org|1234", 0, "http://loinc.org", true, "1234", "1234"},
		{"code=|1234", 0, "", true, "1234", "1234"},
		{"code=http://loinc.org|", 0, "http://loinc.org", true, "", ""},
		{`code=a\|b`, 0, "", false, "a|b", "a|b"},
		{`code=s\,1|c\$2`, 0, "s,1", true, "c$2", "c$2"},
		{"code:not=http://loinc.org|1234", ModifierNot, "http://loinc.org", true, "1234", "1234"},
		{"code:above=http://snomed.info/sct|123", ModifierAbove, "http://snomed.info/sct", true, "123", "123"},
		{"code:below=http://snomed.info/sct|123", ModifierBelow, "http://snomed.info/sct", true, "123", "123"},
		{"code:text=blood pressure|x", ModifierText, "", false, "", "blood pressure|x"},
		{"code:in=http://x/ValueSet/vs|2.0", ModifierIn, "", false, "", "http://x/ValueSet/vs|2.0"},
		{"code:not-in=http://x/ValueSet/vs", ModifierNotIn, "", false, "", "http://x/ValueSet/vs"},
		{"identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|12\\|3", ModifierOfType, "http://terminology.hl7.org/CodeSystem/v2-0203", true, "MR", "12|3"},
	}
	for _, c := range cases {
		v := value1(t, mustParse(t, "Observation", c.raw))
		f := filter1(t, mustParse(t, "Observation", c.raw))
		if f.Modifier != c.mod || v.System != c.system || v.HasSystem != c.hasSystem || v.Code != c.code || v.Str != c.str {
			t.Errorf("%s: modifier %v, value %+v", c.raw, f.Modifier, v)
		}
	}
	q := mustParse(t, "Patient", "_id=abc-1.2,x&_id:not=y&_tag=http://s|t&_security=|R&gender:missing=true&identifier:missing=false")
	if len(q.Filters) != 6 {
		t.Fatalf("filters = %+v", q.Filters)
	}
	if f := q.Filters[0]; f.Param.Code != "_id" || f.Param.Type != TypeToken || len(f.Values) != 2 || f.Values[0].Code != "abc-1.2" || f.Values[0].Str != "abc-1.2" || f.Values[0].HasSystem {
		t.Errorf("_id = %+v", f)
	}
	if f := q.Filters[1]; f.Modifier != ModifierNot || f.Values[0].Code != "y" {
		t.Errorf("_id:not = %+v", f)
	}
	if f := q.Filters[2]; f.Param.Code != "_security" || !f.Values[0].HasSystem || f.Values[0].System != "" || f.Values[0].Code != "R" {
		t.Errorf("_security = %+v", f)
	}
	if f := q.Filters[3]; f.Param.Code != "_tag" || f.Values[0].System != "http://s" || f.Values[0].Code != "t" {
		t.Errorf("_tag = %+v", f)
	}
	if f := q.Filters[4]; f.Param.Code != "gender" || f.Modifier != ModifierMissing || !f.Missing || f.Values != nil {
		t.Errorf("gender:missing = %+v", f)
	}
	if f := q.Filters[5]; f.Modifier != ModifierMissing || f.Missing {
		t.Errorf("identifier:missing = %+v", f)
	}
}

func TestParseReference(t *testing.T) {
	cases := []struct {
		raw                       string
		mod                       Modifier
		target                    string
		refType, id, url, version string
		system, code              string
	}{
		{"subject=123", 0, "", "", "123", "", "", "", ""},
		{"subject=Patient/123", 0, "", "Patient", "123", "", "", "", ""},
		{"subject=Patient/123/_history/4", 0, "", "Patient", "123", "", "4", "", ""},
		{"subject:Patient=123", ModifierType, "Patient", "Patient", "123", "", "", "", ""},
		{"subject:Patient=Patient/123", ModifierType, "Patient", "Patient", "123", "", "", "", ""},
		{"subject=http://example.org/fhir/Patient/123", 0, "", "Patient", "123", "http://example.org/fhir/Patient/123", "", "", ""},
		{"subject=http://example.org/fhir/Patient/123/_history/2", 0, "", "Patient", "123", "http://example.org/fhir/Patient/123/_history/2", "2", "", ""},
		{"subject=urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0", 0, "", "", "", "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0", "", "", ""},
		{"subject=http://x/thing", 0, "", "", "", "http://x/thing", "", "", ""},
		{"subject:identifier=http://hospital/mrn|42", ModifierIdentifier, "", "", "", "", "", "http://hospital/mrn", "42"},
	}
	for _, c := range cases {
		q := mustParse(t, "Observation", c.raw)
		f, v := filter1(t, q), value1(t, q)
		str := c.id
		if c.mod == ModifierIdentifier {
			str = c.code
		}
		if f.Modifier != c.mod || f.TargetType != c.target || v.RefType != c.refType || v.RefID != c.id || v.Str != str ||
			v.RefURL != c.url || v.RefVersion != c.version || v.System != c.system || v.Code != c.code {
			t.Errorf("%s: filter %+v value %+v", c.raw, f, v)
		}
	}
	// A canonical reference with a version, and :above/:below on canonical
	// parameters.
	v := value1(t, mustParse(t, "QuestionnaireResponse", "questionnaire=http://x/Questionnaire/q|2.0"))
	if v.RefURL != "http://x/Questionnaire/q" || v.RefVersion != "2.0" || v.RefType != "Questionnaire" || v.RefID != "q" {
		t.Errorf("canonical = %+v", v)
	}
	q := mustParse(t, "PlanDefinition", "depends-on:below=http://x/Library/a|1")
	if f := filter1(t, q); f.Modifier != ModifierBelow || f.Values[0].RefURL != "http://x/Library/a" || f.Values[0].RefVersion != "1" {
		t.Errorf("depends-on:below = %+v", f)
	}
}

func TestParseNumberAndQuantity(t *testing.T) {
	cases := []struct {
		raw    string
		prefix Prefix
		number string
		lo, hi float64
	}{
		{"probability=100", PrefixEq, "100", 99.5, 100.5},
		{"probability=100.00", PrefixEq, "100.00", 99.995, 100.005},
		{"probability=1.5", PrefixEq, "1.5", 1.45, 1.55},
		{"probability=1e2", PrefixEq, "1e2", 50, 150},
		{"probability=1.0E+2", PrefixEq, "1.0E+2", 95, 105},
		{"probability=2.5e-3", PrefixEq, "2.5e-3", 0.00245, 0.00255},
		{"probability=ge5", PrefixGe, "5", 4.5, 5.5},
		{"probability=lt-3", PrefixLt, "-3", -3.5, -2.5},
		{"probability=ne+0.5", PrefixNe, "+0.5", 0.45, 0.55},
		{"probability=gt0", PrefixGt, "0", -0.5, 0.5},
		{"probability=le1", PrefixLe, "1", 0.5, 1.5},
		{"probability=sa1", PrefixSa, "1", 0.5, 1.5},
		{"probability=eb1", PrefixEb, "1", 0.5, 1.5},
		{"probability=ap1", PrefixAp, "1", 0.5, 1.5},
		{"probability=eq1", PrefixEq, "1", 0.5, 1.5},
	}
	for _, c := range cases {
		v := value1(t, mustParse(t, "RiskAssessment", c.raw))
		if v.Prefix != c.prefix || v.Number != c.number || !near(v.NumberLo, c.lo) || !near(v.NumberHi, c.hi) || v.NumberLo > c.lo || v.NumberHi < c.hi {
			t.Errorf("%s = prefix %v number %q [%v, %v); want %v %q [%v, %v)", c.raw, v.Prefix, v.Number, v.NumberLo, v.NumberHi, c.prefix, c.number, c.lo, c.hi)
		}
	}
	qs := []struct {
		raw               string
		prefix            Prefix
		number, sys, code string
		hasSystem         bool
	}{
		{"value-quantity=5.4", PrefixEq, "5.4", "", "", false},
		{"value-quantity=le5.4||mg", PrefixLe, "5.4", "", "mg", false},
		{"value-quantity=gt5.4|http://unitsofmeasure.org|mg", PrefixGt, "5.4", "http://unitsofmeasure.org", "mg", true},
		{`value-quantity=5|http://u|mm\|Hg`, PrefixEq, "5", "http://u", "mm|Hg", true},
	}
	for _, c := range qs {
		v := value1(t, mustParse(t, "Observation", c.raw))
		if v.Prefix != c.prefix || v.Number != c.number || v.System != c.sys || v.Code != c.code || v.HasSystem != c.hasSystem || v.NumberLo >= v.NumberHi {
			t.Errorf("%s = %+v", c.raw, v)
		}
	}
}

func TestParseDate(t *testing.T) {
	sh := time.FixedZone("+8", 8*3600)
	d := func(y, mo, dd, h, mi, s, ns int, loc *time.Location) time.Time {
		return time.Date(y, time.Month(mo), dd, h, mi, s, ns, loc).UTC()
	}
	cases := []struct {
		value  string
		prefix Prefix
		lo, hi time.Time
	}{
		{"2020", PrefixEq, d(2020, 1, 1, 0, 0, 0, 0, sh), d(2021, 1, 1, 0, 0, 0, 0, sh)},
		{"2020-02", PrefixEq, d(2020, 2, 1, 0, 0, 0, 0, sh), d(2020, 3, 1, 0, 0, 0, 0, sh)},
		{"2020-12", PrefixEq, d(2020, 12, 1, 0, 0, 0, 0, sh), d(2021, 1, 1, 0, 0, 0, 0, sh)},
		{"2020-02-29", PrefixEq, d(2020, 2, 29, 0, 0, 0, 0, sh), d(2020, 3, 1, 0, 0, 0, 0, sh)},
		{"ge2020-01-31", PrefixGe, d(2020, 1, 31, 0, 0, 0, 0, sh), d(2020, 2, 1, 0, 0, 0, 0, sh)},
		{"lt2020-01-01T10:30", PrefixLt, d(2020, 1, 1, 10, 30, 0, 0, sh), d(2020, 1, 1, 10, 31, 0, 0, sh)},
		{"2020-01-01T10:30:15", PrefixEq, d(2020, 1, 1, 10, 30, 15, 0, sh), d(2020, 1, 1, 10, 30, 16, 0, sh)},
		{"2020-01-01T10:30:15.25Z", PrefixEq, d(2020, 1, 1, 10, 30, 15, 250000000, time.UTC), d(2020, 1, 1, 10, 30, 15, 260000000, time.UTC)},
		{"2020-01-01T10:30:15.123456789Z", PrefixEq, d(2020, 1, 1, 10, 30, 15, 123456789, time.UTC), d(2020, 1, 1, 10, 30, 15, 123456790, time.UTC)},
		{"2020-01-01T10:30:15Z", PrefixEq, d(2020, 1, 1, 10, 30, 15, 0, time.UTC), d(2020, 1, 1, 10, 30, 16, 0, time.UTC)},
		{"2020-01-01T10:30:15-05:00", PrefixEq, d(2020, 1, 1, 15, 30, 15, 0, time.UTC), d(2020, 1, 1, 15, 30, 16, 0, time.UTC)},
		{"2020-01-01T10:30:15+14:00", PrefixEq, d(2019, 12, 31, 20, 30, 15, 0, time.UTC), d(2019, 12, 31, 20, 30, 16, 0, time.UTC)},
		// An unencoded "+" arrives as a space.
		{"2020-01-01T10:30:15 08:00", PrefixEq, d(2020, 1, 1, 2, 30, 15, 0, time.UTC), d(2020, 1, 1, 2, 30, 16, 0, time.UTC)},
		{"sa2020-01-01T10:30Z", PrefixSa, d(2020, 1, 1, 10, 30, 0, 0, time.UTC), d(2020, 1, 1, 10, 31, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		v := value1(t, mustParse(t, "Patient", "birthdate="+c.value))
		if v.Prefix != c.prefix || !v.Lo.Equal(c.lo) || !v.Hi.Equal(c.hi) || v.Lo.Location() != time.UTC || v.Hi.Location() != time.UTC {
			t.Errorf("%s = %v [%v, %v); want %v [%v, %v)", c.value, v.Prefix, v.Lo, v.Hi, c.prefix, c.lo, c.hi)
		}
	}
	// opts.Zone applies to values without an offset.
	q, err := Parse("Patient", vals("birthdate=2020-06-01"), ParseOptions{Zone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if v := value1(t, q); !v.Lo.Equal(d(2020, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("UTC zone: %v", v.Lo)
	}
	// _lastUpdated is a date parameter on every type.
	if f := filter1(t, mustParse(t, "Observation", "_lastUpdated=gt2020-01-01T00:00:00Z")); f.Param.Type != TypeDate || f.Values[0].Prefix != PrefixGt {
		t.Errorf("_lastUpdated = %+v", f)
	}
}

func TestParseComposite(t *testing.T) {
	f := filter1(t, mustParse(t, "Observation", `combo-code-value-quantity=http://loinc.org|8480-6$lt60|http://unitsofmeasure.org|mm[Hg],x$1`))
	if len(f.Values) != 2 || len(f.Values[1].Parts) != 2 || f.Values[1].Parts[1].Number != "1" {
		t.Errorf("OR of composites = %+v", f.Values)
	}
	v := f.Values[0]
	if len(v.Parts) != 2 {
		t.Fatalf("parts = %+v", v.Parts)
	}
	if p := v.Parts[0]; p.System != "http://loinc.org" || p.Code != "8480-6" || !p.HasSystem {
		t.Errorf("code part = %+v", p)
	}
	if p := v.Parts[1]; p.Prefix != PrefixLt || p.Number != "60" || p.System != "http://unitsofmeasure.org" || p.Code != "mm[Hg]" {
		t.Errorf("quantity part = %+v", p)
	}
	f = filter1(t, mustParse(t, "Observation", `code-value-date=http://loinc.org|1$ge2020,a\$b$2021&_count=1`))
	if len(f.Values) != 2 || f.Values[0].Parts[1].Prefix != PrefixGe || f.Values[1].Parts[0].Code != "a$b" {
		t.Errorf("code-value-date = %+v", f.Values)
	}
	if f := filter1(t, mustParse(t, "Observation", "combo-code-value-quantity:missing=true")); f.Modifier != ModifierMissing || !f.Missing {
		t.Errorf(":missing = %+v", f)
	}
}

func TestParseAndOr(t *testing.T) {
	q := mustParse(t, "Patient", "name=a,b&name=c")
	if len(q.Filters) != 2 || len(q.Filters[0].Values) != 2 || len(q.Filters[1].Values) != 1 || q.Filters[1].Values[0].Str != "c" {
		t.Errorf("AND/OR = %+v", q.Filters)
	}
}

func TestParseChain(t *testing.T) {
	f := filter1(t, mustParse(t, "Observation", "subject.name=peter"))
	if f.Param.Code != "subject" || f.TargetType != "" || f.Values != nil || f.Chain == nil {
		t.Fatalf("subject.name = %+v", f)
	}
	// Untyped: the first target type (sorted) with the parameter.
	if c := f.Chain; c.Param.Code != "name" || c.Param.Resource != "Location" || c.Values[0].Str != "peter" {
		t.Errorf("chain = %+v", c)
	}
	f = filter1(t, mustParse(t, "Observation", "subject:Patient.name:exact=peter"))
	if f.TargetType != "Patient" || f.Modifier != ModifierType || f.Chain.Param.Resource != "Patient" || f.Chain.Modifier != ModifierExact {
		t.Errorf("subject:Patient.name = %+v / %+v", f, f.Chain)
	}
	f = filter1(t, mustParse(t, "Observation", "subject:Patient.organization.name=acme"))
	if f.Chain.Param.Code != "organization" || f.Chain.TargetType != "" || f.Chain.Chain.Param.Resource != "Organization" || f.Chain.Chain.Values[0].Str != "acme" {
		t.Errorf("two-level chain = %+v", f)
	}
	f = filter1(t, mustParse(t, "Observation", "subject:Patient.organization:Organization.partof.name=acme"))
	if d := chainDepth(&f); d != 3 {
		t.Errorf("depth %d", d)
	}
	q := mustParse(t, "Encounter", "subject:Patient.birthdate=ge2000")
	if c := filter1(t, q).Chain; c.Values[0].Prefix != PrefixGe || c.Param.Type != TypeDate {
		t.Errorf("typed chain value = %+v", c)
	}
	// The chained parameter exists on some target only: valid.
	if f := filter1(t, mustParse(t, "Observation", "subject.birthdate=2000")); f.Chain.Param.Resource != "Patient" {
		t.Errorf("subject.birthdate resolved on %s", f.Chain.Param.Resource)
	}
	if f := filter1(t, mustParse(t, "Observation", "subject:missing=true")); f.Modifier != ModifierMissing || !f.Missing {
		t.Errorf("subject:missing = %+v", f)
	}
}

func chainDepth(f *Filter) int {
	n := 0
	for ; f.Chain != nil; f = f.Chain {
		n++
	}
	return n
}

func TestParseHas(t *testing.T) {
	f := filter1(t, mustParse(t, "Patient", "_has:Observation:patient:code=1234"))
	if f.Param != nil || f.Has == nil || f.Has.Type != "Observation" || f.Has.Ref.Code != "patient" || f.Has.Filter.Param.Code != "code" ||
		f.Has.Filter.Values[0].Code != "1234" {
		t.Fatalf("_has = %+v", f)
	}
	f = filter1(t, mustParse(t, "Patient", "_has:Observation:patient:_has:AuditEvent:entity:agent=x"))
	inner := f.Has.Filter
	if inner.Has == nil || inner.Has.Type != "AuditEvent" || inner.Has.Ref.Code != "entity" || inner.Has.Filter.Param.Code != "agent" ||
		inner.Has.Filter.Values[0].RefID != "x" {
		t.Errorf("nested _has = %+v", inner)
	}
	f = filter1(t, mustParse(t, "Patient", "_has:Observation:subject:code:text=bp,pressure"))
	if hf := f.Has.Filter; hf.Modifier != ModifierText || len(hf.Values) != 2 {
		t.Errorf("_has with modifier = %+v", hf)
	}
	f = filter1(t, mustParse(t, "Patient", "_has:Observation:subject:performer:Practitioner.name=x"))
	if hf := f.Has.Filter; hf.Chain == nil || hf.TargetType != "Practitioner" {
		t.Errorf("_has with chain = %+v", hf)
	}
	// Provenance.target may point to any resource.
	mustParse(t, "Organization", "_has:Provenance:target:agent=Practitioner/1")
}

func TestParseResultParams(t *testing.T) {
	q := mustParse(t, "Patient", "_count=0&_total=accurate&_summary=count&_elements=name,deceased,deceasedBoolean&_sort=-birthdate,name,_id,-_lastUpdated&_format=json&_pretty=true")
	if q.Count != 0 || q.Total != TotalAccurate || q.Summary != SummaryCount || !slices.Equal(q.Elements, []string{"name", "deceased", "deceasedBoolean"}) {
		t.Errorf("result = %+v", q)
	}
	want := []struct {
		code string
		desc bool
	}{{"birthdate", true}, {"name", false}, {"_id", false}, {"_lastUpdated", true}}
	if len(q.Sort) != len(want) {
		t.Fatalf("sort = %+v", q.Sort)
	}
	for i, w := range want {
		if q.Sort[i].Param.Code != w.code || q.Sort[i].Descending != w.desc {
			t.Errorf("sort %d = %+v", i, q.Sort[i])
		}
	}
	if q := mustParse(t, "Patient", ""); q.Count != DefaultCount || q.Type != "Patient" || q.Filters != nil {
		t.Errorf("empty query = %+v", q)
	}
	if q := mustParse(t, "Patient", "_count=1000"); q.Count != 1000 {
		t.Errorf("_count=1000 = %d", q.Count)
	}
	q, err := Parse("Patient", vals("_count=5"), ParseOptions{MaxCount: 4})
	if err == nil {
		t.Errorf("_count=5 with MaxCount 4 accepted: %+v", q)
	}
	for s, want := range map[string]Summary{"true": SummaryTrue, "false": SummaryFalse, "text": SummaryText, "data": SummaryData, "count": SummaryCount} {
		if q := mustParse(t, "Patient", "_summary="+s); q.Summary != want {
			t.Errorf("_summary=%s = %v", s, q.Summary)
		}
	}
	for s, want := range map[string]Total{"none": TotalNone, "estimate": TotalEstimate, "accurate": TotalAccurate} {
		if q := mustParse(t, "Patient", "_total="+s); q.Total != want {
			t.Errorf("_total=%s = %v", s, q.Total)
		}
	}
	// Skip: names the caller handles.
	q, err = Parse("Patient", vals("_after=abc&name=x"), ParseOptions{Skip: []string{"_after"}})
	if err != nil || len(q.Filters) != 1 || len(q.Ignored) != 0 {
		t.Errorf("Skip: %+v, %v", q, err)
	}
}

func TestParseIncludes(t *testing.T) {
	q := mustParse(t, "Observation", "_include=Observation:subject&_include=Observation:subject:Patient&_include=Observation:*&_include:iterate=Patient:general-practitioner&_include:recurse=Patient:organization&_revinclude=Provenance:target&_revinclude:iterate=Observation:performer")
	if len(q.Includes) != 5 || len(q.RevIncludes) != 2 {
		t.Fatalf("includes = %+v / %+v", q.Includes, q.RevIncludes)
	}
	in := q.Includes
	if in[0].Source != "Observation" || in[0].Param.Code != "subject" || in[0].TargetType != "" || in[0].Iterate {
		t.Errorf("include 0 = %+v", in[0])
	}
	if in[1].TargetType != "Patient" || in[2].Param != nil {
		t.Errorf("includes 1, 2 = %+v %+v", in[1], in[2])
	}
	if !in[3].Iterate || in[3].Source != "Patient" || !in[4].Iterate {
		t.Errorf("iterate includes = %+v %+v", in[3], in[4])
	}
	if r := q.RevIncludes; r[0].Source != "Provenance" || r[0].Param.Code != "target" || r[0].Iterate || !r[1].Iterate {
		t.Errorf("revincludes = %+v", r)
	}
}

func TestParseSystemLevel(t *testing.T) {
	q := mustParse(t, "", "_id=1&_lastUpdated=ge2020&_tag=a|b&_sort=-_lastUpdated")
	if q.Type != "" || len(q.Filters) != 3 || q.Filters[0].Param.Resource != "Resource" || len(q.Sort) != 1 {
		t.Errorf("system = %+v", q)
	}
	q = mustParse(t, "", "_type=Patient,Group,Patient&identifier=a|b&_include=Patient:organization&_elements=identifier,birthDate&_has:Observation:subject:code=x")
	if !slices.Equal(q.Types, []string{"Patient", "Group"}) || q.Filters[1].Param.Resource != "Patient" || q.Filters[1].Param.Code != "identifier" {
		t.Errorf("system with _type = %+v", q)
	}
	// Every type of _type must have the parameter, with one type.
	if _, err := Parse("", vals("_type=Patient,Person&birthdate=2000"), ParseOptions{}); err != nil {
		t.Errorf("birthdate on Patient,Person: %v", err)
	}
}

func TestParseDeterministicOrder(t *testing.T) {
	raw := "name=b&name=a&birthdate=2000&_sort=name&gender=male&_id=1"
	first := mustParse(t, "Patient", raw)
	var codes []string
	for _, f := range first.Filters {
		codes = append(codes, f.Param.Code+"="+f.Values[0].Raw)
	}
	if want := []string{"_id=1", "birthdate=2000", "gender=male", "name=b", "name=a"}; !slices.Equal(codes, want) {
		t.Errorf("order = %v, want %v", codes, want)
	}
}

// near reports whether a and b are within one part in 10^12.
func near(a, b float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= 1e-12*max(1, a, -a)
}
