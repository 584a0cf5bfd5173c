package prescribing

import (
	"context"
	"testing"
	"time"

	"github.com/yitong-health/yitong/auth"
	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/fhir/validate"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/signing"
	"github.com/yitong-health/yitong/store/storetest"
)

// TestVerifyExpiry: $verify's validity follows rule B10 on the clock it
// is given: valid on the day of signing (Asia/Shanghai), not the next
// day; a noted validity end extends it, at most to three days.
func TestVerifyExpiry(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t, nil)
	res := resources.New(st, resources.Options{Validate: validate.Resource, IsResourceType: spec.IsResourceType})
	sign, err := signing.Open(ctx, signing.Options{Store: st, MasterKey: []byte("0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	a := identity.Account{ID: "a1", Username: "dr.exp", Role: identity.RoleDoctor, Practitioner: "pr1", Organization: "org1"}
	if _, err := sign.Issue(ctx, a, "246810"); err != nil {
		t.Fatal(err)
	}
	var now time.Time
	s := New(res, sign, func() time.Time { return now })
	p := &auth.Principal{Account: &a}
	signed := func(validTo string) (string, time.Time) {
		t.Helper()
		mr := map[string]any{"resourceType": "MedicationRequest", "status": "draft", "intent": "order",
			"medicationCodeableConcept": map[string]any{"text": "依那普利片"},
			"subject":                   map[string]any{"reference": "Patient/p1"},
			"requester":                 map[string]any{"reference": "Practitioner/pr1"}}
		if validTo != "" {
			mr["dispenseRequest"] = map[string]any{"validityPeriod": map[string]any{"end": validTo}}
		}
		r, err := res.Create(ctx, mr, "")
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.Sign(ctx, p, r.Version.ID, "246810", 0)
		if err != nil {
			t.Fatal(err)
		}
		return r.Version.ID, out.Request.Version.LastUpdated
	}
	endOfDay := func(at time.Time, days int) time.Time {
		y, m, d := at.In(shanghai).Date()
		return time.Date(y, m, d+days, 0, 0, 0, 0, shanghai)
	}
	check := func(id string, at time.Time, valid bool) {
		t.Helper()
		now = at
		v, err := s.Verify(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if v.Valid != valid || (!valid && v.Code != IssueExpired) {
			t.Errorf("at %v: valid %v, issue %q (expires %v)", at, v.Valid, v.Issue, v.Expires)
		}
	}
	id, at := signed("")
	check(id, at, true)
	check(id, endOfDay(at, 1).Add(-time.Second), true)
	check(id, endOfDay(at, 1), false)

	// Extended to the day after tomorrow; a noted end of a week is cut
	// to three days.
	id, at = signed(endOfDay(at, 3).Add(-time.Hour).Format(time.RFC3339))
	check(id, endOfDay(at, 3).Add(-time.Second), true)
	check(id, endOfDay(at, 3), false)
	id, at = signed(endOfDay(at, 7).Format(time.RFC3339))
	check(id, endOfDay(at, 3).Add(-time.Second), true)
	check(id, endOfDay(at, 3), false)
}
