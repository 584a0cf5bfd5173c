package main

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/store"
)

// getJSON fetches path without credentials and decodes the JSON answer.
func (s *site) getJSON(path string) map[string]any {
	s.t.Helper()
	resp, body := s.get(http.DefaultClient, path)
	var out map[string]any
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &out) != nil {
		s.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return out
}

// verifyIDToken checks an id token as a relying party does (checkIDToken)
// and returns its claims.
func verifyIDToken(t *testing.T, s *site, tok string) map[string]any {
	t.Helper()
	claims, err := checkIDToken(s, tok)
	if err != nil {
		t.Fatal(err)
	}
	return claims
}

// checkIDToken verifies an id token with the key its kid names in the
// JWKS the server's OpenID configuration points to (RS256, RSA of at least
// 2048 bits) and returns its claims.
func checkIDToken(s *site, tok string) (map[string]any, error) {
	conf := s.getJSON("/fhir/.well-known/openid-configuration")
	u, err := url.Parse(conf["jwks_uri"].(string))
	if err != nil {
		return nil, err
	}
	var set struct {
		Keys []struct{ Kty, Use, Alg, Kid, N, E string }
	}
	b, _ := json.Marshal(s.getJSON(u.Path))
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, err
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("id token %q is not a compact JWS", tok)
	}
	var header struct{ Alg, Kid string }
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if err := json.Unmarshal(hb, &header); err != nil || header.Alg != "RS256" {
		return nil, fmt.Errorf("id token header %s: %v", hb, err)
	}
	for _, k := range set.Keys {
		if k.Kid != header.Kid || k.Kty != "RSA" || k.Use != "sig" || k.Alg != "RS256" {
			continue
		}
		n, _ := base64.RawURLEncoding.DecodeString(k.N)
		e, _ := base64.RawURLEncoding.DecodeString(k.E)
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < 2048 {
			return nil, fmt.Errorf("the id token key has %d bits", pub.N.BitLen())
		}
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
			return nil, fmt.Errorf("the id token does not verify with the published key: %w", err)
		}
		var claims map[string]any
		pb, _ := base64.RawURLEncoding.DecodeString(parts[1])
		if err := json.Unmarshal(pb, &claims); err != nil {
			return nil, err
		}
		return claims, nil
	}
	return nil, fmt.Errorf("no RS256 signing key %q in the JWKS %+v", header.Kid, set)
}

// smartApp drives a SMART app's side of the authorization code flow
// against s with PKCE.
type smartApp struct {
	s                  *site
	client             identity.Client
	redirect, verifier string
}

func newSMARTApp(s *site, scope, launchURL string) *smartApp {
	s.t.Helper()
	c, _, err := s.p.id.CreateClient(context.Background(), identity.Client{Name: "健康助手", Scope: scope,
		RedirectURIs: []string{"https://app.example/cb"}, LaunchURL: launchURL}, false)
	if err != nil {
		s.t.Fatal(err)
	}
	return &smartApp{s: s, client: c, redirect: "https://app.example/cb", verifier: strings.Repeat("k", 30) + "-pkce-verifier-0123456789"}
}

// authorize is the authorization request's query.
func (a *smartApp) authorize(scope string, extra url.Values) url.Values {
	sum := sha256.Sum256([]byte(a.verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {a.client.ID}, "redirect_uri": {a.redirect},
		"scope": {scope}, "state": {"st-9"}, "aud": {a.s.srv.URL + "/fhir"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	for k, v := range extra {
		q[k] = v
	}
	return q
}

// consent shows the consent page of q on browser b, allows it (with form
// extras) and returns where the browser is sent and the page shown.
func (a *smartApp) consent(b *http.Client, q url.Values, extra url.Values) (*url.URL, string) {
	a.s.t.Helper()
	resp, page := a.s.get(b, "/oauth/authorize?"+q.Encode())
	if resp.StatusCode != 200 {
		loc, _ := url.Parse(resp.Header.Get("Location"))
		return loc, page
	}
	form := url.Values{"csrf": {csrfOf(a.s.t, page)}, "decision": {"allow"}}
	for k, v := range q {
		form[k] = v
	}
	for k, v := range extra {
		form[k] = v
	}
	resp, _ = a.s.post(b, "/oauth/authorize", form)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		a.s.t.Fatal(err)
	}
	return loc, page
}

// token posts a token request and returns the status and answer.
func (a *smartApp) token(form url.Values) (int, map[string]any) {
	a.s.t.Helper()
	form.Set("client_id", a.client.ID)
	resp, err := http.PostForm(a.s.srv.URL+"/oauth/token", form)
	if err != nil {
		a.s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		a.s.t.Fatal(err)
	}
	return resp.StatusCode, out
}

func (a *smartApp) exchange(loc *url.URL) (int, map[string]any) {
	a.s.t.Helper()
	if loc.Query().Get("code") == "" {
		a.s.t.Fatalf("no code: %s", loc)
	}
	return a.token(url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {a.redirect}, "code_verifier": {a.verifier}})
}

func TestOpenIDConnectIDTokens(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	me := s.create(map[string]any{"resourceType": "Patient", "name": []any{map[string]any{"family": "周"}}})
	acct, err := s.p.id.CreateAccount(ctx, identity.Account{Username: "zhou.yi", Role: identity.RoleResident, Patient: me}, "resident-pass-1", false)
	if err != nil {
		t.Fatal(err)
	}
	app := newSMARTApp(s, "launch/patient openid fhirUser offline_access patient/*.rs", "")
	base := s.srv.URL + "/fhir"

	// Discovery: SMART's and OpenID Connect's, with one issuer.
	smart := s.getJSON("/fhir/.well-known/smart-configuration")
	oidc := s.getJSON("/fhir/.well-known/openid-configuration")
	if smart["issuer"] != base || oidc["issuer"] != base || smart["jwks_uri"] != s.srv.URL+"/oauth/jwks" || oidc["jwks_uri"] != smart["jwks_uri"] {
		t.Errorf("issuer and jwks_uri: smart %v %v, oidc %v %v", smart["issuer"], smart["jwks_uri"], oidc["issuer"], oidc["jwks_uri"])
	}
	caps, _ := json.Marshal(smart["capabilities"])
	for _, c := range []string{"sso-openid-connect", "launch-ehr", "context-ehr-patient", "launch-standalone"} {
		if !strings.Contains(string(caps), `"`+c+`"`) {
			t.Errorf("capability %s missing: %s", c, caps)
		}
	}
	for k, want := range map[string]string{"response_types_supported": `["code"]`, "subject_types_supported": `["public"]`,
		"id_token_signing_alg_values_supported": `["RS256"]`} {
		if got, _ := json.Marshal(oidc[k]); string(got) != want {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
	if oidc["authorization_endpoint"] != s.srv.URL+"/oauth/authorize" || oidc["token_endpoint"] != s.srv.URL+"/oauth/token" {
		t.Errorf("endpoints: %v", oidc)
	}
	if sc, _ := json.Marshal(oidc["scopes_supported"]); !strings.Contains(string(sc), `"openid"`) || !strings.Contains(string(sc), `"fhirUser"`) {
		t.Errorf("scopes_supported: %s", sc)
	}

	before := time.Now().Add(-time.Second).Unix()
	s.login(s.browser, "zhou.yi", "resident-pass-1", "")
	loc, _ := app.consent(s.browser, app.authorize("launch/patient openid fhirUser offline_access patient/*.rs", url.Values{"nonce": {"n-0S6_WzA2Mj"}}), url.Values{"launch_patient": {me}})
	st, tok := app.exchange(loc)
	if st != 200 || tok["patient"] != me {
		t.Fatalf("token: %d %v", st, tok)
	}
	idt, _ := tok["id_token"].(string)
	claims := verifyIDToken(t, s, idt)
	for k, want := range map[string]any{"iss": base, "sub": acct.ID, "aud": app.client.ID, "nonce": "n-0S6_WzA2Mj", "fhirUser": base + "/Patient/" + me} {
		if claims[k] != want {
			t.Errorf("claim %s = %v, want %v", k, claims[k], want)
		}
	}
	iat, _ := claims["iat"].(float64)
	exp, _ := claims["exp"].(float64)
	authTime, _ := claims["auth_time"].(float64)
	if int64(authTime) < before || authTime > iat || exp <= iat || exp-iat > 3600 {
		t.Errorf("times: auth_time %v iat %v exp %v (signed in after %d)", authTime, iat, exp, before)
	}
	// The id token's fhirUser is the resource the access token reads.
	if r := fhirGet(t, s, strings.TrimPrefix(claims["fhirUser"].(string), s.srv.URL), tok["access_token"].(string)); r != 200 {
		t.Errorf("reading fhirUser: %d", r)
	}

	// A refresh of the openid grant: a new id token, same subject and
	// sign-in time, no nonce.
	st, tok2 := app.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}})
	if st != 200 {
		t.Fatalf("refresh: %d %v", st, tok2)
	}
	c2 := verifyIDToken(t, s, tok2["id_token"].(string))
	if c2["sub"] != acct.ID || c2["aud"] != app.client.ID || c2["auth_time"] != claims["auth_time"] || c2["nonce"] != nil {
		t.Errorf("refreshed id token claims: %v", c2)
	}

	// A rotation of the id token key: the id token signed before it still
	// verifies with the published JWKS, and the next one carries the new
	// kid.
	oldKid := s.p.idt.KeyID()
	newKid, err := s.p.idt.RotateKey(ctx, s.p.audit)
	if err != nil {
		t.Fatal(err)
	}
	if c := verifyIDToken(t, s, tok2["id_token"].(string)); c["sub"] != acct.ID {
		t.Errorf("the id token signed before the rotation: %v", c)
	}
	st, tok5 := app.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok2["refresh_token"].(string)}})
	if st != 200 {
		t.Fatalf("refresh after the rotation: %d %v", st, tok5)
	}
	var header struct{ Kid string }
	hb, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok5["id_token"].(string), ".")[0])
	if err := json.Unmarshal(hb, &header); err != nil || header.Kid != newKid || newKid == oldKid {
		t.Errorf("id token header after the rotation %s (old kid %s, new %s): %v", hb, oldKid, newKid, err)
	}
	verifyIDToken(t, s, tok5["id_token"].(string))

	// Without openid: no id token, also on refresh.
	loc, _ = app.consent(s.browser, app.authorize("launch/patient fhirUser offline_access patient/*.rs", url.Values{"nonce": {"n-2"}}), url.Values{"launch_patient": {me}})
	st, tok3 := app.exchange(loc)
	if st != 200 || tok3["id_token"] != nil {
		t.Errorf("without openid: %d %v", st, tok3)
	}
	if st, tok4 := app.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok3["refresh_token"].(string)}}); st != 200 || tok4["id_token"] != nil {
		t.Errorf("refresh without openid: %d %v", st, tok4)
	}
	// A forged id token (another subject, the signature kept) is refused by
	// the relying party's check: the helper above is not vacuous.
	parts := strings.Split(idt, ".")
	body, _ := json.Marshal(map[string]any{"iss": base, "sub": "someone-else", "aud": app.client.ID})
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString(body) + "." + parts[2]
	if _, err := checkIDToken(s, forged); err == nil {
		t.Error("a forged id token verified")
	}
	// An overlong nonce is refused to the app.
	resp, _ := s.get(s.browser, "/oauth/authorize?"+app.authorize("openid patient/*.rs", url.Values{"nonce": {strings.Repeat("n", 300)}}).Encode())
	if !strings.Contains(resp.Header.Get("Location"), "error=invalid_request") {
		t.Errorf("overlong nonce: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestEHRLaunch(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	mk := s.create
	s.organization("h1", "第一医院")
	inCare := mk(map[string]any{"resourceType": "Patient", "name": []any{map[string]any{"family": "吴", "given": []any{"敏"}}}})
	notInCare := mk(map[string]any{"resourceType": "Patient", "name": []any{map[string]any{"family": "郑"}}})
	pr := mk(map[string]any{"resourceType": "Practitioner"})
	mk(map[string]any{"resourceType": "PractitionerRole", "active": true,
		"practitioner": map[string]any{"reference": "Practitioner/" + pr}, "organization": map[string]any{"reference": "Organization/h1"}})
	mk(map[string]any{"resourceType": "Encounter", "status": "in-progress",
		"class":       map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
		"subject":     map[string]any{"reference": "Patient/" + inCare},
		"participant": []any{map[string]any{"individual": map[string]any{"reference": "Practitioner/" + pr}}}})
	dr := s.staff(s.browser, identity.Account{Username: "dr.wu", Role: identity.RoleDoctor, Practitioner: pr, Organization: "h1"}, "doctor-pass-1")
	app := newSMARTApp(s, "launch openid fhirUser patient/*.rs", "https://app.example/launch?v=2")
	other := newSMARTApp(s, "launch patient/*.rs", "https://other.example/launch")
	scope := "launch openid fhirUser patient/*.rs"

	// The launch page lists the apps with launch URLs and the patients in
	// care, by name.
	resp, page := s.get(s.browser, "/launch")
	if resp.StatusCode != 200 || !strings.Contains(page, "健康助手") || !strings.Contains(page, "吴敏") || strings.Contains(page, notInCare) {
		t.Fatalf("launch page: %d %s", resp.StatusCode, page)
	}
	launch := func(b *http.Client, patient, client string) (*http.Response, string) {
		_, page := s.get(b, "/launch")
		return s.post(b, "/launch", url.Values{"csrf": {csrfOf(t, page)}, "patient": {patient}, "client": {client}})
	}
	// A patient the policy refuses, an unknown app, a forged form: refused,
	// no launch.
	if resp, page := launch(s.browser, notInCare, app.client.ID); resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "无权查看该患者") {
		t.Errorf("launch for a patient not in care: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := launch(s.browser, inCare, "nobody"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("launch of an unknown app: %d", resp.StatusCode)
	}
	if resp, _ := s.post(s.browser, "/launch", url.Values{"csrf": {"forged"}, "patient": {inCare}, "client": {app.client.ID}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("forged launch form: %d", resp.StatusCode)
	}
	start := func(b *http.Client, a *smartApp) string {
		t.Helper()
		resp, _ := launch(b, inCare, a.client.ID)
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || err != nil || loc.Query().Get("iss") != s.srv.URL+"/fhir" || loc.Query().Get("launch") == "" ||
			loc.Scheme+"://"+loc.Host+loc.Path != strings.Split(a.client.LaunchURL, "?")[0] {
			t.Fatalf("launch: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if a == app && loc.Query().Get("v") != "2" {
			t.Errorf("the launch URL's own query is lost: %s", loc)
		}
		return loc.Query().Get("launch")
	}

	// The app's authorization with the launch: the consent page shows the
	// patient, the token carries it, with the banner and the id token of
	// the practitioner.
	id := start(s.browser, app)
	q := app.authorize(scope, url.Values{"launch": {id}})
	loc, page := app.consent(s.browser, q, nil)
	if !strings.Contains(page, `id="launch-patient">Patient/`+inCare) || strings.Contains(page, `name="launch_patient"`) {
		t.Errorf("consent page of an EHR launch:\n%s", page)
	}
	st, tok := app.exchange(loc)
	if st != 200 || tok["patient"] != inCare || tok["need_patient_banner"] != true {
		t.Fatalf("token: %d %v", st, tok)
	}
	claims := verifyIDToken(t, s, tok["id_token"].(string))
	if claims["sub"] != dr.ID || claims["fhirUser"] != s.srv.URL+"/fhir/Practitioner/"+pr {
		t.Errorf("id token of the launch: %v", claims)
	}
	at := tok["access_token"].(string)
	if r := fhirGet(t, s, "/fhir/Patient/"+inCare, at); r != 200 {
		t.Errorf("the launch patient: %d", r)
	}
	if r := fhirGet(t, s, "/fhir/Patient/"+notInCare, at); r != 403 {
		t.Errorf("another patient with the launch token: %d", r)
	}

	// The launch is spent; other refusals go back to the app as
	// invalid_request, never with a code.
	refused := func(name string, b *http.Client, a *smartApp, q url.Values) {
		t.Helper()
		resp, _ := s.get(b, "/oauth/authorize?"+q.Encode())
		l := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(l, a.redirect+"?") || !strings.Contains(l, "error=invalid_request") || strings.Contains(l, "code=") {
			t.Errorf("%s: %d %s", name, resp.StatusCode, l)
		}
	}
	refused("reused launch", s.browser, app, q)
	refused("unknown launch", s.browser, app, app.authorize(scope, url.Values{"launch": {"ytl_unknown"}}))
	refused("launch scope without launch", s.browser, app, app.authorize(scope, nil))
	id2 := start(s.browser, app)
	refused("launch of another app", s.browser, other, other.authorize("launch patient/*.rs", url.Values{"launch": {id2}}))
	refused("launch without the launch scope", s.browser, app, app.authorize("openid patient/*.rs", url.Values{"launch": {id2}}))
	// Another account's browser cannot use the doctor's launch.
	nurseBrowser := newBrowser()
	s.staff(nurseBrowser, identity.Account{Username: "nurse.li", Role: identity.RoleNurse, Practitioner: pr, Organization: "h1"}, "nurse-pass-01")
	refused("launch of another account", nurseBrowser, app, app.authorize(scope, url.Values{"launch": {id2}}))
	// A consent posted with a launch that was spent in between is refused
	// too: the check holds at the code's issue, not only on the page.
	id3 := start(s.browser, app)
	q3 := app.authorize(scope, url.Values{"launch": {id3}})
	_, page3 := s.get(s.browser, "/oauth/authorize?"+q3.Encode())
	if loc, _ := app.consent(s.browser, q3, nil); loc.Query().Get("code") == "" {
		t.Fatalf("launch 3: %s", loc)
	}
	form := url.Values{"csrf": {csrfOf(t, page3)}, "decision": {"allow"}}
	for k, v := range q3 {
		form[k] = v
	}
	resp, _ = s.post(s.browser, "/oauth/authorize", form)
	if l := resp.Header.Get("Location"); !strings.Contains(l, "error=invalid_request") || strings.Contains(l, "code=") {
		t.Errorf("consent with a spent launch: %s", l)
	}
	// Launches expire after 5 minutes.
	if identity.LaunchTTL != 5*time.Minute {
		t.Errorf("LaunchTTL = %v", identity.LaunchTTL)
	}

	// Who may launch: not residents, not practitioners without a
	// registration.
	resident := newBrowser()
	if _, err := s.p.id.CreateAccount(ctx, identity.Account{Username: "wu.min", Role: identity.RoleResident, Patient: inCare}, "resident-pass-1", false); err != nil {
		t.Fatal(err)
	}
	s.login(resident, "wu.min", "resident-pass-1", "")
	if resp, _ := s.get(resident, "/launch"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("resident's launch page: %d", resp.StatusCode)
	}
	unregistered := newBrowser()
	pr2 := mk(map[string]any{"resourceType": "Practitioner"})
	s.staff(unregistered, identity.Account{Username: "dr.new", Role: identity.RoleDoctor, Practitioner: pr2, Organization: "h1"}, "doctor-pass-2")
	if resp, page := s.get(unregistered, "/launch"); resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "执业备案") {
		t.Errorf("unregistered doctor's launch page: %d", resp.StatusCode)
	}

	// Each launch is audited as the doctor's act on the patient.
	if err := s.p.audit.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var launches, denied, listed int
	recs, err := s.p.audit.Find(ctx, store.AuditQuery{Terms: []store.AuditTerm{{Kind: "agent", Value: "user/" + dr.ID}}, Count: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		e, err := audit.ParseEntry(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		if e.Action == "launch" && e.OnBehalfOf == "Patient/"+inCare && e.Agent.Client == app.client.ID {
			launches++
		}
		// The launch page shows names: each showing discloses the record.
		if e.Detail == "page /launch" && slices.Equal(e.Patients, []string{inCare}) && slices.Contains(e.Resources, "Patient/"+inCare) {
			listed++
		}
		if e.Action == "authorize" && e.Outcome == audit.OutcomeDenied {
			denied++
		}
	}
	if launches != 3 || denied != 1 || listed < 4 {
		t.Errorf("audited launches %d (want 3), refused authorizations %d (want 1), launch pages listing the patient %d (want 4 or more)", launches, denied, listed)
	}
}
