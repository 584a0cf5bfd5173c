package resources_test

import (
	"strings"
	"testing"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
)

func TestBatch(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.update("Patient", "a", `{"resourceType":"Patient","id":"a"}`)
		b := bundleOf(t, "batch",
			postEntry(urn(1), patient("New")),                       // 0 ok
			postEntry(urn(2), `{"resourceType":"Patient","foo":1}`), // 1 invalid
			putEntry("Patient/a", patA),                             // 2 ok
			deleteEntry("Patient/nobody"),                           // 3 not found
			postEntry(urn(3), observation(urn(1), "")),              // 4 refers to entry 0
			`{"request":{"method":"POST"}}`,                         // 5 malformed
			getEntry("Patient/a"),                                   // 6 ok, sees entry 2
			putIfMatchEntry("Patient/a", patA, 1),                   // 7 stale
			postEntry(urn(4), observation("Patient/a", "")),         // 8 ok
			`{"resource":{"resourceType":"Patient"},"request":{"method":"PUT","url":"Patient/a/b/c"}}`, // 9 bad url
		)
		input4 := clone(t, path(b, "entry", 4, "resource").(map[string]any))
		out, err := e.svc.Batch(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		var failed []int
		for _, f := range out.Failures() {
			failed = append(failed, f.Index)
			if _, ok := fhir.AsError(f.Err); !ok {
				t.Errorf("entry %d failed with an internal error: %v", f.Index, f.Err)
			}
		}
		wantEqual(t, "failed entries", failed, []int{1, 3, 4, 5, 7, 9})
		if n := out.Written(); n != 3 {
			t.Errorf("Written() = %d, want 3 (entries 0, 2 and 8)", n)
		}
		wantEqual(t, "versions of Patient/a", vids(e.versions("Patient", "a")), []string{"a/2", "a/1"})
		for _, i := range []int{0, 8} {
			loc, _ := path(out.Bundle(resources.ReturnMinimal), "entry", i, "response", "location").(string)
			typ, rest, _ := strings.Cut(loc, "/")
			id, _, _ := strings.Cut(rest, "/")
			e.read(typ, id) // fails the test when entry i wrote nothing
		}
		wantJSON(t, "failed entry's resource left as passed", path(b, "entry", 4, "resource").(map[string]any), input4)

		resp := out.Bundle(resources.ReturnMinimal)
		wantEqual(t, "type", resp["type"], "batch-response")
		for i, want := range []string{
			"201 Created", "400 Bad Request", "200 OK", "404 Not Found", "400 Bad Request",
			"400 Bad Request", "200 OK", "412 Precondition Failed", "201 Created", "400 Bad Request",
		} {
			r := entryResponse(resp, i)
			if r["status"] != want {
				t.Errorf("entry %d: status %v, want %s", i, r["status"], want)
			}
			if strings.HasPrefix(want, "4") {
				if path(r, "outcome", "resourceType") != "OperationOutcome" || path(r, "outcome", "issue", 0, "severity") != "error" {
					t.Errorf("entry %d: failed without an error OperationOutcome: %v", i, r["outcome"])
				}
			}
		}
		wantEqual(t, "GET sees the earlier update", path(resp, "entry", 6, "resource", "meta", "versionId"), "2")
		if d, _ := path(resp, "entry", 4, "response", "outcome", "issue", 0, "diagnostics").(string); !strings.Contains(d, urn(1)) {
			t.Errorf("entry 4's outcome does not name the unknown reference: %q", d)
		}
	})
}

func TestBatchRefusesBadBundles(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for _, b := range []string{
			`{"resourceType":"Patient"}`,
			`{"resourceType":"Bundle","type":"transaction"}`,
			`{"resourceType":"Bundle","type":"batch","entry":"x"}`,
		} {
			_, err := e.svc.Batch(ctx, res(t, b))
			if s := resources.StatusOf(err); s != 400 {
				t.Errorf("%s: status %d (%v), want 400", b, s, err)
			}
		}
	})
}

func TestBundleResponse(t *testing.T) {
	entries := []string{
		postEntry(urn(1), patient("New")), // 0 create
		putEntry("Patient/a", `{"resourceType":"Patient","id":"a","contained":[{"resourceType":"Patient","id":"x"}]}`), // 1 update with a warning
		patchEntry("Patient/b", `[{"op":"add","path":"/active","value":true}]`),                                        // 2 patch
		deleteEntry("Patient/c"), // 3 delete
		getEntry("Patient/a"),    // 4 read
		postIfEntry(urn(2), patient("D", ident("http://a", "d")), "identifier=http://a|d"), // 5 matched create
		deleteEntry("Patient/e"), // 6 delete of a deleted resource
	}
	for _, ret := range []resources.Return{resources.ReturnMinimal, resources.ReturnRepresentation, resources.ReturnOperationOutcome} {
		t.Run(string(ret), func(t *testing.T) {
			each(t, func(t *testing.T, e *env) {
				for _, id := range []string{"a", "b", "c", "e"} {
					e.update("Patient", id, `{"resourceType":"Patient","id":"`+id+`"}`)
				}
				e.update("Patient", "d", `{"resourceType":"Patient","id":"d","identifier":[{"system":"http://a","value":"d"}]}`)
				e.delete("Patient", "e")
				out, err := e.svc.Transaction(ctx, bundleOf(t, "transaction", entries...))
				if err != nil {
					t.Fatal(err)
				}
				at := resources.FormatInstant(e.last)
				b := out.Bundle(ret)
				wantEqual(t, "resourceType", b["resourceType"], "Bundle")
				wantEqual(t, "type", b["type"], "transaction-response")
				wantEqual(t, "entries", len(b["entry"].([]any)), len(entries))
				for i, c := range []struct {
					status, location, etag, fullURL, lastModified string
					hasResource                                   bool
				}{
					{"201 Created", "Patient/id-1/_history/1", `W/"1"`, urn(1), at, ret == resources.ReturnRepresentation},
					{"200 OK", "Patient/a/_history/2", `W/"2"`, "", at, ret == resources.ReturnRepresentation},
					{"200 OK", "Patient/b/_history/2", `W/"2"`, "", at, ret == resources.ReturnRepresentation},
					{"204 No Content", "Patient/c/_history/2", `W/"2"`, "", at, false},
					{"200 OK", "Patient/a/_history/2", `W/"2"`, "", at, true},
					{"200 OK", "Patient/d/_history/1", `W/"1"`, urn(2), "", ret == resources.ReturnRepresentation},
					{"204 No Content", "", "", "", "", false},
				} {
					r := entryResponse(b, i)
					if r["status"] != c.status {
						t.Errorf("entry %d: status %v, want %s", i, r["status"], c.status)
					}
					wantEqual(t, "location", r["location"], orNil(c.location))
					wantEqual(t, "etag", r["etag"], orNil(c.etag))
					switch {
					case c.lastModified != "":
						wantEqual(t, "lastModified", r["lastModified"], c.lastModified)
					case c.location != "" && r["lastModified"] == nil:
						t.Errorf("entry %d has no lastModified", i)
					}
					wantEqual(t, "fullUrl", path(b, "entry", i, "fullUrl"), orNil(c.fullURL))
					if got := entryResource(b, i) != nil; got != c.hasResource {
						t.Errorf("entry %d: resource present = %v, want %v", i, got, c.hasResource)
					}
					wantOutcome := i != 4 && (ret == resources.ReturnOperationOutcome || i == 1)
					if got := r["outcome"] != nil; got != wantOutcome {
						t.Errorf("entry %d: outcome present = %v, want %v (%v)", i, got, wantOutcome, r["outcome"])
					}
				}
				if ret == resources.ReturnMinimal {
					if d, _ := path(entryResponse(b, 1), "outcome", "issue", 0, "diagnostics").(string); !strings.Contains(d, "dom-3") {
						t.Errorf("the update's warning is not in its outcome: %v", entryResponse(b, 1)["outcome"])
					}
				}
				if ret == resources.ReturnRepresentation {
					wantJSON(t, "created resource", entryResource(b, 0), e.read("Patient", "id-1"))
					wantEqual(t, "patched resource", entryResource(b, 2)["active"], true)
				}
			})
		})
	}
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
