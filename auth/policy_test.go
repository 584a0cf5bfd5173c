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
	pol := &Policy{Care: fixedCare{"p2", "p1"}, Registry: registered{"pr": true}}
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
		{"patient scope outside care", &Principal{Account: doctor, Scoped: true, Scopes: scoped(t, "patient/*.rs"), Patient: "p9"}, "read", "Observation", "forbidden"},
		{"scope without write", &Principal{Account: doctor, Scoped: true, Scopes: scoped(t, "user/*.rs")}, "create", "Observation", "forbidden"},
		{"system client", &Principal{Client: "c", Scoped: true, Scopes: scoped(t, "system/Observation.rs")}, "read", "Observation", "all"},
		{"system client other type", &Principal{Client: "c", Scoped: true, Scopes: scoped(t, "system/Observation.rs")}, "read", "Patient", "forbidden"},
		{"system client export", &Principal{Client: "c", Scoped: true, Scopes: scoped(t, "system/*.rs")}, "$export", "", "all"},
		{"unknown operation", &Principal{Client: "c", Scoped: true, Scopes: scoped(t, "system/*.cruds")}, "$frobnicate", "", "forbidden"},
		{"unregistered doctor", &Principal{Account: unregistered}, "read", "Observation", "forbidden"},
		{"unregistered doctor break-glass", &Principal{Account: unregistered, BreakGlass: "x"}, "read", "Observation", "forbidden"},
		{"unregistered doctor directory", &Principal{Account: unregistered}, "read", "Organization", "all"},
		{"audit admin reads audit", &Principal{Account: &identity.Account{Role: identity.RoleAuditAdmin}}, "$audit-events", "", "all"},
		{"audit admin reads patients", &Principal{Account: &identity.Account{Role: identity.RoleAuditAdmin}}, "read", "Patient", "forbidden"},
	}
	for _, c := range cases {
		acc, err := pol.Decide(context.Background(), c.p, c.interaction, c.typ)
		got := "all"
		switch {
		case err != nil:
			got = string(fhir.CodeOf(err))
		case !acc.All:
			got = fmtList(acc.Patients)
		}
		if got != c.want {
			t.Errorf("%s: got %s, want %s (err %v)", c.name, got, c.want, err)
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
