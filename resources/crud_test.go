package resources_test

import (
	"testing"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

func TestCreate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		in := res(t, `{"resourceType":"Patient","id":"chosen-by-client",
			"meta":{"versionId":"9","lastUpdated":"2001-01-01T00:00:00Z","profile":["http://example.org/p"],"tag":[{"system":"http://example.org/t","code":"vip"}]},
			"name":[{"family":"Li"}]}`)
		r, err := e.svc.Create(ctx, in, "")
		if err != nil {
			t.Fatal(err)
		}
		if !r.Created || r.Unchanged {
			t.Errorf("Created=%v Unchanged=%v, want a new resource", r.Created, r.Unchanged)
		}
		wantStamped(t, r, "id-1", 1, e.last)
		if r.Version.Method != store.MethodCreate || r.Version.Deleted {
			t.Errorf("version method=%s deleted=%v", r.Version.Method, r.Version.Deleted)
		}
		got := e.read("Patient", "id-1")
		wantJSON(t, "read after create", got, r.Resource)
		wantEqual(t, "meta.profile", path(got, "meta", "profile"), []any{"http://example.org/p"})
		wantEqual(t, "meta.tag[0].code", path(got, "meta", "tag", 0, "code"), "vip")
		if _, err := e.svc.Read(ctx, "Patient", "chosen-by-client"); fhir.CodeOf(err) != fhir.IssueNotFound {
			t.Errorf("the client's id was used: read gives %v", err)
		}
	})
}

func TestCreateRefused(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		_, err := e.svc.Create(ctx, res(t, `{"resourceType":"Patient","foo":1}`), "")
		wantErr(t, err, fhir.IssueStructure, 400, "foo")
		_, err = e.svc.Create(ctx, res(t, `{"resourceType":"Patx"}`), "")
		wantErr(t, err, fhir.IssueNotSupported, 400, "Patx")
		_, err = e.svc.Create(ctx, res(t, `{"name":[]}`), "")
		wantErr(t, err, fhir.IssueRequired, 400, "resourceType")
		_, err = e.svc.Create(ctx, res(t, `{"resourceType":"Patient","gender":"F"}`), "")
		wantErr(t, err, fhir.IssueCodeInvalid, 400, "Patient.gender", "not in the ValueSet http://hl7.org/fhir/ValueSet/administrative-gender")
		if n := e.total(); n != 0 {
			t.Errorf("%d versions written by refused creates", n)
		}
	})
}

func TestReadAndVRead(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		v1 := e.update("Patient", "p1", `{"resourceType":"Patient","id":"p1","name":[{"family":"One"}]}`)
		v2 := e.update("Patient", "p1", `{"resourceType":"Patient","id":"p1","name":[{"family":"Two"}]}`)
		wantJSON(t, "read", e.read("Patient", "p1"), v2.Resource)
		r, err := e.svc.VRead(ctx, "Patient", "p1", "1")
		if err != nil {
			t.Fatal(err)
		}
		wantJSON(t, "vread 1", r.Resource, v1.Resource)
		wantStamped(t, r, "p1", 1, v1.Version.LastUpdated)

		_, err = e.svc.VRead(ctx, "Patient", "p1", "3")
		wantErr(t, err, fhir.IssueNotFound, 404)
		_, err = e.svc.VRead(ctx, "Patient", "p1", "x")
		wantErr(t, err, fhir.IssueNotFound, 404)
		_, err = e.svc.VRead(ctx, "Patient", "nobody", "1")
		wantErr(t, err, fhir.IssueNotFound, 404)
		_, err = e.svc.Read(ctx, "Patient", "nobody")
		wantErr(t, err, fhir.IssueNotFound, 404, "Patient/nobody")
		_, err = e.svc.Read(ctx, "Patient", "bad id")
		wantErr(t, err, fhir.IssueInvalid, 400)
		_, err = e.svc.Read(ctx, "Patx", "p1")
		wantErr(t, err, fhir.IssueNotSupported, 404)
	})
}

func TestUpdate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c := e.create(patient("One"))
		body := `{"resourceType":"Patient","id":"id-1","meta":{"profile":["http://example.org/p"]},"name":[{"family":"Two"}]}`
		u, err := e.svc.Update(ctx, "Patient", "id-1", res(t, body), 1)
		if err != nil {
			t.Fatal(err)
		}
		if u.Created {
			t.Error("an update of an existing resource reports Created")
		}
		wantStamped(t, u, "id-1", 2, e.last)
		if !u.Version.LastUpdated.After(c.Version.LastUpdated) {
			t.Errorf("lastUpdated did not advance: %v then %v", c.Version.LastUpdated, u.Version.LastUpdated)
		}
		wantEqual(t, "meta.profile", path(e.read("Patient", "id-1"), "meta", "profile", 0), "http://example.org/p")

		_, err = e.svc.Update(ctx, "Patient", "id-1", res(t, body), 1)
		wantErr(t, err, fhir.IssueConflict, 412, "version 1", "version 2")
		_, err = e.svc.Update(ctx, "Patient", "id-1", res(t, `{"resourceType":"Patient","id":"other"}`), 0)
		wantErr(t, err, fhir.IssueInvalid, 400, "other")
		_, err = e.svc.Update(ctx, "Patient", "id-1", res(t, `{"resourceType":"Patient"}`), 0)
		wantErr(t, err, fhir.IssueRequired, 400)
		_, err = e.svc.Update(ctx, "Patient", "id-1", res(t, `{"resourceType":"Practitioner","id":"id-1"}`), 0)
		wantErr(t, err, fhir.IssueInvalid, 400, "Practitioner")
		_, err = e.svc.Update(ctx, "Patient", "id-1", res(t, `{"resourceType":"Patient","id":"id-1","foo":1}`), 0)
		wantErr(t, err, fhir.IssueStructure, 400)
		wantEqual(t, "versions after refused updates", vids(e.versions("Patient", "id-1")), []string{"id-1/2", "id-1/1"})
	})
}

func TestUpdateCreates(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		_, err := e.svc.Update(ctx, "Patient", "p1", res(t, `{"resourceType":"Patient","id":"p1"}`), 1)
		wantErr(t, err, fhir.IssueConflict, 412, "does not exist")
		r, err := e.svc.Update(ctx, "Patient", "p1", res(t, `{"resourceType":"Patient","id":"p1"}`), 0)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Created {
			t.Error("create-on-update does not report Created")
		}
		wantStamped(t, r, "p1", 1, e.last)
		wantEqual(t, "method", r.Version.Method, store.MethodUpdate)
	})
}

func TestDelete(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c := e.create(patient("One"))
		_, err := e.svc.Delete(ctx, "Patient", "id-1", 2)
		wantErr(t, err, fhir.IssueConflict, 412)
		d, err := e.svc.Delete(ctx, "Patient", "id-1", 1)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Version.Deleted || d.Version.VersionID != 2 || d.Unchanged || d.Resource != nil {
			t.Errorf("delete result = %+v", d)
		}
		wantEqual(t, "deletion time", d.Version.LastUpdated, e.last)
		wantEqual(t, "deletion method", d.Version.Method, store.MethodDelete)

		r, err := e.svc.Read(ctx, "Patient", "id-1")
		wantErr(t, err, fhir.IssueDeleted, 410)
		if r.Version.VersionID != 2 {
			t.Errorf("read of a deleted resource gives version %d, want 2 (for the ETag)", r.Version.VersionID)
		}
		_, err = e.svc.VRead(ctx, "Patient", "id-1", "2")
		wantErr(t, err, fhir.IssueDeleted, 410)
		old, err := e.svc.VRead(ctx, "Patient", "id-1", "1")
		if err != nil {
			t.Fatal(err)
		}
		wantJSON(t, "vread of the version before the deletion", old.Resource, c.Resource)

		again := e.delete("Patient", "id-1")
		if !again.Unchanged || again.Version.VersionID != 2 {
			t.Errorf("second delete = %+v, want Unchanged at version 2", again)
		}
		_, err = e.svc.Delete(ctx, "Patient", "nobody", 0)
		wantErr(t, err, fhir.IssueNotFound, 404)
		_, err = e.svc.Patch(ctx, "Patient", "id-1", []byte(`[]`), 0)
		wantErr(t, err, fhir.IssueDeleted, 410)
		_, err = e.svc.Update(ctx, "Patient", "id-1", res(t, `{"resourceType":"Patient","id":"id-1"}`), 2)
		wantErr(t, err, fhir.IssueConflict, 412)

		revived, err := e.svc.Update(ctx, "Patient", "id-1", res(t, `{"resourceType":"Patient","id":"id-1","active":true}`), 0)
		if err != nil {
			t.Fatal(err)
		}
		if !revived.Created {
			t.Error("an update of a deleted resource does not report Created")
		}
		wantStamped(t, revived, "id-1", 3, e.last)
		wantEqual(t, "read after revival", e.read("Patient", "id-1")["active"], true)
		wantEqual(t, "history", vids(e.versions("Patient", "id-1")), []string{"id-1/3", "id-1/2", "id-1/1"})
	})
}

func TestPatch(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.create(patient("One", ident("http://a", "1")))
		p, err := e.svc.Patch(ctx, "Patient", "id-1", []byte(`[{"op":"replace","path":"/name/0/family","value":"Two"},{"op":"add","path":"/active","value":true}]`), 1)
		if err != nil {
			t.Fatal(err)
		}
		wantStamped(t, p, "id-1", 2, e.last)
		wantEqual(t, "method", p.Version.Method, store.MethodPatch)
		got := e.read("Patient", "id-1")
		wantEqual(t, "family", path(got, "name", 0, "family"), "Two")
		wantEqual(t, "active", got["active"], true)
		wantEqual(t, "identifier kept", path(got, "identifier", 0, "value"), "1")

		for _, c := range []struct {
			name, patch string
			ifMatch     int64
			code        fhir.IssueType
			status      int
		}{
			{"stale If-Match", `[]`, 1, fhir.IssueConflict, 412},
			{"changes id", `[{"op":"replace","path":"/id","value":"x"}]`, 0, fhir.IssueInvalid, 400},
			{"changes type", `[{"op":"replace","path":"/resourceType","value":"Group"}]`, 0, fhir.IssueInvalid, 400},
			{"result invalid", `[{"op":"add","path":"/foo","value":1}]`, 0, fhir.IssueStructure, 400},
			{"not a patch", `{"op":"add"}`, 0, "", 400},
			{"test fails", `[{"op":"test","path":"/active","value":false}]`, 0, "", 0},
		} {
			_, err := e.svc.Patch(ctx, "Patient", "id-1", []byte(c.patch), c.ifMatch)
			if err == nil {
				t.Errorf("%s: patch accepted", c.name)
				continue
			}
			if c.code != "" {
				wantErr(t, err, c.code, c.status)
			} else if s := statusOf(err); c.status != 0 && s != c.status || s >= 500 {
				t.Errorf("%s: status %d (%v)", c.name, s, err)
			}
		}
		_, err = e.svc.Patch(ctx, "Patient", "nobody", []byte(`[]`), 0)
		wantErr(t, err, fhir.IssueNotFound, 404)
		wantEqual(t, "versions after refused patches", len(e.versions("Patient", "id-1")), 2)
	})
}
