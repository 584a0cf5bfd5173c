package auth

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/fhir/validate"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store/storetest"
)

func TestCareAndConsentPeriods(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	svc := resources.New(storetest.OpenSQLite(t, nil), resources.Options{Validate: validate.Resource, IsResourceType: spec.IsResourceType})
	mk := func(res map[string]any) string {
		t.Helper()
		out, err := svc.Create(ctx, res, "")
		if err != nil {
			t.Fatal(err)
		}
		return out.Version.ID
	}
	ref := func(r string) map[string]any { return map[string]any{"reference": r} }
	class := map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"}
	pr := mk(map[string]any{"resourceType": "Practitioner"})
	patients := map[string]string{}
	for _, name := range []string{"recent", "old", "open", "refused", "refusal-ended", "refusal-later"} {
		patients[name] = mk(map[string]any{"resourceType": "Patient"})
	}
	enc := func(p, status, start string) {
		e := map[string]any{"resourceType": "Encounter", "status": status, "class": class, "subject": ref("Patient/" + patients[p]),
			"participant": []any{map[string]any{"individual": ref("Practitioner/" + pr)}}}
		if start != "" {
			e["period"] = map[string]any{"start": start}
			if status == "finished" {
				e["period"] = map[string]any{"start": start, "end": start}
			}
		}
		mk(e)
	}
	enc("recent", "finished", "2026-09-01")
	enc("old", "finished", "2026-08-01") // more than 90 days ago
	enc("open", "in-progress", "")
	for _, p := range []string{"refused", "refusal-ended", "refusal-later"} {
		enc(p, "finished", "2026-11-20")
	}
	deny := func(p string, period map[string]any) {
		prov := map[string]any{"type": "deny", "actor": []any{map[string]any{
			"role":      map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP"}}},
			"reference": ref("Organization/h1")}}}
		if period != nil {
			prov["period"] = period
		}
		mk(map[string]any{"resourceType": "Consent", "status": "active",
			"scope":    map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}}},
			"category": []any{map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "59284-0"}}}},
			"patient":  ref("Patient/" + patients[p]), "provision": prov})
	}
	deny("refused", nil)
	deny("refusal-ended", map[string]any{"end": "2026-11-24"}) // ended today, Shanghai time
	deny("refusal-later", map[string]any{"start": "2026-12-01"})
	c := &Care{Service: svc, Now: func() time.Time { return now }}
	got, err := c.PatientsInCare(ctx, pr, "h1")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"recent": true, "old": false, "open": true, "refused": false, "refusal-ended": true, "refusal-later": true} {
		if slices.Contains(got, patients[name]) != want {
			t.Errorf("%s: in care = %v, want %v", name, !want, want)
		}
	}
	// Another institution's practitioners are not refused.
	if got, _ := c.PatientsInCare(ctx, pr, "h2"); !slices.Contains(got, patients["refused"]) {
		t.Error("a refusal of h1 applied to h2")
	}
}
