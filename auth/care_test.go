package auth

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/fhir/validate"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store/storetest"
)

// careData opens a resource service on a fresh SQLite database and
// returns it with a function that creates a resource and returns its id.
func careData(t *testing.T) (*resources.Service, func(map[string]any) string) {
	svc := resources.New(storetest.OpenSQLite(t, nil), resources.Options{Validate: validate.Resource, IsResourceType: spec.IsResourceType})
	return svc, func(res map[string]any) string {
		t.Helper()
		out, err := svc.Create(context.Background(), res, "")
		if err != nil {
			t.Fatal(err)
		}
		return out.Version.ID
	}
}

func TestCareAndConsentPeriods(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	svc, mk := careData(t)
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

// A Consent refuses the institutions it names, for the purposes it names;
// one naming neither refuses everyone.
func TestConsentPurposes(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	svc, mk := careData(t)
	ref := func(r string) map[string]any { return map[string]any{"reference": r} }
	purpose := func(code string) []any {
		return []any{map[string]any{"system": identity.PurposeOfUseSystem, "code": code}}
	}
	actor := []any{map[string]any{
		"role":      map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP"}}},
		"reference": ref("Organization/h1")}}
	provisions := map[string]map[string]any{
		"no research":          {"type": "deny", "purpose": purpose("HRESCH")},
		"no research at h1":    {"type": "deny", "purpose": purpose("HRESCH"), "actor": actor},
		"nothing":              {"type": "deny"},
		"permits research":     {"type": "permit", "purpose": purpose("HRESCH")},
		"no marketing":         {"type": "deny", "purpose": purpose("HMARKT")},
		"no research, expired": {"type": "deny", "purpose": purpose("HRESCH"), "period": map[string]any{"end": "2026-01-01"}},
	}
	patients := map[string]string{}
	for name, prov := range provisions {
		patients[name] = mk(map[string]any{"resourceType": "Patient"})
		mk(map[string]any{"resourceType": "Consent", "status": "active",
			"scope":    map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}}},
			"category": []any{map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "59284-0"}}}},
			"patient":  ref("Patient/" + patients[name]), "provision": prov})
	}
	c := &Care{Service: svc, Now: func() time.Time { return now }}
	for _, q := range []struct {
		org, purpose string
		want         []string
	}{
		{"h1", "HRESCH", []string{"no research", "no research at h1", "nothing"}},
		{"h2", "HRESCH", []string{"no research", "nothing"}},
		{"", "HRESCH", []string{"no research", "nothing"}},
		{"h1", "TREAT", []string{"nothing"}},
		{"h2", "HMARKT", []string{"no marketing", "nothing"}},
	} {
		got, err := c.Refused(ctx, q.org, q.purpose)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for name, id := range patients {
			if slices.Contains(got, id) {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, q.want) {
			t.Errorf("refused for %s at %q: %v, want %v", q.purpose, q.org, names, q.want)
		}
	}
}
