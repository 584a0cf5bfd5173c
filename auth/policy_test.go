package auth

import (
	"context"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/identity"
)

type fixedCare []string

func (f fixedCare) PatientsInCare(context.Context, string, string) ([]string, error) { return f, nil }

func scoped(t *testing.T, s string) identity.Scopes {
	t.Helper()
	sc, err := identity.ParseScopes(s)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

type registered map[string]bool

func (r registered) Active(_ context.Context, p string) (bool, error) { return r[p], nil }

func TestDecide(t *testing.T) {
	pol := &Policy{Care: fixedCare{"p2", "p1"}, Registry: registered{"pr": true},
		Consents: refusals{"org9|TREAT": {"p1"}}, Regions: homes{"p1": {"110105"}}}
	regulator := &identity.Account{Role: identity.RoleRegulator, Region: "110000"}
	unregistered := &identity.Account{Role: identity.RoleDoctor, Practitioner: "pr-gone"}
	resident := &identity.Account{Role: identity.RoleResident, Patient: "me", Dependents: []string{"kid"}}
	doctor := &identity.Account{Role: identity.RoleDoctor, Practitioner: "pr"}
	pharmacist := &identity.Account{Role: identity.RolePharmacist, Practitioner: "pr"}
	cases := []struct {
		name        string
		p           *Principal
		interaction string
		typ         string
		want        string // "all", a patient list, or the denial reason
	}{
		{"anonymous", nil, "read", "Patient", "security"},
		{"anonymous metadata", nil, "capabilities", "", "all"},
		{"resident own", &Principal{Account: resident}, "read", "Observation", "[kid me]"},
		{"resident directory", &Principal{Account: resident}, "search-type", "Practitioner", "all"},
		{"resident writes observation", &Principal{Account: resident}, "create", "Observation", "forbidden"},
		{"resident writes consent", &Principal{Account: resident}, "create", "Consent", "[kid me]"},
		{"resident other type", &Principal{Account: resident}, "read", "Bundle", "forbidden"},
		{"resident system search", &Principal{Account: resident}, "search-system", "", "forbidden"},
		{"doctor in care", &Principal{Account: doctor}, "update", "Condition", "[p1 p2]"},
		{"doctor break-glass", &Principal{Account: doctor, BreakGlass: "抢救"}, "read", "Condition", "all"},
		{"pharmacist break-glass refused", &Principal{Account: pharmacist, BreakGlass: "x"}, "read", "Condition", "[p1 p2]"},
		{"pharmacist writes condition", &Principal{Account: pharmacist}, "create", "Condition", "forbidden"},
		{"pharmacist dispenses", &Principal{Account: pharmacist}, "create", "MedicationDispense", "[p1 p2]"},
		{"patient scope narrows", &Principal{Account: doctor, Scoped: true, Scopes: scoped(t, "patient/*.rs"), Patient: "p1"}, "read", "Observation", "[p1]"},
		{"patient scope with break-the-glass", &Principal{Account: doctor, Scoped: true, Scopes: scoped(t, "patient/*.rs"), Patient: "p9", BreakGlass: "抢救"}, "read", "Observation", "[p9] btg"},
		{"patient scope outside care", &Principal{Account: doctor, Scoped: true, Scopes: scoped(t, "patient/*.rs"), Patient: "p9"}, "read", "Observation", "forbidden"},
		{"scope without write", &Principal{Account: doctor, Scoped: true, Scopes: scoped(t, "user/*.rs")}, "create", "Observation", "forbidden"},
		{"system client", &Principal{Client: "c", Scoped: true, Scopes: scoped(t, "system/Observation.rs")}, "read", "Observation", "all"},
		{"system client other type", &Principal{Client: "c", Scoped: true, Scopes: scoped(t, "system/Observation.rs")}, "read", "Patient", "forbidden"},
		{"system client export", &Principal{Client: "c", Scoped: true, Scopes: scoped(t, "system/*.rs")}, "$export", "", "all"},
		{"unknown operation", &Principal{Client: "c", Scoped: true, Scopes: scoped(t, "system/*.cruds")}, "$frobnicate", "", "forbidden"},
		{"unregistered doctor", &Principal{Account: unregistered}, "read", "Observation", "forbidden"},
		{"unregistered doctor break-glass", &Principal{Account: unregistered, BreakGlass: "x"}, "read", "Observation", "forbidden"},
		{"unregistered doctor directory", &Principal{Account: unregistered}, "read", "Organization", "all"},
		{"regulator", &Principal{Account: regulator}, "read", "Observation", "filter"},
		{"regulator directory", &Principal{Account: regulator}, "read", "Organization", "all"},
		{"regulator system search", &Principal{Account: regulator}, "search-system", "", "filter"},
		{"regulator export", &Principal{Account: regulator}, "$export", "", "filter"},
		{"regulator audit", &Principal{Account: regulator}, "$audit-events", "", "filter"},
		{"regulator checkpoint", &Principal{Account: regulator}, "$audit-checkpoint", "", "all"},
		{"regulator without region", &Principal{Account: &identity.Account{Role: identity.RoleRegulator}}, "read", "Observation", "forbidden"},
		{"regulator with a bad region", &Principal{Account: &identity.Account{Role: identity.RoleRegulator, Region: "11"}}, "read", "Observation", "forbidden"},
		{"refused client", &Principal{Client: "c", ClientOrg: "org9", Scoped: true, Scopes: scoped(t, "system/*.rs")}, "read", "Observation", "filter"},
		{"refused client export", &Principal{Client: "c", ClientOrg: "org9", Scoped: true, Scopes: scoped(t, "system/*.rs")}, "$export", "", "filter"},
		{"refused client directory", &Principal{Client: "c", ClientOrg: "org9", Scoped: true, Scopes: scoped(t, "system/*.rs")}, "read", "Organization", "all"},
		{"client for research", &Principal{Client: "c", ClientOrg: "org9", Purpose: "HRESCH", Scoped: true, Scopes: scoped(t, "system/*.rs")}, "read", "Observation", "all"},
		{"audit admin reads audit", &Principal{Account: &identity.Account{Role: identity.RoleAuditAdmin}}, "$audit-events", "", "all"},
		{"audit admin reads patients", &Principal{Account: &identity.Account{Role: identity.RoleAuditAdmin}}, "read", "Patient", "forbidden"},
	}
	for _, c := range cases {
		acc, err := pol.Decide(context.Background(), c.p, c.interaction, c.typ)
		got := "all"
		switch {
		case err != nil:
			got = string(fhir.CodeOf(err))
		case acc.Filter != nil:
			got = "filter"
		case !acc.All:
			got = fmtList(acc.Patients)
			if acc.BreakGlass {
				got += " btg"
			}
		}
		if got != c.want {
			t.Errorf("%s: got %s, want %s (err %v)", c.name, got, c.want, err)
		}
	}
	// Without a way to tell where patients live, regulators reach none.
	noRegions := &Policy{Care: fixedCare{"p1"}}
	if _, err := noRegions.Decide(context.Background(), &Principal{Account: regulator}, "read", "Observation"); fhir.CodeOf(err) != fhir.IssueForbidden {
		t.Errorf("regulator without a region finder: %v", err)
	}
}

type refusals map[string][]string

func (r refusals) Refused(_ context.Context, org, purpose string) ([]string, error) {
	return r[org+"|"+purpose], nil
}

type homes map[string][]string

func (h homes) DivisionsOf(_ context.Context, p string) ([]string, error) { return h[p], nil }

// A regulator's filter admits the patients living in their region; a
// client's, the patients who did not refuse it.
func TestFilters(t *testing.T) {
	ctx := context.Background()
	pol := &Policy{Consents: refusals{"org9|TREAT": {"p3", "p1"}}, Regions: homes{
		"bj": {"110105"}, "bj-and-sh": {"310115", "110101"}, "sh": {"310115"}, "hebei": {"130102"}, "nowhere": nil}}
	admits := func(p *Principal, patient string) bool {
		t.Helper()
		acc, err := pol.Decide(ctx, p, "read", "Observation")
		if err != nil {
			t.Fatal(err)
		}
		ok, err := acc.Reaches(ctx, []string{patient})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for region, want := range map[string]map[string]bool{
		"110000": {"bj": true, "bj-and-sh": true, "sh": false, "hebei": false, "nowhere": false},
		"110100": {"bj": true, "bj-and-sh": true, "sh": false},
		"110105": {"bj": true, "bj-and-sh": false},
		"310000": {"bj": false, "sh": true, "bj-and-sh": true},
	} {
		reg := &Principal{Account: &identity.Account{Role: identity.RoleRegulator, Region: region}}
		for patient, w := range want {
			if got := admits(reg, patient); got != w {
				t.Errorf("regulator of %s reaches %s: %v, want %v", region, patient, got, w)
			}
		}
	}
	client := &Principal{Client: "c", ClientOrg: "org9", Scoped: true, Scopes: scoped(t, "system/*.rs")}
	for patient, want := range map[string]bool{"p1": false, "p2": true, "p3": false} {
		if got := admits(client, patient); got != want {
			t.Errorf("client reaches %s: %v, want %v", patient, got, want)
		}
	}
	// A resource of several patients is reached through any one of them;
	// written only if all are admitted.
	acc, _ := pol.Decide(ctx, client, "read", "Observation")
	if ok, _ := acc.Reaches(ctx, []string{"p1", "p2"}); !ok {
		t.Error("p1+p2 not reached")
	}
	if ok, _ := acc.Covers(ctx, []string{"p1", "p2"}); ok {
		t.Error("p1+p2 covered")
	}
	if ok, _ := acc.Reaches(ctx, nil); ok {
		t.Error("a resource of no patient reached through a filter")
	}
}

func TestRegionPrefix(t *testing.T) {
	for code, want := range map[string]string{"110000": "11", "110100": "1101", "110105": "110105", "310115": "310115",
		"460300": "4603", "11000": "", "1100000": "", "010000": "", "11000a": "", "": "", "１１００００": ""} {
		got, ok := RegionPrefix(code)
		if got != want || ok != (want != "") {
			t.Errorf("RegionPrefix(%q) = %q, %v; want %q", code, got, ok, want)
		}
	}
}

func fmtList(xs []string) string {
	s := "["
	for i, x := range xs {
		if i > 0 {
			s += " "
		}
		s += x
	}
	return s + "]"
}

func TestClassOf(t *testing.T) {
	for typ, want := range map[string]Class{"Patient": ClassClinical, "Observation": ClassClinical, "Consent": ClassClinical,
		"Organization": ClassDirectory, "Slot": ClassDirectory, "Bundle": ClassOther, "Binary": ClassOther, "AuditEvent": ClassClinical} {
		if got := ClassOf(typ); got != want {
			t.Errorf("ClassOf(%s) = %d, want %d", typ, got, want)
		}
	}
}

type countingRegistry struct {
	registered
	calls int
}

func (c *countingRegistry) Active(ctx context.Context, p string) (bool, error) {
	c.calls++
	return c.registered.Active(ctx, p)
}

func TestCachedRegistrations(t *testing.T) {
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	inner := &countingRegistry{registered: registered{"pr": true}}
	c := &CachedRegistrations{Registry: inner, TTL: 30 * time.Second, Now: func() time.Time { return now }}
	for range 3 {
		if ok, _ := c.Active(context.Background(), "pr"); !ok {
			t.Fatal("registered practitioner inactive")
		}
	}
	if inner.calls != 1 {
		t.Errorf("%d registry searches for 3 requests within the TTL, want 1", inner.calls)
	}
	inner.registered["pr"] = false
	now = now.Add(31 * time.Second)
	if ok, _ := c.Active(context.Background(), "pr"); ok || inner.calls != 2 {
		t.Errorf("after the TTL: active %v, %d searches", ok, inner.calls)
	}
}
