package rest_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/prescribing"
	"github.com/yitong-health/yitong/signing"
	"github.com/yitong-health/yitong/store/storetest"
)

// draftRx is a draft prescription of patient by practitioner pr.
func draftRx(patient, pr string) map[string]any {
	return map[string]any{
		"resourceType": "MedicationRequest", "status": "draft", "intent": "order",
		"medicationCodeableConcept": map[string]any{
			"coding": []any{map[string]any{"system": "http://www.whocc.no/atc", "code": "C09AA02", "display": "enalapril"}},
			"text":   "依那普利片 10mg"},
		"subject":           map[string]any{"reference": "Patient/" + patient},
		"requester":         map[string]any{"reference": "Practitioner/" + pr},
		"authoredOn":        "2026-11-20T09:30:00+08:00",
		"dosageInstruction": []any{map[string]any{"text": "每日一次，每次一片"}},
	}
}

func pinParameters(pin string) map[string]any {
	return map[string]any{"resourceType": "Parameters", "parameter": []any{map[string]any{"name": "pin", "valueString": pin}}}
}

// signWorld is the matrix's world with doctors who sign.
type signWorld struct {
	*world
	e      *env
	id     *identity.Service
	signer *signing.Service
	app    identity.Client
	admin  string // a system client's token (system/*.cruds)
	pr     string // the matrix's practitioner
}

// doctor registers a practitioner at org1 in care of the own patient and
// a doctor account of it, with a signing certificate (PIN 246810) when
// cert is set; it returns the account's token and its Practitioner id.
func (sw *signWorld) doctor(t *testing.T, name string, role identity.Role, cert bool) (tok, pr string) {
	t.Helper()
	mk := func(res map[string]any) string { t.Helper(); return sw.e.create(t, res, bearer(sw.admin)...) }
	pr = mk(map[string]any{"resourceType": "Practitioner", "name": []any{map[string]any{"family": "李", "given": []any{"明"}}}})
	mk(map[string]any{"resourceType": "PractitionerRole", "active": true,
		"practitioner": map[string]any{"reference": "Practitioner/" + pr},
		"organization": map[string]any{"reference": "Organization/org1"}})
	mk(map[string]any{"resourceType": "Encounter", "status": "in-progress",
		"class":       map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
		"subject":     map[string]any{"reference": "Patient/" + sw.patient["own"]},
		"participant": []any{map[string]any{"individual": map[string]any{"reference": "Practitioner/" + pr}}},
		"period":      map[string]any{"start": "2026-11-20T08:00:00+08:00"}})
	acct, tok := accountToken(t, sw.id, sw.app, identity.Account{Username: name, Role: role, Practitioner: pr, Organization: "org1"})
	if cert {
		if _, err := sw.signer.Issue(context.Background(), acct, "246810"); err != nil {
			t.Fatal(err)
		}
	}
	return tok, pr
}

func newSignWorld(t *testing.T, b storetest.Backend, opts ...option) *signWorld {
	sw := &signWorld{}
	sw.e = newEnv(t, b, append(opts, withGate(&sw.id), withSigning(&sw.signer))...)
	sw.world, sw.admin, sw.pr = setupWorld(t, sw.e, sw.id)
	var err error
	sw.app, _, err = sw.id.CreateClient(context.Background(), identity.Client{Name: "sign", Scope: "user/*.cruds", RedirectURIs: []string{"https://app.example/cb"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	return sw
}

// provenances returns the Provenances that target MedicationRequest/id.
func (sw *signWorld) provenances(t *testing.T, id string) []any {
	t.Helper()
	r := sw.e.do(t, "GET", "/Provenance?target=MedicationRequest/"+id, nil, bearer(sw.admin)...)
	wantStatus(t, r, http.StatusOK)
	return list(r.JSON(t), "entry")
}

// total is the number of versions in the store (system history, as the
// system client).
func (sw *signWorld) total(t *testing.T) int {
	t.Helper()
	r := sw.e.do(t, "GET", "/_history?_count=1", nil, bearer(sw.admin)...)
	wantStatus(t, r, http.StatusOK)
	return num(r.JSON(t), "total")
}

// wantUnchanged checks that the store still holds total versions.
func (sw *signWorld) wantUnchanged(t *testing.T, total int) {
	t.Helper()
	if n := sw.total(t); n != total {
		t.Errorf("the store holds %d versions, want %d: something was written", n, total)
	}
}

// read reads MedicationRequest/id as the system client.
func (sw *signWorld) read(t *testing.T, id string) map[string]any {
	t.Helper()
	r := sw.e.do(t, "GET", "/MedicationRequest/"+id, nil, bearer(sw.admin)...)
	wantStatus(t, r, http.StatusOK)
	return r.JSON(t)
}

// verifyParams runs $verify as tok and returns its parameters by name.
func (sw *signWorld) verify(t *testing.T, id, tok string) map[string]any {
	t.Helper()
	r := sw.e.do(t, "GET", "/MedicationRequest/"+id+"/$verify", nil, bearer(tok)...)
	wantStatus(t, r, http.StatusOK)
	out := map[string]any{}
	for _, p := range list(r.JSON(t), "parameter") {
		out[str(p, "name")] = p
	}
	return out
}

// offlineVerifies checks the signature of a Provenance over payload with
// the CA certificate (DER) alone, as a relying party outside the
// platform does: the certificate in the signature's extension must be the
// CA's, and its SM2 key must verify the signature (sigFormat SM2-SM3).
func offlineVerifies(caDER []byte, prov any, payload []byte) error {
	ca, err := smx509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	certDER, err := base64.StdEncoding.DecodeString(str(prov, "signature", 0, "extension", 0, "valueBase64Binary"))
	if err != nil {
		return err
	}
	cert, err := smx509.ParseCertificate(certDER)
	if err != nil {
		return err
	}
	if err := cert.CheckSignatureFrom(ca); err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(str(prov, "signature", 0, "data"))
	if err != nil {
		return err
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !sm2.VerifyASN1WithSM2(pub, nil, payload, sig) {
		return errors.New("the signature does not verify")
	}
	return nil
}

func verifyOffline(t *testing.T, caDER []byte, prov any, payload []byte) {
	t.Helper()
	if err := offlineVerifies(caDER, prov, payload); err != nil {
		t.Errorf("offline verification: %v", err)
	}
}

// TestSign: a doctor signs their draft prescription with their PIN; the
// signature is a Provenance of the signed version and $verify checks it;
// everyone else is refused, and a refusal writes nothing.
func TestSign(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			sw := newSignWorld(t, b)
			e := sw.e
			drTok, drPr := sw.doctor(t, "dr-sign", identity.RoleDoctor, true)
			rx := e.create(t, draftRx(sw.patient["own"], drPr), bearer(sw.admin)...)
			sign := func(id, tok, pin string) response {
				return e.do(t, "POST", "/MedicationRequest/"+id+"/$sign", pinParameters(pin), bearer(tok)...)
			}

			t.Run("happy path", func(t *testing.T) {
				r := sign(rx, drTok, "246810")
				wantStatus(t, r, http.StatusOK)
				mr := r.JSON(t)
				if mr["status"] != "draft" || !prescribing.IsSigned(mr) || str(mr, "meta", "versionId") != "2" {
					t.Fatalf("the signed request: %s", r)
				}
				provs := sw.provenances(t, rx)
				if len(provs) != 1 {
					t.Fatalf("%d Provenances, want 1", len(provs))
				}
				p := get(provs[0], "resource")
				if str(p, "target", 0, "reference") != "MedicationRequest/"+rx+"/_history/2" ||
					str(p, "agent", 0, "who", "reference") != "Practitioner/"+drPr ||
					str(p, "agent", 0, "onBehalfOf", "reference") != "Organization/org1" ||
					str(p, "signature", 0, "type", 0, "code") != "1.2.840.10065.1.12.1.1" ||
					str(p, "signature", 0, "sigFormat") != signing.SigFormatSM2 ||
					str(p, "signature", 0, "data") == "" ||
					str(p, "signature", 0, "extension", 0, "valueBase64Binary") == "" {
					t.Errorf("the Provenance: %v", p)
				}
				// A relying party verifies with the Provenance, the signed
				// version as a vread returns it and the CA certificate alone.
				vr := e.do(t, "GET", "/MedicationRequest/"+rx+"/_history/2", nil, bearer(sw.admin)...)
				wantStatus(t, vr, http.StatusOK)
				verifyOffline(t, sw.signer.CACertificate(), p, vr.Body)
				// Any change fails (QUALITY.md item 8): every fifth byte in turn.
				for i := 0; i < len(vr.Body); i += 5 {
					changed := bytes.Clone(vr.Body)
					changed[i] ^= 0x01
					if offlineVerifies(sw.signer.CACertificate(), p, changed) == nil {
						t.Fatalf("the signature verifies the prescription with byte %d changed", i)
					}
				}
				v := sw.verify(t, rx, drTok)
				if get(v["valid"], "valueBoolean") != true || v["issue"] != nil {
					t.Fatalf("$verify of the signed request: %v", v)
				}
				if str(v["signedBy"], "valueReference", "reference") != "Practitioner/"+drPr || str(v["signedBy"], "valueReference", "display") != "李明" {
					t.Errorf("signedBy %v", v["signedBy"])
				}
				if v["reviewedBy"] != nil || v["dispensed"] != nil {
					t.Errorf("reviewedBy or dispensed before any review: %v", v)
				}
				exp, err := time.Parse(time.RFC3339, str(v["expires"], "valueInstant"))
				now := time.Now().In(time.FixedZone("CST", 8*3600))
				y, m, d := now.Date()
				if end := time.Date(y, m, d+1, 0, 0, 0, 0, now.Location()); err != nil || !exp.Equal(end) {
					t.Errorf("expires %v, want the end of the day of signing in Asia/Shanghai (%v)", v["expires"], end)
				}
				// The signing act is in the audit log.
				ev := e.do(t, "GET", "/$audit-events?subtype=sign&outcome=0", nil, bearer(sw.admin)...)
				wantStatus(t, ev, http.StatusOK)
				if len(list(ev.JSON(t), "entry")) != 1 {
					t.Errorf("want one successful sign entry: %s", ev)
				}
			})

			t.Run("second sign 409", func(t *testing.T) {
				wantOutcome(t, sign(rx, drTok, "246810"), http.StatusConflict)
				if n := len(sw.provenances(t, rx)); n != 1 {
					t.Errorf("%d Provenances after a second sign, want 1", n)
				}
			})

			t.Run("If-Match names the version reviewed", func(t *testing.T) {
				draft := e.create(t, draftRx(sw.patient["own"], drPr), bearer(sw.admin)...)
				changed := draftRx(sw.patient["own"], drPr)
				changed["id"] = draft
				changed["note"] = []any{map[string]any{"text": "changed after the doctor looked"}}
				wantStatus(t, e.do(t, "PUT", "/MedicationRequest/"+draft, changed, bearer(sw.admin)...), http.StatusOK)
				signAt := func(etag string) response {
					return e.do(t, "POST", "/MedicationRequest/"+draft+"/$sign", pinParameters("246810"), append(bearer(drTok), "If-Match", etag)...)
				}
				if d := wantOutcome(t, signAt(`W/"1"`), http.StatusPreconditionFailed); !strings.Contains(d, "review it again") {
					t.Errorf("stale If-Match: %s", d)
				}
				wantOutcome(t, signAt(`W/"x"`), http.StatusBadRequest)
				if n := len(sw.provenances(t, draft)); n != 0 {
					t.Fatalf("%d Provenances after refused signatures", n)
				}
				r := signAt(`W/"2"`)
				wantStatus(t, r, http.StatusOK)
				if v := str(r.JSON(t), "meta", "versionId"); v != "3" {
					t.Errorf("signed version %s, want 3", v)
				}
			})

			t.Run("refused callers 403", func(t *testing.T) {
				other, _ := sw.doctor(t, "dr-other", identity.RoleDoctor, true)
				nurse, _ := sw.doctor(t, "nurse-sign", identity.RoleNurse, false)
				pharm, _ := sw.doctor(t, "ph-sign", identity.RolePharmacist, true)
				resident := userToken(t, sw.id, sw.app, identity.Account{Username: "res-sign", Role: identity.RoleResident, Patient: sw.patient["own"]})
				draft := e.create(t, draftRx(sw.patient["own"], drPr), bearer(sw.admin)...)
				total := sw.total(t)
				for who, tok := range map[string]string{"non-requester doctor": other, "system client": sw.admin,
					"nurse": nurse, "pharmacist": pharm, "resident": resident} {
					d := wantOutcome(t, sign(draft, tok, "246810"), http.StatusForbidden)
					if who == "non-requester doctor" && !strings.Contains(d, "prescriber") {
						t.Errorf("%s: %q does not say only the prescriber signs", who, d)
					}
				}
				sw.wantUnchanged(t, total)
				if n := len(sw.provenances(t, draft)); n != 0 {
					t.Errorf("%d Provenances after refusals", n)
				}
			})

			t.Run("wrong PIN", func(t *testing.T) {
				tok, pr := sw.doctor(t, "dr-pin", identity.RoleDoctor, true)
				draft := e.create(t, draftRx(sw.patient["own"], pr), bearer(sw.admin)...)
				total := sw.total(t)
				for i := 1; i < signing.MaxPINFailures; i++ {
					d := wantOutcome(t, sign(draft, tok, "000000"), http.StatusUnprocessableEntity)
					if !strings.Contains(d, "PIN") {
						t.Errorf("wrong PIN: %q", d)
					}
				}
				// The failures counted: the last one locks, and then even
				// the right PIN is refused.
				wantOutcome(t, sign(draft, tok, "000000"), http.StatusUnprocessableEntity)
				wantOutcome(t, sign(draft, tok, "246810"), http.StatusLocked)
				sw.wantUnchanged(t, total)
				if n := len(sw.provenances(t, draft)); n != 0 {
					t.Errorf("%d Provenances after wrong PINs", n)
				}
				if mr := sw.read(t, draft); prescribing.IsSigned(mr) || str(mr, "meta", "versionId") != "1" {
					t.Errorf("the request changed: %v", mr)
				}
			})

			t.Run("no certificate", func(t *testing.T) {
				tok, pr := sw.doctor(t, "dr-nocert", identity.RoleDoctor, false)
				draft := e.create(t, draftRx(sw.patient["own"], pr), bearer(sw.admin)...)
				if d := wantOutcome(t, sign(draft, tok, "246810"), http.StatusUnprocessableEntity); !strings.Contains(d, "/signing") {
					t.Errorf("no certificate: %q does not send the doctor to /signing", d)
				}
			})

			t.Run("not a draft 409", func(t *testing.T) {
				active := draftRx(sw.patient["own"], drPr)
				active["status"] = "active"
				id := e.create(t, active, bearer(sw.admin)...)
				wantOutcome(t, sign(id, drTok, "246810"), http.StatusConflict)
			})

			t.Run("tampered after signing", func(t *testing.T) {
				mr := sw.read(t, rx)
				mr["dosageInstruction"] = []any{map[string]any{"text": "每日三次，每次两片"}}
				wantStatus(t, e.do(t, "PUT", "/MedicationRequest/"+rx, mr, bearer(sw.admin)...), http.StatusOK)
				v := sw.verify(t, rx, drTok)
				if get(v["valid"], "valueBoolean") != false || !strings.Contains(str(v["issue"], "valueString"), "changed after it was signed") {
					t.Errorf("$verify of a changed request: %v", v)
				}
			})

			t.Run("revoked certificate", func(t *testing.T) {
				tok, pr := sw.doctor(t, "dr-revoked", identity.RoleDoctor, true)
				signed := e.create(t, draftRx(sw.patient["own"], pr), bearer(sw.admin)...)
				wantStatus(t, sign(signed, tok, "246810"), http.StatusOK)
				acct, err := sw.id.AccountByUsername(context.Background(), "dr-revoked")
				if err != nil {
					t.Fatal(err)
				}
				if err := sw.signer.Revoke(context.Background(), acct.ID, "key lost"); err != nil {
					t.Fatal(err)
				}
				v := sw.verify(t, signed, tok)
				if get(v["valid"], "valueBoolean") != false || !strings.Contains(str(v["issue"], "valueString"), "revoked") {
					t.Errorf("$verify after the signer's certificate was revoked: %v", v)
				}
				draft := e.create(t, draftRx(sw.patient["own"], pr), bearer(sw.admin)...)
				if d := wantOutcome(t, sign(draft, tok, "246810"), http.StatusUnprocessableEntity); !strings.Contains(d, "revoked") {
					t.Errorf("signing with a revoked certificate: %q", d)
				}
				if n := len(sw.provenances(t, draft)); n != 0 {
					t.Errorf("%d Provenances by a revoked certificate", n)
				}
			})

			t.Run("unsigned", func(t *testing.T) {
				draft := e.create(t, draftRx(sw.patient["own"], drPr), bearer(sw.admin)...)
				v := sw.verify(t, draft, drTok)
				if get(v["valid"], "valueBoolean") != false || !strings.Contains(str(v["issue"], "valueString"), "not signed") || v["signedBy"] != nil {
					t.Errorf("$verify of an unsigned request: %v", v)
				}
			})
		})
	}
}

// TestSignAtomic: when anything fails after the signature (here the
// Provenance cannot be written), nothing of the act is kept: no new
// version, no Provenance.
func TestSignAtomic(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			sw := newSignWorld(t, b, withFaultyProvenance())
			e := sw.e
			tok, pr := sw.doctor(t, "dr-atomic", identity.RoleDoctor, true)
			rx := e.create(t, draftRx(sw.patient["own"], pr), bearer(sw.admin)...)
			total := sw.total(t)
			r := e.do(t, "POST", "/MedicationRequest/"+rx+"/$sign", pinParameters("246810"), bearer(tok)...)
			wantOutcome(t, r, http.StatusServiceUnavailable)
			sw.wantUnchanged(t, total)
			if mr := sw.read(t, rx); prescribing.IsSigned(mr) || str(mr, "meta", "versionId") != "1" {
				t.Errorf("the request changed: %v", mr)
			}
			if n := len(sw.provenances(t, rx)); n != 0 {
				t.Errorf("%d Provenances", n)
			}
			ev := e.do(t, "GET", "/$audit-events?subtype=sign&outcome=0", nil, bearer(sw.admin)...)
			wantStatus(t, ev, http.StatusOK)
			if n := len(list(ev.JSON(t), "entry")); n != 0 {
				t.Errorf("%d successful sign entries for a signature that rolled back", n)
			}
		})
	}
}
