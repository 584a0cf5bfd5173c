package rest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/resources"
)

// nested returns a Patient whose extension nests depth JSON levels deep.
func nested(depth int) string {
	// {"resourceType":"Patient","extension":[ {"url":"u","extension":[ … ]} ]}
	var b strings.Builder
	b.WriteString(`{"resourceType":"Patient","extension":[`)
	for i := 0; i < depth; i++ {
		b.WriteString(`{"url":"http://example.org/x","extension":[`)
	}
	b.WriteString(`{"url":"http://example.org/x","valueString":"deep"}`)
	for i := 0; i < depth; i++ {
		b.WriteString(`]}`)
	}
	b.WriteString(`]}`)
	return b.String()
}

func TestBadBodies(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		cases := []struct {
			name, method, path, body string
			status                   int
			diag                     string // expected in the diagnostics (lower case)
		}{
			{"malformed JSON", "POST", "/Patient", `{"resourceType":"Patient",}`, 400, "malformed json"},
			{"truncated JSON", "POST", "/Patient", `{"resourceType":"Patient","name":[{"family":"Li"`, 400, "malformed json"},
			{"JSON array", "POST", "/Patient", `[{"resourceType":"Patient"}]`, 400, "array"},
			{"JSON string", "POST", "/Patient", `"Patient"`, 400, "string"},
			{"JSON null", "POST", "/Patient", `null`, 400, "null"},
			{"empty body", "POST", "/Patient", ``, 400, "empty"},
			{"only spaces", "POST", "/Patient", "  \n ", 400, "json"},
			{"two objects", "POST", "/Patient", `{"resourceType":"Patient"} {}`, 400, "after"},
			{"not UTF-8", "POST", "/Patient", "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"\xff\"}]}", 400, "utf-8"},
			{"no resourceType", "POST", "/Patient", `{"active":true}`, 400, "resourcetype"},
			{"unknown type in body", "POST", "/Patient", `{"resourceType":"Foo"}`, 400, "foo"},
			{"type mismatch", "POST", "/Patient", `{"resourceType":"Observation","status":"final","code":{"text":"x"}}`, 400, "observation"},
			{"wrong element type", "POST", "/Patient", `{"resourceType":"Patient","active":"yes"}`, 400, "active"},
			{"wrong primitive format", "POST", "/Patient", `{"resourceType":"Patient","birthDate":"1980-13-45"}`, 400, "birthdate"},
			{"array for a single element", "POST", "/Patient", `{"resourceType":"Patient","active":[true]}`, 400, "active"},
			{"object for an array", "POST", "/Patient", `{"resourceType":"Patient","name":{"family":"Li"}}`, 400, "name"},
			{"unknown element", "POST", "/Patient", `{"resourceType":"Patient","colour":"blue"}`, 400, "colour"},
			{"unknown nested element", "POST", "/Patient", `{"resourceType":"Patient","name":[{"famly":"Li"}]}`, 400, "famly"},
			{"empty string", "POST", "/Patient", `{"resourceType":"Patient","gender":""}`, 400, "gender"},
			{"code not in the required value set", "POST", "/Patient", `{"resourceType":"Patient","gender":"F"}`, 400, "not in the valueset http://hl7.org/fhir/valueset/administrative-gender"},
			{"too deep", "POST", "/Patient", nested(200), 413, "nesting"},
			{"bundle posted to a type", "POST", "/Patient", `{"resourceType":"Bundle","type":"transaction"}`, 400, "bundle"},
			{"unknown type at the base", "POST", "", `{"resourceType":"Foo"}`, 400, "foo"},
			{"PUT id mismatch", "PUT", "/Patient/a1", `{"resourceType":"Patient","id":"b2"}`, 400, "b2"},
			{"PUT missing id", "PUT", "/Patient/a1", `{"resourceType":"Patient"}`, 400, "id"},
			{"PUT type mismatch", "PUT", "/Patient/a1", `{"resourceType":"Observation","id":"a1","status":"final","code":{"text":"x"}}`, 400, "observation"},
			{"PUT invalid id in URL", "PUT", "/Patient/a_1", `{"resourceType":"Patient","id":"a_1"}`, 400, "a_1"},
			{"PUT id too long", "PUT", "/Patient/" + strings.Repeat("x", 65), `{"resourceType":"Patient","id":"` + strings.Repeat("x", 65) + `"}`, 400, "id"},
			{"PUT malformed", "PUT", "/Patient/a1", `{"resourceType":`, 400, "malformed"},
			{"PUT unknown type", "PUT", "/Foo/a1", `{"resourceType":"Foo","id":"a1"}`, 404, "foo"},
			{"POST unknown type", "POST", "/Foo", `{"resourceType":"Foo"}`, 404, "foo"},
			{"POST lower-case type", "POST", "/patient", `{"resourceType":"patient"}`, 404, "patient"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				diag := wantOutcome(t, e.do(t, c.method, c.path, c.body), c.status)
				if !strings.Contains(strings.ToLower(diag), c.diag) {
					t.Errorf("diagnostics %q do not mention %q", diag, c.diag)
				}
			})
		}
		if n := e.systemTotal(t); n != 0 {
			t.Errorf("bad input wrote %d versions", n)
		}
	})
}

func TestBadURLs(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		id := e.create(t, patient("urn:bad", "1"))
		cases := []struct {
			method, path string
			status       []int
		}{
			{"GET", "/Foo/1", []int{404}},
			{"GET", "/Foo", []int{404}},
			{"GET", "/Foo/_history", []int{404}},
			{"GET", "/patient/" + id, []int{404}},
			{"GET", "/Patient/a_b", []int{400}},
			{"GET", "/Patient/" + strings.Repeat("1", 65), []int{400}},
			{"GET", "/Patient/a%20b/_history", []int{400}},
			{"DELETE", "/Patient/a%2Fb", []int{400, 404}},
			{"GET", "/Patient/" + id + "/_history/1/extra", []int{404}},
			{"GET", "/Patient/" + id + "/foo", []int{404}},
			{"GET", "/Observation/" + id + "/$everything", []int{404}},
			{"GET", "/$nope", []int{404}},
			{"POST", "/Patient/$validate", []int{404}},
			{"PATCH", "/", []int{404, 405}},
			{"GET", "/_search", []int{404, 405}},
			{"DELETE", "", []int{404, 405}},
			{"PUT", "", []int{404, 405}},
			{"DELETE", "/metadata", []int{404, 405}},
			{"POST", "/metadata", []int{404, 405}},
			{"POST", "/_history", []int{404, 405}},
			{"DELETE", "/_history", []int{404, 405}},
			{"POST", "/Patient/" + id, []int{404, 405}},
			{"POST", "/Patient/" + id + "/_history", []int{404, 405}},
			{"PUT", "/Patient/" + id + "/_history/1", []int{404, 405}},
			{"DELETE", "/Patient/" + id + "/_history/1", []int{404, 405}},
			{"PATCH", "/Patient/_history", []int{404, 405}},
			{"DELETE", "/Patient/_search", []int{404, 405}},
			{"GET", "/Patient/$everything", []int{404}},
			{"POST", "/$export", []int{404, 405}},
			{"OPTIONS", "/Patient", []int{404, 405}},
		}
		for _, c := range cases {
			t.Run(c.method+" "+c.path, func(t *testing.T) {
				wantOutcome(t, e.do(t, c.method, c.path, nil), c.status...)
			})
		}
		if n := e.systemTotal(t); n != 1 {
			t.Errorf("%d versions, want 1", n)
		}
		e.read(t, "Patient", id)
	})
}

func TestBadParameters(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		id := e.create(t, patient("urn:bad", "1"))
		for _, path := range []string{
			"/_history?_since=yesterday",
			"/_history?_since=2026-13-01",
			"/_history?_since=2026-01-01T10:00:00",       // no time zone
			"/_history?_since=2026-01-01T10:00:00+08:00", // an unescaped + reads as a space
			"/Patient/_history?_count=abc",
			"/Patient/_history?_count=0",
			"/Patient/_history?_count=-1",
			"/Patient/_history?_count=1000000",
			"/Patient/" + id + "/_history?_count=1.5",
			"/_history?_before=x",
			"/_history?_at=2026",
			"/_history?_list=x",
			"/Patient?_count=abc",
			"/Patient?_count=-1",
			"/Patient?_count=1000000",
			"/Patient?foo=bar",
			"/Patient?name:foo=Wang",
			"/Patient?identifier=urn:bad|1&birthdate=2000-13",
			"/Patient?birthdate=2000-02-30",
			"/Patient?birthdate=xx2000",
			"/Patient?identifier=",
			"/Patient?_sort=nonsense",
			"/Patient?_sort=name-x",
			"/Patient?subject.name=x",
			"/Patient?organization.nonsense=x",
			"/Patient?_has:Observation:nonsense:code=1",
			"/Patient?_include=Observation:nonsense",
			"/Patient?_cursor=bogus",
			"/Patient?name:exact=%27%20OR%201%3D1%20--&_sort=-name,nonsense",
			"/Observation?value-quantity=abc",
			"/Observation?date=zz2020",
			"/Observation?combo-code-value-quantity=1$2$3",
		} {
			t.Run(path, func(t *testing.T) {
				wantOutcome(t, e.do(t, "GET", path, nil), any4xx...)
			})
		}

		// Prefer: handling=lenient ignores unknown parameters and says so.
		r := e.do(t, "GET", "/Patient?foo=bar&"+query("identifier", "urn:bad|1"), nil, "Prefer", "handling=lenient")
		wantStatus(t, r, http.StatusOK)
		b := r.JSON(t)
		var matches, outcomes int
		for _, x := range list(b, "entry") {
			switch str(x, "search", "mode") {
			case "match":
				matches++
			case "outcome":
				outcomes++
				if str(x, "resource", "resourceType") != "OperationOutcome" || !strings.Contains(str(x, "resource", "issue", 0, "diagnostics"), "foo") {
					t.Errorf("outcome entry %v", x)
				}
			}
		}
		if matches != 1 || outcomes != 1 {
			t.Errorf("lenient search: %d matches, %d outcomes; want 1 and 1: %s", matches, outcomes, r.Body)
		}
		wantOutcome(t, e.do(t, "GET", "/Patient?foo=bar", nil, "Prefer", "handling=strict"), http.StatusBadRequest)
	})
}

func TestBodyLimit(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		big := patient("urn:big", "1")
		big["text"] = map[string]any{"status": "generated", "div": `<div xmlns="http://www.w3.org/1999/xhtml">` + strings.Repeat("x", 4000) + `</div>`}
		diag := wantOutcome(t, e.do(t, "POST", "/Patient", big), http.StatusRequestEntityTooLarge)
		if !strings.Contains(diag, "2048") {
			t.Errorf("diagnostics %q do not state the limit", diag)
		}
		wantOutcome(t, e.do(t, "PUT", "/Patient/big", withID(big, "big")), http.StatusRequestEntityTooLarge)
		wantOutcome(t, e.do(t, "POST", "", bundle("transaction", entry("", "POST", "Patient", big))), http.StatusRequestEntityTooLarge)
		wantOutcome(t, e.do(t, "PATCH", "/Patient/big", `[{"op":"add","path":"/gender","value":"`+strings.Repeat("x", 3000)+`"}]`,
			"Content-Type", "application/json-patch+json"), http.StatusRequestEntityTooLarge)
		wantOutcome(t, e.do(t, "POST", "/Patient/_search", "identifier="+strings.Repeat("x", 3000),
			"Content-Type", "application/x-www-form-urlencoded"), http.StatusRequestEntityTooLarge)
		if n := e.systemTotal(t); n != 0 {
			t.Errorf("%d versions written", n)
		}
		// Just under the limit is fine.
		wantStatus(t, e.do(t, "POST", "/Patient", patient("urn:big", "2")), http.StatusCreated)
	}, withBodyLimit(2048))
}

func TestInputLimits(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		entries := func(n int) []map[string]any {
			var es []map[string]any
			for i := 0; i < n; i++ {
				es = append(es, entry("", "POST", "Patient", patient("urn:lim", "x")))
			}
			return es
		}
		for _, kind := range []string{"transaction", "batch"} {
			wantOutcome(t, e.do(t, "POST", "", bundle(kind, entries(4)...)), http.StatusRequestEntityTooLarge)
		}
		wantOutcome(t, e.do(t, "POST", "/Patient", nested(12)), any4xx...)
		wantOutcome(t, e.do(t, "POST", "", `{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"POST","url":"Patient"},"resource":`+nested(12)+`}]}`), any4xx...)
		wantOutcome(t, e.do(t, "GET", "/_history?_count=21", nil), any4xx...)
		wantOutcome(t, e.do(t, "GET", "/Patient?_count=21", nil), any4xx...)
		if n := e.systemTotal(t); n != 0 {
			t.Errorf("%d versions written", n)
		}
		_, es := e.post(t, bundle("transaction", entries(3)...))
		if len(es) != 3 {
			t.Errorf("%d entries", len(es))
		}
		wantStatus(t, e.do(t, "POST", "/Patient", nested(3)), http.StatusCreated)
		wantStatus(t, e.do(t, "GET", "/_history?_count=20", nil), http.StatusOK)
	}, withLimits(resources.Limits{MaxBundleEntries: 3, MaxDepth: 10, MaxHistoryCount: 20}))
}
