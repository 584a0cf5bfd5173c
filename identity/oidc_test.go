package identity

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

// testCipher is an AES-GCM audit.KeyCipher (package signing's SM4 one
// imports identity, so the tests cannot use it).
type testCipher struct{ key []byte }

func (c testCipher) aead() cipher.AEAD {
	b, err := aes.NewCipher(c.key)
	if err != nil {
		panic(err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		panic(err)
	}
	return g
}

func (c testCipher) Seal(name string, plain []byte) ([]byte, error) {
	nonce := make([]byte, 12)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return append([]byte("test:"), c.aead().Seal(nonce, nonce, plain, []byte(name))...), nil
}

func (c testCipher) Open(name string, b []byte) ([]byte, error) {
	if !c.Sealed(b) || len(b) < 5+12 {
		return nil, errors.New("not sealed")
	}
	b = b[5:]
	return c.aead().Open(nil, b[:12], b[12:], []byte(name))
}

func (c testCipher) Sealed(b []byte) bool { return bytes.HasPrefix(b, []byte("test:")) }

// verifyIDToken checks an RS256 JWS against a JWKS as a relying party
// would (the key found by kid) and returns its claims.
func verifyIDToken(t *testing.T, jwks map[string]any, tok string) map[string]any {
	t.Helper()
	b, err := json.Marshal(jwks)
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []struct{ Kty, Use, Alg, Kid, N, E string }
	}
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("id token %q is not a compact JWS", tok)
	}
	var header struct{ Alg, Kid, Typ string }
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if err := json.Unmarshal(hb, &header); err != nil || header.Alg != "RS256" {
		t.Fatalf("header %s: %v", hb, err)
	}
	for _, k := range set.Keys {
		if k.Kid != header.Kid {
			continue
		}
		if k.Kty != "RSA" || k.Use != "sig" || k.Alg != "RS256" {
			t.Fatalf("jwk %+v", k)
		}
		n, _ := base64.RawURLEncoding.DecodeString(k.N)
		e, _ := base64.RawURLEncoding.DecodeString(k.E)
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
			t.Fatalf("the id token's signature does not verify: %v", err)
		}
		var claims map[string]any
		pb, _ := base64.RawURLEncoding.DecodeString(parts[1])
		if err := json.Unmarshal(pb, &claims); err != nil {
			t.Fatal(err)
		}
		return claims
	}
	t.Fatalf("no key %q in the JWKS", header.Kid)
	return nil
}

func TestIDTokens(t *testing.T) {
	s, c, st := newService(t)
	kc := testCipher{key: []byte("0123456789abcdef")}
	signer, err := OpenIDTokenSigner(ctx, st, kc)
	if err != nil {
		t.Fatal(err)
	}
	// The key is stored sealed, and reopening gives the same key.
	if err := st.View(ctx, func(tx store.Tx) error {
		k, err := tx.Audit().Key(ctx, IDTokenKeyName)
		if err == nil && !kc.Sealed(k.PrivateKey) {
			t.Error("the id token key is stored in the clear")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	again, err := OpenIDTokenSigner(ctx, st, kc)
	if err != nil || again.KeyID() != signer.KeyID() {
		t.Fatalf("reopened key %v, %v", again, err)
	}
	if _, err := OpenIDTokenSigner(ctx, st, testCipher{key: []byte("fedcba9876543210")}); err == nil {
		t.Error("the id token key opened with another master key")
	}

	a, err := s.CreateAccount(ctx, Account{Username: "wu.min", Role: RoleResident, Patient: "p7"}, "password-wu1", false)
	if err != nil {
		t.Fatal(err)
	}
	app, _, err := s.CreateClient(ctx, Client{Name: "app", Scope: "launch/patient openid fhirUser offline_access patient/*.rs", RedirectURIs: []string{"https://app.example/cb"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	verifier := strings.Repeat("v", 50)
	signedIn := c.Now().Add(-2 * time.Minute)
	code := func(scope, nonce string) string {
		k, err := s.Authorize(ctx, a, app, CodeRequest{RedirectURI: "https://app.example/cb", Scope: scope,
			Challenge: challengeOf(verifier), Patient: "p7", Nonce: nonce, AuthTime: signedIn})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	tok, err := s.ExchangeCode(ctx, code("openid fhirUser offline_access patient/*.rs", "n-0S6_WzA2Mj"), app, "https://app.example/cb", verifier)
	if err != nil || tok.OpenID == nil {
		t.Fatalf("exchange with openid: %+v, %v", tok, err)
	}
	const iss = "https://yitong.example/fhir"
	idt, err := signer.IDToken(ctx, iss, *tok.OpenID, c.Now())
	if err != nil {
		t.Fatal(err)
	}
	claims := verifyIDToken(t, jwksOf(t, signer), idt)
	want := map[string]any{"iss": iss, "sub": a.ID, "aud": app.ID, "nonce": "n-0S6_WzA2Mj",
		"fhirUser": iss + "/Patient/p7", "auth_time": float64(signedIn.Unix()),
		"iat": float64(c.Now().Unix()), "exp": float64(c.Now().Add(AccessTTL).Unix())}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}
	// A changed payload does not verify.
	parts := strings.Split(idt, ".")
	forged, _ := json.Marshal(map[string]any{"iss": iss, "sub": "someone-else", "aud": app.ID})
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + base64.RawURLEncoding.EncodeToString(forged)))
	if rsa.VerifyPKCS1v15(&signer.key.PublicKey, crypto.SHA256, sum[:], sig) == nil {
		t.Error("a forged payload verifies")
	}
	// A refresh of an openid grant brings a new id token, without the nonce.
	tok2, err := s.Refresh(ctx, tok.Refresh, app, "")
	if err != nil || tok2.OpenID == nil || tok2.OpenID.Nonce != "" || tok2.OpenID.Subject != a.ID || !tok2.OpenID.AuthTime.Equal(signedIn) {
		t.Fatalf("refresh: %+v %+v, %v", tok2, tok2.OpenID, err)
	}
	// openid without fhirUser: no fhirUser claim; no openid: no id token.
	tok3, err := s.ExchangeCode(ctx, code("openid patient/*.rs", ""), app, "https://app.example/cb", verifier)
	if err != nil || tok3.OpenID == nil || tok3.OpenID.FHIRUser != "" || tok3.OpenID.Nonce != "" {
		t.Fatalf("openid without fhirUser: %+v, %v", tok3.OpenID, err)
	}
	tok4, err := s.ExchangeCode(ctx, code("fhirUser patient/*.rs", "n1"), app, "https://app.example/cb", verifier)
	if err != nil || tok4.OpenID != nil {
		t.Fatalf("no openid: %+v, %v", tok4.OpenID, err)
	}
}

func TestEHRLaunch(t *testing.T) {
	s, c, _ := newService(t)
	dr, err := s.CreateAccount(ctx, Account{Username: "dr.he", Role: RoleDoctor, Practitioner: "pr1", Organization: "o1"}, "password-dr1", false)
	if err != nil {
		t.Fatal(err)
	}
	other := mustAccount(t, s, "dr.lu", RoleDoctor)
	if _, _, err := s.CreateClient(ctx, Client{Name: "x", Scope: "patient/*.rs", LaunchURL: "https://app.example/launch"}, false); err != ErrInvalidRequest {
		t.Errorf("a launch URL without the launch scope: %v", err)
	}
	if _, _, err := s.CreateClient(ctx, Client{Name: "x", Scope: "launch patient/*.rs", LaunchURL: "ftp://app.example/launch"}, false); err != ErrInvalidRequest {
		t.Errorf("a launch URL that is not http(s): %v", err)
	}
	app, _, err := s.CreateClient(ctx, Client{Name: "app", Scope: "launch openid fhirUser patient/*.rs", RedirectURIs: []string{"https://app.example/cb"}, LaunchURL: "https://app.example/launch"}, false)
	if err != nil {
		t.Fatal(err)
	}
	app2, _, err := s.CreateClient(ctx, Client{Name: "app2", Scope: "launch patient/*.rs", RedirectURIs: []string{"https://two.example/cb"}, LaunchURL: "https://two.example/launch"}, false)
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := s.CreateClient(ctx, Client{Name: "plain", Scope: "patient/*.rs", RedirectURIs: []string{"https://plain.example/cb"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if cs, err := s.LaunchableClients(ctx); err != nil || len(cs) != 2 || cs[0].ID != app.ID || cs[1].ID != app2.ID {
		t.Errorf("launchable clients = %+v, %v", cs, err)
	}
	if _, err := s.CreateLaunch(ctx, dr, plain, "p1"); err != ErrInvalidRequest {
		t.Errorf("launch of a client without a launch URL: %v", err)
	}
	verifier := strings.Repeat("v", 50)
	authorize := func(who Account, cl Client, launch, patient string) (string, error) {
		return s.Authorize(ctx, who, cl, CodeRequest{RedirectURI: cl.RedirectURIs[0], Scope: "launch patient/*.rs",
			Challenge: challengeOf(verifier), Launch: launch, Patient: patient})
	}
	id, err := s.CreateLaunch(ctx, dr, app, "p1")
	if err != nil || !strings.HasPrefix(id, "ytl_") {
		t.Fatalf("launch %q, %v", id, err)
	}
	if l, err := s.Launch(ctx, id, dr, app); err != nil || l.Patient != "p1" {
		t.Fatalf("launch context %+v, %v", l, err)
	}
	for name, try := range map[string]func() error{
		"unknown":          func() error { _, err := authorize(dr, app, "ytl_unknown", ""); return err },
		"another account":  func() error { _, err := authorize(other, app, id, ""); return err },
		"another client":   func() error { _, err := authorize(dr, app2, id, ""); return err },
		"another patient":  func() error { _, err := authorize(dr, app, id, "p2"); return err },
		"shown to another": func() error { _, err := s.Launch(ctx, id, other, app); return err },
	} {
		if err := try(); err != ErrInvalidLaunch {
			t.Errorf("%s: %v, want invalid launch", name, err)
		}
	}
	// The refusals spent nothing: the rightful authorization works once.
	k, err := authorize(dr, app, id, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := authorize(dr, app, id, ""); err != ErrInvalidLaunch {
		t.Errorf("reused launch: %v", err)
	}
	tok, err := s.ExchangeCode(ctx, k, app, app.RedirectURIs[0], verifier)
	if err != nil || tok.Patient != "p1" {
		t.Fatalf("token of the launch: %+v, %v", tok, err)
	}
	if g, _, err := s.Lookup(ctx, KindAccess, tok.Access); err != nil || g.Patient != "p1" {
		t.Errorf("the token's patient context: %+v, %v", g, err)
	}
	// Launches expire.
	id2, err := s.CreateLaunch(ctx, dr, app, "p1")
	if err != nil {
		t.Fatal(err)
	}
	c.Add(LaunchTTL)
	if _, err := authorize(dr, app, id2, ""); err != ErrInvalidLaunch {
		t.Errorf("expired launch: %v", err)
	}
}

// TestIDTokenKeyConcurrentStart: nodes starting together on one database
// end up with one id token key.
func TestIDTokenKeyConcurrentStart(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t, nil)
			kc := testCipher{key: []byte("0123456789abcdef")}
			kids := make([]string, 4)
			errs := make([]error, 4)
			var wg sync.WaitGroup
			for i := range kids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := OpenIDTokenSigner(ctx, st, kc)
					if errs[i] = err; err == nil {
						kids[i] = s.KeyID()
					}
				}()
			}
			wg.Wait()
			for i := range kids {
				if errs[i] != nil || kids[i] != kids[0] {
					t.Errorf("node %d: kid %q (first %q), %v", i, kids[i], kids[0], errs[i])
				}
			}
		})
	}
}

// jwksOf returns the signer's JWKS.
func jwksOf(t *testing.T, s *IDTokenSigner) map[string]any {
	t.Helper()
	set, err := s.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// kids lists the kids of a JWKS.
func kids(set map[string]any) []string {
	var out []string
	for _, k := range set["keys"].([]map[string]string) {
		out = append(out, k["kid"])
	}
	return out
}

// TestIDTokenKeyRotation rotates the id token key: an id token signed just
// before still verifies with the JWKS (also another node's, once it has
// reloaded), new id tokens carry the new kid, the rotation is audited, and
// the old key leaves the JWKS after the overlap.
func TestIDTokenKeyRotation(t *testing.T) {
	_, c, st := newService(t)
	kc := testCipher{key: []byte("0123456789abcdef")}
	l, err := audit.Open(ctx, audit.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := OpenIDTokenSigner(ctx, st, kc)
	if err != nil {
		t.Fatal(err)
	}
	other, err := OpenIDTokenSigner(ctx, st, kc) // another node
	if err != nil {
		t.Fatal(err)
	}
	const iss = "https://yitong.example/fhir"
	o := OpenID{Subject: "acc1", Audience: "app1"}
	before, err := signer.IDToken(ctx, iss, o, c.Now())
	if err != nil {
		t.Fatal(err)
	}
	oldKid := signer.KeyID()
	newKid, err := signer.RotateKey(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if newKid == oldKid || signer.KeyID() != newKid {
		t.Fatalf("kid %s after rotating from %s (returned %s)", signer.KeyID(), oldKid, newKid)
	}
	if got := kids(jwksOf(t, signer)); len(got) != 2 || got[0] != newKid || got[1] != oldKid {
		t.Fatalf("JWKS kids after the rotation %v", got)
	}
	if claims := verifyIDToken(t, jwksOf(t, signer), before); claims["sub"] != "acc1" {
		t.Errorf("claims %v", claims)
	}
	after, err := signer.IDToken(ctx, iss, o, c.Now())
	if err != nil {
		t.Fatal(err)
	}
	var header struct{ Kid string }
	hb, _ := base64.RawURLEncoding.DecodeString(strings.Split(after, ".")[0])
	if err := json.Unmarshal(hb, &header); err != nil || header.Kid != newKid {
		t.Fatalf("new id token header %s: %v", hb, err)
	}
	verifyIDToken(t, jwksOf(t, signer), after)
	// The other node follows (by itself within 30 seconds).
	if err := other.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if other.KeyID() != newKid {
		t.Errorf("the other node signs with %s", other.KeyID())
	}
	verifyIDToken(t, jwksOf(t, other), before)
	verifyIDToken(t, jwksOf(t, other), after)
	// Audited; the old private key is gone.
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.View(ctx, func(tx store.Tx) error {
		es, err := tx.Audit().Find(ctx, store.AuditQuery{Action: audit.ActionKeyRotate, Count: 5})
		if err != nil || len(es) != 1 || !bytes.Contains(es[0].Body, []byte(newKid)) || !bytes.Contains(es[0].Body, []byte(oldKid)) {
			return fmt.Errorf("rotation entries %d, %v", len(es), err)
		}
		k, err := tx.Audit().Key(ctx, IDTokenKeyName)
		if err != nil {
			return err
		}
		if pub, ok := mustPublic(k.PublicKey).(*rsa.PublicKey); !ok || thumbprint(pub) != newKid {
			return errors.New("the stored id token key is not the new one")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// After the overlap only the new key is published.
	c.Add(IDTokenKeyOverlap + time.Second)
	if err := signer.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if got := kids(jwksOf(t, signer)); len(got) != 1 || got[0] != newKid {
		t.Fatalf("JWKS kids after the overlap %v", got)
	}
}
