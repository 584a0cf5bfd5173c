package resources

import (
	"cmp"
	"reflect"
	"slices"
	"testing"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

func decodeTest(t *testing.T, js string) map[string]any {
	t.Helper()
	m, err := fhir.Decode([]byte(js), 0)
	if err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	return m
}

// sortedIndex orders index entries so that comparisons do not depend on
// map iteration order.
func sortedIndex(idx store.Index) store.Index {
	slices.SortFunc(idx.Tokens, func(a, b store.Token) int {
		return cmp.Or(cmp.Compare(a.Param, b.Param), cmp.Compare(a.System, b.System), cmp.Compare(a.Code, b.Code))
	})
	slices.SortFunc(idx.Refs, func(a, b store.Ref) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.TargetType, b.TargetType), cmp.Compare(a.TargetID, b.TargetID))
	})
	return idx
}

func tok(system, code string) store.Token {
	return store.Token{Param: "identifier", System: system, Code: code}
}

func TestIndexOfTokens(t *testing.T) {
	for _, c := range []struct {
		name, res string
		want      []store.Token
	}{
		{"system and value", `{"resourceType":"Patient","identifier":[{"system":"http://a","value":"1"},{"system":"http://b","value":"2"}]}`,
			[]store.Token{tok("http://a", "1"), tok("http://b", "2")}},
		{"no system", `{"resourceType":"Patient","identifier":[{"value":"1"}]}`,
			[]store.Token{tok("", "1")}},
		{"no value", `{"resourceType":"Patient","identifier":[{"system":"http://a"},{"system":"http://a","value":""}]}`, nil},
		{"single object", `{"resourceType":"Patient","identifier":{"system":"http://a","value":"1"}}`,
			[]store.Token{tok("http://a", "1")}},
		{"repeated", `{"resourceType":"Patient","identifier":[{"system":"http://a","value":"1"},{"system":"http://a","value":"1"}]}`,
			[]store.Token{tok("http://a", "1")}},
		{"not an identifier element", `{"resourceType":"Patient","name":[{"text":"x"}],"contained":[{"resourceType":"Patient","id":"c","identifier":[{"value":"9"}]}]}`, nil},
		{"wrong shapes", `{"resourceType":"Patient","identifier":["x",1,{"value":2}]}`, nil},
	} {
		got := sortedIndex(indexOf(decodeTest(t, c.res))).Tokens
		if len(got) == 0 && len(c.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: tokens %v, want %v", c.name, got, c.want)
		}
	}
}

func TestIndexOfRefs(t *testing.T) {
	r := decodeTest(t, `{"resourceType":"Observation","id":"o1",
		"meta":{"source":"Patient/meta"},
		"text":{"status":"generated","div":"<div>Patient/text</div>"},
		"identifier":[{"value":"1","assigner":{"reference":"Organization/org1"}}],
		"subject":{"reference":"Patient/p1"},
		"performer":[{"reference":"Practitioner/pr1"},{"reference":"Practitioner/pr2/_history/3"},{"display":"nobody"}],
		"hasMember":[{"reference":"Observation/m1"},{"reference":"Observation/m1"}],
		"extension":[{"url":"http://x","extension":[{"url":"inner","valueReference":{"reference":"Patient/deep"}}]}],
		"contained":[{"resourceType":"Patient","id":"c1","managingOrganization":{"reference":"Organization/contained"}}],
		"focus":[
			{"reference":"#c1"},
			{"reference":"http://other.example/fhir/Patient/abs"},
			{"reference":"urn:uuid:00000000-0000-4000-8000-000000000001"},
			{"reference":"Patient?identifier=http://a|1"},
			{"reference":"Patient?_id=a/b"},
			{"reference":"Patient/p9/_history"},
			{"reference":"Patient/p9/_history/"},
			{"reference":"Patient/p9/other/1"},
			{"reference":"patient/p9"},
			{"reference":"Patient/"},
			{"reference":"Patient/bad id"},
			{"reference":7}
		],
		"derivedFrom":[{"reference":"DocumentReference/d1","extension":[{"url":"http://y","valueReference":{"reference":"Patient/inext"}}]}]
	}`)
	got := sortedIndex(indexOf(r)).Refs
	want := []store.Ref{
		{Path: "derivedFrom", TargetType: "DocumentReference", TargetID: "d1"},
		{Path: "derivedFrom", TargetType: "Patient", TargetID: "inext"},
		{Path: "extension", TargetType: "Patient", TargetID: "deep"},
		{Path: "hasMember", TargetType: "Observation", TargetID: "m1"},
		{Path: "identifier", TargetType: "Organization", TargetID: "org1"},
		{Path: "performer", TargetType: "Practitioner", TargetID: "pr1"},
		{Path: "performer", TargetType: "Practitioner", TargetID: "pr2"},
		{Path: "subject", TargetType: "Patient", TargetID: "p1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("refs:\ngot  %v\nwant %v", got, want)
	}
}

func TestSplitLocalRef(t *testing.T) {
	for _, c := range []struct {
		ref, typ, id string
	}{
		{"Patient/1", "Patient", "1"},
		{"Patient/a.b-C", "Patient", "a.b-C"},
		{"Patient/1/_history/2", "Patient", "1"},
		{"Patient/1/_history", "", ""},
		{"Patient/1/_history/", "", ""},
		{"Patient/1/x/2", "", ""},
		{"Patient?identifier=a/b", "", ""},
		{"http://x/Patient/1", "", ""},
		{"urn:uuid:1/2", "", ""},
		{"#c", "", ""},
		{"/Patient/1", "", ""},
		{"Patient1/1", "", ""},
		{"Patient/", "", ""},
		{"Patient/a b", "", ""},
	} {
		typ, id, ok := splitLocalRef(c.ref)
		if ok != (c.typ != "") || typ != c.typ || id != c.id {
			t.Errorf("splitLocalRef(%q) = %q, %q, %v; want %q, %q", c.ref, typ, id, ok, c.typ, c.id)
		}
	}
}

func TestValidID(t *testing.T) {
	long := "a123456789012345678901234567890123456789012345678901234567890123"
	for id, want := range map[string]bool{
		"a": true, "A-z.0": true, long[:64]: true, long + "x": false,
		"": false, "a b": false, "a/b": false, "a_b": false, "é": false, "a\n": false,
	} {
		if got := ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", id, got, want)
		}
	}
}
