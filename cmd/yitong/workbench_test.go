package main

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/prescribing"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
)

// TestDoctorWorkbench: a doctor lists their draft prescriptions, in
// Chinese and English, signs one with their PIN through the form (a
// forged CSRF token and a wrong PIN sign nothing), and sees the signed
// one verified, then invalid once it changed; the listing is audited;
// others may not use the page.
func TestDoctorWorkbench(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	s.organization("org1", "示范医院")
	pr := s.create(map[string]any{"resourceType": "Practitioner", "name": []any{map[string]any{"family": "王", "given": []any{"医"}}}})
	s.create(map[string]any{"resourceType": "PractitionerRole", "active": true,
		"practitioner": map[string]any{"reference": "Practitioner/" + pr}, "organization": map[string]any{"reference": "Organization/org1"}})
	pid := s.create(map[string]any{"resourceType": "Patient", "name": []any{map[string]any{"family": "赵", "given": []any{"敏"}}}})
	s.create(map[string]any{"resourceType": "Encounter", "status": "in-progress",
		"class":       map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
		"subject":     map[string]any{"reference": "Patient/" + pid},
		"participant": []any{map[string]any{"individual": map[string]any{"reference": "Practitioner/" + pr}}}})
	rx := func(requester, text string) string {
		return s.create(map[string]any{
			"resourceType": "MedicationRequest", "status": "draft", "intent": "order",
			"medicationCodeableConcept": map[string]any{"text": text},
			"subject":                   map[string]any{"reference": "Patient/" + pid},
			"requester":                 map[string]any{"reference": "Practitioner/" + requester},
			"authoredOn":                "2026-11-20T01:30:00Z",
		})
	}
	mine := rx(pr, "依那普利片 10mg")
	theirs := rx("someone-else", "阿莫西林胶囊")

	b := newBrowser()
	acct := s.staff(b, identity.Account{Username: "dr.wb", Role: identity.RoleDoctor, Practitioner: pr, Organization: "org1"}, "doctor-pass-22")
	if _, err := s.p.sign.Issue(ctx, acct, "246810"); err != nil {
		t.Fatal(err)
	}

	resp, page := s.get(b, "/workbench")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="draft-`+mine+`"`) || strings.Contains(page, theirs) ||
		!strings.Contains(page, "待签名的处方") || !strings.Contains(page, "赵敏") || !strings.Contains(page, "依那普利片 10mg") ||
		!strings.Contains(page, "2026-11-20 09:30") || !strings.Contains(page, `id="no-signed"`) {
		t.Fatalf("workbench (zh): %d\n%s", resp.StatusCode, page)
	}
	if _, en := s.get(b, "/workbench?lang=en"); !strings.Contains(en, "Drafts to sign") || !strings.Contains(en, `id="draft-`+mine+`"`) {
		t.Errorf("workbench (en):\n%s", en)
	}
	s.get(b, "/workbench?lang=zh-CN")
	csrf := csrfOf(t, page)
	unsigned := func() {
		t.Helper()
		cur, err := s.p.svc.Read(ctx, "MedicationRequest", mine)
		if err != nil || prescribing.IsSigned(cur.Resource) || cur.Version.VersionID != 1 {
			t.Fatalf("the prescription changed: %v %v", cur.Resource, err)
		}
	}
	if resp, _ := s.post(b, "/workbench", url.Values{"csrf": {"forged"}, "id": {mine}, "version": {"1"}, "pin": {"246810"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("forged CSRF: %d", resp.StatusCode)
	}
	unsigned()
	if resp, body := s.post(b, "/workbench", url.Values{"csrf": {csrf}, "id": {mine}, "version": {"1"}, "pin": {"000000"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "PIN 码不正确") {
		t.Errorf("wrong PIN: %d", resp.StatusCode)
	}
	unsigned()
	if resp, body := s.post(b, "/workbench", url.Values{"csrf": {csrf}, "id": {theirs}, "version": {"1"}, "pin": {"246810"}}); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "本人开具") {
		t.Errorf("another doctor's prescription: %d", resp.StatusCode)
	}
	// The form names the version shown; a prescription that changed since
	// (here: a version the page never showed) is not signed.
	if !strings.Contains(page, `name="version" value="1"`) {
		t.Errorf("the sign form does not name the version shown:\n%s", page)
	}
	if resp, body := s.post(b, "/workbench", url.Values{"csrf": {csrf}, "id": {mine}, "version": {"2"}, "pin": {"246810"}}); resp.StatusCode != http.StatusPreconditionFailed || !strings.Contains(body, "查看后已被修改") {
		t.Errorf("a version other than the current one: %d", resp.StatusCode)
	}
	if resp, _ := s.post(b, "/workbench", url.Values{"csrf": {csrf}, "id": {mine}, "pin": {"246810"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("no version: %d", resp.StatusCode)
	}
	unsigned()
	resp, _ = s.post(b, "/workbench", url.Values{"csrf": {csrf}, "id": {mine}, "version": {"1"}, "pin": {"246810"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/workbench?signed=1" {
		t.Fatalf("sign: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	cur, err := s.p.svc.Read(ctx, "MedicationRequest", mine)
	if err != nil || !prescribing.IsSigned(cur.Resource) || cur.Resource["status"] != "draft" {
		t.Fatalf("the signed prescription: %v %v", cur.Resource, err)
	}
	provs, err := s.p.svc.Search(ctx, "Provenance", url.Values{"target": {"MedicationRequest/" + mine}}, resources.SearchOptions{})
	if err != nil || len(provs.Page.Matches) != 1 {
		t.Fatalf("Provenances: %v %v", provs, err)
	}
	_, page = s.get(b, "/workbench?signed=1")
	if !strings.Contains(page, `id="done"`) || !strings.Contains(page, `id="signed-`+mine+`"`) || !strings.Contains(page, "签名有效") || strings.Contains(page, `id="draft-`+mine+`"`) {
		t.Errorf("after signing:\n%s", page)
	}
	if _, en := s.get(b, "/workbench?lang=en"); !strings.Contains(en, "Signature valid") {
		t.Errorf("after signing (en):\n%s", en)
	}
	s.get(b, "/workbench?lang=zh-CN")
	// Changed after signing: the page says the signature no longer holds.
	cur.Resource["note"] = []any{map[string]any{"text": "改为每日两次"}}
	if _, err := s.p.svc.Update(ctx, "MedicationRequest", mine, cur.Resource, 0); err != nil {
		t.Fatal(err)
	}
	if _, page := s.get(b, "/workbench"); !strings.Contains(page, "签名无效") || !strings.Contains(page, "签名后处方被修改") {
		t.Errorf("after a change:\n%s", page)
	}
	// The listing and the signature are audited, about the patient.
	if err := s.p.audit.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	recs, err := s.p.audit.Find(ctx, store.AuditQuery{Terms: []store.AuditTerm{{Kind: "agent", Value: "user/" + acct.ID}, {Kind: "patient", Value: pid}}, Count: 50})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, r := range recs {
		e, err := audit.ParseEntry(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		actions[e.Action+" "+e.Outcome]++
		// The page shows the patient's name: the record is disclosed.
		if e.Detail == "page /workbench" && !slices.Contains(e.Resources, "Patient/"+pid) {
			t.Errorf("the workbench showed the patient's name without listing the record: %v", e.Resources)
		}
	}
	if actions["search-type success"] == 0 || actions["$sign success"] != 1 {
		t.Errorf("audit entries about the patient: %v", actions)
	}
	// A nurse has no workbench.
	nb := newBrowser()
	s.staff(nb, identity.Account{Username: "nurse.wb", Role: identity.RoleNurse, Practitioner: pr, Organization: "org1"}, "nurse-pass-222")
	if resp, _ := s.get(nb, "/workbench"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("nurse: %d", resp.StatusCode)
	}
}
