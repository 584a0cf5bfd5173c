package rest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/store/storetest"
)

// Residents' consents refusing a purpose keep the clients of that purpose
// away from their data, in reads, searches, $everything and bulk exports;
// clients of other purposes are unaffected. A regulator reaches the
// patients of their region only, also in exports.
func TestFilteredAccess(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			var id *identity.Service
			e := newEnv(t, b, withGate(&id))
			ctx := context.Background()
			admin := bearer(systemToken(t, id, "system/*.cruds"))
			client := func(purpose string) []string {
				c, _, err := id.CreateClient(ctx, identity.Client{Name: "c " + purpose, Scope: "system/*.rs", Purpose: purpose}, true)
				if err != nil {
					t.Fatal(err)
				}
				tok, err := id.ClientCredentials(ctx, c, "")
				if err != nil {
					t.Fatal(err)
				}
				return bearer(tok.Access)
			}
			research, treatment := client(identity.PurposeResearch), client("")
			if _, _, err := id.CreateClient(ctx, identity.Client{Name: "bad", Scope: "system/*.rs", Purpose: "FUN"}, true); identity.CodeOf(err) != identity.ErrInvalidRequest.Code {
				t.Errorf("a client with an unknown purpose: %v", err)
			}
			app, _, err := id.CreateClient(ctx, identity.Client{Name: "app", Scope: "user/*.cruds", RedirectURIs: []string{"https://app.example/cb"}}, false)
			if err != nil {
				t.Fatal(err)
			}
			regulator := bearer(userToken(t, id, app, identity.Account{Username: "reg", Role: identity.RoleRegulator, Region: "310100"}))

			pts, obs := map[string]string{}, map[string]string{}
			for who, division := range map[string]string{"refuses": "310115", "agrees": "310101", "elsewhere": "110105"} {
				pts[who] = e.create(t, livingIn(patient("urn:f", who), division), admin...)
				obs[who] = e.create(t, observation("Patient/"+pts[who]), admin...)
			}
			e.create(t, map[string]any{"resourceType": "Consent", "status": "active",
				"scope":     map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}}},
				"category":  []any{map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "59284-0"}}}},
				"patient":   map[string]any{"reference": "Patient/" + pts["refuses"]},
				"provision": map[string]any{"type": "deny", "purpose": []any{map[string]any{"system": identity.PurposeOfUseSystem, "code": "HRESCH"}}},
			}, admin...)

			sees := func(who string, caller []string, want map[string]bool) {
				t.Helper()
				r := e.do(t, "GET", "/Observation?_count=2&_total=accurate", nil, caller...)
				wantStatus(t, r, http.StatusOK)
				body := string(r.Body)
				hidden := slices.Contains([]bool{want["refuses"], want["agrees"], want["elsewhere"]}, false)
				if hidden && strings.Contains(body, `"total"`) {
					t.Errorf("%s: the total counts hidden data: %s", who, body)
				}
				var seen []string
				for next := "/Observation?_count=2"; next != ""; {
					r := e.do(t, "GET", next, nil, caller...)
					wantStatus(t, r, http.StatusOK)
					bundle := r.JSON(t)
					for _, en := range list(bundle, "entry") {
						seen = append(seen, str(en, "resource", "id"))
					}
					next = ""
					for _, l := range list(bundle, "link") {
						if str(l, "relation") == "next" {
							next = strings.TrimPrefix(str(l, "url"), e.base)
						}
					}
				}
				for p, w := range want {
					if slices.Contains(seen, obs[p]) != w {
						t.Errorf("%s: sees %s's observation: %v, want %v", who, p, !w, w)
					}
					st := e.do(t, "GET", "/Observation/"+obs[p], nil, caller...).Status
					if (st == http.StatusOK) != w || (!w && st != http.StatusForbidden) {
						t.Errorf("%s: read of %s's observation: %d", who, p, st)
					}
					st = e.do(t, "GET", "/Patient/"+pts[p]+"/$everything", nil, caller...).Status
					if (st == http.StatusOK) != w {
						t.Errorf("%s: $everything of %s: %d", who, p, st)
					}
				}
				got := e.exported(t, e.waitExport(t, e.kickoff(t, "/$export?_type=Observation", caller...), caller...), caller...)
				for p, w := range want {
					if slices.Contains(got["Observation"], "Observation/"+obs[p]) != w {
						t.Errorf("%s: export holds %s's observation: %v, want %v", who, p, !w, w)
					}
				}
			}
			sees("research client", research, map[string]bool{"refuses": false, "agrees": true, "elsewhere": true})
			sees("treatment client", treatment, map[string]bool{"refuses": true, "agrees": true, "elsewhere": true})
			sees("Shanghai regulator", regulator, map[string]bool{"refuses": true, "agrees": true, "elsewhere": false})
			// The regulator's audit view holds the acts on patients of the
			// region only: about the patient elsewhere, only the acts that
			// also touched a patient of the region (a search over several).
			for _, who := range []string{"agrees", "elsewhere"} {
				r := e.do(t, "GET", "/$audit-events?_count=500&patient="+pts[who], nil, regulator...)
				wantStatus(t, r, http.StatusOK)
				entries := list(r.JSON(t), "entry")
				alone := 0
				for _, en := range entries {
					b, _ := json.Marshal(en)
					if !strings.Contains(string(b), pts["agrees"]) && !strings.Contains(string(b), pts["refuses"]) {
						alone++
					}
				}
				if who == "agrees" && len(entries) == 0 {
					t.Error("the regulator sees no act on a patient of the region")
				}
				if who == "elsewhere" && alone > 0 {
					t.Errorf("the regulator sees %d acts on a patient outside the region alone", alone)
				}
			}
		})
	}
}
