package rest_test

import (
	"context"
	"github.com/yitong-health/yitong/auth"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/rest"
)

// recordingPolicy records every decision it is asked for and refuses
// writes to Observation.
type recordingPolicy struct {
	mu   sync.Mutex
	seen []string
}

func (p *recordingPolicy) Authenticate(r *http.Request) (*auth.Principal, error) {
	if r.Header.Get("Authorization") == "Bearer expired" {
		return nil, fhir.Errorf(fhir.IssueSecurity, "the access token has expired")
	}
	return nil, nil
}

func (p *recordingPolicy) Decide(_ context.Context, _ *auth.Principal, r rest.Request) (auth.Access, error) {
	p.mu.Lock()
	p.seen = append(p.seen, r.Interaction+" "+r.Type+" "+r.ID)
	p.mu.Unlock()
	if r.Type == "Observation" && r.HTTP.Method != http.MethodGet {
		return auth.Access{}, fhir.Errorf(fhir.IssueForbidden, "writing observations is not allowed for this client")
	}
	return auth.Access{All: true}, nil
}

func (p *recordingPolicy) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.seen
	p.seen = nil
	return out
}

func TestPolicy(t *testing.T) {
	pol := &recordingPolicy{}
	eachBackend(t, func(t *testing.T, e *env) {
		pol.take()
		id := e.create(t, patient("urn:pol", "1"))
		p := withID(patient("urn:pol", "1"), id)
		requests := []struct {
			send func() response
			want string // interaction type id
		}{
			{func() response { return e.do(t, "GET", "/Patient/"+id, nil) }, "read Patient " + id},
			{func() response { return e.do(t, "GET", "/Patient/"+id+"/_history/1", nil) }, "vread Patient " + id},
			{func() response { return e.do(t, "PUT", "/Patient/"+id, p) }, "update Patient " + id},
			{func() response { return e.do(t, "PUT", "/Patient?identifier=urn:pol|1", p) }, "conditional-update Patient "},
			{func() response { return e.do(t, "GET", "/Patient?_id="+id, nil) }, "search-type Patient "},
			{func() response { return e.do(t, "GET", "/Patient/_history", nil) }, "history-type Patient "},
			{func() response { return e.do(t, "GET", "/_history", nil) }, "history-system  "},
			{func() response { return e.do(t, "POST", "", bundle("batch")) }, "transaction  "},
			{func() response { return e.do(t, "GET", "/metadata", nil) }, "capabilities  "},
			{func() response { return e.do(t, "GET", "/Patient/$export", nil, "Prefer", "respond-async") }, "$export Patient "},
		}
		for _, r := range requests {
			pol.take()
			resp := r.send()
			if resp.Status >= 300 {
				t.Errorf("%s: %s", r.want, resp)
			}
			if got := pol.take(); !slices.Equal(got, []string{r.want}) {
				t.Errorf("policy asked %q, want [%q]", got, r.want)
			}
		}

		// Refusals are 403/401 OperationOutcomes and write nothing.
		total := e.systemTotal(t)
		wantOutcome(t, e.do(t, "POST", "/Observation", observation("Patient/"+id)), http.StatusForbidden)
		wantOutcome(t, e.do(t, "PUT", "/Observation/o1", withID(observation(""), "o1")), http.StatusForbidden)
		wantOutcome(t, e.do(t, "DELETE", "/Observation?identifier=x", nil), http.StatusForbidden)
		diag := wantOutcome(t, e.do(t, "GET", "/Patient/"+id, nil, "Authorization", "Bearer expired"), http.StatusUnauthorized)
		if !strings.Contains(diag, "expired") {
			t.Errorf("diagnostics %q", diag)
		}
		e.wantUnchanged(t, total)
		wantStatus(t, e.do(t, "GET", "/Observation?_id=x", nil), http.StatusOK)

		// Bundle entries pass the same decision as the interactions they
		// stand for: a transaction with a refused entry writes nothing…
		pol.take()
		tx := bundle("transaction",
			entry("urn:uuid:p", "POST", "Patient", patient("urn:pol", "2")),
			entry("urn:uuid:o", "POST", "Observation", observation("urn:uuid:p")))
		diag = wantOutcome(t, e.do(t, "POST", "", tx), http.StatusForbidden)
		if !strings.Contains(diag, "entry[1]") {
			t.Errorf("refused transaction does not name the entry: %q", diag)
		}
		if got := pol.take(); !slices.Equal(got, []string{"transaction  ", "create Patient ", "create Observation "}) {
			t.Errorf("policy asked %q for the transaction's entries", got)
		}
		e.wantUnchanged(t, total)
		// …and a batch refuses only the refused entry.
		b := bundle("batch",
			entry("", "POST", "Patient", patient("urn:pol", "3")),
			entry("", "POST", "Observation", observation("")))
		resp := e.do(t, "POST", "", b)
		wantStatus(t, resp, http.StatusOK)
		entries, _ := resp.JSON(t)["entry"].([]any)
		var statuses []string
		for _, en := range entries {
			statuses = append(statuses, en.(map[string]any)["response"].(map[string]any)["status"].(string))
		}
		if !slices.Equal(statuses, []string{"201 Created", "403 Forbidden"}) {
			t.Errorf("batch entry statuses %q, want 201 then 403", statuses)
		}
	}, withPolicy(pol))
}
