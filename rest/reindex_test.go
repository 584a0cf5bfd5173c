package rest_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/fhir/validate"
	"github.com/yitong-health/yitong/resources"
)

// TestCustomSearchParameter: a SearchParameter takes effect after $reindex,
// for resources written before and after it, and again after a restart.
func TestCustomSearchParameter(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		const ext = "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName"
		withMother := func(name string) map[string]any {
			p := patient("urn:sp", name)
			p["extension"] = []any{map[string]any{"url": ext, "valueString": name}}
			return p
		}
		before := e.create(t, withMother("Liu"))
		e.create(t, withMother("Chen"))
		e.create(t, map[string]any{
			"resourceType": "SearchParameter", "url": "https://example.org/SearchParameter/mothers-maiden-name",
			"name": "MothersMaidenName", "status": "active", "description": "Mother's maiden name",
			"code": "mothers-maiden-name", "base": []any{"Patient"}, "type": "string",
			"expression": "Patient.extension('" + ext + "').value",
		})
		wantOutcome(t, e.do(t, "GET", "/Patient?mothers-maiden-name=liu", nil), http.StatusBadRequest)
		wantOutcome(t, e.do(t, "GET", "/$reindex", nil), http.StatusNotFound)

		r := e.do(t, "POST", "/$reindex", nil)
		wantStatus(t, r, http.StatusAccepted)
		deadline := time.Now().Add(time.Minute)
		for {
			st := e.do(t, "GET", "/$reindex", nil).JSON(t)
			state := ""
			for _, p := range list(st, "parameter") {
				if str(p, "name") == "state" {
					state = str(p, "valueCode")
				}
			}
			if state == "completed" {
				break
			}
			if state != "running" || time.Now().After(deadline) {
				t.Fatalf("reindex state %q: %v", state, st)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got := e.search(t, "Patient", "mothers-maiden-name=liu"); !slices.Equal(got, []string{before}) {
			t.Errorf("custom parameter after $reindex: %v, want [%s]", got, before)
		}
		after := e.create(t, withMother("Lin"))
		if got := e.search(t, "Patient", "mothers-maiden-name:exact=Lin"); !slices.Equal(got, []string{after}) {
			t.Errorf("custom parameter on a later write: %v, want [%s]", got, after)
		}

		// A restarted server applies what the last reindex applied.
		svc := resources.New(e.st, resources.Options{Validate: validate.Resource, IsResourceType: spec.IsResourceType})
		from, err := svc.PrepareSearch(context.Background())
		if err != nil || from != -1 {
			t.Fatalf("prepare after restart: pending %d, %v", from, err)
		}
		res, err := svc.Search(context.Background(), "Patient", map[string][]string{"mothers-maiden-name": {"l"}}, resources.SearchOptions{})
		if err != nil || len(res.Page.Matches) != 2 {
			t.Errorf("after restart: %v matches, %v", len(res.Page.Matches), err)
		}

		// An invalid definition is refused and changes nothing.
		e.create(t, map[string]any{
			"resourceType": "SearchParameter", "url": "https://example.org/SearchParameter/bad",
			"name": "Bad", "status": "active", "description": "bad", "code": "bad", "base": []any{"Patient"},
			"type": "string", "expression": "Patient.name.where(",
		})
		wantOutcome(t, e.do(t, "POST", "/$reindex", nil), http.StatusBadRequest)
		if got := e.search(t, "Patient", "mothers-maiden-name=liu"); !slices.Equal(got, []string{before}) {
			t.Errorf("after a refused $reindex: %v", got)
		}
	})
}
