package registry

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/fhir/validate"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store/storetest"
)

var ctx = context.Background()

func newRegistry(t *testing.T, now time.Time) *Registry {
	st := storetest.OpenSQLite(t, nil)
	svc := resources.New(st, resources.Options{Validate: validate.Resource, IsResourceType: spec.IsResourceType})
	for _, org := range []string{"h1", "h2"} {
		if _, err := svc.Update(ctx, "Organization", org, map[string]any{"resourceType": "Organization", "id": org, "name": org}, 0); err != nil {
			t.Fatal(err)
		}
	}
	return &Registry{Service: svc, Now: func() time.Time { return now }}
}

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func reg(since string) Registration {
	return Registration{Name: "王医生", Gender: "male", Licence: "110101198001011234", Role: "doctor", Category: "clinical",
		Scope: "内科专业", IndependentSince: date(since), Organization: "h1", Consent: true}
}

func TestCheckBoundaries(t *testing.T) {
	// 2026-11-24 10:00 in Shanghai.
	now := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	if rule, err := Check(reg("2023-11-24"), now); err != nil || rule != "A5 2018-07-17" {
		t.Errorf("exactly three years: %q, %v", rule, err)
	}
	var ref *Refusal
	if _, err := Check(reg("2023-11-25"), now); !errors.As(err, &ref) || ref.Field != "independentSince" {
		t.Errorf("one day short of three years: %v", err)
	}
	// Late evening in Shanghai is already the next day.
	lateUTC := time.Date(2026, 11, 23, 16, 30, 0, 0, time.UTC) // 2026-11-24 00:30 in Shanghai
	if _, err := Check(reg("2023-11-24"), lateUTC); err != nil {
		t.Errorf("the anniversary in Shanghai time: %v", err)
	}
	for name, mod := range map[string]func(r *Registration){
		"no consent":     func(r *Registration) { r.Consent = false },
		"bad licence":    func(r *Registration) { r.Licence = "12-34" },
		"wrong category": func(r *Registration) { r.Category = "pharmacy" },
		"no scope":       func(r *Registration) { r.Scope = " " },
		"future start":   func(r *Registration) { r.IndependentSince = date("2027-01-01") },
		"no name":        func(r *Registration) { r.Name = "" },
		"no institution": func(r *Registration) { r.Organization = "" },
	} {
		r := reg("2010-01-01")
		mod(&r)
		if _, err := Check(r, now); !errors.As(err, &ref) {
			t.Errorf("%s: %v, want a refusal", name, err)
		}
	}
	// Pharmacists and nurses need no years of independent practice.
	p := reg("2026-11-01")
	p.Role, p.Category = "pharmacist", "pharmacy"
	if _, err := Check(p, now); err != nil {
		t.Errorf("new pharmacist: %v", err)
	}
}

func TestRegisterMultiSiteAndDeactivate(t *testing.T) {
	g := newRegistry(t, time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC))
	first, err := g.Register(ctx, reg("2015-03-01"))
	if err != nil {
		t.Fatal(err)
	}
	if first.MultiSite || first.Practitioner == "" || first.Role == "" {
		t.Errorf("first registration %+v", first)
	}
	if ok, err := g.Active(ctx, first.Practitioner); !ok || err != nil {
		t.Errorf("active after registration: %v %v", ok, err)
	}
	var ref *Refusal
	if _, err := g.Register(ctx, reg("2015-03-01")); !errors.As(err, &ref) {
		t.Errorf("second registration at the same institution: %v", err)
	}
	r2 := reg("2015-03-01")
	r2.Organization = "h2"
	second, err := g.Register(ctx, r2)
	if err != nil {
		t.Fatal(err)
	}
	if !second.MultiSite || second.Practitioner != first.Practitioner {
		t.Errorf("multi-site registration %+v (first %+v)", second, first)
	}
	list, err := g.List(ctx, "h2")
	if err != nil || len(list) != 1 || !list[0].MultiSite || list[0].Licence != "110101198001011234" || list[0].Name != "王医生" || !list[0].Active || list[0].Rule == "" {
		t.Errorf("list at h2 = %+v, %v", list, err)
	}
	if err := g.Deactivate(ctx, first.Role); err != nil {
		t.Fatal(err)
	}
	if ok, _ := g.Active(ctx, first.Practitioner); !ok {
		t.Error("still registered at h2, but not active")
	}
	if err := g.Deactivate(ctx, second.Role); err != nil {
		t.Fatal(err)
	}
	if ok, _ := g.Active(ctx, first.Practitioner); ok {
		t.Error("active with no registration left")
	}
}
