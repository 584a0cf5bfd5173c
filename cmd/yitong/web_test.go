package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/auth"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/registry"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

// site is the whole server as `yitong serve` assembles it, with a browser
// (a cookie jar that does not follow redirects).
type site struct {
	t       *testing.T
	p       *platform
	srv     *httptest.Server
	browser *http.Client
}

func newSite(t *testing.T) *site {
	st := storetest.OpenSQLite(t, nil)
	p := testPlatform(t, st)
	srv := httptest.NewServer(newServer(p, t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(srv.Close)
	return &site{t: t, p: p, srv: srv, browser: newBrowser()}
}

func newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (s *site) get(c *http.Client, path string) (*http.Response, string) {
	s.t.Helper()
	resp, err := c.Get(s.srv.URL + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (s *site) post(c *http.Client, path string, form url.Values) (*http.Response, string) {
	s.t.Helper()
	resp, err := c.PostForm(s.srv.URL+path, form)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// create stores a resource through the service and returns its id.
func (s *site) create(res map[string]any) string {
	s.t.Helper()
	out, err := s.p.svc.Create(context.Background(), res, "")
	if err != nil {
		s.t.Fatal(err)
	}
	return out.Version.ID
}

// organization stores Organization/id named name.
func (s *site) organization(id, name string) {
	s.t.Helper()
	if _, err := s.p.svc.Update(context.Background(), "Organization", id, map[string]any{"resourceType": "Organization", "id": id, "name": name}, 0); err != nil {
		s.t.Fatal(err)
	}
}

// staff creates a staff account with an enrolled second factor and signs
// it in on browser b (a new one when nil); it returns the account.
func (s *site) staff(b *http.Client, a identity.Account, password string) identity.Account {
	s.t.Helper()
	ctx := context.Background()
	acct, err := s.p.id.CreateAccount(ctx, a, password, false)
	if err != nil {
		s.t.Fatal(err)
	}
	secret, _, err := s.p.id.BeginTOTP(ctx, acct.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	code, _ := identity.TOTPCode(secret, time.Now())
	if err := s.p.id.ConfirmTOTP(ctx, acct.ID, code); err != nil {
		s.t.Fatal(err)
	}
	code, _ = identity.TOTPCode(secret, time.Now().Add(30*time.Second))
	if resp, _ := s.login(b, a.Username, password, code); resp.Header.Get("Location") != "/" {
		s.t.Fatalf("%s signs in: %d %s", a.Username, resp.StatusCode, resp.Header.Get("Location"))
	}
	return acct
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in the page:\n%s", page)
	}
	return m[1]
}

// login signs the browser in and returns where it was sent.
func (s *site) login(c *http.Client, username, password, totp string) (*http.Response, string) {
	s.t.Helper()
	_, page := s.get(c, "/login")
	return s.post(c, "/login", url.Values{"csrf": {csrfOf(s.t, page)}, "username": {username}, "password": {password}, "totp": {totp}})
}

func TestSMARTStandaloneLaunch(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	own, err := s.p.svc.Create(ctx, map[string]any{"resourceType": "Patient", "name": []any{map[string]any{"family": "李", "given": []any{"华"}}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.p.svc.Create(ctx, map[string]any{"resourceType": "Patient", "name": []any{map[string]any{"family": "王"}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.p.id.CreateAccount(ctx, identity.Account{Username: "li.hua", Role: identity.RoleResident, Patient: own.Version.ID}, "resident-pass-1", false); err != nil {
		t.Fatal(err)
	}
	app, _, err := s.p.id.CreateClient(ctx, identity.Client{Name: "健康助手", Scope: "launch/patient offline_access patient/*.rs", RedirectURIs: []string{"https://app.example/cb"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	// Discovery.
	resp, body := s.get(http.DefaultClient, "/fhir/.well-known/smart-configuration")
	if resp.StatusCode != 200 || !strings.Contains(body, `"code_challenge_methods_supported":["S256"]`) || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("discovery: %d %s", resp.StatusCode, body)
	}
	verifier := strings.Repeat("x", 20) + "-verifier-of-pkce-123456"
	sum := sha256.Sum256([]byte(verifier))
	authz := func(mod func(q url.Values)) string {
		q := url.Values{"response_type": {"code"}, "client_id": {app.ID}, "redirect_uri": {"https://app.example/cb"},
			"scope": {"launch/patient offline_access patient/*.rs"}, "state": {"st-1"}, "aud": {s.srv.URL + "/fhir"},
			"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
		if mod != nil {
			mod(q)
		}
		return "/oauth/authorize?" + q.Encode()
	}
	// Not signed in: to the sign-in page, and back.
	resp, _ = s.get(s.browser, authz(nil))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
		t.Fatalf("authorize without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = s.login(s.browser, "li.hua", "resident-pass-1", "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, c := range resp.Cookies() {
		if (c.Name == "yitong_session" || c.Name == "yitong_device") && (!c.HttpOnly || c.SameSite != http.SameSiteLaxMode) {
			t.Errorf("cookie %s is not HttpOnly and SameSite=Lax", c.Name)
		}
	}
	resp, page := s.get(s.browser, authz(nil))
	if resp.StatusCode != 200 || !strings.Contains(page, "健康助手") || !strings.Contains(page, "Patient/"+own.Version.ID) {
		t.Fatalf("consent page: %d %s", resp.StatusCode, page)
	}
	consent := func(patient string) *http.Response {
		form := url.Values{"csrf": {csrfOf(t, page)}, "decision": {"allow"}, "launch_patient": {patient}}
		u, _ := url.Parse(authz(nil))
		for k, v := range u.Query() {
			form[k] = v
		}
		resp, _ := s.post(s.browser, "/oauth/authorize", form)
		return resp
	}
	if resp := consent(other.Version.ID); !strings.Contains(resp.Header.Get("Location"), "error=access_denied") {
		t.Errorf("launch for another patient: %s", resp.Header.Get("Location"))
	}
	code := func() string {
		resp := consent(own.Version.ID)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc.Host != "app.example" || loc.Query().Get("state") != "st-1" || loc.Query().Get("code") == "" {
			t.Fatalf("consent: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		return loc.Query().Get("code")
	}
	token := func(form url.Values) (int, map[string]any, http.Header) {
		resp, err := http.PostForm(s.srv.URL+"/oauth/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, out, resp.Header
	}
	exchange := func(k, v string) (int, map[string]any, http.Header) {
		return token(url.Values{"grant_type": {"authorization_code"}, "code": {k}, "redirect_uri": {"https://app.example/cb"}, "client_id": {app.ID}, "code_verifier": {v}})
	}
	// A wrong verifier fails, and spends nothing it should not: a fresh
	// code with the right one works.
	if st, out, _ := exchange(code(), strings.Repeat("y", 44)); st != 400 || out["error"] != "invalid_grant" {
		t.Errorf("wrong verifier: %d %v", st, out)
	}
	k := code()
	st, tok, hdr := exchange(k, verifier)
	if st != 200 || tok["patient"] != own.Version.ID || hdr.Get("Cache-Control") != "no-store" || tok["expires_in"].(float64) > 3600 {
		t.Fatalf("token: %d %v %v", st, tok, hdr)
	}
	if st, out, _ := exchange(k, verifier); st != 400 || out["error"] != "invalid_grant" {
		t.Errorf("reused code: %d %v", st, out)
	}
	// The reuse revoked the first exchange's tokens.
	if r := fhirGet(t, s, "/fhir/Patient/"+own.Version.ID, tok["access_token"].(string)); r != 401 {
		t.Errorf("token of a reused code: %d", r)
	}
	_, tok, _ = exchange(code(), verifier)
	at := tok["access_token"].(string)
	if r := fhirGet(t, s, "/fhir/Patient/"+own.Version.ID, at); r != 200 {
		t.Errorf("own record: %d", r)
	}
	if r := fhirGet(t, s, "/fhir/Patient/"+other.Version.ID, at); r != 403 {
		t.Errorf("other patient's record: %d", r)
	}
	// Refresh rotation and reuse detection.
	refresh := func(rt string) (int, map[string]any) {
		st, out, _ := token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {app.ID}})
		return st, out
	}
	st, tok2 := refresh(tok["refresh_token"].(string))
	if st != 200 || tok2["refresh_token"] == tok["refresh_token"] {
		t.Fatalf("refresh: %d %v", st, tok2)
	}
	if st, out := refresh(tok["refresh_token"].(string)); st != 400 || out["error"] != "invalid_grant" {
		t.Errorf("reused refresh token: %d %v", st, out)
	}
	if r := fhirGet(t, s, "/fhir/Patient/"+own.Version.ID, tok2["access_token"].(string)); r != 401 {
		t.Errorf("access token after refresh reuse: %d", r)
	}
	// Bad authorization requests.
	for name, mod := range map[string]func(q url.Values){
		"plain PKCE":   func(q url.Values) { q.Set("code_challenge_method", "plain") },
		"no state":     func(q url.Values) { q.Del("state") },
		"wrong aud":    func(q url.Values) { q.Set("aud", "https://elsewhere.example/fhir") },
		"wider scope":  func(q url.Values) { q.Set("scope", "user/*.cruds") },
		"system scope": func(q url.Values) { q.Set("scope", "system/*.rs") },
	} {
		resp, _ := s.get(s.browser, authz(mod))
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "https://app.example/cb?") || !strings.Contains(resp.Header.Get("Location"), "error=") {
			t.Errorf("%s: %d %s", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	for name, mod := range map[string]func(q url.Values){
		"inexact redirect": func(q url.Values) { q.Set("redirect_uri", "https://app.example/cb/") },
		"unknown client":   func(q url.Values) { q.Set("client_id", "nobody") },
	} {
		resp, page := s.get(s.browser, authz(mod))
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(page, "授权请求无效") {
			t.Errorf("%s: %d %s (must not redirect)", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// The consent form needs the session's CSRF token.
	form := url.Values{"csrf": {"forged"}, "decision": {"allow"}, "launch_patient": {own.Version.ID}}
	u, _ := url.Parse(authz(nil))
	for k, v := range u.Query() {
		form[k] = v
	}
	if resp, _ := s.post(s.browser, "/oauth/authorize", form); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("forged consent: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func fhirGet(t *testing.T, s *site, path, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", s.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestStaffSignInPages(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	if _, err := s.p.id.CreateAccount(ctx, identity.Account{Username: "dr.zhang", Role: identity.RoleDoctor, Practitioner: "pr1", Organization: "org1"}, "temporary-pass-1", true); err != nil {
		t.Fatal(err)
	}
	// First sign-in: enrol a second factor, then change the password.
	resp, _ := s.login(s.browser, "dr.zhang", "temporary-pass-1", "")
	if resp.Header.Get("Location") != "/mfa" {
		t.Fatalf("first staff sign-in goes to %q, want /mfa", resp.Header.Get("Location"))
	}
	if resp, _ := s.get(s.browser, "/"); resp.Header.Get("Location") != "/mfa" {
		t.Errorf("home before enrolment: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := s.get(s.browser, "/mfa")
	secret := regexp.MustCompile(`<code id="secret">([A-Z2-7]+)</code>`).FindStringSubmatch(page)
	if secret == nil {
		t.Fatalf("no secret on the enrolment page:\n%s", page)
	}
	code, _ := identity.TOTPCode(secret[1], time.Now())
	resp, _ = s.post(s.browser, "/mfa", url.Values{"csrf": {csrfOf(t, page)}, "code": {code}})
	if resp.Header.Get("Location") != "/password" {
		t.Fatalf("after enrolment: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = s.get(s.browser, "/password")
	resp, page2 := s.post(s.browser, "/password", url.Values{"csrf": {csrfOf(t, page)}, "current": {"temporary-pass-1"}, "new": {"short"}, "repeat": {"short"}})
	if resp.StatusCode != 400 || !strings.Contains(page2, "至少 10 个字符") {
		t.Errorf("weak password: %d", resp.StatusCode)
	}
	resp, _ = s.post(s.browser, "/password", url.Values{"csrf": {csrfOf(t, page)}, "current": {"temporary-pass-1"}, "new": {"doctor-pass-22"}, "repeat": {"doctor-pass-22"}})
	if resp.StatusCode != 200 {
		t.Fatalf("password change: %d", resp.StatusCode)
	}
	// Home, in Chinese and in English.
	_, home := s.get(s.browser, "/")
	if !strings.Contains(home, `<dd id="role">医生</dd>`) || !strings.Contains(home, "退出登录") {
		t.Errorf("home (zh):\n%s", home)
	}
	_, home = s.get(s.browser, "/?lang=en")
	if !strings.Contains(home, `<dd id="role">Doctor</dd>`) || !strings.Contains(home, "Sign out") {
		t.Errorf("home (en):\n%s", home)
	}
	// Sign out, and sign in again with the second factor, in a new
	// browser: no code, no entry.
	resp, _ = s.post(s.browser, "/logout", url.Values{"csrf": {csrfOf(t, home)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if resp, _ := s.get(s.browser, "/password"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("page after logout: %d", resp.StatusCode)
	}
	b2 := newBrowser()
	if resp, page := s.login(b2, "dr.zhang", "doctor-pass-22", ""); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "用户名、密码或动态验证码不正确") {
		t.Errorf("staff without code: %d", resp.StatusCode)
	}
	code, _ = identity.TOTPCode(secret[1], time.Now().Add(30*time.Second))
	if resp, _ := s.login(b2, "dr.zhang", "doctor-pass-22", code); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("staff with code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The doctor gets a signing certificate: password again, and a PIN;
	// first without, then with an active registration.
	_, page = s.get(b2, "/signing")
	if resp, body := s.post(b2, "/signing", url.Values{"csrf": {csrfOf(t, page)}, "password": {"doctor-pass-22"}, "pin": {"246810"}, "pin2": {"246810"}}); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "已备案") {
		t.Errorf("certificate without a registration: %d", resp.StatusCode)
	}
	if _, err := s.p.svc.Create(ctx, map[string]any{"resourceType": "PractitionerRole", "active": true,
		"practitioner": map[string]any{"reference": "Practitioner/pr1"}, "organization": map[string]any{"reference": "Organization/org1"}}, ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page, `id="nocert"`) {
		t.Fatalf("signing page before a certificate:\n%s", page)
	}
	if resp, _ := s.post(b2, "/signing", url.Values{"csrf": {csrfOf(t, page)}, "password": {"wrong-pass-123"}, "pin": {"246810"}, "pin2": {"246810"}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("certificate without the right password: %d", resp.StatusCode)
	}
	resp, page = s.post(b2, "/signing", url.Values{"csrf": {csrfOf(t, page)}, "password": {"doctor-pass-22"}, "pin": {"246810"}, "pin2": {"246810"}})
	if resp.StatusCode != 200 || !strings.Contains(page, `id="done"`) || !strings.Contains(page, `<dd id="status">有效</dd>`) {
		t.Fatalf("issue certificate: %d\n%s", resp.StatusCode, page)
	}
	acct, err := s.p.id.AccountByUsername(ctx, "dr.zhang")
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte("prescription")
	sig, err := s.p.sign.Sign(ctx, acct, "246810", payload, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.p.sign.Verify(ctx, payload, sig, time.Now()); err != nil {
		t.Errorf("the page's certificate does not verify: %v", err)
	}
	if resp, body := s.get(http.DefaultClient, "/pki/ca.crt"); resp.StatusCode != 200 || !strings.Contains(body, "BEGIN CERTIFICATE") {
		t.Errorf("CA certificate: %d", resp.StatusCode)
	}
	if resp, _ := s.get(http.DefaultClient, "/pki/crl"); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pkix-crl" {
		t.Errorf("CRL: %d", resp.StatusCode)
	}
	// After a CA rotation the bundle holds the new CA and the retired one,
	// whose certificates still verify.
	if _, err := s.p.sign.RotateCA(ctx); err != nil {
		t.Fatal(err)
	}
	if resp, body := s.get(http.DefaultClient, "/pki/ca-bundle.crt"); resp.StatusCode != 200 || strings.Count(body, "BEGIN CERTIFICATE") != 2 {
		t.Errorf("CA bundle after a rotation: %d\n%s", resp.StatusCode, body)
	}
	if _, err := s.p.sign.Verify(ctx, payload, sig, time.Now()); err != nil {
		t.Errorf("a signature by the retired CA's certificate: %v", err)
	}
}

func TestLoginLockout(t *testing.T) {
	s := newSite(t)
	if _, err := s.p.id.CreateAccount(context.Background(), identity.Account{Username: "zhao.yun", Role: identity.RoleResident}, "resident-pass-1", false); err != nil {
		t.Fatal(err)
	}
	owner := newBrowser()
	if resp, _ := s.login(owner, "zhao.yun", "resident-pass-1", ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("owner's first sign-in failed")
	}
	attacker := newBrowser()
	for i := range identity.FreeFailures {
		if resp, _ := s.login(attacker, "zhao.yun", "guess-1234567", ""); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, resp.StatusCode)
		}
	}
	resp, page := s.login(attacker, "zhao.yun", "resident-pass-1", "")
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(page, "尝试次数过多") {
		t.Errorf("after %d failures: %d", identity.FreeFailures, resp.StatusCode)
	}
	if resp, _ := s.login(owner, "zhao.yun", "resident-pass-1", ""); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the owner's browser is locked out too: %d", resp.StatusCode)
	}
	// A forged sign-in form (no matching CSRF cookie) is refused.
	if resp, _ := s.post(newBrowser(), "/login", url.Values{"csrf": {"x"}, "username": {"zhao.yun"}, "password": {"resident-pass-1"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("forged sign-in: %d", resp.StatusCode)
	}
}

func TestPractitionerRegistrationPage(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	s.organization("h1", "示范医院")
	s.staff(s.browser, identity.Account{Username: "admin.h1", Role: identity.RoleInstitutionAdmin, Organization: "h1"}, "admin-pass-123")
	resp, page := s.get(s.browser, "/admin/practitioners")
	if resp.StatusCode != 200 || !strings.Contains(page, "执业人员备案") {
		t.Fatalf("registration page: %d", resp.StatusCode)
	}
	today := time.Now().In(time.FixedZone("CST", 8*3600))
	form := func(since time.Time, consent bool) url.Values {
		f := url.Values{"csrf": {csrfOf(t, page)}, "name": {"王医生"}, "gender": {"male"}, "role": {"doctor"}, "category": {"clinical"},
			"licence": {"110101200001011234"}, "scope": {"内科专业"}, "since": {since.Format("2006-01-02")}, "username": {"dr.wang"}}
		if consent {
			f.Set("consent", "yes")
		}
		return f
	}
	threeYears := today.AddDate(-3, 0, 0)
	for name, f := range map[string]url.Values{
		"one day short of three years": form(threeYears.AddDate(0, 0, 1), true),
		"no consent":                   form(threeYears, false),
	} {
		resp, body := s.post(s.browser, "/admin/practitioners", f)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "不能备案") {
			t.Errorf("%s: %d\n%s", name, resp.StatusCode, body)
		}
	}
	resp, body := s.post(s.browser, "/admin/practitioners", form(threeYears, true))
	if resp.StatusCode != 200 || !strings.Contains(body, "A5 2018-07-17") || !strings.Contains(body, `id="temp-password"`) || !strings.Contains(body, "<td>王医生</td>") {
		t.Fatalf("registration: %d\n%s", resp.StatusCode, body)
	}
	doc, err := s.p.id.AccountByUsername(ctx, "dr.wang")
	if err != nil || doc.Role != identity.RoleDoctor || doc.Practitioner == "" || doc.Organization != "h1" || !doc.MustChangePassword {
		t.Fatalf("the doctor's account: %+v, %v", doc, err)
	}
	if ok, err := (&registry.Registry{Service: s.p.svc}).Active(ctx, doc.Practitioner); !ok || err != nil {
		t.Errorf("the registration is not active: %v", err)
	}
	if resp, body := s.post(s.browser, "/admin/practitioners", form(threeYears, true)); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "已在本机构备案") {
		t.Errorf("duplicate registration: %d", resp.StatusCode)
	}
	// Other roles may not use the page.
	b := newBrowser()
	if _, err := s.p.id.CreateAccount(ctx, identity.Account{Username: "li.si", Role: identity.RoleResident}, "resident-pass-1", false); err != nil {
		t.Fatal(err)
	}
	s.login(b, "li.si", "resident-pass-1", "")
	if resp, _ := s.get(b, "/admin/practitioners"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("resident on the registration page: %d", resp.StatusCode)
	}
}

func TestBackendServicesPrivateKeyJWT(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	pad := func(b []byte) []byte { return append(make([]byte, 32-len(b)), b...) }
	set := fmt.Sprintf(`{"keys":[{"kty":"EC","crv":"P-256","x":%q,"y":%q}]}`, b64(pad(key.X.Bytes())), b64(pad(key.Y.Bytes())))
	cl, _, err := s.p.id.CreateClient(ctx, identity.Client{Name: "LIS", Scope: "system/Observation.cruds", JWKS: []byte(set)}, false)
	if err != nil {
		t.Fatal(err)
	}
	assertion := func(jti, aud string) string {
		h := b64([]byte(`{"alg":"ES256","typ":"JWT"}`))
		p, _ := json.Marshal(map[string]any{"iss": cl.ID, "sub": cl.ID, "aud": aud, "jti": jti, "exp": time.Now().Add(4 * time.Minute).Unix()})
		in := h + "." + b64(p)
		sum := sha256.Sum256([]byte(in))
		r, sv, err := ecdsa.Sign(rand.Reader, key, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		return in + "." + b64(append(pad(r.Bytes()), pad(sv.Bytes())...))
	}
	request := func(a string) (int, http.Header) {
		resp, err := http.PostForm(s.srv.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"system/Observation.rs"},
			"client_assertion_type": {identity.AssertionType}, "client_assertion": {a}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	a := assertion("j1", s.srv.URL+"/oauth/token")
	if st, h := request(a); st != 200 || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("private_key_jwt: %d", st)
	}
	if st, _ := request(a); st != http.StatusUnauthorized {
		t.Errorf("replayed assertion: %d", st)
	}
	if st, _ := request(assertion("j2", s.srv.URL+"/fhir")); st != http.StatusUnauthorized {
		t.Errorf("assertion for another audience: %d", st)
	}
	// Browser apps on other origins may call the token endpoint and the API.
	req, _ := http.NewRequest(http.MethodOptions, s.srv.URL+"/fhir/Patient", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "authorization")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestResidentConsentPage(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	mk := s.create
	s.organization("h1", "第一医院")
	me := mk(map[string]any{"resourceType": "Patient", "name": []any{map[string]any{"family": "赵"}}})
	kid := mk(map[string]any{"resourceType": "Patient", "name": []any{map[string]any{"family": "赵", "given": []any{"小"}}}})
	pr := mk(map[string]any{"resourceType": "Practitioner"})
	mk(map[string]any{"resourceType": "Encounter", "status": "in-progress",
		"class":       map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
		"subject":     map[string]any{"reference": "Patient/" + kid},
		"participant": []any{map[string]any{"individual": map[string]any{"reference": "Practitioner/" + pr}}}})
	care := &auth.Care{Service: s.p.svc}
	inCare := func() bool {
		ps, err := care.PatientsInCare(ctx, pr, "h1")
		if err != nil {
			t.Fatal(err)
		}
		return slices.Contains(ps, kid)
	}
	if !inCare() {
		t.Fatal("the encounter gives no care relationship")
	}
	if _, err := s.p.id.CreateAccount(ctx, identity.Account{Username: "zhao.mu", Role: identity.RoleResident, Patient: me, Dependents: []string{kid}}, "resident-pass-1", false); err != nil {
		t.Fatal(err)
	}
	s.login(s.browser, "zhao.mu", "resident-pass-1", "")
	_, page := s.get(s.browser, "/consents")
	if !strings.Contains(page, `id="none"`) || !strings.Contains(page, "第一医院") || !strings.Contains(page, "Patient/"+kid) {
		t.Fatalf("consent page:\n%s", page)
	}
	// A patient that is not the resident's, and a forged form, are refused.
	if resp, _ := s.post(s.browser, "/consents", url.Values{"csrf": {csrfOf(t, page)}, "patient": {pr}, "org": {"h1"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("refusal for someone else's record: %d", resp.StatusCode)
	}
	if resp, _ := s.post(s.browser, "/consents", url.Values{"csrf": {"forged"}, "patient": {kid}, "org": {"h1"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("forged form: %d", resp.StatusCode)
	}
	resp, _ := s.post(s.browser, "/consents", url.Values{"csrf": {csrfOf(t, page)}, "patient": {kid}, "org": {"h1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("refuse: %d", resp.StatusCode)
	}
	resp, page = s.get(s.browser, resp.Header.Get("Location"))
	if resp.StatusCode != 200 || !strings.Contains(page, "已拒绝访问") || !strings.Contains(page, `id="done"`) {
		t.Fatalf("refuse: %d\n%s", resp.StatusCode, page)
	}
	if inCare() {
		t.Error("the institution's practitioner still reaches the child after the refusal")
	}
	id := regexp.MustCompile(`name="id" value="([^"]+)"`).FindStringSubmatch(page)
	if id == nil {
		t.Fatal("no withdraw form")
	}
	resp, _ = s.post(s.browser, "/consents/withdraw", url.Values{"csrf": {csrfOf(t, page)}, "id": {id[1]}})
	_, page = s.get(s.browser, "/consents")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(page, "已撤回") {
		t.Fatalf("withdraw: %d", resp.StatusCode)
	}
	if !inCare() {
		t.Error("the care relationship did not come back after the withdrawal")
	}
	// The consent writes are the resident's acts in the audit log, about
	// the child's record.
	acct, _ := s.p.id.AccountByUsername(ctx, "zhao.mu")
	recs, err := s.p.audit.Find(ctx, store.AuditQuery{Terms: []store.AuditTerm{{Kind: "agent", Value: "user/" + acct.ID}, {Kind: "patient", Value: kid}}, Count: 10})
	if err != nil {
		t.Fatal(err)
	}
	acts, views := 0, 0
	for _, r := range recs {
		e, err := audit.ParseEntry(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case e.Action == "create" || e.Action == "update":
			acts++
		case e.Detail == "page /consents" && e.Type == "Consent":
			views++ // the page showing the child's refusals is a read too
		}
	}
	if acts != 2 || views < 2 {
		t.Errorf("audit entries of the resident about the child: %d consent acts (want 2: refuse, withdraw), %d page views (want 2 or more)", acts, views)
	}

	// Refusing a use: research systems no longer read the child's record;
	// a treating hospital's system still does.
	research, _, err := s.p.id.CreateClient(ctx, identity.Client{Name: "研究所", Scope: "system/*.rs", Purpose: identity.PurposeResearch}, true)
	if err != nil {
		t.Fatal(err)
	}
	his, _, err := s.p.id.CreateClient(ctx, identity.Client{Name: "医院信息系统", Scope: "system/*.rs", Organization: "h1"}, true)
	if err != nil {
		t.Fatal(err)
	}
	reads := func(c identity.Client) int {
		tok, err := s.p.id.ClientCredentials(ctx, c, "")
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", s.srv.URL+"/fhir/Patient/"+kid, nil)
		req.Header.Set("Authorization", "Bearer "+tok.Access)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	_, page = s.get(s.browser, "/consents")
	for _, bad := range []url.Values{{"purpose": {"HSYSADMIN"}}, {"purpose": {"HRESCH"}, "org": {"h1"}}, {}} {
		bad.Set("csrf", csrfOf(t, page))
		bad.Set("patient", kid)
		if resp, _ := s.post(s.browser, "/consents", bad); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("refusal %v: %d", bad, resp.StatusCode)
		}
	}
	resp, _ = s.post(s.browser, "/consents", url.Values{"csrf": {csrfOf(t, page)}, "patient": {kid}, "purpose": {"HRESCH"}})
	_, page = s.get(s.browser, "/consents")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(page, `<span class="purpose">科学研究</span>`) {
		t.Fatalf("refusing research: %d\n%s", resp.StatusCode, page)
	}
	if st := reads(research); st != http.StatusForbidden {
		t.Errorf("a research system reads a record whose owner refused research: %d", st)
	}
	if st := reads(his); st != http.StatusOK {
		t.Errorf("the treating hospital's system: %d", st)
	}
}

func TestAccessLogAndTrace(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	mk := s.create
	s.organization("h1", "第一医院")
	home := func(division string) []any {
		return []any{map[string]any{"use": "home", "extension": []any{map[string]any{"url": auth.DivisionExtension, "valueCode": division}}}}
	}
	me := mk(map[string]any{"resourceType": "Patient", "name": []any{map[string]any{"family": "钱"}}, "address": home("110105")})
	other := mk(map[string]any{"resourceType": "Patient", "name": []any{map[string]any{"family": "孙"}}, "address": home("310115")})
	prs := map[string]string{}
	for _, d := range []string{"dr.a", "dr.b"} {
		prs[d] = mk(map[string]any{"resourceType": "Practitioner"})
		mk(map[string]any{"resourceType": "PractitionerRole", "active": true,
			"practitioner": map[string]any{"reference": "Practitioner/" + prs[d]}, "organization": map[string]any{"reference": "Organization/h1"}})
	}
	mk(map[string]any{"resourceType": "Encounter", "status": "in-progress",
		"class":       map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
		"subject":     map[string]any{"reference": "Patient/" + me},
		"participant": []any{map[string]any{"individual": map[string]any{"reference": "Practitioner/" + prs["dr.a"]}}}})
	app, _, err := s.p.id.CreateClient(ctx, identity.Client{Name: "his", Scope: "user/*.cruds", RedirectURIs: []string{"https://his.example/cb"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	token := func(a identity.Account) string {
		acct, err := s.p.id.CreateAccount(ctx, a, "account-pass-1", false)
		if err != nil {
			t.Fatal(err)
		}
		v := strings.Repeat("v", 43)
		sum := sha256.Sum256([]byte(v))
		code, err := s.p.id.IssueCode(ctx, acct, app, "https://his.example/cb", "user/*.cruds", base64.RawURLEncoding.EncodeToString(sum[:]), "")
		if err != nil {
			t.Fatal(err)
		}
		tok, err := s.p.id.ExchangeCode(ctx, code, app, "https://his.example/cb", v)
		if err != nil {
			t.Fatal(err)
		}
		return tok.Access
	}
	get := func(tok, path string, header ...string) int {
		req, _ := http.NewRequest("GET", s.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	a := token(identity.Account{Username: "dr.a", Role: identity.RoleDoctor, Practitioner: prs["dr.a"], Organization: "h1"})
	b := token(identity.Account{Username: "dr.b", Role: identity.RoleDoctor, Practitioner: prs["dr.b"], Organization: "h1"})
	if st := get(a, "/fhir/Patient/"+me); st != 200 {
		t.Fatalf("doctor in care: %d", st)
	}
	if st := get(b, "/fhir/Patient/"+me); st != 403 {
		t.Fatalf("doctor not in care: %d", st)
	}
	if st := get(b, "/fhir/Patient/"+me, "X-Break-Glass-Reason", "昏迷送医"); st != 200 {
		t.Fatalf("break-the-glass: %d", st)
	}
	get(a, "/fhir/Patient/"+other) // about another patient: not in the resident's log
	if err := s.p.audit.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.p.audit.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	// The resident sees the three reads of their record, the emergency one
	// marked, and nothing about the other patient.
	if _, err := s.p.id.CreateAccount(ctx, identity.Account{Username: "qian.yi", Role: identity.RoleResident, Patient: me}, "resident-pass-1", false); err != nil {
		t.Fatal(err)
	}
	s.login(s.browser, "qian.yi", "resident-pass-1", "")
	resp, page := s.get(s.browser, "/access-log")
	if resp.StatusCode != 200 {
		t.Fatalf("access log: %d", resp.StatusCode)
	}
	if n := strings.Count(page, "<td>第一医院</td>"); n != 3 {
		t.Errorf("%d accesses by the hospital listed, want 3:\n%s", n, page)
	}
	if strings.Count(page, `class="btg"`) != 1 || !strings.Contains(page, "紧急调阅") || !strings.Contains(page, "被拒绝") {
		t.Errorf("the emergency access or the refusal is not shown:\n%s", page)
	}
	if resp, _ := s.get(s.browser, "/trace?kind=patient&value="+me); resp.StatusCode != http.StatusForbidden {
		t.Errorf("resident on the trace page: %d", resp.StatusCode)
	}
	// The regulator traces the patient and downloads a proof that verifies.
	rb := newBrowser()
	s.staff(rb, identity.Account{Username: "reg.1", Role: identity.RoleRegulator, Region: "110000"}, "regulator-pass-1")
	resp, page = s.get(rb, "/trace?kind=patient&value="+me)
	if resp.StatusCode != 200 || strings.Count(page, `class="proof"`) < 3 {
		t.Fatalf("trace: %d\n%s", resp.StatusCode, page)
	}
	link := regexp.MustCompile(`href="(/trace/proof\?seq=\d+)"`).FindStringSubmatch(page)
	resp, body := s.get(rb, strings.ReplaceAll(link[1], "&amp;", "&"))
	if resp.StatusCode != 200 {
		t.Fatalf("proof: %d %s", resp.StatusCode, body)
	}
	var pf struct {
		Entry, LeafHash, Checkpoint, Signature, PublicKey string
		LeafIndex, TreeSize                               int64
		Hashes                                            []string
	}
	if err := json.Unmarshal([]byte(body), &pf); err != nil {
		t.Fatal(err)
	}
	dec := func(s string) []byte {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	blk, _ := pem.Decode([]byte(pf.PublicKey))
	v, err := audit.ParsePublicKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := audit.ParseNote([]byte(pf.Checkpoint))
	if err != nil {
		t.Fatal(err)
	}
	cp.Note, cp.Signature = []byte(pf.Checkpoint), dec(pf.Signature)
	if err := audit.VerifyCheckpoint(v, cp); err != nil {
		t.Fatalf("the checkpoint does not verify: %v", err)
	}
	h := s.p.audit.Hasher()
	if !bytes.Equal(h.HashLeaf(dec(pf.Entry)), dec(pf.LeafHash)) {
		t.Error("the leaf hash is not the entry's")
	}
	var hashes [][]byte
	for _, x := range pf.Hashes {
		hashes = append(hashes, dec(x))
	}
	if err := audit.VerifyInclusion(h, audit.Inclusion{Index: pf.LeafIndex, Size: pf.TreeSize, LeafHash: dec(pf.LeafHash), Hashes: hashes}, cp.Root); err != nil {
		t.Errorf("the inclusion proof does not verify: %v", err)
	}
	testBreakGlassReview(t, s, rb, me)
}

// testBreakGlassReview: the regulator of the patient's region is told of
// the emergency access on their home page, sees the reason, and records a
// verdict once (audited); a regulator of another region sees nothing and
// cannot review it.
func testBreakGlassReview(t *testing.T, s *site, rb *http.Client, patient string) {
	ctx := context.Background()
	_, page := s.get(rb, "/")
	if !strings.Contains(page, `<span id="btg-count">1</span>`) {
		t.Fatalf("the regulator's home does not announce one emergency access:\n%s", page)
	}
	resp, page := s.get(rb, "/btg")
	if resp.StatusCode != 200 || !strings.Contains(page, `<td class="reason">昏迷送医</td>`) || strings.Count(page, `class="review"`) != 1 {
		t.Fatalf("review page: %d\n%s", resp.StatusCode, page)
	}
	seq := regexp.MustCompile(`name="seq" value="(\d+)"`).FindStringSubmatch(page)[1]
	csrf := csrfOf(t, page)
	// A verdict of not justified needs a note; nothing is recorded without.
	if resp, _ := s.post(rb, "/btg", url.Values{"csrf": {csrf}, "seq": {seq}, "verdict": {"unjustified"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unjustified without a note: %d", resp.StatusCode)
	}
	if resp, _ := s.post(rb, "/btg", url.Values{"csrf": {csrf}, "seq": {seq}, "verdict": {"maybe"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown verdict: %d", resp.StatusCode)
	}
	if resp, _ := s.post(rb, "/btg", url.Values{"csrf": {"forged"}, "seq": {seq}, "verdict": {"justified"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a forged CSRF token: %d", resp.StatusCode)
	}
	// Another region's regulator sees nothing and cannot review it.
	sh := newBrowser()
	s.staff(sh, identity.Account{Username: "reg.sh", Role: identity.RoleRegulator, Region: "310000"}, "regulator-pass-2")
	if _, page := s.get(sh, "/btg"); !strings.Contains(page, `id="none"`) {
		t.Errorf("the Shanghai regulator sees Beijing's emergency access:\n%s", page)
	}
	if _, page := s.get(sh, "/"); strings.Contains(page, "btg-count") {
		t.Error("the Shanghai regulator is told of Beijing's emergency access")
	}
	// Nor does it trace the Beijing patient, or download a proof of an act
	// on them (a proof holds the entry).
	_, page = s.get(rb, "/trace?kind=patient&value="+patient)
	proof := regexp.MustCompile(`href="(/trace/proof\?seq=\d+)"`).FindStringSubmatch(page)
	if proof == nil {
		t.Fatalf("the Beijing regulator has no proof link:\n%s", page)
	}
	if _, page := s.get(sh, "/trace?kind=patient&value="+patient); strings.Contains(page, `class="proof"`) || !strings.Contains(page, `id="none"`) {
		t.Errorf("the Shanghai regulator traces a Beijing patient:\n%s", page)
	}
	if resp, _ := s.get(sh, proof[1]); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the Shanghai regulator downloads a Beijing proof: %d", resp.StatusCode)
	}
	if resp, _ := s.get(rb, proof[1]); resp.StatusCode != http.StatusOK {
		t.Errorf("the Beijing regulator's proof: %d", resp.StatusCode)
	}
	_, shPage := s.get(sh, "/btg")
	if resp, _ := s.post(sh, "/btg", url.Values{"csrf": {csrfOf(t, shPage)}, "seq": {seq}, "verdict": {"justified"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("review from another region: %d", resp.StatusCode)
	}
	resp, _ = s.post(rb, "/btg", url.Values{"csrf": {csrf}, "seq": {seq}, "verdict": {"unjustified"}, "note": {"患者意识清醒，非紧急"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("review: %d", resp.StatusCode)
	}
	if _, page := s.get(rb, "/btg?saved=1"); !strings.Contains(page, "理由不成立") || !strings.Contains(page, "患者意识清醒，非紧急") || strings.Contains(page, `class="review"`) {
		t.Errorf("the verdict is not shown:\n%s", page)
	}
	if _, page := s.get(rb, "/"); strings.Contains(page, "btg-count") {
		t.Error("the home page still announces a reviewed access")
	}
	if resp, _ := s.post(rb, "/btg", url.Values{"csrf": {csrf}, "seq": {seq}, "verdict": {"justified"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("a second review: %d", resp.StatusCode)
	}
	// Both attempts are in the audit log, about the patient.
	recs, err := s.p.audit.Find(ctx, store.AuditQuery{Terms: []store.AuditTerm{{Kind: "patient", Value: patient}}, Action: "btg-review", Count: 10})
	if err != nil {
		t.Fatal(err)
	}
	reviews, err := audit.ParseEntries(recs)
	if err != nil {
		t.Fatal(err)
	}
	outcomes := []string{}
	for _, e := range reviews {
		outcomes = append(outcomes, e.Outcome)
	}
	slices.Sort(outcomes)
	if !slices.Equal(outcomes, []string{audit.OutcomeFailed, audit.OutcomeSuccess}) {
		t.Errorf("review entries: %v, want one done and one refused", outcomes)
	}
	// Residents and doctors do not review.
	if resp, _ := s.get(s.browser, "/btg"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("resident on the review page: %d", resp.StatusCode)
	}
}

func TestSecurityAdminAccountsPage(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	res, err := s.p.id.CreateAccount(ctx, identity.Account{Username: "wu.ming", Role: identity.RoleResident}, "resident-pass-1", false)
	if err != nil {
		t.Fatal(err)
	}
	resident := newBrowser()
	s.login(resident, "wu.ming", "resident-pass-1", "")
	if resp, _ := s.get(resident, "/admin/accounts"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("resident on the accounts page: %d", resp.StatusCode)
	}
	sec := s.staff(s.browser, identity.Account{Username: "sec.admin", Role: identity.RoleSecurityAdmin}, "security-pass-1")
	_, page := s.get(s.browser, "/admin/accounts")
	if !strings.Contains(page, `id="acct-wu.ming"`) {
		t.Fatalf("accounts page:\n%s", page)
	}
	act := func(id, do string) (*http.Response, string) {
		return s.post(s.browser, "/admin/accounts", url.Values{"csrf": {csrfOf(t, page)}, "id": {id}, "do": {do}})
	}
	if resp, _ := act(sec.ID, "disable"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("disabling oneself: %d", resp.StatusCode)
	}
	// Disabling ends the resident's session at once.
	if resp, _ := act(res.ID, "disable"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	if resp, _ := s.get(resident, "/consents"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("a disabled account's session still works: %d", resp.StatusCode)
	}
	if resp, _ := s.login(newBrowser(), "wu.ming", "resident-pass-1", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a disabled account signs in: %d", resp.StatusCode)
	}
	act(res.ID, "enable")
	resp, body := act(res.ID, "password")
	pw := regexp.MustCompile(`id="temp-password">([^<]+)<`).FindStringSubmatch(body)
	if resp.StatusCode != 200 || pw == nil {
		t.Fatalf("reset password: %d", resp.StatusCode)
	}
	if resp, _ := s.login(newBrowser(), "wu.ming", pw[1], ""); resp.Header.Get("Location") != "/password" {
		t.Errorf("sign-in with the reset password goes to %q, want /password", resp.Header.Get("Location"))
	}
	if resp, _ := act(sec.ID, "mfa"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset MFA: %d", resp.StatusCode)
	}
	if a, _ := s.p.id.Account(ctx, sec.ID); a.MFAEnrolled() {
		t.Error("the second factor is still enrolled")
	}
	// Every act is the security administrator's in the audit log.
	recs, err := s.p.audit.Find(ctx, store.AuditQuery{Terms: []store.AuditTerm{{Kind: "agent", Value: "user/" + sec.ID}}, Count: 50})
	if err != nil {
		t.Fatal(err)
	}
	acts := map[string]int{}
	for _, r := range recs {
		e, err := audit.ParseEntry(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		acts[e.Action]++
	}
	if acts["account-update"] != 2 || acts["password-reset"] != 1 || acts["mfa-reset"] != 1 {
		t.Errorf("audited acts of the security administrator: %v", acts)
	}
}

// TestAuditSettingsPage: the audit administrator changes the retention
// period and the change is audited; security and system administrators
// are refused (and audited); a period below the legal minimum is refused
// with a clear message and changes nothing; regulators read the page.
func TestAuditSettingsPage(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	entries := func(agent string) []audit.Entry {
		t.Helper()
		recs, err := s.p.audit.Find(ctx, store.AuditQuery{Terms: []store.AuditTerm{{Kind: "agent", Value: agent}}, Action: audit.ActionSettings, Count: 50})
		if err != nil {
			t.Fatal(err)
		}
		out, err := audit.ParseEntries(recs)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	months := func() int {
		t.Helper()
		set, err := s.p.audit.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return set.Retention.Months
	}
	admin := s.staff(s.browser, identity.Account{Username: "audit.admin", Role: identity.RoleAuditAdmin}, "audit-pass-1")
	_, page := s.get(s.browser, "/")
	if !strings.Contains(page, `id="nav-audit-settings"`) {
		t.Error("no audit settings link for the audit administrator")
	}
	resp, page := s.get(s.browser, "/audit/settings")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="retention">6 个月`) || !strings.Contains(page, "网络安全法") || !strings.Contains(page, `id="retention-form"`) {
		t.Fatalf("audit settings page: %d\n%s", resp.StatusCode, page)
	}
	post := func(b *http.Client, page, value string) (*http.Response, string) {
		return s.post(b, "/audit/settings", url.Values{"csrf": {csrfOf(t, page)}, "months": {value}})
	}
	if resp, _ := post(s.browser, page, "12"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/audit/settings?saved=1" {
		t.Fatalf("change to 12 months: %d", resp.StatusCode)
	}
	if m := months(); m != 12 {
		t.Fatalf("retention after the change: %d months", m)
	}
	_, page = s.get(s.browser, "/audit/settings?saved=1")
	if !strings.Contains(page, `id="retention">12 个月`) || !strings.Contains(page, `id="done"`) || !strings.Contains(page, "user/"+admin.ID) {
		t.Errorf("page after the change:\n%s", page)
	}
	es := entries("user/" + admin.ID)
	if len(es) != 1 || es[0].Outcome != audit.OutcomeSuccess || es[0].Detail != "retention 6 → 12 months" || es[0].Agent.Role != "audit-admin" {
		t.Fatalf("the change in the audit log: %+v", es)
	}
	// Below the minimum (and not a number): refused, clearly, nothing changed.
	for _, v := range []string{"5", "0", "六"} {
		resp, body := post(s.browser, page, v)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="error">保存期限无效：须为整数个月，不少于法定最低期限`) {
			t.Errorf("%q months: %d\n%s", v, resp.StatusCode, body)
		}
	}
	if m := months(); m != 12 {
		t.Errorf("a refused value changed the retention to %d", m)
	}
	if es := entries("user/" + admin.ID); len(es) != 3 || es[0].Outcome != audit.OutcomeFailed || es[0].Status != 400 {
		t.Errorf("the refused values in the audit log: %+v", es)
	}
	// Security and system administrators: 403 to read and to change, each
	// attempt to change audited.
	for _, role := range []identity.Role{identity.RoleSecurityAdmin, identity.RoleSystemAdmin} {
		b := newBrowser()
		other := s.staff(b, identity.Account{Username: string(role), Role: role}, "other-pass-1")
		if resp, _ := s.get(b, "/audit/settings"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s reads the audit settings: %d", role, resp.StatusCode)
		}
		_, home := s.get(b, "/")
		if strings.Contains(home, `id="nav-audit-settings"`) {
			t.Errorf("%s has the audit settings link", role)
		}
		if resp, _ := post(b, home, "24"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s changes the audit settings: %d", role, resp.StatusCode)
		}
		es := entries("user/" + other.ID)
		if len(es) != 1 || es[0].Outcome != audit.OutcomeDenied || es[0].Status != 403 {
			t.Errorf("%s's refused change in the audit log: %+v", role, es)
		}
	}
	if m := months(); m != 12 {
		t.Errorf("a refused administrator changed the retention to %d", m)
	}
	// The regulator reads, without the form.
	rb := newBrowser()
	s.staff(rb, identity.Account{Username: "reg.1", Role: identity.RoleRegulator, Region: "110000"}, "regulator-pass-1")
	resp, page = s.get(rb, "/audit/settings")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="retention">12 个月`) || strings.Contains(page, `id="retention-form"`) || !strings.Contains(page, `id="readonly"`) {
		t.Errorf("the regulator's audit settings page: %d\n%s", resp.StatusCode, page)
	}
	if resp, _ := post(rb, page, "24"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the regulator changes the audit settings: %d", resp.StatusCode)
	}
	if _, err := audit.Verify(ctx, s.p.svc.Store(), audit.VerifyOptions{}); err != nil {
		t.Errorf("the audit log after the settings changes: %v", err)
	}
}
