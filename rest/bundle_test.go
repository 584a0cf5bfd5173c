package rest_test

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// bundle returns a batch or transaction Bundle of entries.
func bundle(kind string, entries ...map[string]any) map[string]any {
	es := make([]any, len(entries))
	for i, x := range entries {
		es[i] = x
	}
	return map[string]any{"resourceType": "Bundle", "type": kind, "entry": es}
}

// entry returns a bundle entry; extra holds request element name, value
// pairs (ifNoneExist, ifMatch).
func entry(fullURL, method, url string, res map[string]any, extra ...string) map[string]any {
	req := map[string]any{"method": method, "url": url}
	for i := 0; i+1 < len(extra); i += 2 {
		req[extra[i]] = extra[i+1]
	}
	e := map[string]any{"request": req}
	if fullURL != "" {
		e["fullUrl"] = fullURL
	}
	if res != nil {
		e["resource"] = res
	}
	return e
}

// withID returns res with its id set.
func withID(res map[string]any, id string) map[string]any {
	res = clone(res)
	res["id"] = id
	return res
}

// post sends a bundle to the base and returns the response bundle
// (requiring 200).
func (e *env) post(t testing.TB, b map[string]any, header ...string) (map[string]any, []any) {
	t.Helper()
	r := e.do(t, "POST", "", b, header...)
	wantStatus(t, r, http.StatusOK)
	out := r.JSON(t)
	if want := b["type"].(string) + "-response"; out["type"] != want {
		t.Fatalf("response bundle type %v, want %s", out["type"], want)
	}
	entries := list(out, "entry")
	if len(entries) != len(list(b, "entry")) {
		t.Fatalf("%d response entries for %d request entries", len(entries), len(list(b, "entry")))
	}
	return out, entries
}

var bundleLocationRE = regexp.MustCompile(`^([A-Z][A-Za-z]+)/([A-Za-z0-9.\-]{1,64})/_history/(\d+)$`)

// target returns "Type/id" of a response entry's location.
func target(t testing.TB, entry any) string {
	t.Helper()
	m := bundleLocationRE.FindStringSubmatch(str(entry, "response", "location"))
	if m == nil {
		t.Fatalf("response entry without a Type/id/_history/n location: %v", entry)
	}
	return m[1] + "/" + m[2]
}

func TestTransactionAllOrNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		existing := e.create(t, patient("urn:tx", "existing"))
		total := e.systemTotal(t)
		invalid := patient("urn:tx", "bad")
		invalid["active"] = "yes"
		cases := []struct {
			name    string
			entries []map[string]any
			status  int
			entry   int // the failing entry the diagnostics must name
		}{
			{"invalid resource", []map[string]any{
				entry("urn:uuid:6f1b0c5e-0000-4000-8000-000000000001", "POST", "Patient", patient("urn:tx", "a")),
				entry("", "PUT", "Patient/tx-put", withID(patient("urn:tx", "b"), "tx-put")),
				entry("", "POST", "Patient", invalid),
			}, 400, 2},
			{"unknown element", []map[string]any{
				entry("", "POST", "Patient", patient("urn:tx", "a")),
				entry("", "POST", "Observation", map[string]any{"resourceType": "Observation", "status": "final", "code": map[string]any{"text": "x"}, "colour": "red"}),
			}, 400, 1},
			{"conditional delete without match", []map[string]any{
				entry("", "POST", "Patient", patient("urn:tx", "a")),
				entry("", "DELETE", "Patient?identifier=urn:tx|none", nil),
			}, 404, 1},
			{"failed If-Match", []map[string]any{
				entry("", "POST", "Patient", patient("urn:tx", "a")),
				entry("", "PUT", "Patient/"+existing, withID(patient("urn:tx", "existing"), existing), "ifMatch", `W/"7"`),
			}, 412, 1},
			{"read of a missing resource", []map[string]any{
				entry("", "DELETE", "Patient/"+existing, nil),
				entry("", "GET", "Patient/never", nil),
			}, 404, 1},
			{"reference to no entry", []map[string]any{
				entry("", "POST", "Observation", observation("urn:uuid:6f1b0c5e-0000-4000-8000-00000000dead")),
			}, 400, 0},
			{"unsupported request url", []map[string]any{
				entry("", "POST", "Patient", patient("urn:tx", "a")),
				entry("", "POST", "http://elsewhere.example/fhir/Patient", patient("urn:tx", "b")),
			}, 400, 1},
			{"unknown method", []map[string]any{
				entry("", "POST", "Patient", patient("urn:tx", "a")),
				entry("", "MERGE", "Patient/x", nil),
			}, 400, 1},
			{"type mismatch", []map[string]any{
				entry("", "POST", "Observation", patient("urn:tx", "a")),
			}, 400, 0},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := e.do(t, "POST", "", bundle("transaction", c.entries...))
				diag := wantOutcome(t, r, c.status)
				if i := strconv.Itoa(c.entry); !strings.Contains(diag, "entry["+i+"]") && !strings.Contains(diag, "entry "+i) {
					t.Errorf("diagnostics %q do not name entry %d", diag, c.entry)
				}
				e.wantUnchanged(t, total)
			})
		}
		e.read(t, "Patient", existing)
		wantOutcome(t, e.do(t, "GET", "/Patient/tx-put", nil), http.StatusNotFound)
	})
}

func TestTransactionReferences(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		const pURL, eURL = "urn:uuid:0b8f3f8c-1d5b-4d3e-9a53-7c1c7f2a0001", "http://example.org/fhir/Encounter/e1"
		obs := observation(pURL)
		obs["encounter"] = map[string]any{"reference": eURL}
		obs["performer"] = []any{map[string]any{"reference": pURL, "display": "self"}}
		obs["extension"] = []any{map[string]any{"url": "http://example.org/ext", "valueReference": map[string]any{"reference": pURL}}}
		enc := map[string]any{"resourceType": "Encounter", "status": "finished",
			"class":   map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
			"subject": map[string]any{"reference": pURL}}
		_, entries := e.post(t, bundle("transaction",
			entry("", "POST", "Observation", obs),
			entry(pURL, "POST", "Patient", patient("urn:ref", "1")),
			entry(eURL, "POST", "Encounter", enc),
		))
		for i, x := range entries {
			if str(x, "response", "status") != "201 Created" || str(x, "response", "etag") != `W/"1"` || str(x, "response", "lastModified") == "" {
				t.Errorf("entry %d: response %v", i, get(x, "response"))
			}
		}
		if str(entries[1], "fullUrl") != pURL {
			t.Errorf("the response entry does not echo fullUrl: %v", entries[1])
		}
		pat, encT, obsT := target(t, entries[1]), target(t, entries[2]), target(t, entries[0])
		o := e.read(t, "Observation", strings.TrimPrefix(obsT, "Observation/"))
		for _, path := range [][]any{{"subject"}, {"performer", 0}, {"extension", 0, "valueReference"}} {
			if got := str(o, append(path, "reference")...); got != pat {
				t.Errorf("%v.reference = %q, want %q", path, got, pat)
			}
		}
		if got := str(o, "performer", 0, "display"); got != "self" {
			t.Errorf("performer.display = %q", got)
		}
		if got := str(o, "encounter", "reference"); got != encT {
			t.Errorf("encounter.reference = %q, want %q (the absolute fullUrl)", got, encT)
		}
		en := e.read(t, "Encounter", strings.TrimPrefix(encT, "Encounter/"))
		if got := str(en, "subject", "reference"); got != pat {
			t.Errorf("Encounter.subject = %q, want %q", got, pat)
		}
		e.read(t, "Patient", strings.TrimPrefix(pat, "Patient/"))
	})
}

func TestTransactionConditionalReferences(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		org := e.create(t, map[string]any{"resourceType": "Organization", "name": "Ruijin Hospital",
			"identifier": []any{map[string]any{"system": "urn:org", "value": "1"}}})
		obs := observation("Patient?identifier=urn:cref|1")
		obs["performer"] = []any{map[string]any{"reference": "Organization?identifier=urn:org|1"}}
		_, entries := e.post(t, bundle("transaction",
			entry("", "POST", "Observation", obs),
			entry("urn:uuid:9d7e8a3e-8c7e-4c55-8f1e-6a1f0c2b0001", "POST", "Patient", patient("urn:cref", "1")),
		))
		pat := target(t, entries[1])
		o := e.read(t, "Observation", strings.TrimPrefix(target(t, entries[0]), "Observation/"))
		if got := str(o, "subject", "reference"); got != pat {
			t.Errorf("subject = %q, want %q (created in the bundle)", got, pat)
		}
		if got := str(o, "performer", 0, "reference"); got != "Organization/"+org {
			t.Errorf("performer = %q, want Organization/%s (existing)", got, org)
		}

		// Now Patient?identifier=urn:cref|1 names an existing resource.
		_, entries = e.post(t, bundle("transaction", entry("", "POST", "Observation", observation("Patient?identifier=urn:cref|1"))))
		o = e.read(t, "Observation", strings.TrimPrefix(target(t, entries[0]), "Observation/"))
		if got := str(o, "subject", "reference"); got != pat {
			t.Errorf("subject = %q, want %q (existing)", got, pat)
		}

		// No match and several matches fail the transaction.
		e.create(t, patient("urn:cref", "2"))
		e.create(t, patient("urn:cref", "2"))
		total := e.systemTotal(t)
		for _, ref := range []string{"Patient?identifier=urn:cref|none", "Patient?identifier=urn:cref|2", "Patient?nonsense=Wang"} {
			r := e.do(t, "POST", "", bundle("transaction",
				entry("", "POST", "Patient", patient("urn:cref", "3")),
				entry("", "POST", "Observation", observation(ref))))
			wantOutcome(t, r, any4xx...)
		}
		// One match in the store and one in the bundle is ambiguous too.
		r := e.do(t, "POST", "", bundle("transaction",
			entry("", "POST", "Patient", patient("urn:cref", "1")),
			entry("", "POST", "Observation", observation("Patient?identifier=urn:cref|1"))))
		wantOutcome(t, r, http.StatusPreconditionFailed)
		e.wantUnchanged(t, total)
	})
}

func TestTransactionOrder(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		x := e.create(t, patient("urn:order", "x"))
		d := e.create(t, patient("urn:order", "d"))
		changed := withID(patient("urn:order", "x"), x)
		changed["active"] = false
		// Listed GET first, DELETE last: processed DELETE, POST, PUT, GET.
		_, entries := e.post(t, bundle("transaction",
			entry("", "GET", "Patient/"+x, nil),
			entry("", "PUT", "Patient/"+x, changed),
			entry("", "POST", "Patient", patient("urn:order", "new")),
			entry("", "DELETE", "Patient/"+d, nil),
		))
		if got := get(entries[0], "resource"); str(got, "meta", "versionId") != "2" || get(got, "active") != false {
			t.Errorf("the GET saw %v; want version 2 written by the PUT of the same bundle", got)
		}
		for i, want := range []string{"200 OK", "200 OK", "201 Created", "204 No Content"} {
			if got := str(entries[i], "response", "status"); got != want {
				t.Errorf("entry %d: status %q, want %q", i, got, want)
			}
		}
		if got := str(entries[1], "response", "etag"); got != `W/"2"` {
			t.Errorf("PUT etag %q", got)
		}
		wantOutcome(t, e.do(t, "GET", "/Patient/"+d, nil), http.StatusGone)

		// A conditional create after a delete of its match, in one bundle:
		// DELETE runs first, so the POST finds nothing and creates (or the
		// bundle is refused as naming one resource twice). Either way a
		// live resource is what the response reports.
		total := e.systemTotal(t)
		r := e.do(t, "POST", "", bundle("transaction",
			entry("", "POST", "Patient", patient("urn:order", "x"), "ifNoneExist", "identifier=urn:order|x"),
			entry("", "DELETE", "Patient?identifier=urn:order|x", nil),
		))
		switch r.Status {
		case http.StatusBadRequest:
			wantOutcome(t, r, http.StatusBadRequest)
			e.wantUnchanged(t, total)
		case http.StatusOK:
			entries := list(r.JSON(t), "entry")
			loc := target(t, entries[0])
			if rr := e.do(t, "GET", "/"+loc, nil); rr.Status != http.StatusOK {
				t.Errorf("the POST entry answered %s %s but that resource reads as %d",
					str(entries[0], "response", "status"), loc, rr.Status)
			}
			if got := e.search(t, "Patient", query("identifier", "urn:order|x")); len(got) != 1 {
				t.Errorf("%d live patients with urn:order|x after DELETE then conditional POST; want 1", len(got))
			}
		default:
			t.Errorf("want 200 or 400: %s", r)
		}
	})
}

func TestTransactionConditionalCreate(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		existing := e.create(t, patient("urn:tcc", "1"))
		const pURL = "urn:uuid:3c0f7f36-5b3a-4f1e-8a8c-2e4c6d0a0001"
		_, entries := e.post(t, bundle("transaction",
			entry(pURL, "POST", "Patient", patient("urn:tcc", "1"), "ifNoneExist", "identifier=urn:tcc|1"),
			entry("", "POST", "Observation", observation(pURL)),
			entry("", "POST", "Patient", patient("urn:tcc", "2"), "ifNoneExist", "identifier=urn:tcc|2"),
		))
		if got := str(entries[0], "response", "status"); got != "200 OK" {
			t.Errorf("matched conditional create: status %q", got)
		}
		if got := target(t, entries[0]); got != "Patient/"+existing {
			t.Errorf("matched conditional create: location %q, want Patient/%s", got, existing)
		}
		if got := str(entries[2], "response", "status"); got != "201 Created" {
			t.Errorf("unmatched conditional create: status %q", got)
		}
		o := e.read(t, "Observation", strings.TrimPrefix(target(t, entries[1]), "Observation/"))
		if got := str(o, "subject", "reference"); got != "Patient/"+existing {
			t.Errorf("subject %q, want Patient/%s", got, existing)
		}
		if got := e.search(t, "Patient", query("identifier", "urn:tcc|1")); len(got) != 1 {
			t.Errorf("%d patients with urn:tcc|1, want 1", len(got))
		}
		// Unsupported criteria fail the bundle.
		total := e.systemTotal(t)
		r := e.do(t, "POST", "", bundle("transaction",
			entry("", "POST", "Patient", patient("urn:tcc", "3"), "ifNoneExist", "nonsense=Wang")))
		wantOutcome(t, r, http.StatusBadRequest)
		e.wantUnchanged(t, total)
	})
}

func TestTransactionDuplicates(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		x := e.create(t, patient("urn:dup", "x"))
		total := e.systemTotal(t)
		p := withID(patient("urn:dup", "x"), x)
		cases := map[string][]map[string]any{
			"two PUTs":       {entry("", "PUT", "Patient/"+x, p), entry("", "PUT", "Patient/"+x, p)},
			"PUT and DELETE": {entry("", "PUT", "Patient/"+x, p), entry("", "DELETE", "Patient/"+x, nil)},
			"PUT and PATCH":  {entry("", "PUT", "Patient/"+x, p), entry("", "PATCH", "Patient/"+x, patchBinary(`[{"op":"remove","path":"/active"}]`))},
			"same fullUrl": {
				entry("urn:uuid:5e3c1a2b-0000-4000-8000-000000000001", "POST", "Patient", patient("urn:dup", "1")),
				entry("urn:uuid:5e3c1a2b-0000-4000-8000-000000000001", "POST", "Patient", patient("urn:dup", "2")),
			},
			"two PUTs to a new id": {entry("", "PUT", "Patient/new", withID(patient("urn:dup", "n"), "new")), entry("", "PUT", "Patient/new", withID(patient("urn:dup", "n"), "new"))},
		}
		for name, entries := range cases {
			t.Run(name, func(t *testing.T) {
				wantOutcome(t, e.do(t, "POST", "", bundle("transaction", entries...)), http.StatusBadRequest)
				e.wantUnchanged(t, total)
			})
		}
	})
}

// patchBinary wraps a JSON Patch in the Binary a bundle PATCH entry carries.
func patchBinary(patch string) map[string]any {
	return map[string]any{"resourceType": "Binary", "contentType": "application/json-patch+json",
		"data": base64.StdEncoding.EncodeToString([]byte(patch))}
}

func TestTransactionResponse(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		x := e.create(t, patient("urn:resp", "x"))
		y := e.create(t, patient("urn:resp", "y"))
		n := 0
		mk := func() map[string]any {
			n++
			return bundle("transaction",
				entry("urn:uuid:7a9b0c1d-0000-4000-8000-00000000000"+string(rune('0'+n)), "POST", "Patient", patient("urn:resp", "new")),
				entry("", "PUT", "Patient/"+x, withID(patient("urn:resp", "x"), x)),
				entry("", "PATCH", "Patient/"+y, patchBinary(`[{"op":"replace","path":"/active","value":false}]`)),
				entry("", "GET", "Patient/"+x, nil),
			)
		}
		for _, prefer := range []string{"", "return=minimal", "return=representation", "return=OperationOutcome"} {
			t.Run("Prefer "+prefer, func(t *testing.T) {
				_, entries := e.post(t, mk(), "Prefer", prefer)
				for i, wantStatus := range []string{"201 Created", "200 OK", "200 OK", "200 OK"} {
					en := entries[i]
					if got := str(en, "response", "status"); got != wantStatus {
						t.Errorf("entry %d: status %q, want %q", i, got, wantStatus)
					}
					loc := str(en, "response", "location")
					m := bundleLocationRE.FindStringSubmatch(loc)
					if m == nil {
						t.Errorf("entry %d: location %q", i, loc)
						continue
					}
					if got := str(en, "response", "etag"); got != `W/"`+m[3]+`"` {
						t.Errorf("entry %d: etag %q for location %q", i, got, loc)
					}
					if str(en, "response", "lastModified") == "" {
						t.Errorf("entry %d: no lastModified", i)
					}
					res := get(en, "resource")
					switch {
					case i == 3: // a GET always carries its resource
						if str(res, "id") != x {
							t.Errorf("GET entry without its resource: %v", en)
						}
					case prefer == "return=representation":
						if str(res, "resourceType") != "Patient" || str(res, "id") != m[2] || str(res, "meta", "versionId") != m[3] {
							t.Errorf("entry %d: return=representation without the resource: %v", i, en)
						}
					default:
						if res != nil {
							t.Errorf("entry %d: Prefer %q, but the entry carries the resource", i, prefer)
						}
					}
					if prefer == "return=OperationOutcome" && i < 3 && str(en, "response", "outcome", "resourceType") != "OperationOutcome" {
						t.Errorf("entry %d: return=OperationOutcome without an outcome: %v", i, en)
					}
				}
			})
		}
	})
}

func TestBatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		x := e.create(t, patient("urn:batch", "x"))
		invalid := patient("urn:batch", "bad")
		invalid["birthDate"] = "yesterday"
		_, entries := e.post(t, bundle("batch",
			entry("", "POST", "Patient", patient("urn:batch", "1")),
			entry("", "POST", "Patient", invalid),
			entry("", "GET", "Patient/missing", nil),
			entry("", "PUT", "Patient/batch-put", withID(patient("urn:batch", "2"), "batch-put")),
			entry("", "DELETE", "Patient/never", nil),
			entry("", "GET", "Patient/"+x, nil),
			map[string]any{"resource": patient("urn:batch", "3")}, // no request
			entry("", "POST", "Observation", observation("urn:uuid:1f2e3d4c-0000-4000-8000-000000000001")),
			entry("", "PUT", "Patient/"+x, withID(patient("urn:batch", "x"), x), "ifMatch", `W/"5"`),
		))
		want := []string{"201", "400", "404", "201", "404", "200", "400", "4", "412"}
		for i, w := range want {
			status := str(entries[i], "response", "status")
			if !strings.HasPrefix(status, w) {
				t.Errorf("entry %d: status %q, want %s…", i, status, w)
			}
			if status >= "400" {
				oo := get(entries[i], "response", "outcome")
				if str(oo, "resourceType") != "OperationOutcome" || len(str(oo, "issue", 0, "diagnostics")) < 10 {
					t.Errorf("entry %d: failed without a useful outcome: %v", i, entries[i])
				}
			}
		}
		if got := e.search(t, "Patient", query("identifier", "urn:batch|1")); len(got) != 1 {
			t.Errorf("the valid POST of the batch did not land: %v", got)
		}
		e.read(t, "Patient", "batch-put")
		if got := e.search(t, "Patient", query("identifier", "urn:batch|bad")); len(got) != 0 {
			t.Errorf("the invalid POST of the batch landed: %v", got)
		}
		if v := str(e.read(t, "Patient", x), "meta", "versionId"); v != "1" {
			t.Errorf("the failed If-Match entry wrote version %s", v)
		}
	})
}

func TestBundleEndpoint(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		cases := map[string]any{
			"not a bundle":      patient("urn:be", "1"),
			"collection":        map[string]any{"resourceType": "Bundle", "type": "collection"},
			"no type":           map[string]any{"resourceType": "Bundle"},
			"entry not a list":  map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": map[string]any{}},
			"entry not objects": map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{1}},
		}
		for name, body := range cases {
			t.Run(name, func(t *testing.T) {
				wantOutcome(t, e.do(t, "POST", "", body), http.StatusBadRequest)
			})
		}
		for _, ct := range []string{"application/fhir+xml", "text/plain"} {
			wantOutcome(t, e.do(t, "POST", "", bundle("batch", entry("", "POST", "Patient", patient("urn:be", "1"))), "Content-Type", ct), http.StatusUnsupportedMediaType)
		}
		if n := e.systemTotal(t); n != 0 {
			t.Errorf("%d versions written", n)
		}
		// An empty transaction is fine; so is the base URL with a slash.
		_, entries := e.post(t, bundle("transaction"))
		if len(entries) != 0 {
			t.Errorf("entries %v", entries)
		}
		r := e.do(t, "POST", "/", bundle("batch", entry("", "POST", "Patient", patient("urn:be", "2"))))
		wantStatus(t, r, http.StatusOK)
	})
}
