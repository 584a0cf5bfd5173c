package resources_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/fhir/validate"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
)

const (
	patA = `{"resourceType":"Patient","id":"a","active":true}`
	obs  = `{"resourceType":"Observation","status":"final","code":{"text":"t"}`
)

// observation returns an Observation whose subject is ref, plus extra
// elements (JSON members with a leading comma).
func observation(ref, extra string) string {
	return obs + `,"subject":{"reference":"` + ref + `"}` + extra + `}`
}

func TestTransactionAllOrNothing(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.update("Patient", "a", `{"resourceType":"Patient","id":"a"}`)
		e.update("Patient", "b", `{"resourceType":"Patient","id":"b"}`)
		for _, c := range []struct {
			name    string
			entries []string
			code    fhir.IssueType
			status  int
			says    []string
		}{
			{"invalid resource", []string{
				postEntry(urn(1), patient("New")), putEntry("Patient/a", patA), postEntry(urn(2), `{"resourceType":"Patient","foo":1}`),
			}, fhir.IssueStructure, 400, []string{"Bundle.entry[2]: ", "Bundle.entry[2].resource.Patient.foo"}},
			{"failed precondition after writes", []string{
				postEntry(urn(1), patient("New")), deleteEntry("Patient/b"), putIfMatchEntry("Patient/a", patA, 2),
			}, fhir.IssueConflict, 412, []string{"Bundle.entry[2]: "}},
			{"failed read after writes", []string{
				postEntry(urn(1), patient("New")), putEntry("Patient/a", patA), getEntry("Patient/nobody"),
			}, fhir.IssueNotFound, 404, []string{"Bundle.entry[2]: ", "Patient/nobody"}},
			{"delete of an unknown resource", []string{
				putEntry("Patient/a", patA), deleteEntry("Patient/nobody"),
			}, fhir.IssueNotFound, 404, []string{"Bundle.entry[1]: "}},
			{"patch of an unknown resource", []string{
				putEntry("Patient/a", patA), patchEntry("Patient/nobody", `[]`),
			}, fhir.IssueNotFound, 404, []string{"Bundle.entry[1]: "}},
			{"body id differs from the URL", []string{
				postEntry(urn(1), patient("New")), putEntry("Patient/b", patA),
			}, fhir.IssueInvalid, 400, []string{"Bundle.entry[1]: "}},
			{"unknown method", []string{
				postEntry(urn(1), patient("New")), `{"request":{"method":"COPY","url":"Patient/a"}}`,
			}, fhir.IssueInvalid, 400, []string{"Bundle.entry[1]"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				err := e.failTransaction(c.entries...)
				wantErr(t, err, c.code, c.status, c.says...)
				wantEqual(t, "Patient/a history", vids(e.versions("Patient", "a")), []string{"a/1"})
				wantEqual(t, "Patient/b history", vids(e.versions("Patient", "b")), []string{"b/1"})
			})
		}
	})
}

func TestTransactionRefusesBadBundles(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for _, b := range []string{
			`{"resourceType":"Patient"}`,
			`{"resourceType":"Bundle","type":"batch","entry":[]}`,
			`{"resourceType":"Bundle","type":"transaction","entry":{}}`,
			`{"resourceType":"Bundle","type":"transaction","entry":[1]}`,
		} {
			_, err := e.svc.Transaction(ctx, res(t, b))
			if s := resources.StatusOf(err); s != 400 {
				t.Errorf("%s: status %d (%v), want 400", b, s, err)
			}
		}
		out, err := e.svc.Transaction(ctx, res(t, `{"resourceType":"Bundle","type":"transaction"}`))
		if err != nil {
			t.Fatalf("empty transaction: %v", err)
		}
		wantEqual(t, "empty transaction response", out.Bundle(resources.ReturnMinimal)["entry"], []any{})
	})
}

func TestTransactionLimits(t *testing.T) {
	eachWith(t, resources.Limits{MaxBundleEntries: 2}, func(t *testing.T, e *env) {
		err := e.failTransaction(postEntry(urn(1), patient("A")), postEntry(urn(2), patient("B")), postEntry(urn(3), patient("C")))
		wantErr(t, err, fhir.IssueTooCostly, 413, "3 entries")
	})
}

func TestTransactionOrder(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for _, id := range []string{"a", "b", "c"} {
			e.update("Patient", id, `{"resourceType":"Patient","id":"`+id+`"}`)
		}
		before := e.total()
		out := e.transaction(
			getEntry("Patient/a"),
			putEntry("Patient/a", patA),
			patchEntry("Patient/c", `[{"op":"add","path":"/active","value":false}]`),
			postEntry(urn(1), patient("New")),
			deleteEntry("Patient/b"),
		)
		at := e.last
		// GET comes last: it sees the update.
		wantEqual(t, "GET entry's version", path(out, "entry", 0, "resource", "meta", "versionId"), "2")
		wantEqual(t, "GET entry's active", path(out, "entry", 0, "resource", "active"), true)
		// System history, newest first: DELETE, POST, then PUT and PATCH in
		// bundle order; one transaction clock for all.
		vs := e.versions("", "")[:e.total()-before]
		slices.Reverse(vs)
		wantEqual(t, "write order", vids(vs), []string{"b/2", "id-1/1", "a/2", "c/2"})
		for _, v := range vs {
			if !v.LastUpdated.Equal(at) {
				t.Errorf("%s/%d lastUpdated %v, want the transaction's %v", v.ID, v.VersionID, v.LastUpdated, at)
			}
		}
		// The response keeps bundle order.
		for i, want := range []string{"200 OK", "200 OK", "200 OK", "201 Created", "204 No Content"} {
			wantEqual(t, "status of entry", entryResponse(out, i)["status"], want)
		}
		wantEqual(t, "location of the POST", entryResponse(out, 3)["location"], "Patient/id-1/_history/1")
	})
}

func TestTransactionFullURLs(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		const practURL = "http://example.org/fhir/Practitioner/pr1"
		o := observation(urn(1), `,"performer":[{"reference":"`+practURL+`"}],
			"extension":[{"url":"http://example.org/x","valueReference":{"reference":"`+urn(1)+`"}}],
			"contained":[{"resourceType":"Patient","id":"c1","generalPractitioner":[{"reference":"`+practURL+`"}]}],
			"focus":[{"reference":"#c1"}]`)
		out := e.transaction(
			postEntry(urn(2), o),
			postEntry(urn(1), patient("Subject")),
			postEntry(practURL, `{"resourceType":"Practitioner"}`),
		)
		// ids are assigned in entry order; the absolute fullUrl's id is not used.
		stored := e.read("Observation", "id-1")
		for _, c := range []struct {
			at   []any
			want string
		}{
			{[]any{"subject", "reference"}, "Patient/id-2"},
			{[]any{"performer", 0, "reference"}, "Practitioner/id-3"},
			{[]any{"extension", 0, "valueReference", "reference"}, "Patient/id-2"},
			{[]any{"contained", 0, "generalPractitioner", 0, "reference"}, "Practitioner/id-3"},
			{[]any{"focus", 0, "reference"}, "#c1"},
		} {
			wantEqual(t, "stored reference", path(stored, c.at...), c.want)
		}
		wantJSON(t, "response resource", entryResource(out, 0), stored)
		wantEqual(t, "fullUrl kept in the response", path(out, "entry", 0, "fullUrl"), urn(2))
		wantEqual(t, "absolute fullUrl kept in the response", path(out, "entry", 2, "fullUrl"), practURL)
		if _, err := e.svc.Read(ctx, "Practitioner", "pr1"); fhir.CodeOf(err) != fhir.IssueNotFound {
			t.Errorf("the POST used its fullUrl's id: %v", err)
		}
		// The index holds the rewritten references (contained ones excluded).
		referencing := func(typ, id string, paths map[string][]string) []string {
			var vs []store.Version
			err := e.st.View(ctx, func(tx store.Tx) error {
				var err error
				vs, err = tx.Referencing(ctx, typ, id, paths)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return ids(vs)
		}
		wantEqual(t, "referencing Patient/id-2 by subject", referencing("Patient", "id-2", map[string][]string{"Observation": {"subject"}}), []string{"id-1"})
		wantEqual(t, "referencing Patient/id-2 by patient", referencing("Patient", "id-2", map[string][]string{"Observation": {"patient"}}), []string{"id-1"})
		wantEqual(t, "referencing Practitioner/id-3 by performer", referencing("Practitioner", "id-3", map[string][]string{"Observation": {"performer"}}), []string{"id-1"})
		wantEqual(t, "referencing Practitioner/id-3 from contained", referencing("Practitioner", "id-3", map[string][]string{"Observation": {"general-practitioner"}}), []string{})

		err := e.failTransaction(postEntry(urn(3), observation(urn(9), "")))
		wantErr(t, err, fhir.IssueProcessing, 400, "Bundle.entry[0]: ", urn(9), "Bundle.entry[0].resource.Observation.subject.reference")
	})
}

func TestTransactionConditionalReferences(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		org := func(value string) string {
			return `{"resourceType":"Organization","identifier":[{"system":"http://org","value":"` + value + `"}]}`
		}
		e.update("Organization", "o1", `{"resourceType":"Organization","id":"o1","identifier":[{"system":"http://org","value":"1"}]}`)
		e.create(org("dup"))
		e.create(org("dup"))
		pat := func(orgRef, gpRef string) string {
			return `{"resourceType":"Patient","managingOrganization":{"reference":"` + orgRef + `"},"generalPractitioner":[{"reference":"` + gpRef + `"}]}`
		}
		out := e.transaction(
			postEntry(urn(1), pat("Organization?identifier=http://org|1", "Organization?identifier=http://org|2")),
			postEntry(urn(2), org("2")),
		)
		p := entryResource(out, 0)
		wantEqual(t, "reference resolved in the store", path(p, "managingOrganization", "reference"), "Organization/o1")
		newOrg := path(out, "entry", 1, "resource", "id")
		wantEqual(t, "reference resolved in the bundle", path(p, "generalPractitioner", 0, "reference"), "Organization/"+newOrg.(string))

		for _, c := range []struct {
			name    string
			entries []string
			code    fhir.IssueType
		}{
			{"no match", []string{postEntry(urn(1), pat("Organization/o1", "Organization?identifier=http://org|none"))}, fhir.IssueNotFound},
			{"two in the store", []string{postEntry(urn(1), pat("Organization?identifier=http://org|dup", "Organization/o1"))}, fhir.IssueMultiple},
			{"one in the store, one in the bundle", []string{
				postEntry(urn(2), org("1")),
				postEntry(urn(1), pat("Organization?identifier=http://org|1", "Organization/o1")),
			}, fhir.IssueMultiple},
			{"two in the bundle", []string{
				postEntry(urn(1), pat("Organization?identifier=http://org|3", "Organization/o1")),
				postEntry(urn(2), org("3")),
				postEntry(urn(3), org("3")),
			}, fhir.IssueMultiple},
		} {
			t.Run(c.name, func(t *testing.T) {
				err := e.failTransaction(c.entries...)
				wantErr(t, err, c.code, 412, "conditional reference")
			})
		}
		err := e.failTransaction(postEntry(urn(1), pat("Organization/o1", "Organization?nonsense=x")))
		wantErr(t, err, fhir.IssueNotSupported, 400, "Bundle.entry[0]: ", "nonsense")
		// Criteria beyond identifiers match resources of the same bundle.
		out = e.transaction(
			postEntry(urn(1), pat("Organization?name=Clinic%20Nine", "Organization/o1")),
			postEntry(urn(2), `{"resourceType":"Organization","name":"Clinic Nine"}`),
		)
		wantEqual(t, "resolved by name in the bundle", path(entryResource(out, 0), "managingOrganization", "reference"), "Organization/"+path(out, "entry", 1, "resource", "id").(string))
	})
}

func TestTransactionIfNoneExist(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.update("Patient", "old", `{"resourceType":"Patient","id":"old","identifier":[{"system":"http://a","value":"1"}]}`)
		out, err := e.svc.Transaction(ctx, bundleOf(t, "transaction",
			postIfEntry(urn(1), patient("Match", ident("http://a", "1")), "identifier=http://a|1"),
			postEntry(urn(2), observation(urn(1), "")),
			postIfEntry(urn(3), patient("Fresh", ident("http://a", "2")), "identifier=http://a|2"),
			postEntry(urn(4), observation(urn(3), "")),
		))
		if err != nil {
			t.Fatal(err)
		}
		// ids: entry i got id-(i+1); entry 0 matched and did not use its id.
		wantEqual(t, "subject of the matched entry's observation", path(e.read("Observation", "id-2"), "subject", "reference"), "Patient/old")
		wantEqual(t, "subject of the created entry's observation", path(e.read("Observation", "id-4"), "subject", "reference"), "Patient/id-3")
		wantEqual(t, "the matched patient", vids(e.versions("Patient", "old")), []string{"old/1"})
		if _, err := e.svc.Read(ctx, "Patient", "id-1"); fhir.CodeOf(err) != fhir.IssueNotFound {
			t.Errorf("the matching conditional create wrote Patient/id-1: %v", err)
		}
		if n := out.Written(); n != 3 {
			t.Errorf("Written() = %d, want 3", n)
		}
		b := out.Bundle(resources.ReturnMinimal)
		wantEqual(t, "matched entry status", entryResponse(b, 0)["status"], "200 OK")
		wantEqual(t, "matched entry location", entryResponse(b, 0)["location"], "Patient/old/_history/1")
		wantEqual(t, "created entry status", entryResponse(b, 2)["status"], "201 Created")

		e.create(patient("Twin", ident("http://a", "1")))
		err = e.failTransaction(postEntry(urn(2), patient("X")), postIfEntry(urn(1), patient("Y"), "identifier=http://a|1"))
		wantErr(t, err, fhir.IssueMultiple, 412, "Bundle.entry[1]: ")
	})
}

func TestTransactionDuplicateTargets(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.update("Patient", "a", `{"resourceType":"Patient","id":"a","identifier":[{"system":"http://a","value":"1"}]}`)
		for _, c := range []struct {
			name    string
			entries []string
			says    string
		}{
			{"two updates", []string{putEntry("Patient/a", patA), putEntry("Patient/a", patA)}, "both change Patient/a"},
			{"update and delete", []string{putEntry("Patient/a", patA), deleteEntry("Patient/a")}, "both change Patient/a"},
			{"same fullUrl", []string{postEntry(urn(1), patient("A")), postEntry(urn(1), patient("B"))}, "same fullUrl"},
			{"conditional update of a deleted resource", []string{
				putEntry("Patient?identifier=http://a|1", patient("C")), deleteEntry("Patient/a"),
			}, "both act on Patient/a"},
			{"conditional delete of a patched resource", []string{
				deleteEntry("Patient?identifier=http://a|1"), patchEntry("Patient/a", `[]`),
			}, "both act on Patient/a"},
			{"conditional create matching a deleted resource", []string{
				deleteEntry("Patient/a"), postIfEntry(urn(1), patient("D"), "identifier=http://a|1"),
			}, "both act on Patient/a"},
		} {
			t.Run(c.name, func(t *testing.T) {
				wantErr(t, e.failTransaction(c.entries...), fhir.IssueInvalid, 400, c.says)
			})
		}
		// Reading a resource that another entry writes is fine.
		out := e.transaction(getEntry("Patient/a"), putEntry("Patient/a", patA))
		wantEqual(t, "GET after PUT", path(out, "entry", 0, "resource", "meta", "versionId"), "2")
	})
}

func TestTransactionPatch(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.update("Patient", "a", `{"resourceType":"Patient","id":"a","identifier":[{"system":"http://a","value":"1"}]}`)
		out := e.transaction(patchEntry("Patient/a", `[{"op":"add","path":"/active","value":true}]`))
		wantEqual(t, "patched", e.read("Patient", "a")["active"], true)
		wantEqual(t, "status", entryResponse(out, 0)["status"], "200 OK")
		e.transaction(patchEntry("Patient?identifier=http://a|1", `[{"op":"replace","path":"/active","value":false}]`))
		wantEqual(t, "conditionally patched", e.read("Patient", "a")["active"], false)

		binary := func(ct, data string) string {
			return `{"resource":{"resourceType":"Binary","contentType":"` + ct + `","data":"` + data + `"},"request":{"method":"PATCH","url":"Patient/a"}}`
		}
		for _, c := range []struct{ name, entry, says string }{
			{"not base64", binary("application/json-patch+json", "%%%"), "base64"},
			{"wrong content type", binary("application/json", "W10="), "contentType"},
			{"not a Binary", `{"resource":` + patA + `,"request":{"method":"PATCH","url":"Patient/a"}}`, "Binary"},
			{"no resource", `{"request":{"method":"PATCH","url":"Patient/a"}}`, "Binary"},
			{"no target", patchEntry("Patient", `[]`), "Type/id"},
		} {
			t.Run(c.name, func(t *testing.T) {
				err := e.failTransaction(putEntry("Patient/b", `{"resourceType":"Patient","id":"b"}`), c.entry)
				wantErr(t, err, fhir.IssueInvalid, 400, "entry 1", c.says)
			})
		}
		err := e.failTransaction(patchEntry("Patient/a", `[{"op":"test","path":"/active","value":true}]`))
		if s := resources.StatusOf(err); s < 400 || s >= 500 {
			t.Errorf("a failing patch test op gives status %d (%v)", s, err)
		}
	})
}

func TestTransactionGet(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		v1 := e.update("Patient", "a", `{"resourceType":"Patient","id":"a"}`)
		v2 := e.update("Patient", "a", patA)
		out := e.transaction(getEntry("Patient/a"), getEntry("Patient/a/_history/1"))
		wantJSON(t, "read", entryResource(out, 0), v2.Resource)
		wantJSON(t, "vread", entryResource(out, 1), v1.Resource)
		wantEqual(t, "etag", entryResponse(out, 1)["etag"], `W/"1"`)
		e.delete("Patient", "a")
		wantErr(t, e.failTransaction(getEntry("Patient/a")), fhir.IssueDeleted, 410, "Bundle.entry[0]: ")
		wantErr(t, e.failTransaction(getEntry("Patient/a/_history/9")), fhir.IssueNotFound, 404)
		wantErr(t, e.failTransaction(getEntry("Patient?identifier=1")), fhir.IssueNotSupported, 400, "not supported")
		wantErr(t, e.failTransaction(getEntry("Patient/a/_history")), fhir.IssueNotSupported, 400, "history")
	})
}

// TestTransactionResources checks the contract on the caller's bundle:
// changed in place on success, as passed on failure.
func TestTransactionResources(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.update("Patient", "a", `{"resourceType":"Patient","id":"a"}`)
		entries := []string{
			postEntry(urn(1), patient("New")),
			postEntry(urn(2), observation(urn(1), "")),
			putEntry("Patient?identifier=http://a|7", patient("Cond", ident("http://a", "7"))),
			putEntry("Patient/a", `{"resourceType":"Patient","id":"a","meta":{"tag":[{"code":"x"}]}}`),
		}
		failing := bundleOf(t, "transaction", append(entries, `{"resource":{"resourceType":"Patient","foo":1},"request":{"method":"POST","url":"Patient"}}`)...)
		before := clone(t, failing)
		if _, err := e.svc.Transaction(ctx, failing); err == nil {
			t.Fatal("the failing bundle was accepted")
		}
		wantJSON(t, "bundle after a failure", failing, before)

		b := bundleOf(t, "transaction", entries...)
		out, err := e.svc.Transaction(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		resp := out.Bundle(resources.ReturnRepresentation)
		for i := range entries {
			in := path(b, "entry", i, "resource").(map[string]any)
			wantJSON(t, "caller's resource after success", in, e.read(in["resourceType"].(string), in["id"].(string)))
			wantJSON(t, "response resource", entryResource(resp, i), in)
		}
	})
}

// rerunStore runs every Update function twice, like a store retrying after
// a transient conflict: the first run is rolled back, then between runs
// between() changes the database as a concurrent client could.
type rerunStore struct {
	store.Store
	between func()
}

var errRerun = errors.New("rolled back to run again")

func (s *rerunStore) Update(c context.Context, fn func(store.Tx) error) error {
	err := s.Store.Update(c, func(tx store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errRerun
	})
	if !errors.Is(err, errRerun) {
		return err
	}
	if s.between != nil {
		s.between()
		s.between = nil
	}
	return s.Store.Update(c, fn)
}

func TestTransactionRerun(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.update("Organization", "o1", `{"resourceType":"Organization","id":"o1","identifier":[{"system":"http://org","value":"1"}]}`)
		rs := &rerunStore{Store: e.st, between: func() {
			// The organization is replaced and a matching patient appears.
			e.delete("Organization", "o1")
			e.update("Organization", "o2", `{"resourceType":"Organization","id":"o2","identifier":[{"system":"http://org","value":"1"}]}`)
			e.update("Patient", "p9", `{"resourceType":"Patient","id":"p9","identifier":[{"system":"http://a","value":"9"}]}`)
		}}
		svc := resources.New(rs, resources.Options{Validate: validate.Resource, IsResourceType: spec.IsResourceType, NewID: e.newID})
		out, err := svc.Transaction(ctx, bundleOf(t, "transaction",
			postIfEntry(urn(1), patient("P", ident("http://a", "9")), "identifier=http://a|9"),
			postEntry(urn(2), observation(urn(1), `,"performer":[{"reference":"Organization?identifier=http://org|1"}]`)),
		))
		if err != nil {
			t.Fatal(err)
		}
		o := e.read("Observation", "id-2")
		wantEqual(t, "subject after the rerun", path(o, "subject", "reference"), "Patient/p9")
		wantEqual(t, "performer after the rerun", path(o, "performer", 0, "reference"), "Organization/o2")
		wantEqual(t, "observation versions", vids(e.versions("Observation", "id-2")), []string{"id-2/1"})
		if _, err := e.svc.Read(ctx, "Patient", "id-1"); fhir.CodeOf(err) != fhir.IssueNotFound {
			t.Errorf("the first run's patient was kept: %v", err)
		}
		if n := out.Written(); n != 1 {
			t.Errorf("Written() = %d, want 1", n)
		}
	})
}

func TestTransactionPutVersions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.update("Patient", "a", `{"resourceType":"Patient","id":"a"}`)
		e.update("Patient", "d", `{"resourceType":"Patient","id":"d"}`)
		e.delete("Patient", "d")
		out := e.transaction(
			putIfMatchEntry("Patient/a", patA, 1),
			putEntry("Patient/d", `{"resourceType":"Patient","id":"d"}`),
			putEntry("Patient/n", `{"resourceType":"Patient","id":"n"}`),
		)
		for i, want := range []struct{ status, location string }{
			{"200 OK", "Patient/a/_history/2"},
			{"201 Created", "Patient/d/_history/3"},
			{"201 Created", "Patient/n/_history/1"},
		} {
			wantEqual(t, "status", entryResponse(out, i)["status"], want.status)
			wantEqual(t, "location", entryResponse(out, i)["location"], want.location)
		}
		wantEqual(t, "revived", vids(e.versions("Patient", "d")), []string{"d/3", "d/2", "d/1"})
		err := e.failTransaction(putEntry("Patient/n", `{"resourceType":"Patient","id":"n"}`), putIfMatchEntry("Patient/d", `{"resourceType":"Patient","id":"d"}`, 2))
		wantErr(t, err, fhir.IssueConflict, 412, "Bundle.entry[1]: ")
		err = e.failTransaction(putEntry("Patient?identifier=http://a|none", `{"resourceType":"Patient","id":"bad_id"}`))
		// The validator catches the bad id before the criteria are resolved.
		wantErr(t, err, fhir.IssueValue, 400, "Bundle.entry[0]: ", "bad_id")
	})
}
