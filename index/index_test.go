package index

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/store"
)

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

func micros(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UnixMicro()
}

func TestDateRange(t *testing.T) {
	for _, c := range []struct {
		in     string
		lo, hi string // RFC 3339; hi is the last microsecond covered
		bad    bool
	}{
		{in: "2020", lo: "2019-12-31T16:00:00Z", hi: "2020-12-31T15:59:59.999999Z"},
		{in: "2020-02", lo: "2020-01-31T16:00:00Z", hi: "2020-02-29T15:59:59.999999Z"},
		{in: "2020-02-29", lo: "2020-02-28T16:00:00Z", hi: "2020-02-29T15:59:59.999999Z"},
		{in: "2020-03-01T10:00:00Z", lo: "2020-03-01T10:00:00Z", hi: "2020-03-01T10:00:00.999999Z"},
		{in: "2020-03-01T10:00Z", lo: "2020-03-01T10:00:00Z", hi: "2020-03-01T10:00:59.999999Z"},
		{in: "2020-03-01T10:00:00.5+08:00", lo: "2020-03-01T02:00:00.5Z", hi: "2020-03-01T02:00:00.599999Z"},
		{in: "2020-03-01T10:00:00.123456789-05:00", lo: "2020-03-01T15:00:00.123456Z", hi: "2020-03-01T15:00:00.123456Z"},
		{in: "2020-03-01T10:00:00", lo: "2020-03-01T02:00:00Z", hi: "2020-03-01T02:00:00.999999Z"},
		{in: "2019-02-29", bad: true},
		{in: "2020-13", bad: true},
		{in: "20", bad: true},
		{in: "2020-03-01T25:00:00Z", bad: true},
		{in: "2020-03-01T10:00:00+15:00", bad: true},
		{in: "2020-03-01X", bad: true},
		{in: "2020-03-01T10:00:00.Z", bad: true},
	} {
		lo, hi, ok := dateRange(c.in, shanghai)
		if ok == c.bad {
			t.Errorf("%s: ok = %v", c.in, ok)
			continue
		}
		if c.bad {
			continue
		}
		if lo != micros(c.lo) || hi != micros(c.hi) {
			t.Errorf("%s: [%s, %s], want [%s, %s]", c.in,
				time.UnixMicro(lo).UTC().Format(time.RFC3339Nano), time.UnixMicro(hi).UTC().Format(time.RFC3339Nano), c.lo, c.hi)
		}
	}
}

func indexOf(t *testing.T, js string) store.Index {
	t.Helper()
	res, err := fhir.Decode([]byte(js), 0)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := New(search.DefaultRegistry(), shanghai).Index(res)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func TestIndexPatient(t *testing.T) {
	idx := indexOf(t, `{"resourceType":"Patient","id":"p1",
		"identifier":[{"system":"urn:oid:2.16.156.10011.1.2","value":"110101199003077777",
			"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"NNCHN"}]}}],
		"name":[{"family":"张","given":["三"]},{"family":"Müller","given":["Zoë"]}],
		"gender":"male","birthDate":"1990-03-07","active":true,
		"telecom":[{"system":"phone","value":"13800000000"}],
		"address":[{"city":"北京","district":"东城区","postalCode":"100010"}],
		"managingOrganization":{"reference":"Organization/o1"},
		"generalPractitioner":[{"reference":"http://other.example/fhir/Practitioner/9"}],
		"deceasedBoolean":false}`)
	for _, want := range []store.Token{
		{Param: "identifier", System: "urn:oid:2.16.156.10011.1.2", Code: "110101199003077777"},
		{Param: "identifier:of-type", System: "http://terminology.hl7.org/CodeSystem/v2-0203|NNCHN", Code: "110101199003077777"},
		{Param: "gender", System: "http://hl7.org/fhir/administrative-gender", Code: "male"},
		{Param: "active", Code: "true"},
		{Param: "phone", Code: "13800000000"},
		{Param: "deceased", Code: "false"},
	} {
		if !slices.Contains(idx.Tokens, want) {
			t.Errorf("token %+v missing from %+v", want, idx.Tokens)
		}
	}
	for _, want := range []store.StringEntry{
		{Param: "name", Norm: "张三", Exact: "张三"},
		{Param: "family", Norm: "muller", Exact: "Müller"},
		{Param: "given", Norm: "zoe", Exact: "Zoë"},
		{Param: "address-city", Norm: "北京", Exact: "北京"},
		{Param: "address", Norm: "东城区", Exact: "东城区"},
	} {
		if !slices.Contains(idx.Strings, want) {
			t.Errorf("string %+v missing", want)
		}
	}
	for _, want := range []store.Ref{
		{Param: "organization", TargetType: "Organization", TargetID: "o1"},
		{Param: "general-practitioner", TargetID: "http://other.example/fhir/Practitioner/9"},
	} {
		if !slices.Contains(idx.Refs, want) {
			t.Errorf("reference %+v missing from %+v", want, idx.Refs)
		}
	}
	// Another server's Practitioner/9 is not this server's.
	if slices.Contains(idx.Refs, store.Ref{Param: "general-practitioner", TargetType: "Practitioner", TargetID: "9"}) {
		t.Error("an absolute reference was indexed as a local one")
	}
	want := store.DateEntry{Param: "birthdate", Lo: micros("1990-03-06T16:00:00Z"), Hi: micros("1990-03-07T15:59:59.999999Z")}
	if !slices.Contains(idx.Dates, want) {
		t.Errorf("birthdate %+v missing from %+v", want, idx.Dates)
	}
}

func TestIndexObservation(t *testing.T) {
	idx := indexOf(t, `{"resourceType":"Observation","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"85354-9","display":"Blood pressure"}],"text":"BP"},
		"subject":{"reference":"Patient/p1"},
		"effectivePeriod":{"start":"2024-05-01T08:00:00+08:00"},
		"component":[
			{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":140,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
			{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":90,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}`)
	for _, want := range []store.Token{
		{Param: "code", System: "http://loinc.org", Code: "85354-9"},
		{Param: "component-code", System: "http://loinc.org", Code: "8480-6"},
		{Param: "status", System: "http://hl7.org/fhir/observation-status", Code: "final"},
	} {
		if !slices.Contains(idx.Tokens, want) {
			t.Errorf("token %+v missing", want)
		}
	}
	for _, want := range []store.StringEntry{
		{Param: "code", Norm: "blood pressure", Exact: "Blood pressure"},
		{Param: "code", Norm: "bp", Exact: "BP"},
	} {
		if !slices.Contains(idx.Strings, want) {
			t.Errorf(":text string %+v missing", want)
		}
	}
	if !slices.Contains(idx.Refs, store.Ref{Param: "patient", TargetType: "Patient", TargetID: "p1"}) {
		t.Error("patient reference missing")
	}
	for _, want := range []store.QuantityEntry{
		{Param: "component-value-quantity", System: "http://unitsofmeasure.org", Code: "mm[Hg]", Value: 140},
		{Param: "component-value-quantity", Code: "mmHg", Value: 140},
		{Param: "combo-value-quantity", System: "http://unitsofmeasure.org", Code: "mm[Hg]", Value: 90},
	} {
		if !slices.Contains(idx.Quantities, want) {
			t.Errorf("quantity %+v missing from %+v", want, idx.Quantities)
		}
	}
	open := store.DateEntry{Param: "date", Lo: micros("2024-05-01T00:00:00Z"), Hi: math.MaxInt64}
	if !slices.Contains(idx.Dates, open) {
		t.Errorf("open period %+v missing from %+v", open, idx.Dates)
	}
	pair := store.CompositeEntry{Param: "component-code-value-quantity", ACode: "8480-6", ASystem: "http://loinc.org", BCode: "mm[Hg]", BSystem: "http://unitsofmeasure.org", Num: 140}
	cross := store.CompositeEntry{Param: "component-code-value-quantity", ACode: "8480-6", ASystem: "http://loinc.org", BCode: "mm[Hg]", BSystem: "http://unitsofmeasure.org", Num: 90}
	if !slices.Contains(idx.Composites, pair) || slices.Contains(idx.Composites, cross) {
		t.Errorf("composites must pair each component's code with its own value: %+v", idx.Composites)
	}
}

// TestImpliedSystem: a code is indexed with the system its element's
// required binding implies (R4 search 3.1.1.4.6); other primitives, codes
// without such a binding and Codings keep theirs.
func TestImpliedSystem(t *testing.T) {
	cases := []struct {
		name, res string
		want      store.Token
	}{
		{"gender", `{"resourceType":"Patient","gender":"female"}`,
			store.Token{Param: "gender", System: "http://hl7.org/fhir/administrative-gender", Code: "female"}},
		{"code not in the value set keeps the system", `{"resourceType":"Patient","gender":"F"}`,
			store.Token{Param: "gender", System: "http://hl7.org/fhir/administrative-gender", Code: "F"}},
		{"datatype element", `{"resourceType":"Patient","address":[{"use":"home"}]}`,
			store.Token{Param: "address-use", System: "http://hl7.org/fhir/address-use", Code: "home"}},
		{"status", `{"resourceType":"Observation","status":"final","code":{"text":"x"}}`,
			store.Token{Param: "status", System: "http://hl7.org/fhir/observation-status", Code: "final"}},
		{"several systems: none implied", `{"resourceType":"Task","intent":"order","status":"draft"}`,
			store.Token{Param: "intent", Code: "order"}},
		{"no binding (boolean)", `{"resourceType":"Patient","active":true}`,
			store.Token{Param: "active", Code: "true"}},
		{"coding keeps its own system", `{"resourceType":"Condition","clinicalStatus":{"coding":[{"system":"http://example.org/cs","code":"active"}]},"subject":{"reference":"Patient/1"}}`,
			store.Token{Param: "clinical-status", System: "http://example.org/cs", Code: "active"}},
		{"contact point value", `{"resourceType":"Patient","telecom":[{"system":"phone","value":"123"}]}`,
			store.Token{Param: "phone", Code: "123"}},
	}
	for _, c := range cases {
		idx := indexOf(t, c.res)
		var got []store.Token
		for _, tk := range idx.Tokens {
			if tk.Param == c.want.Param {
				got = append(got, tk)
			}
		}
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("%s: tokens %+v, want %+v", c.name, got, c.want)
		}
	}
}
