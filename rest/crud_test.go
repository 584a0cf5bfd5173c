package rest_test

import (
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

var locationRE = regexp.MustCompile(`^http://127\.0\.0\.1:\d+/fhir/Patient/([A-Za-z0-9.\-]{1,64})/_history/(\d+)$`)

func TestCreate(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		p := patient("urn:test", "c1")
		p["id"] = "client-chosen"
		r := e.do(t, "POST", "/Patient", p)
		wantStatus(t, r, http.StatusCreated)
		m := locationRE.FindStringSubmatch(r.Header.Get("Location"))
		if m == nil || m[2] != "1" {
			t.Fatalf("Location %q is not an absolute …/Patient/id/_history/1", r.Header.Get("Location"))
		}
		if !strings.HasPrefix(r.Header.Get("Location"), e.base+"/") {
			t.Errorf("Location %q is not under the base %s", r.Header.Get("Location"), e.base)
		}
		if got := r.Header.Get("ETag"); got != `W/"1"` {
			t.Errorf(`ETag %q, want W/"1"`, got)
		}
		wantRecent(t, r, "Last-Modified")
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
			t.Errorf("Content-Type %q", ct)
		}
		if r.Header.Get("X-Request-Id") == "" {
			t.Error("no X-Request-Id")
		}
		// Patients' data is never kept by a cache (a browser reusing an
		// answer would read past the audit log); metadata may be.
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", got)
		}
		if got := e.do(t, "GET", "/metadata", nil).Header.Get("Cache-Control"); got == "no-store" {
			t.Errorf("metadata Cache-Control %q", got)
		}
		if got := e.do(t, "GET", "/metadata", nil, "X-Request-Id", "trace-42").Header.Get("X-Request-Id"); got != "trace-42" {
			t.Errorf("the client's X-Request-Id came back as %q", got)
		}
		body := r.JSON(t)
		id := str(body, "id")
		if id != m[1] {
			t.Errorf("body id %q, Location id %q", id, m[1])
		}
		if id == "client-chosen" {
			t.Error("the server kept the client's id on create")
		}
		if v := str(body, "meta", "versionId"); v != "1" {
			t.Errorf("meta.versionId %q", v)
		}
		if str(body, "meta", "lastUpdated") == "" {
			t.Error("no meta.lastUpdated")
		}
		if str(body, "name", 0, "family") != "Wang" {
			t.Errorf("the body lost data: %s", r.Body)
		}
		wantOutcome(t, e.do(t, "GET", "/Patient/client-chosen", nil), http.StatusNotFound)

		// Content-Type application/json is accepted too.
		r = e.do(t, "POST", "/Patient", patient("urn:test", "c2"), "Content-Type", "application/json")
		wantStatus(t, r, http.StatusCreated)
		// A missing Content-Type is read as FHIR JSON.
		r = e.do(t, "POST", "/Patient", patient("urn:test", "c3"), "Content-Type", "")
		wantStatus(t, r, http.StatusCreated)
	})
}

func TestReadVRead(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		cr := e.do(t, "POST", "/Patient", patient("urn:test", "r1"))
		wantStatus(t, cr, http.StatusCreated)
		created := cr.JSON(t)
		id := str(created, "id")

		r := e.do(t, "GET", "/Patient/"+id, nil)
		wantStatus(t, r, http.StatusOK)
		if got := r.Header.Get("ETag"); got != `W/"1"` {
			t.Errorf("read ETag %q", got)
		}
		wantRecent(t, r, "Last-Modified")
		if r.Header.Get("Last-Modified") != cr.Header.Get("Last-Modified") {
			t.Errorf("Last-Modified %q on read, %q on create", r.Header.Get("Last-Modified"), cr.Header.Get("Last-Modified"))
		}
		if !reflect.DeepEqual(r.JSON(t), created) {
			t.Errorf("read %s\ncreate returned %s", r.Body, cr.Body)
		}

		r = e.do(t, "GET", "/Patient/"+id+"/_history/1", nil)
		wantStatus(t, r, http.StatusOK)
		if got := r.Header.Get("ETag"); got != `W/"1"` {
			t.Errorf("vread ETag %q", got)
		}
		if !reflect.DeepEqual(r.JSON(t), created) {
			t.Errorf("vread %s", r.Body)
		}

		r = e.do(t, "HEAD", "/Patient/"+id, nil)
		wantStatus(t, r, http.StatusOK)
		if len(r.Body) != 0 || r.Header.Get("ETag") != `W/"1"` {
			t.Errorf("HEAD: ETag %q, body %q", r.Header.Get("ETag"), r.Body)
		}

		for _, path := range []string{
			"/Patient/" + id + "/_history/2",
			"/Patient/" + id + "/_history/0",
			"/Patient/" + id + "/_history/x",
			"/Patient/unknown",
			"/Patient/unknown/_history/1",
		} {
			wantOutcome(t, e.do(t, "GET", path, nil), http.StatusNotFound)
		}
	})
}

func TestUpdate(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		id := e.create(t, patient("urn:test", "u1"))
		p := e.read(t, "Patient", id)
		p["active"] = false
		r := e.do(t, "PUT", "/Patient/"+id, p)
		wantStatus(t, r, http.StatusOK)
		if got := r.Header.Get("ETag"); got != `W/"2"` {
			t.Errorf(`ETag %q, want W/"2"`, got)
		}
		wantRecent(t, r, "Last-Modified")
		body := r.JSON(t)
		if str(body, "meta", "versionId") != "2" || body["active"] != false || str(body, "id") != id {
			t.Errorf("update returned %s", r.Body)
		}
		if got := e.read(t, "Patient", id); got["active"] != false {
			t.Errorf("read after update: %v", got)
		}

		// Update as create, with the client's id.
		q := patient("urn:test", "u2")
		q["id"] = "client-id-1"
		r = e.do(t, "PUT", "/Patient/client-id-1", q)
		wantStatus(t, r, http.StatusCreated)
		if loc := r.Header.Get("Location"); loc != e.base+"/Patient/client-id-1/_history/1" {
			t.Errorf("Location %q", loc)
		}
		if got := r.Header.Get("ETag"); got != `W/"1"` {
			t.Errorf("ETag %q", got)
		}
		if str(r.JSON(t), "id") != "client-id-1" {
			t.Errorf("body %s", r.Body)
		}
		r = e.do(t, "PUT", "/Patient/client-id-1", q)
		wantStatus(t, r, http.StatusOK)
		if got := r.Header.Get("ETag"); got != `W/"2"` {
			t.Errorf("ETag %q", got)
		}
	})
}

func TestDelete(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		id := e.create(t, patient("urn:test", "d1"))
		r := e.do(t, "DELETE", "/Patient/"+id, nil)
		wantStatus(t, r, http.StatusNoContent)
		if len(r.Body) != 0 {
			t.Errorf("204 with a body: %s", r.Body)
		}
		if got := r.Header.Get("ETag"); got != `W/"2"` {
			t.Errorf(`delete ETag %q, want W/"2"`, got)
		}

		r = e.do(t, "GET", "/Patient/"+id, nil)
		wantOutcome(t, r, http.StatusGone)
		if got := r.Header.Get("ETag"); got != `W/"2"` {
			t.Errorf(`ETag of the deleted resource %q, want W/"2"`, got)
		}
		wantStatus(t, e.do(t, "GET", "/Patient/"+id+"/_history/1", nil), http.StatusOK)
		wantOutcome(t, e.do(t, "GET", "/Patient/"+id+"/_history/2", nil), http.StatusGone)

		// Deleting again changes nothing and succeeds.
		total := e.systemTotal(t)
		wantStatus(t, e.do(t, "DELETE", "/Patient/"+id, nil), http.StatusNoContent)
		e.wantUnchanged(t, total)

		wantOutcome(t, e.do(t, "DELETE", "/Patient/never-existed", nil), http.StatusNotFound)
		e.wantUnchanged(t, total)

		// An update brings a deleted resource back as a new version.
		p := patient("urn:test", "d1")
		p["id"] = id
		r = e.do(t, "PUT", "/Patient/"+id, p)
		wantStatus(t, r, http.StatusCreated)
		if got := r.Header.Get("ETag"); got != `W/"3"` {
			t.Errorf(`ETag after re-creating %q, want W/"3"`, got)
		}
		e.read(t, "Patient", id)
	})
}

func TestIfMatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		id := e.create(t, patient("urn:test", "m1"))
		p := e.read(t, "Patient", id)
		put := func(etag string) response { return e.do(t, "PUT", "/Patient/"+id, p, "If-Match", etag) }

		wantStatus(t, put(`W/"1"`), http.StatusOK)
		total := e.systemTotal(t)
		wantOutcome(t, put(`W/"1"`), http.StatusPreconditionFailed)
		wantOutcome(t, put(`W/"9"`), http.StatusPreconditionFailed)
		for _, bad := range []string{"abc", `W/"x"`, `W/"0"`, `W/"-1"`} {
			wantOutcome(t, put(bad), http.StatusBadRequest)
		}
		e.wantUnchanged(t, total)
		wantStatus(t, put(`"2"`), http.StatusOK) // the strong form names the same version

		// If-Match on PATCH and DELETE.
		patch := `[{"op":"replace","path":"/active","value":false}]`
		wantOutcome(t, e.do(t, "PATCH", "/Patient/"+id, patch, "Content-Type", "application/json-patch+json", "If-Match", `W/"1"`), http.StatusPreconditionFailed)
		wantStatus(t, e.do(t, "PATCH", "/Patient/"+id, patch, "Content-Type", "application/json-patch+json", "If-Match", `W/"3"`), http.StatusOK)
		wantOutcome(t, e.do(t, "DELETE", "/Patient/"+id, nil, "If-Match", `W/"3"`), http.StatusPreconditionFailed)
		wantOutcome(t, e.do(t, "DELETE", "/Patient/"+id, nil, "If-Match", "junk"), http.StatusBadRequest)
		wantStatus(t, e.do(t, "DELETE", "/Patient/"+id, nil, "If-Match", `W/"4"`), http.StatusNoContent)

		// If-Match on a resource that does not exist cannot hold.
		q := patient("urn:test", "m2")
		q["id"] = "m2"
		wantOutcome(t, e.do(t, "PUT", "/Patient/m2", q, "If-Match", `W/"1"`), http.StatusPreconditionFailed)
		wantOutcome(t, e.do(t, "GET", "/Patient/m2", nil), http.StatusNotFound)
	})
}

func TestIfNoneMatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		id := e.create(t, patient("urn:test", "n1"))
		r := e.do(t, "GET", "/Patient/"+id, nil, "If-None-Match", `W/"1"`)
		wantStatus(t, r, http.StatusNotModified)
		if len(r.Body) != 0 {
			t.Errorf("304 with a body: %q", r.Body)
		}
		if got := r.Header.Get("ETag"); got != `W/"1"` {
			t.Errorf("ETag %q", got)
		}
		wantStatus(t, e.do(t, "GET", "/Patient/"+id, nil, "If-None-Match", `W/"2"`), http.StatusOK)
		p := e.read(t, "Patient", id)
		wantStatus(t, e.do(t, "PUT", "/Patient/"+id, p), http.StatusOK)
		wantStatus(t, e.do(t, "GET", "/Patient/"+id, nil, "If-None-Match", `W/"1"`), http.StatusOK)
		wantStatus(t, e.do(t, "GET", "/Patient/"+id, nil, "If-None-Match", `W/"2"`), http.StatusNotModified)
	})
}

func TestPatch(t *testing.T) {
	const jp = "application/json-patch+json"
	eachBackend(t, func(t *testing.T, e *env) {
		id := e.create(t, patient("urn:test", "p1"))
		path := "/Patient/" + id
		r := e.do(t, "PATCH", path, `[{"op":"replace","path":"/active","value":false},{"op":"add","path":"/gender","value":"female"}]`, "Content-Type", jp)
		wantStatus(t, r, http.StatusOK)
		if got := r.Header.Get("ETag"); got != `W/"2"` {
			t.Errorf("ETag %q", got)
		}
		body := r.JSON(t)
		if body["active"] != false || body["gender"] != "female" || str(body, "meta", "versionId") != "2" {
			t.Errorf("patched %s", r.Body)
		}
		if got := e.read(t, "Patient", id); got["gender"] != "female" {
			t.Errorf("read after patch: %v", got)
		}
		total := e.systemTotal(t)

		bad := []struct {
			name, body, ctype string
			status            []int
		}{
			{"not JSON", `[{"op":`, jp, []int{400}},
			{"not an array", `{"op":"remove","path":"/active"}`, jp, []int{400}},
			{"unknown op", `[{"op":"frobnicate","path":"/active"}]`, jp, []int{400}},
			{"missing path", `[{"op":"remove","path":"/nothere"}]`, jp, []int{400}},
			{"empty body", ``, jp, []int{400}},
			{"changes id", `[{"op":"replace","path":"/id","value":"other"}]`, jp, []int{400}},
			{"changes resourceType", `[{"op":"replace","path":"/resourceType","value":"Person"}]`, jp, []int{400}},
			{"removes id", `[{"op":"remove","path":"/id"}]`, jp, []int{400}},
			{"failed test", `[{"op":"test","path":"/active","value":true},{"op":"remove","path":"/name"}]`, jp, any4xx},
			{"invalid result", `[{"op":"add","path":"/colour","value":"blue"}]`, jp, []int{400}},
			{"wrong element type", `[{"op":"replace","path":"/active","value":"yes"}]`, jp, []int{400}},
			{"FHIR JSON content type", `[{"op":"remove","path":"/gender"}]`, "application/fhir+json", []int{415}},
			{"XML content type", `<x/>`, "application/fhir+xml", []int{415}},
			{"no content type", `[{"op":"remove","path":"/gender"}]`, "", []int{415}},
		}
		for _, c := range bad {
			t.Run(c.name, func(t *testing.T) {
				wantOutcome(t, e.do(t, "PATCH", path, c.body, "Content-Type", c.ctype), c.status...)
			})
		}
		e.wantUnchanged(t, total)

		wantOutcome(t, e.do(t, "PATCH", "/Patient/never", `[{"op":"remove","path":"/gender"}]`, "Content-Type", jp), http.StatusNotFound)
		wantStatus(t, e.do(t, "DELETE", path, nil), http.StatusNoContent)
		wantOutcome(t, e.do(t, "PATCH", path, `[{"op":"remove","path":"/gender"}]`, "Content-Type", jp), http.StatusGone)
	})
}

func TestPreferReturn(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		id := e.create(t, patient("urn:test", "pr"))
		n := 0
		writes := []struct {
			name   string
			send   func(prefer string) response
			status int
		}{
			{"create", func(prefer string) response {
				return e.do(t, "POST", "/Patient", patient("urn:test", "pr-new"), "Prefer", prefer)
			}, 201},
			{"update", func(prefer string) response {
				p := patient("urn:test", "pr")
				p["id"] = id
				return e.do(t, "PUT", "/Patient/"+id, p, "Prefer", prefer)
			}, 200},
			{"create on update", func(prefer string) response {
				n++
				cid := "pr-" + string(rune('a'+n))
				p := patient("urn:test", cid)
				p["id"] = cid
				return e.do(t, "PUT", "/Patient/"+cid, p, "Prefer", prefer)
			}, 201},
			{"patch", func(prefer string) response {
				return e.do(t, "PATCH", "/Patient/"+id, `[{"op":"replace","path":"/active","value":true}]`,
					"Content-Type", "application/json-patch+json", "Prefer", prefer)
			}, 200},
		}
		for _, w := range writes {
			t.Run(w.name, func(t *testing.T) {
				for _, prefer := range []string{"", "return=representation", "return=minimal", "return=OperationOutcome", "return=minimal, handling=strict"} {
					r := w.send(prefer)
					wantStatus(t, r, w.status)
					if r.Header.Get("ETag") == "" {
						t.Errorf("Prefer %q: no ETag", prefer)
					}
					if w.status == 201 && r.Header.Get("Location") == "" {
						t.Errorf("Prefer %q: no Location", prefer)
					}
					switch {
					case strings.Contains(prefer, "minimal"):
						if len(r.Body) != 0 {
							t.Errorf("Prefer %q: body %s", prefer, r.Body)
						}
					case strings.Contains(prefer, "OperationOutcome"):
						if rt := r.JSON(t)["resourceType"]; rt != "OperationOutcome" {
							t.Errorf("Prefer %q: body %s", prefer, r.Body)
						}
					default:
						if b := r.JSON(t); b["resourceType"] != "Patient" || str(b, "meta", "versionId") == "" {
							t.Errorf("Prefer %q: body %s", prefer, r.Body)
						}
					}
				}
			})
		}
	})
}

func TestFormats(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		id := e.create(t, patient("urn:test", "f1"))
		path := "/Patient/" + id
		plain := e.do(t, "GET", path, nil)
		wantStatus(t, plain, http.StatusOK)
		if strings.Contains(string(plain.Body), "\n") {
			t.Errorf("the default rendering is not compact: %s", plain.Body)
		}

		pretty := e.do(t, "GET", path+"?_pretty=true", nil)
		wantStatus(t, pretty, http.StatusOK)
		if !strings.Contains(string(pretty.Body), "{\n  \"resourceType\": \"Patient\",\n  \"id\": ") {
			t.Errorf("_pretty=true is not indented: %s", pretty.Body)
		}
		if !reflect.DeepEqual(pretty.JSON(t), plain.JSON(t)) {
			t.Error("_pretty changed the content")
		}

		cases := []struct {
			name   string
			path   string
			header []string
			status int
			ctype  string
		}{
			{"_format=json", path + "?_format=json", nil, 200, "application/fhir+json"},
			{"_format=fhir+json", path + "?_format=application/fhir%2Bjson", nil, 200, "application/fhir+json"},
			{"_format=application/json", path + "?_format=application/json", nil, 200, "application/json"},
			{"_format=xml", path + "?_format=xml", nil, 406, ""},
			{"_format=fhir+xml", path + "?_format=application/fhir%2Bxml", nil, 406, ""},
			{"_format=turtle", path + "?_format=ttl", nil, 406, ""},
			{"Accept fhir+json", path, []string{"Accept", "application/fhir+json"}, 200, "application/fhir+json"},
			{"Accept json", path, []string{"Accept", "application/json"}, 200, "application/json"},
			{"Accept any", path, []string{"Accept", "*/*"}, 200, "application/fhir+json"},
			{"Accept fhir+xml", path, []string{"Accept", "application/fhir+xml"}, 406, ""},
			{"Accept xml", path, []string{"Accept", "application/xml"}, 406, ""},
			{"Accept html", path, []string{"Accept", "text/html"}, 406, ""},
			{"Accept xml preferred, json allowed", path, []string{"Accept", "application/fhir+xml, application/fhir+json;q=0.5"}, 200, "application/fhir+json"},
			{"_format wins over Accept", path + "?_format=json", []string{"Accept", "application/fhir+xml"}, 200, "application/fhir+json"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := e.do(t, "GET", c.path, nil, c.header...)
				if c.status != 200 {
					wantOutcome(t, r, c.status)
					return
				}
				wantStatus(t, r, c.status)
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, c.ctype) {
					t.Errorf("Content-Type %q, want %s", ct, c.ctype)
				}
				if r.JSON(t)["id"] != id {
					t.Errorf("body %s", r.Body)
				}
			})
		}

		total := e.systemTotal(t)
		for _, ct := range []string{"application/fhir+xml", "application/xml", "text/plain", "application/fhir+json; charset=latin1", "not a media type"} {
			wantOutcome(t, e.do(t, "POST", "/Patient", `<Patient xmlns="http://hl7.org/fhir"/>`, "Content-Type", ct), http.StatusUnsupportedMediaType)
			p := e.read(t, "Patient", id)
			wantOutcome(t, e.do(t, "PUT", path, p, "Content-Type", ct), http.StatusUnsupportedMediaType)
		}
		e.wantUnchanged(t, total)
		r := e.do(t, "POST", "/Patient", patient("urn:test", "f2"), "Content-Type", "application/json", "Accept", "application/json")
		wantStatus(t, r, http.StatusCreated)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
		wantStatus(t, e.do(t, "POST", "/Patient", patient("urn:test", "f3"), "Content-Type", "application/fhir+json; charset=UTF-8; fhirVersion=4.0"), http.StatusCreated)
	})
}
