package identity

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

var ctx = context.Background()

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newService(t *testing.T) (*Service, *clock, store.Store) {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)}
	st := storetest.OpenSQLite(t, c.Now)
	return New(st, Options{}), c, st
}

func TestTOTPKnownAnswer(t *testing.T) {
	// RFC 6238 appendix B, SHA-1, truncated to 6 digits.
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))
	for _, tc := range []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		got, err := TOTPCode(secret, time.Unix(tc.unix, 0))
		if err != nil || got != tc.want {
			t.Errorf("TOTP at %d = %s, %v; want %s", tc.unix, got, err, tc.want)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse 1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash = %s", h)
	}
	if ok, err := CheckPassword(h, "correct horse 1"); !ok || err != nil {
		t.Errorf("right password refused: %v", err)
	}
	if ok, _ := CheckPassword(h, "correct horse 2"); ok {
		t.Error("wrong password accepted")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=99999999,t=1,p=1$AA$AA"} {
		if _, err := CheckPassword(bad, "x"); err == nil {
			t.Errorf("bad hash %q accepted", bad)
		}
	}
	for pw, ok := range map[string]bool{"short1": false, "longenoughbutnodigit": false, "1234567890": false, "医通平台密码abc123": true, "abcdefghi1": true} {
		if (CheckPasswordPolicy(pw) == nil) != ok {
			t.Errorf("policy(%q) = %v, want ok=%v", pw, CheckPasswordPolicy(pw), ok)
		}
	}
}

func mustAccount(t *testing.T, s *Service, name string, role Role) Account {
	t.Helper()
	a, err := s.CreateAccount(ctx, Account{Username: name, Role: role}, "password-"+name+"1", false)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAccounts(t *testing.T) {
	s, _, _ := newService(t)
	a := mustAccount(t, s, "zhang.san", RoleResident)
	if _, err := s.CreateAccount(ctx, Account{Username: "ZHANG.SAN", Role: RoleDoctor}, "password-x1", false); err != ErrUsernameTaken {
		t.Errorf("user name taken regardless of case: %v", err)
	}
	for _, bad := range []Account{{Username: "x", Role: RoleResident}, {Username: "li si", Role: RoleResident}, {Username: "lisi", Role: "king"}} {
		if _, err := s.CreateAccount(ctx, bad, "password-x1", false); err == nil {
			t.Errorf("account %+v created", bad)
		}
	}
	got, err := s.AccountByUsername(ctx, "Zhang.San")
	if err != nil || got.ID != a.ID {
		t.Fatalf("by user name = %+v, %v", got, err)
	}
	got, err = s.Link(ctx, a.ID, func(x *Account) { x.Patient = "p1"; x.Role = RoleRegulator; x.PasswordHash = "" })
	if err != nil || got.Patient != "p1" || got.Role != RoleResident || got.PasswordHash != a.PasswordHash {
		t.Errorf("link = %+v, %v (role and credentials must be kept)", got, err)
	}
	if err := s.ChangePassword(ctx, a.ID, "wrong-password1", "new-password-2"); err != ErrBadCredentials {
		t.Errorf("change with wrong password: %v", err)
	}
	if err := s.ChangePassword(ctx, a.ID, "password-zhang.san1", "short"); err != ErrWeakPassword {
		t.Errorf("weak new password: %v", err)
	}
	if err := s.ChangePassword(ctx, a.ID, "password-zhang.san1", "new-password-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, LoginRequest{Username: "zhang.san", Password: "new-password-2"}); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
}

// enrol gives a staff account its second factor and returns the secret.
func enrol(t *testing.T, s *Service, c *clock, a Account) string {
	t.Helper()
	secret, uri, err := s.BeginTOTP(ctx, a.ID)
	if err != nil || !strings.HasPrefix(uri, "otpauth://totp/Yitong:") {
		t.Fatalf("begin = %s, %v", uri, err)
	}
	if err := s.ConfirmTOTP(ctx, a.ID, "000000"); err != ErrBadTOTP {
		t.Errorf("wrong enrolment code: %v", err)
	}
	code, _ := TOTPCode(secret, c.Now())
	if err := s.ConfirmTOTP(ctx, a.ID, code); err != nil {
		t.Fatal(err)
	}
	return secret
}

func TestStaffLoginNeedsSecondFactor(t *testing.T) {
	s, c, _ := newService(t)
	a := mustAccount(t, s, "dr.wang", RoleDoctor)
	pw := "password-dr.wang1"
	// Before enrolment: a session that may only enrol.
	res, err := s.Login(ctx, LoginRequest{Username: "dr.wang", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	sess, _, err := s.Session(ctx, res.Session)
	if err != nil || !sess.Enrolling {
		t.Fatalf("first staff session = %+v, %v; want enrolling", sess, err)
	}
	if err := s.EndEnrolment(ctx, res.Session); err != ErrBadTOTP {
		t.Errorf("end enrolment without a factor: %v", err)
	}
	secret := enrol(t, s, c, a)
	if err := s.EndEnrolment(ctx, res.Session); err != nil {
		t.Fatal(err)
	}
	c.Add(30 * time.Second)
	if _, err := s.Login(ctx, LoginRequest{Username: "dr.wang", Password: pw}); err != ErrBadCredentials {
		t.Errorf("enrolled staff without code: %v", err)
	}
	code, _ := TOTPCode(secret, c.Now())
	if _, err := s.Login(ctx, LoginRequest{Username: "dr.wang", Password: pw, TOTP: code}); err != nil {
		t.Fatalf("login with code: %v", err)
	}
	if _, err := s.Login(ctx, LoginRequest{Username: "dr.wang", Password: pw, TOTP: code}); err != ErrBadCredentials {
		t.Errorf("replayed code accepted: %v", err)
	}
}

func TestLoginThrottle(t *testing.T) {
	s, c, _ := newService(t)
	mustAccount(t, s, "li.si", RoleResident)
	pw := "password-li.si1"
	// The owner signs in once and keeps the device token.
	first, err := s.Login(ctx, LoginRequest{Username: "li.si", Password: pw})
	if err != nil || first.Device == "" {
		t.Fatalf("first login = %+v, %v", first, err)
	}
	failures := 0
	start := c.Now()
	// An attacker guesses for an hour, as fast as allowed.
	for c.Now().Sub(start) < time.Hour {
		_, err := s.Login(ctx, LoginRequest{Username: "li.si", Password: "guess-123456"})
		switch CodeOf(err) {
		case "bad-credentials":
			failures++
		case "locked":
			var e *Error = err.(*Error)
			if !e.Until.After(c.Now()) {
				t.Fatalf("locked until %v, now %v", e.Until, c.Now())
			}
			// The right password is refused too while locked: a lock is a
			// lock for everyone without the owner's device token.
			if _, err := s.Login(ctx, LoginRequest{Username: "li.si", Password: pw}); CodeOf(err) != "locked" {
				t.Fatalf("right password during lock: %v", err)
			}
			// The owner's browser still gets in.
			if _, err := s.Login(ctx, LoginRequest{Username: "li.si", Password: pw, Device: first.Device}); err != nil {
				t.Fatalf("owner with device token locked out: %v", err)
			}
			c.Add(10 * time.Second)
		default:
			t.Fatalf("guess: %v", err)
		}
	}
	if failures > 100 || failures < FreeFailures {
		t.Errorf("%d failed guesses in an hour, want %d..100", failures, FreeFailures)
	}
	t.Logf("%d failures an hour", failures)
	// A wrong device token counts on the name key, and a device's own
	// failures lock only the device.
	for range FreeFailures {
		if _, err := s.Login(ctx, LoginRequest{Username: "li.si", Password: "x-1234567890", Device: first.Device}); err == nil {
			t.Fatal("wrong password with device accepted")
		}
	}
	if _, err := s.Login(ctx, LoginRequest{Username: "li.si", Password: pw, Device: first.Device}); CodeOf(err) != "locked" {
		t.Errorf("device after %d failures: %v, want locked", FreeFailures, err)
	}
	// Unknown names are throttled the same way (no enumeration by lock).
	for range FreeFailures {
		if _, err := s.Login(ctx, LoginRequest{Username: "nobody", Password: "x-1234567890"}); CodeOf(err) != "bad-credentials" {
			t.Fatalf("unknown user: %v", err)
		}
	}
	if _, err := s.Login(ctx, LoginRequest{Username: "nobody", Password: "x-1234567890"}); CodeOf(err) != "locked" {
		t.Errorf("unknown user after %d failures: %v, want locked", FreeFailures, err)
	}
}

func TestSessionIdleAndLogout(t *testing.T) {
	s, c, _ := newService(t)
	mustAccount(t, s, "wang.wu", RoleResident)
	res, err := s.Login(ctx, LoginRequest{Username: "wang.wu", Password: "password-wang.wu1"})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // used every 20 minutes: never idle
		c.Add(20 * time.Minute)
		if _, _, err := s.Session(ctx, res.Session); err != nil {
			t.Fatalf("active session: %v", err)
		}
	}
	c.Add(SessionIdle + time.Second)
	if _, _, err := s.Session(ctx, res.Session); err != ErrInvalidToken {
		t.Errorf("idle session: %v", err)
	}
	res, _ = s.Login(ctx, LoginRequest{Username: "wang.wu", Password: "password-wang.wu1", Device: res.Device})
	if err := s.Logout(ctx, res.Session); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Session(ctx, res.Session); err != ErrInvalidToken {
		t.Errorf("session after logout: %v", err)
	}
}

func challengeOf(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestAuthorizationCodeFlow(t *testing.T) {
	s, c, _ := newService(t)
	a := mustAccount(t, s, "zhao.liu", RoleResident)
	app, _, err := s.CreateClient(ctx, Client{Name: "app", Scope: "launch/patient openid fhirUser offline_access patient/*.rs", RedirectURIs: []string{"https://app.example/cb"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := s.CreateClient(ctx, Client{Name: "other", Scope: "patient/*.rs", RedirectURIs: []string{"https://other.example/cb"}}, false)
	verifier := strings.Repeat("v", 50)
	code := func() string {
		code, err := s.IssueCode(ctx, a, app, "https://app.example/cb", "patient/*.rs offline_access", challengeOf(verifier), "p1")
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	cb := "https://app.example/cb"
	// Negative cases: each on a fresh code.
	for name, try := range map[string]func(code string) error{
		"wrong verifier":   func(k string) error { _, err := s.ExchangeCode(ctx, k, app, cb, strings.Repeat("w", 50)); return err },
		"short verifier":   func(k string) error { _, err := s.ExchangeCode(ctx, k, app, cb, "v"); return err },
		"redirect differs": func(k string) error { _, err := s.ExchangeCode(ctx, k, app, cb+"/", verifier); return err },
		"another client":   func(k string) error { _, err := s.ExchangeCode(ctx, k, other, cb, verifier); return err },
		"expired": func(k string) error {
			c.Add(CodeTTL + time.Second)
			_, err := s.ExchangeCode(ctx, k, app, cb, verifier)
			return err
		},
	} {
		if err := try(code()); err != ErrInvalidGrant {
			t.Errorf("%s: %v, want invalid grant", name, err)
		}
	}
	k := code()
	tok, err := s.ExchangeCode(ctx, k, app, cb, verifier)
	if err != nil || tok.Access == "" || tok.Refresh == "" || tok.Patient != "p1" || tok.ExpiresIn > 3600 {
		t.Fatalf("exchange = %+v, %v", tok, err)
	}
	if g, acct, err := s.Lookup(ctx, KindAccess, tok.Access); err != nil || acct.ID != a.ID || g.Patient != "p1" {
		t.Fatalf("lookup = %+v, %v, %v", g, acct, err)
	}
	// Refresh rotates; the old refresh token then revokes the family.
	tok2, err := s.Refresh(ctx, tok.Refresh, app, "")
	if err != nil || tok2.Refresh == tok.Refresh {
		t.Fatalf("refresh = %+v, %v", tok2, err)
	}
	if _, err := s.Refresh(ctx, tok2.Refresh, app, "patient/*.cruds"); CodeOf(err) != "invalid-scope" {
		t.Errorf("widening scope on refresh: %v", err)
	}
	if _, err := s.Refresh(ctx, tok.Refresh, app, ""); err != ErrInvalidGrant {
		t.Errorf("reused refresh token: %v", err)
	}
	for _, at := range []string{tok.Access, tok2.Access} {
		if _, _, err := s.Lookup(ctx, KindAccess, at); err != ErrInvalidToken {
			t.Errorf("access token after refresh reuse: %v", err)
		}
	}
	if _, err := s.Refresh(ctx, tok2.Refresh, app, ""); err != ErrInvalidGrant {
		t.Errorf("refresh of a revoked family: %v", err)
	}
	// Reusing a code revokes what it issued.
	k = code()
	tok3, err := s.ExchangeCode(ctx, k, app, cb, verifier)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExchangeCode(ctx, k, app, cb, verifier); err != ErrInvalidGrant {
		t.Errorf("reused code: %v", err)
	}
	if _, _, err := s.Lookup(ctx, KindAccess, tok3.Access); err != ErrInvalidToken {
		t.Errorf("token of a reused code: %v", err)
	}
	// Access tokens expire.
	tok4, _ := s.ExchangeCode(ctx, code(), app, cb, verifier)
	c.Add(AccessTTL)
	if _, _, err := s.Lookup(ctx, KindAccess, tok4.Access); err != ErrInvalidToken {
		t.Errorf("expired access token: %v", err)
	}
}

func TestClientCredentials(t *testing.T) {
	s, _, _ := newService(t)
	his, secret, err := s.CreateClient(ctx, Client{Name: "HIS", Scope: "system/*.rs system/Observation.c"}, true)
	if err != nil || !strings.HasPrefix(secret, "ytc_") {
		t.Fatal(secret, err)
	}
	if _, err := s.AuthenticateClient(ctx, his.ID, secret+"x"); err != ErrInvalidClient {
		t.Errorf("wrong secret: %v", err)
	}
	if _, err := s.AuthenticateClient(ctx, his.ID, ""); err != ErrInvalidClient {
		t.Errorf("no secret: %v", err)
	}
	c, err := s.AuthenticateClient(ctx, his.ID, secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClientCredentials(ctx, c, "system/*.cruds"); CodeOf(err) != "invalid-scope" {
		t.Errorf("scope beyond the client's: %v", err)
	}
	tok, err := s.ClientCredentials(ctx, c, "system/Patient.r")
	if err != nil || tok.Refresh != "" || tok.Scope != "system/Patient.r" {
		t.Fatalf("token = %+v, %v", tok, err)
	}
	if err := s.Revoke(ctx, tok.Access, c); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Lookup(ctx, KindAccess, tok.Access); err != ErrInvalidToken {
		t.Errorf("revoked token: %v", err)
	}
}

func TestParseScopes(t *testing.T) {
	for in, want := range map[string]string{
		"patient/Observation.read":              "patient/Observation.rs",
		"user/*.write openid":                   "user/*.cud openid",
		"system/*.*":                            "system/*.cruds",
		"patient/Observation.rs launch/patient": "patient/Observation.rs launch/patient",
	} {
		got, err := ParseScopes(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseScopes(%q) = %q, %v; want %q", in, got.String(), err, want)
		}
	}
	for _, bad := range []string{"patient/Observation.sr", "patient/Observation.rs?category=vital-signs", "admin/*.rs", "patient/observation.rs", "patient/*.", "everything"} {
		if _, err := ParseScopes(bad); err == nil {
			t.Errorf("ParseScopes(%q) accepted", bad)
		}
	}
}

func TestPrivateKeyJWT(t *testing.T) {
	s, c, _ := newService(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	pad := func(b []byte) []byte { return append(make([]byte, 32-len(b)), b...) }
	set := fmt.Sprintf(`{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":%q,"y":%q}]}`, b64(pad(key.X.Bytes())), b64(pad(key.Y.Bytes())))
	if _, _, err := s.CreateClient(ctx, Client{Name: "bad", Scope: "system/*.rs", JWKS: []byte(`{"keys":[{"kty":"RSA"}]}`)}, false); err == nil {
		t.Error("an RSA JWKS was accepted")
	}
	cl, _, err := s.CreateClient(ctx, Client{Name: "lab system", Scope: "system/*.rs", JWKS: []byte(set)}, false)
	if err != nil {
		t.Fatal(err)
	}
	const aud = "https://yitong.example/oauth/token"
	jwt := func(alg string, claims map[string]any, signer *ecdsa.PrivateKey) string {
		h, _ := json.Marshal(map[string]any{"alg": alg, "kid": "k1", "typ": "JWT"})
		p, _ := json.Marshal(claims)
		in := b64(h) + "." + b64(p)
		sum := sha256.Sum256([]byte(in))
		r, sv, err := ecdsa.Sign(rand.Reader, signer, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		return in + "." + b64(append(pad(r.Bytes()), pad(sv.Bytes())...))
	}
	n := 0
	claims := func(mod func(m map[string]any)) map[string]any {
		n++
		m := map[string]any{"iss": cl.ID, "sub": cl.ID, "aud": aud, "jti": fmt.Sprintf("jti-%d", n), "exp": c.Now().Add(4 * time.Minute).Unix()}
		if mod != nil {
			mod(m)
		}
		return m
	}
	good := jwt("ES256", claims(nil), key)
	if got, err := s.AuthenticateAssertion(ctx, good, aud); err != nil || got.ID != cl.ID {
		t.Fatalf("valid assertion: %v", err)
	}
	if _, err := s.AuthenticateAssertion(ctx, good, aud); err != ErrInvalidClient {
		t.Errorf("replayed jti: %v", err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, a := range map[string]string{
		"exp 6 minutes ahead": jwt("ES256", claims(func(m map[string]any) { m["exp"] = c.Now().Add(6 * time.Minute).Unix() }), key),
		"expired":             jwt("ES256", claims(func(m map[string]any) { m["exp"] = c.Now().Add(-time.Second).Unix() }), key),
		"wrong aud":           jwt("ES256", claims(func(m map[string]any) { m["aud"] = "https://yitong.example/fhir" }), key),
		"iss is not sub":      jwt("ES256", claims(func(m map[string]any) { m["sub"] = "someone" }), key),
		"no jti":              jwt("ES256", claims(func(m map[string]any) { delete(m, "jti") }), key),
		"another key":         jwt("ES256", claims(nil), other),
		"alg none":            strings.Join(strings.Split(jwt("none", claims(nil), key), ".")[:2], ".") + ".",
		"alg HS256":           jwt("HS256", claims(nil), key),
		"not a JWT":           "abc",
	} {
		if _, err := s.AuthenticateAssertion(ctx, a, aud); err != ErrInvalidClient {
			t.Errorf("%s: %v, want invalid client", name, err)
		}
	}
}

func TestSM2ClientAssertion(t *testing.T) {
	s, c, _ := newService(t)
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	pad := func(b []byte) []byte { return append(make([]byte, 32-len(b)), b...) }
	set := fmt.Sprintf(`{"keys":[{"kty":"EC","crv":"SM2","x":%q,"y":%q}]}`, b64(pad(key.X.Bytes())), b64(pad(key.Y.Bytes())))
	cl, _, err := s.CreateClient(ctx, Client{Name: "provincial platform", Scope: "system/*.rs", JWKS: []byte(set)}, false)
	if err != nil {
		t.Fatal(err)
	}
	const aud = "https://yitong.example/oauth/token"
	jws := func(alg, jti string) string {
		h, _ := json.Marshal(map[string]any{"alg": alg, "typ": "JWT"})
		p, _ := json.Marshal(map[string]any{"iss": cl.ID, "sub": cl.ID, "aud": aud, "jti": jti, "exp": c.Now().Add(time.Minute).Unix()})
		in := b64(h) + "." + b64(p)
		der, err := key.SignWithSM2(rand.Reader, nil, []byte(in))
		if err != nil {
			t.Fatal(err)
		}
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(der, &rs); err != nil {
			t.Fatal(err)
		}
		return in + "." + b64(append(pad(rs.R.Bytes()), pad(rs.S.Bytes())...))
	}
	if _, err := s.AuthenticateAssertion(ctx, jws("SM2", "a"), aud); err != nil {
		t.Fatalf("SM2 assertion: %v", err)
	}
	if _, err := s.AuthenticateAssertion(ctx, jws("ES256", "b"), aud); err != ErrInvalidClient {
		t.Errorf("an SM2 signature labelled ES256: %v", err)
	}
	tampered := jws("SM2", "c")
	tampered = tampered[:len(tampered)-2] + "AA"
	if _, err := s.AuthenticateAssertion(ctx, tampered, aud); err != ErrInvalidClient {
		t.Errorf("a changed SM2 signature: %v", err)
	}
}

// Concurrent failed sign-ins on a new user name all count, on both
// databases: none overwrites another's count.
func TestConcurrentFailuresCount(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := New(b.Open(t, nil), Options{})
			var wg sync.WaitGroup
			for range FreeFailures {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := s.Login(ctx, LoginRequest{Username: "somebody", Password: "guess-1234567"}); CodeOf(err) != "bad-credentials" {
						t.Errorf("guess: %v", err)
					}
				}()
			}
			wg.Wait()
			if _, err := s.Login(ctx, LoginRequest{Username: "somebody", Password: "guess-1234567"}); CodeOf(err) != "locked" {
				t.Errorf("after %d concurrent failures: %v, want locked", FreeFailures, err)
			}
		})
	}
}
