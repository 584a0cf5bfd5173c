package rest_test

import (
	"bufio"
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir"
)

// kickoff starts an export and returns the status URL.
func (e *env) kickoff(t *testing.T, path string, header ...string) string {
	t.Helper()
	r := e.do(t, "GET", path, nil, append([]string{"Prefer", "respond-async", "Accept", "application/fhir+json"}, header...)...)
	wantStatus(t, r, http.StatusAccepted)
	loc := r.Header.Get("Content-Location")
	if !strings.HasPrefix(loc, e.base+"/") {
		t.Fatalf("Content-Location %q is not an absolute URL under %s", loc, e.base)
	}
	return loc
}

// waitExport polls a status URL until the export is done (bounded) and
// returns the manifest.
func (e *env) waitExport(t *testing.T, status string, header ...string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := e.do(t, "GET", status, nil, header...)
		switch r.Status {
		case http.StatusOK:
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("manifest Content-Type %q", ct)
			}
			return r.JSON(t)
		case http.StatusAccepted:
			if r.Header.Get("X-Progress") == "" {
				t.Errorf("202 without X-Progress")
			}
		default:
			t.Fatalf("polling: %s", r)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the export did not finish within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exported downloads every file of a manifest, checks each line and the
// counts, and returns the exported "Type/id" keys by type.
func (e *env) exported(t *testing.T, manifest map[string]any, header ...string) map[string][]string {
	t.Helper()
	if manifest["requiresAccessToken"] != false || str(manifest, "transactionTime") == "" || str(manifest, "request") == "" {
		t.Errorf("manifest %v", manifest)
	}
	out := map[string][]string{}
	for _, f := range list(manifest, "output") {
		typ, url, count := str(f, "type"), str(f, "url"), num(f, "count")
		r := e.do(t, "GET", url, nil, append([]string{"Accept", "application/fhir+ndjson"}, header...)...)
		wantStatus(t, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); ct != "application/fhir+ndjson" {
			t.Errorf("%s: Content-Type %q", url, ct)
		}
		lines := 0
		sc := bufio.NewScanner(bytes.NewReader(r.Body))
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			lines++
			res, err := fhir.Decode(sc.Bytes(), 0)
			if err != nil {
				t.Errorf("%s line %d: %v", url, lines, err)
				continue
			}
			if res["resourceType"] != typ {
				t.Errorf("%s line %d: a %v in the %s file", url, lines, res["resourceType"], typ)
			}
			out[typ] = append(out[typ], typ+"/"+str(res, "id"))
		}
		if lines != count {
			t.Errorf("%s: %d lines, the manifest says %d", url, lines, count)
		}
	}
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out
}

func TestExport(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		p1 := "Patient/" + e.create(t, patient("urn:x", "1"))
		p2 := "Patient/" + e.create(t, patient("urn:x", "2"))
		p3 := "Patient/" + e.create(t, patient("urn:x", "3")) // no observations
		gone := e.create(t, patient("urn:x", "gone"))
		wantStatus(t, e.do(t, "DELETE", "/Patient/"+gone, nil), http.StatusNoContent)
		upd := e.read(t, "Patient", strings.TrimPrefix(p2, "Patient/"))
		wantStatus(t, e.do(t, "PUT", "/"+p2, upd), http.StatusOK) // two versions, exported once
		o1 := "Observation/" + e.create(t, observation(p1))
		o2 := "Observation/" + e.create(t, observation(p2))
		o3 := "Observation/" + e.create(t, observation("")) // in no compartment
		org := "Organization/" + e.create(t, map[string]any{"resourceType": "Organization", "name": "Huashan Hospital"})
		sorted := func(ids ...string) []string { slices.Sort(ids); return ids }

		t.Run("kick-off needs respond-async", func(t *testing.T) {
			wantOutcome(t, e.do(t, "GET", "/$export", nil), http.StatusBadRequest)
			wantOutcome(t, e.do(t, "GET", "/Patient/$export", nil, "Prefer", "return=minimal"), http.StatusBadRequest)
		})
		t.Run("bad parameters", func(t *testing.T) {
			for _, q := range []string{"_type=Foo", "_since=yesterday", "_outputFormat=text/csv", "_elements=id", "_typeFilter=Patient%3Factive%3Dtrue"} {
				wantOutcome(t, e.do(t, "GET", "/$export?"+q, nil, "Prefer", "respond-async"), http.StatusBadRequest)
			}
		})
		t.Run("system", func(t *testing.T) {
			manifest := e.waitExport(t, e.kickoff(t, "/$export"))
			if got := str(manifest, "request"); got != e.base+"/$export" {
				t.Errorf("manifest request %q, want the kick-off URL", got)
			}
			got := e.exported(t, manifest)
			want := map[string][]string{
				"Patient":      sorted(p1, p2, p3),
				"Observation":  sorted(o1, o2, o3),
				"Organization": {org},
			}
			for typ, ids := range want {
				if !slices.Equal(got[typ], ids) {
					t.Errorf("%s: exported %v, want %v", typ, got[typ], ids)
				}
			}
			if len(got) != len(want) {
				t.Errorf("exported types %v", got)
			}
		})
		t.Run("_type", func(t *testing.T) {
			got := e.exported(t, e.waitExport(t, e.kickoff(t, "/$export?_type=Patient&_outputFormat=application%2Ffhir%2Bndjson")))
			if len(got) != 1 || !slices.Equal(got["Patient"], sorted(p1, p2, p3)) {
				t.Errorf("_type=Patient exported %v", got)
			}
			got = e.exported(t, e.waitExport(t, e.kickoff(t, "/$export?_type=Organization,Observation")))
			if len(got) != 2 || len(got["Observation"]) != 3 || len(got["Organization"]) != 1 {
				t.Errorf("_type=Organization,Observation exported %v", got)
			}
		})
		t.Run("_since", func(t *testing.T) {
			got := e.exported(t, e.waitExport(t, e.kickoff(t, "/$export?_since="+time.Now().Add(time.Hour).UTC().Format(time.RFC3339))))
			if len(got) != 0 {
				t.Errorf("_since in the future exported %v", got)
			}
		})
		t.Run("patient", func(t *testing.T) {
			got := e.exported(t, e.waitExport(t, e.kickoff(t, "/Patient/$export")))
			if !slices.Equal(got["Patient"], sorted(p1, p2, p3)) {
				t.Errorf("Patient: %v", got["Patient"])
			}
			if !slices.Equal(got["Observation"], sorted(o1, o2)) {
				t.Errorf("Observation: %v, want the two with a subject", got["Observation"])
			}
			if _, ok := got["Organization"]; ok || len(got) != 2 {
				t.Errorf("the patient export holds %v", got)
			}
			got = e.exported(t, e.waitExport(t, e.kickoff(t, "/Patient/$export?_type=Observation")))
			if len(got) != 1 || !slices.Equal(got["Observation"], sorted(o1, o2)) {
				t.Errorf("_type=Observation: %v", got)
			}
		})
		t.Run("cancel", func(t *testing.T) {
			status := e.kickoff(t, "/$export")
			wantStatus(t, e.do(t, "DELETE", status, nil), http.StatusAccepted)
			wantOutcome(t, e.do(t, "GET", status, nil), http.StatusNotFound)
			wantOutcome(t, e.do(t, "DELETE", status, nil), http.StatusNotFound)
		})
		t.Run("cancel a finished export", func(t *testing.T) {
			status := e.kickoff(t, "/$export?_type=Organization")
			manifest := e.waitExport(t, status)
			wantStatus(t, e.do(t, "DELETE", status, nil), http.StatusAccepted)
			wantOutcome(t, e.do(t, "GET", status, nil), http.StatusNotFound)
			for _, f := range list(manifest, "output") {
				wantOutcome(t, e.do(t, "GET", str(f, "url"), nil), http.StatusNotFound)
			}
		})
		t.Run("unknown job", func(t *testing.T) {
			wantOutcome(t, e.do(t, "GET", "/$export-poll-status?_jobId=nope", nil), http.StatusNotFound)
			wantOutcome(t, e.do(t, "GET", "/$export-poll-status", nil), http.StatusNotFound)
			wantOutcome(t, e.do(t, "GET", "/$export-file?_jobId=nope&_file=Patient-1.ndjson", nil), http.StatusNotFound)
			status := e.kickoff(t, "/$export?_type=Organization")
			e.waitExport(t, status)
			job := status[strings.Index(status, "_jobId=")+len("_jobId="):]
			for _, file := range []string{"../../../etc/passwd", "Patient-1.ndjson", ""} {
				wantOutcome(t, e.do(t, "GET", "/$export-file?"+query("_jobId", job, "_file", file), nil), http.StatusNotFound)
			}
		})
	})
}
