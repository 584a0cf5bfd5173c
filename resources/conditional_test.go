package resources_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/index"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
)

func TestConditionalCreate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := patient("One", ident("http://a", "1"))
		r, err := e.svc.Create(ctx, res(t, body), "identifier=http://a|1")
		if err != nil {
			t.Fatal(err)
		}
		if !r.Created || r.Unchanged || r.Version.ID != "id-1" {
			t.Fatalf("no match: %+v, want a new resource", r.Version)
		}
		before := e.total()
		m, err := e.svc.Create(ctx, res(t, patient("Other", ident("http://a", "1"))), "identifier=http://a|1")
		if err != nil {
			t.Fatal(err)
		}
		if m.Created || !m.Unchanged || m.Version.ID != "id-1" || m.Version.VersionID != 1 {
			t.Errorf("one match: %+v created=%v unchanged=%v, want id-1 v1 unchanged", m.Version, m.Created, m.Unchanged)
		}
		wantJSON(t, "matched resource", m.Resource, r.Resource)
		if e.total() != before {
			t.Error("a matching conditional create wrote a version")
		}
		e.create(patient("Two", ident("http://a", "1")))
		before = e.total()
		_, err = e.svc.Create(ctx, res(t, body), "identifier=http://a|1")
		wantErr(t, err, fhir.IssueMultiple, 412, "several")
		_, err = e.svc.Create(ctx, res(t, body), "nonsense=One")
		wantErr(t, err, fhir.IssueNotSupported, 400, "nonsense")
		if e.total() != before {
			t.Error("a failed conditional create wrote a version")
		}
	})
}

func TestConditionalUpdate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		// No match, body id: created under that id.
		r, err := e.svc.ConditionalUpdate(ctx, "Patient", "identifier=http://a|1",
			res(t, `{"resourceType":"Patient","id":"given","identifier":[{"system":"http://a","value":"1"}]}`), 0)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Created {
			t.Error("no match: not created")
		}
		wantStamped(t, r, "given", 1, e.last)
		// No match, no body id: a new id.
		r, err = e.svc.ConditionalUpdate(ctx, "Patient", "identifier=http://a|2", res(t, patient("New", ident("http://a", "2"))), 0)
		if err != nil {
			t.Fatal(err)
		}
		wantStamped(t, r, "id-1", 1, e.last)
		// One match: that resource is updated, with or without a body id.
		r, err = e.svc.ConditionalUpdate(ctx, "Patient", "identifier=http://a|1", res(t, patient("Upd", ident("http://a", "1"))), 0)
		if err != nil {
			t.Fatal(err)
		}
		if r.Created {
			t.Error("one match: reported as created")
		}
		wantStamped(t, r, "given", 2, e.last)
		r, err = e.svc.ConditionalUpdate(ctx, "Patient", "identifier=http://a|1",
			res(t, `{"resourceType":"Patient","id":"given","active":true,"identifier":[{"system":"http://a","value":"1"}]}`), 3)
		wantErr(t, err, fhir.IssueConflict, 412)
		_, err = e.svc.ConditionalUpdate(ctx, "Patient", "identifier=http://a|1",
			res(t, `{"resourceType":"Patient","id":"other","identifier":[{"system":"http://a","value":"1"}]}`), 0)
		wantErr(t, err, fhir.IssueInvalid, 400, "other", "given")
		// Several matches: 412, nothing written.
		e.create(patient("Twin", ident("http://a", "1")))
		before := e.total()
		_, err = e.svc.ConditionalUpdate(ctx, "Patient", "identifier=http://a|1", res(t, patient("X")), 0)
		wantErr(t, err, fhir.IssueMultiple, 412)
		_, err = e.svc.ConditionalUpdate(ctx, "Patx", "identifier=1", res(t, patient("X")), 0)
		wantErr(t, err, fhir.IssueNotSupported, 404)
		if e.total() != before {
			t.Error("a failed conditional update wrote a version")
		}
	})
}

func TestConditionalPatch(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		patch := []byte(`[{"op":"add","path":"/active","value":true}]`)
		_, err := e.svc.ConditionalPatch(ctx, "Patient", "identifier=http://a|1", patch, 0)
		wantErr(t, err, fhir.IssueNotFound, 404)
		e.create(patient("One", ident("http://a", "1")))
		r, err := e.svc.ConditionalPatch(ctx, "Patient", "identifier=http://a|1", patch, 1)
		if err != nil {
			t.Fatal(err)
		}
		wantStamped(t, r, "id-1", 2, e.last)
		wantEqual(t, "active", e.read("Patient", "id-1")["active"], true)
		e.create(patient("Twin", ident("http://a", "1")))
		_, err = e.svc.ConditionalPatch(ctx, "Patient", "identifier=http://a|1", patch, 0)
		wantErr(t, err, fhir.IssueMultiple, 412)
	})
}

func TestConditionalDelete(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		_, err := e.svc.ConditionalDelete(ctx, "Patient", "identifier=http://a|1")
		wantErr(t, err, fhir.IssueNotFound, 404)
		e.create(patient("One", ident("http://a", "1")))
		r, err := e.svc.ConditionalDelete(ctx, "Patient", "identifier=http://a|1")
		if err != nil {
			t.Fatal(err)
		}
		if !r.Version.Deleted || r.Version.ID != "id-1" || r.Version.VersionID != 2 {
			t.Errorf("deleted %+v", r.Version)
		}
		// A deleted resource no longer matches.
		_, err = e.svc.ConditionalDelete(ctx, "Patient", "identifier=http://a|1")
		wantErr(t, err, fhir.IssueNotFound, 404)
		e.create(patient("A", ident("http://a", "2")))
		e.create(patient("B", ident("http://a", "2")))
		_, err = e.svc.ConditionalDelete(ctx, "Patient", "identifier=http://a|2")
		wantErr(t, err, fhir.IssueMultiple, 412)
		for _, id := range []string{"id-2", "id-3"} {
			e.read("Patient", id) // fails the test when deleted
		}
	})
}

func TestParseCriteria(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for id, js := range map[string]string{
			"p1": patient("A", ident("http://a", "1")),
			"p2": patient("B", ident("http://b", "1")),
			"p3": patient("C", ident("", "1")),
			"p4": patient("D", ident("http://a", "2"), ident("http://b", "3")),
			"p5": patient("E", ident("http://a", "1")), // deleted below
			"p6": patient("F"),
		} {
			m := res(t, js)
			m["id"] = id
			if _, err := e.svc.Update(ctx, "Patient", id, m, 0); err != nil {
				t.Fatal(err)
			}
		}
		e.update("Organization", "o1", `{"resourceType":"Organization","id":"o1","identifier":[{"system":"http://a","value":"1"}]}`)
		e.delete("Patient", "p5")
		current := map[string]map[string]any{}
		for _, id := range []string{"p1", "p2", "p3", "p4", "p6"} {
			current[id] = e.read("Patient", id)
		}
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"identifier=http://a|1", []string{"p1"}},
			{"identifier=1", []string{"p1", "p2", "p3"}},
			{"identifier=|1", []string{"p3"}},
			{"identifier=http://a|1,http://a|2", []string{"p1", "p4"}},
			{"identifier=http://a|1,|1", []string{"p1", "p3"}},
			{"identifier=http://a|2&identifier=http://b|3", []string{"p4"}},
			{"identifier=http://a|1&identifier=http://b|3", nil},
			{"identifier=http%3A%2F%2Fa%7C1", []string{"p1"}},
			{"identifier=http://c|1", nil},
			{"_id=p1", []string{"p1"}},
			{"_id=p2,p1,p2", []string{"p1", "p2"}},
			{"_id=p5", nil},
			{"_id=nobody", nil},
			{"_id=p1,p2&_id=p2,p3", []string{"p2"}},
			{"_id=p1&identifier=http://a|1", []string{"p1"}},
			{"_id=p2&identifier=http://a|1", nil},
			{"_id=p1,p4&identifier=http://a|2", []string{"p4"}},
			{"identifier=http://a|1&_id=p1,p2,p3", []string{"p1"}},
			{"Patient?identifier=http://a|1", []string{"p1"}}, // the type repeated, as some clients send If-None-Exist
			{"identifier=http://b|", []string{"p2", "p4"}},
			{"name=b", []string{"p2"}},
			{"name:exact=B&identifier=1", []string{"p2"}},
			{"identifier:not=1", []string{"p4", "p6"}},
			{"name:missing=true", nil},
		} {
			crit, err := resources.ParseCriteria("Patient", c.query)
			if err != nil {
				t.Errorf("%s: %v", c.query, err)
				continue
			}
			var got []string
			err = e.st.View(ctx, func(tx store.Tx) error {
				var err error
				got, err = crit.Find(ctx, tx, 10)
				return err
			})
			slices.Sort(got) // creation order, which the map above randomizes
			if err != nil {
				t.Fatalf("%s: %v", c.query, err)
			}
			wantEqual(t, c.query+" in the store", got, c.want)
			// The in-memory matcher (for resources of a bundle) agrees.
			var mem []string
			for id, r := range current {
				idx, err := index.Default().Index(r)
				if err != nil {
					t.Fatal(err)
				}
				ok, err := crit.Matches("Patient", id, idx)
				if err != nil {
					t.Fatalf("%s: %v", c.query, err)
				}
				if ok {
					mem = append(mem, id)
				}
			}
			slices.Sort(mem)
			wantEqual(t, c.query+" in memory", mem, c.want)
		}
	})
}

func TestParseCriteriaRefused(t *testing.T) {
	for _, c := range []struct {
		query string
		code  fhir.IssueType
		says  string
	}{
		{"", fhir.IssueInvalid, "without search criteria"},
		{"identifier=", fhir.IssueInvalid, "empty value"},
		{"_id=", fhir.IssueInvalid, "empty value"},
		{"identifier=http://a|1&identifier=", fhir.IssueInvalid, "empty value"},
		{"nonsense=Li", fhir.IssueNotSupported, `"nonsense"`},
		{"identifier:exact=1", fhir.IssueInvalid, "exact"},
		{"identifier=1&_count=1", fhir.IssueNotSupported, "_count"},
		{"identifier=1&_include=Patient:organization", fhir.IssueNotSupported, "_include"},
		{"_content:exact=x", fhir.IssueInvalid, "plain text only"},
		{"identifier=%zz", fhir.IssueInvalid, "not a valid query"},
	} {
		_, err := resources.ParseCriteria("Patient", c.query)
		if err == nil {
			t.Errorf("%q accepted", c.query)
			continue
		}
		if fhir.CodeOf(err) != c.code || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%q: %v; want %s mentioning %s", c.query, err, c.code, c.says)
		}
	}
}

func TestParseCriteriaMatchesType(t *testing.T) {
	crit, err := resources.ParseCriteria("Patient", "identifier=1")
	if err != nil {
		t.Fatal(err)
	}
	org := res(t, `{"resourceType":"Organization","identifier":[{"value":"1"}]}`)
	idx, err := index.Default().Index(org)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := crit.Matches("Organization", "o1", idx); ok || err != nil {
		t.Error("Patient criteria match an Organization")
	}
}

// TestConditionalTerminology checks that conditional criteria resolve token
// :in against the stored ValueSets, and that criteria with such modifiers
// refuse to match resources of the same bundle, which the store does not
// hold yet.
func TestConditionalTerminology(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.create(`{"resourceType":"ValueSet","url":"http://x/vs","status":"active","compose":{"include":[{"system":"http://s","concept":[{"code":"a"}]}]}}`)
		cond := `{"resourceType":"Condition","subject":{"reference":"Patient/p"},"code":{"coding":[{"system":"http://s","code":"a"}]}}`
		r, err := e.svc.Create(ctx, res(t, cond), "code:in=http://x/vs")
		if err != nil || !r.Created {
			t.Fatalf("first create: %v, created %v", err, r.Created)
		}
		m, err := e.svc.Create(ctx, res(t, cond), "code:in=http://x/vs")
		if err != nil || m.Created || m.Version.ID != r.Version.ID {
			t.Fatalf("second create: %v, created %v; want the first matched", err, m.Created)
		}
		_, err = e.svc.Create(ctx, res(t, cond), "code:in=http://x/other")
		wantErr(t, err, fhir.IssueInvalid, 400, "no ValueSet with url http://x/other")
		crit, err := resources.ParseCriteria("Condition", "code:in=http://x/vs")
		if err != nil {
			t.Fatal(err)
		}
		idx, err := index.Default().Index(res(t, cond))
		if err != nil {
			t.Fatal(err)
		}
		_, err = crit.Matches("Condition", "c1", idx)
		wantErr(t, err, fhir.IssueNotSupported, 400, ":in")
	})
}
