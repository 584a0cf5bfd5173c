package rest_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/fhir/validate"
)

// codes returns the interaction codes of a CapabilityStatement element.
func codes(v any) []string {
	var out []string
	for _, x := range list(v, "interaction") {
		out = append(out, str(x, "code"))
	}
	slices.Sort(out)
	return out
}

// operations returns the operation names of a CapabilityStatement element.
func operations(v any) []string {
	var out []string
	for _, x := range list(v, "operation") {
		out = append(out, str(x, "name"))
	}
	return out
}

var (
	typeInteractions   = []string{"create", "delete", "history-instance", "history-type", "patch", "read", "search-type", "update", "vread"}
	systemInteractions = []string{"batch", "history-system", "search-system", "transaction"}
)

func TestMetadata(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		r := e.do(t, "GET", "/metadata", nil)
		wantStatus(t, r, http.StatusOK)
		cs := r.JSON(t)
		if cs["resourceType"] != "CapabilityStatement" || cs["fhirVersion"] != "4.0.1" || cs["kind"] != "instance" || cs["status"] != "active" {
			t.Errorf("CapabilityStatement header: %v %v %v %v", cs["resourceType"], cs["fhirVersion"], cs["kind"], cs["status"])
		}
		if !slices.Contains(list(cs, "format"), any("json")) && !slices.Contains(list(cs, "format"), any("application/fhir+json")) {
			t.Errorf("format %v", cs["format"])
		}
		if got := str(cs, "implementation", "url"); got != e.base {
			t.Errorf("implementation.url %q, want %q", got, e.base)
		}
		for _, is := range validate.Resource(cs) {
			t.Errorf("the CapabilityStatement is not valid FHIR: %s: %s", is.Expression, is.Diagnostics)
		}
		rest := list(cs, "rest")
		if len(rest) != 1 || str(rest[0], "mode") != "server" {
			t.Fatalf("rest %v", rest)
		}
		if got := codes(rest[0]); !slices.Equal(got, systemInteractions) {
			t.Errorf("system interactions %v, want %v", got, systemInteractions)
		}
		if ops := operations(rest[0]); !slices.Equal(ops, []string{"reindex", "audit-events", "audit-checkpoint", "audit-proof", "export"}) {
			t.Errorf("system operations %v", ops)
		}

		var types []string
		for _, res := range list(rest[0], "resource") {
			typ := str(res, "type")
			types = append(types, typ)
			if got := codes(res); !slices.Equal(got, typeInteractions) {
				t.Errorf("%s: interactions %v, want %v", typ, got, typeInteractions)
			}
			if get(res, "conditionalCreate") != true || get(res, "conditionalUpdate") != true || str(res, "conditionalDelete") != "single" {
				t.Errorf("%s: conditional flags %v %v %v", typ, get(res, "conditionalCreate"), get(res, "conditionalUpdate"), get(res, "conditionalDelete"))
			}
			wantOps := []string(nil)
			switch typ {
			case "Patient":
				wantOps = []string{"everything", "export"}
			case "MedicationRequest":
				wantOps = []string{"sign", "verify"}
			}
			if ops := operations(res); !slices.Equal(ops, wantOps) {
				t.Errorf("%s: operations %v, want %v", typ, ops, wantOps)
			}
		}
		if !slices.Equal(types, spec.ResourceTypes()) {
			t.Errorf("the statement lists %d types, spec.ResourceTypes() %d", len(types), len(spec.ResourceTypes()))
		}

		wantOutcome(t, e.do(t, "GET", "/metadata?_format=xml", nil), http.StatusNotAcceptable)
		r = e.do(t, "GET", "/metadata?_pretty=true", nil, "Accept", "application/json")
		wantStatus(t, r, http.StatusOK)
	})
}

// TestMetadataMatchesRoutes performs every interaction the statement lists
// and checks that the server does serve it.
func TestMetadataMatchesRoutes(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		cs := e.do(t, "GET", "/metadata", nil).JSON(t)
		id := e.create(t, patient("urn:meta", "1"))
		p := withID(patient("urn:meta", "1"), id)
		probes := map[string]func() response{
			"create": func() response { return e.do(t, "POST", "/Patient", patient("urn:meta", "2")) },
			"read":   func() response { return e.do(t, "GET", "/Patient/"+id, nil) },
			"vread":  func() response { return e.do(t, "GET", "/Patient/"+id+"/_history/1", nil) },
			"update": func() response { return e.do(t, "PUT", "/Patient/"+id, p) },
			"patch": func() response {
				return e.do(t, "PATCH", "/Patient/"+id, `[{"op":"remove","path":"/active"}]`, "Content-Type", "application/json-patch+json")
			},
			"history-instance": func() response { return e.do(t, "GET", "/Patient/"+id+"/_history", nil) },
			"history-type":     func() response { return e.do(t, "GET", "/Patient/_history", nil) },
			"search-type":      func() response { return e.do(t, "GET", "/Patient?_id="+id, nil) },
			"delete":           func() response { return e.do(t, "DELETE", "/Patient/"+id, nil) },
			"transaction":      func() response { return e.do(t, "POST", "", bundle("transaction")) },
			"batch":            func() response { return e.do(t, "POST", "", bundle("batch")) },
			"history-system":   func() response { return e.do(t, "GET", "/_history", nil) },
		}
		rest := list(cs, "rest", 0)
		var patientRes any
		for _, res := range list(rest, "resource") {
			if str(res, "type") == "Patient" {
				patientRes = res
			}
		}
		// delete last: the other probes need the resource.
		order := append(slices.DeleteFunc(codes(patientRes), func(c string) bool { return c == "delete" }), "delete")
		order = append(order, codes(rest)...)
		for _, code := range order {
			probe, ok := probes[code]
			if !ok {
				t.Errorf("the statement lists %q, which this test does not know how to try", code)
				continue
			}
			if r := probe(); r.Status >= 300 {
				t.Errorf("%s is advertised but answers %s", code, r)
			}
		}

		// Bulk export is advertised as served.
		r := e.do(t, "GET", "/$export", nil, "Prefer", "respond-async")
		wantStatus(t, r, http.StatusAccepted)
		cancelExport(t, e, r)
		r = e.do(t, "GET", "/Patient/$export", nil, "Prefer", "respond-async")
		wantStatus(t, r, http.StatusAccepted)
		cancelExport(t, e, r)
		wantOutcome(t, e.do(t, "GET", "/Observation/$export", nil, "Prefer", "respond-async"), http.StatusNotFound)
	})
}

// cancelExport cancels the export a kick-off response started.
func cancelExport(t *testing.T, e *env, kickoff response) {
	t.Helper()
	loc := kickoff.Header.Get("Content-Location")
	if loc == "" {
		t.Fatalf("no Content-Location: %s", kickoff)
	}
	r := e.do(t, "DELETE", loc, nil)
	wantStatus(t, r, http.StatusAccepted, http.StatusNotFound)
}

func TestMetadataWithoutExport(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		cs := e.do(t, "GET", "/metadata", nil).JSON(t)
		if ops := operations(get(cs, "rest", 0)); !slices.Equal(ops, []string{"reindex", "audit-events", "audit-checkpoint", "audit-proof"}) {
			t.Errorf("operations %v without an export manager", ops)
		}
		for _, res := range list(cs, "rest", 0, "resource") {
			want := []string(nil)
			switch str(res, "type") {
			case "Patient":
				want = []string{"everything"}
			case "MedicationRequest":
				want = []string{"sign", "verify"}
			}
			if ops := operations(res); !slices.Equal(ops, want) {
				t.Errorf("%s: operations %v, want %v", str(res, "type"), ops, want)
			}
		}
		wantOutcome(t, e.do(t, "GET", "/$export", nil, "Prefer", "respond-async"), http.StatusNotFound)
		wantOutcome(t, e.do(t, "GET", "/Patient/$export", nil, "Prefer", "respond-async"), http.StatusNotFound)
	}, withoutExport())
}
