package search

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
)

func TestRegistryLookup(t *testing.T) {
	r := DefaultRegistry()
	if r != DefaultRegistry() {
		t.Error("DefaultRegistry is not cached")
	}
	p := r.Lookup("Patient", "birthdate")
	if p == nil || p.Type != TypeDate || p.Resource != "Patient" || p.Expression != "Patient.birthDate" {
		t.Fatalf("Patient birthdate = %+v", p)
	}
	if r.LookupURL("Patient", p.URL) != p {
		t.Error("LookupURL does not find birthdate")
	}
	if r.Lookup("Patient", "nosuch") != nil || r.Lookup("Nope", "name") != nil || r.Params("Nope") != nil {
		t.Error("unknown lookups are not nil")
	}
	// The common parameters exist on every type, with their defined types.
	common := map[string]Type{"_id": TypeToken, "_lastUpdated": TypeDate, "_tag": TypeToken, "_security": TypeToken,
		"_profile": TypeURI, "_source": TypeURI, "_content": TypeString}
	for _, rt := range append(spec.ResourceTypes(), "Resource", "DomainResource") {
		for code, typ := range common {
			if p := r.Lookup(rt, code); p == nil || p.Type != typ || p.Resource != rt {
				t.Errorf("%s %s = %+v", rt, code, p)
			}
		}
		ps := r.Params(rt)
		if !slices.IsSortedFunc(ps, func(a, b *Param) int { return strings.Compare(a.Code, b.Code) }) {
			t.Errorf("Params(%s) is not sorted", rt)
		}
		for _, p := range ps {
			if p.Type == 0 {
				t.Errorf("%s %s has no type", rt, p.Code)
			}
			for i, c := range p.Components {
				if c.Param == nil || c.Param.Resource != rt || c.Param != r.LookupURL(rt, c.Param.URL) {
					t.Errorf("%s %s component %d = %+v", rt, p.Code, i, c)
				}
			}
		}
	}
	if p := r.Lookup("Patient", "_text"); p == nil || p.Type != TypeString {
		t.Errorf("Patient _text = %+v", p)
	}
	if r.Lookup("Bundle", "_text") != nil || r.Lookup("Resource", "_text") != nil {
		t.Error("_text on a type that is not a DomainResource")
	}
	combo := r.Lookup("Observation", "combo-code-value-quantity")
	if combo == nil || len(combo.Components) != 2 || combo.Components[0].Param.Code != "combo-code" || combo.Components[1].Param.Type != TypeQuantity {
		t.Errorf("combo-code-value-quantity = %+v", combo)
	}
	// clinical-code is narrowed per type; as a component it resolves on the
	// composite's own type.
	if p := r.Lookup("Condition", "code"); p.Expression != "Condition.code" {
		t.Errorf("Condition code = %q", p.Expression)
	}
	cvq := r.Lookup("Observation", "code-value-quantity")
	if c := cvq.Components[0].Param; c.Code != "code" || c.Expression != "Observation.code" {
		t.Errorf("code-value-quantity component = %+v", c)
	}
	ps := r.Params("Patient")
	ps[0] = nil
	if r.Params("Patient")[0] == nil {
		t.Error("Params does not return a fresh slice")
	}
}

func TestRegistryKinds(t *testing.T) {
	r := DefaultRegistry()
	cases := []struct {
		rt, code              string
		identifier, canonical bool
	}{
		{"Patient", "identifier", true, false},
		{"DocumentReference", "identifier", true, false}, // masterIdentifier | identifier
		{"Patient", "name", false, false},
		{"PlanDefinition", "depends-on", false, true}, // relatedArtifact.where(...).resource | library
		{"QuestionnaireResponse", "questionnaire", false, true},
		{"Observation", "subject", false, false},
		{"Observation", "patient", false, false},
	}
	for _, c := range cases {
		k := r.kinds(r.Lookup(c.rt, c.code))
		if k.identifier != c.identifier || k.canonical != c.canonical {
			t.Errorf("%s %s kinds = %+v", c.rt, c.code, k)
		}
	}
	if k := elementKinds("(Foo.bar"); k != (elemKinds{}) {
		t.Errorf("unbalanced expression kinds = %+v", k)
	}
}

func TestRegistryAdd(t *testing.T) {
	if err := DefaultRegistry().Add(&Param{Code: "x", Resource: "Patient", Type: TypeString}); fhir.CodeOf(err) != fhir.IssueNotSupported {
		t.Errorf("Add on the default registry: %v", err)
	}
	r := NewRegistry()
	before := r.Params("Patient")
	p := &Param{Code: "mothers-maiden-name", Resource: "Patient", Type: TypeString, URL: "http://example.org/sp/mmn",
		Expression: "Patient.extension('http://example.org/mmn').value"}
	if err := r.Add(p); err != nil {
		t.Fatal(err)
	}
	p.Code = "changed"
	got := r.Lookup("Patient", "mothers-maiden-name")
	if got == nil || got.Code != "mothers-maiden-name" || r.LookupURL("Patient", "http://example.org/sp/mmn") != got {
		t.Fatalf("added param = %+v", got)
	}
	if n := len(r.Params("Patient")); n != len(before)+1 {
		t.Errorf("%d params after Add, want %d", n, len(before)+1)
	}
	if DefaultRegistry().Lookup("Patient", "mothers-maiden-name") != nil {
		t.Error("Add changed the default registry")
	}
	if q, err := Parse("Patient", vals("mothers-maiden-name:exact=Li"), ParseOptions{Registry: r}); err != nil || q.Filters[0].Param != got {
		t.Errorf("Parse with the custom registry: %+v, %v", q, err)
	}
	code := r.Lookup("Observation", "code")
	bad := []struct {
		p    Param
		frag string
	}{
		{Param{Code: "x", Resource: "Nope", Type: TypeString}, "not a resource type"},
		{Param{Code: "x", Resource: "Resource", Type: TypeString}, "not a resource type"},
		{Param{Code: "name", Resource: "Patient", Type: TypeString}, "already has a parameter"},
		{Param{Code: "_id", Resource: "Patient", Type: TypeToken}, "already has a parameter"},
		{Param{Code: "_count", Resource: "Patient", Type: TypeToken}, "already has a parameter"},
		{Param{Code: "mothers-maiden-name", Resource: "Patient", Type: TypeString}, "already has a parameter"},
		{Param{Code: "a:b", Resource: "Patient", Type: TypeString}, "code is not valid"},
		{Param{Code: "", Resource: "Patient", Type: TypeString}, "code is not valid"},
		{Param{Code: "x", Resource: "Patient", Type: 0}, "not supported"},
		{Param{Code: "x", Resource: "Patient", Type: TypeSpecial}, "not supported"},
		{Param{Code: "x", Resource: "Patient", Type: 42}, "not supported"},
		{Param{Code: "x", Resource: "Patient", Type: TypeReference, Targets: []string{"Nope"}}, "target"},
		{Param{Code: "x", Resource: "Patient", Type: TypeString, Targets: []string{"Patient"}}, "only reference"},
		{Param{Code: "x", Resource: "Patient", Type: TypeString, URL: "http://example.org/sp/mmn"}, "already has a parameter with URL"},
		{Param{Code: "x", Resource: "Observation", Type: TypeComposite}, "at least two"},
		{Param{Code: "x", Resource: "Observation", Type: TypeComposite, Components: []Component{{Param: code}, {}}}, "component 2 has no parameter"},
		{Param{Code: "x", Resource: "Patient", Type: TypeComposite, Components: []Component{{Param: code}, {Param: code}}}, "component 1 is a parameter of"},
		{Param{Code: "x", Resource: "Patient", Type: TypeString, Components: []Component{{Param: code}}}, "only composite"},
	}
	for _, c := range bad {
		err := r.Add(&c.p)
		if fhir.CodeOf(err) != fhir.IssueInvalid || !strings.Contains(err.Error(), c.frag) {
			t.Errorf("Add(%+v) = %v, want %q", c.p, err, c.frag)
		}
	}
	if err := r.Add(nil); err == nil {
		t.Error("Add(nil) accepted")
	}
	ok := Param{Code: "code-code", Resource: "Observation", Type: TypeComposite,
		Components: []Component{{Param: code, Expression: "code"}, {Param: code, Expression: "code"}}}
	if err := r.Add(&ok); err != nil {
		t.Errorf("composite: %v", err)
	}
}

func TestRegistryConcurrentAdd(t *testing.T) {
	r := NewRegistry()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := r.Add(&Param{Code: "custom-" + string(rune('a'+i)), Resource: "Patient", Type: TypeToken}); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := Parse("Patient", vals("name=x"), ParseOptions{Registry: r}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(r.Params("Patient")) - len(DefaultRegistry().Params("Patient")); n != 8 {
		t.Errorf("%d custom params, want 8", n)
	}
}
