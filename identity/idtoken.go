package identity

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// IDTokenKeyName is the name of the OpenID Connect id token signing key
// among the platform keys (beside the audit checkpoint key). It is stored
// sealed under the platform master key.
const IDTokenKeyName = "oidc-id-token"

// idTokenKeyBits is the RSA modulus size of the id token key.
const idTokenKeyBits = 2048

// IDTokenKeyOverlap is how long a rotated-out id token key stays in the
// JWKS (RotateKey): twice the id token lifetime, so that every id token
// signed with it has expired and relying parties that cached the JWKS
// have had time to fetch it again.
const IDTokenKeyOverlap = 2 * AccessTTL

// kindRetiredIDTokenKey is the record kind of rotated-out id token keys'
// public halves, keyed by kid, expiring IDTokenKeyOverlap after their
// rotation.
const kindRetiredIDTokenKey = "oidc-id-token-retired"

// idTokenRefresh is how often a signer looks for a rotation by another
// process (RotateKey on another node or on the command line).
const idTokenRefresh = 30 * time.Second

// IDTokenSigner signs OpenID Connect id tokens with RS256 (RSASSA-PKCS1-v1_5
// with SHA-256), the algorithm SMART App Launch requires servers to
// support. It is safe for concurrent use.
type IDTokenSigner struct {
	st store.Store
	kc audit.KeyCipher

	mu      sync.Mutex
	key     *rsa.PrivateKey
	kid     string
	retired []*rsa.PublicKey // rotated out less than IDTokenKeyOverlap ago
	checked time.Time        // when the store was last read
}

// retiredIDTokenKey is a rotated-out key's public half.
type retiredIDTokenKey struct {
	PublicKey []byte    `json:"publicKey"` // PKIX DER
	Retired   time.Time `json:"retired"`
}

// OpenIDTokenSigner returns the id token signer of st, creating its RSA
// 2048 key on first use. The private key is stored only sealed by kc (the
// platform master key's cipher), which is required; a key that does not
// open with kc is an error, never replaced.
func OpenIDTokenSigner(ctx context.Context, st store.Store, kc audit.KeyCipher) (*IDTokenSigner, error) {
	if kc == nil {
		return nil, errors.New("identity: the id token key needs the master key's cipher")
	}
	load := func(tx store.Tx) error {
		_, err := tx.Audit().Key(ctx, IDTokenKeyName)
		return err
	}
	err := st.View(ctx, load)
	if fhir.CodeOf(err) == fhir.IssueNotFound {
		err = createIDTokenKey(ctx, st, kc, load)
	}
	if err != nil {
		return nil, fmt.Errorf("identity: id token key: %w", err)
	}
	s := &IDTokenSigner{st: st, kc: kc}
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// openIDTokenKey decrypts a stored id token key.
func openIDTokenKey(k store.PlatformKey, kc audit.KeyCipher) (*rsa.PrivateKey, error) {
	if !kc.Sealed(k.PrivateKey) {
		return nil, errors.New("identity: the id token key is not sealed under the master key")
	}
	der, err := kc.Open(IDTokenKeyName, k.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("identity: the id token key does not open with this master key: %w", err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("identity: id token key: %w", err)
	}
	rk, ok := priv.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("identity: the id token key is a %T, not RSA", priv)
	}
	return rk, nil
}

// Reload reads the key in force and the rotated-out keys still within
// their overlap from the store. Signers do it by themselves every 30
// seconds (IDToken, JWKS), so a rotation elsewhere reaches every node
// within that time.
func (s *IDTokenSigner) Reload(ctx context.Context) error {
	var k store.PlatformKey
	var retired []*rsa.PublicKey
	err := s.st.View(ctx, func(tx store.Tx) error {
		var err error
		if k, err = tx.Audit().Key(ctx, IDTokenKeyName); err != nil {
			return err
		}
		recs, err := tx.Records().List(ctx, kindRetiredIDTokenKey, "", 100)
		if err != nil {
			return err
		}
		for _, r := range recs {
			var rk retiredIDTokenKey
			if err := json.Unmarshal(r.Value, &rk); err != nil {
				return fmt.Errorf("identity: retired id token key %s: %w", r.Key, err)
			}
			pub, err := x509.ParsePKIXPublicKey(rk.PublicKey)
			if err != nil {
				return fmt.Errorf("identity: retired id token key %s: %w", r.Key, err)
			}
			p, ok := pub.(*rsa.PublicKey)
			if !ok || thumbprint(p) != r.Key {
				return fmt.Errorf("identity: retired id token key %s is not the RSA key of that kid", r.Key)
			}
			retired = append(retired, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("identity: id token key: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key == nil || !s.key.PublicKey.Equal(mustPublic(k.PublicKey)) {
		rk, err := openIDTokenKey(k, s.kc)
		if err != nil {
			return err
		}
		s.key, s.kid = rk, thumbprint(&rk.PublicKey)
	}
	s.retired, s.checked = retired, time.Now()
	return nil
}

// mustPublic parses a stored PKIX public key; a key that does not parse
// compares unequal to every key (nil).
func mustPublic(der []byte) crypto.PublicKey {
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil
	}
	return pub
}

// current returns the key in force, reloading first when the last read
// is idTokenRefresh old.
func (s *IDTokenSigner) current(ctx context.Context) (*rsa.PrivateKey, string, []*rsa.PublicKey, error) {
	s.mu.Lock()
	stale := time.Since(s.checked) >= idTokenRefresh
	s.mu.Unlock()
	if stale {
		if err := s.Reload(ctx); err != nil {
			return nil, "", nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.key, s.kid, s.retired, nil
}

// RotateKey replaces the id token key by a new RSA 2048 key, in one
// audited transaction (audit.ActionKeyRotate through a, as the context's
// agent) that takes the audit tree's lock like the key's creation. The
// old key's private half is deleted; its public half stays in the JWKS
// for IDTokenKeyOverlap, so that id tokens signed before the rotation
// still verify. It returns the new kid.
func (s *IDTokenSigner) RotateKey(ctx context.Context, a audit.Appender) (string, error) {
	priv, err := rsa.GenerateKey(rand.Reader, idTokenKeyBits)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", err
	}
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return "", err
	}
	sealed, err := s.kc.Seal(IDTokenKeyName, der)
	if err != nil {
		return "", err
	}
	kid := thumbprint(&priv.PublicKey)
	err = audit.Act(ctx, s.st, a, func(error) bool { return false }, func(tx store.Tx) (*audit.Entry, error) {
		if _, err := tx.Audit().State(ctx); err != nil {
			return nil, err
		}
		old, err := tx.Audit().Key(ctx, IDTokenKeyName)
		if err != nil {
			return nil, err
		}
		oldPub, ok := mustPublic(old.PublicKey).(*rsa.PublicKey)
		if !ok {
			return nil, errors.New("identity: the stored id token key is not RSA")
		}
		oldKid := thumbprint(oldPub)
		now := tx.Now()
		b, err := json.Marshal(retiredIDTokenKey{PublicKey: old.PublicKey, Retired: now})
		if err != nil {
			return nil, err
		}
		if err := tx.Records().Put(ctx, store.Record{Kind: kindRetiredIDTokenKey, Key: oldKid, Value: b, Expires: now.Add(IDTokenKeyOverlap)}); err != nil {
			return nil, err
		}
		if err := tx.Audit().DeleteKey(ctx, IDTokenKeyName); err != nil {
			return nil, err
		}
		if err := tx.Audit().PutKey(ctx, store.PlatformKey{Name: IDTokenKeyName, Algorithm: "RS256",
			PrivateKey: sealed, PublicKey: pub, Created: now}); err != nil {
			return nil, err
		}
		return &audit.Entry{Action: audit.ActionKeyRotate, Detail: fmt.Sprintf("id token key %s retired (published until %s); key %s in force",
			oldKid, now.Add(IDTokenKeyOverlap).Format(time.RFC3339), kid)}, nil
	})
	if err != nil {
		return "", err
	}
	return kid, s.Reload(ctx)
}

// createIDTokenKey creates and stores the sealed key unless another node
// did first: the write transaction takes the audit tree's lock (as the
// checkpoint key's creation does), so of nodes starting together one
// creates the key and the others load it. load reads the stored key into
// the caller's variable, in either case.
func createIDTokenKey(ctx context.Context, st store.Store, kc audit.KeyCipher, load func(tx store.Tx) error) error {
	// Generated outside the lock (it takes a while); unused if another
	// node wins.
	priv, err := rsa.GenerateKey(rand.Reader, idTokenKeyBits)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return err
	}
	sealed, err := kc.Seal(IDTokenKeyName, der)
	if err != nil {
		return err
	}
	return st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Audit().State(ctx); err != nil {
			return err
		}
		switch err := load(tx); {
		case err == nil:
			return nil // another node created it
		case fhir.CodeOf(err) != fhir.IssueNotFound:
			return err
		}
		if err := tx.Audit().PutKey(ctx, store.PlatformKey{Name: IDTokenKeyName, Algorithm: "RS256",
			PrivateKey: sealed, PublicKey: pub, Created: tx.Now()}); err != nil {
			return err
		}
		return load(tx) // the caller's key is the one stored
	})
}

// thumbprint is the RFC 7638 JWK thumbprint (SHA-256, base64url) of an
// RSA public key: the key's kid.
func thumbprint(pub *rsa.PublicKey) string {
	j := `{"e":"` + b64(big.NewInt(int64(pub.E)).Bytes()) + `","kty":"RSA","n":"` + b64(pub.N.Bytes()) + `"}`
	sum := sha256.Sum256([]byte(j))
	return b64(sum[:])
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// KeyID is the kid of the key in force, in id token headers and in the
// JWKS.
func (s *IDTokenSigner) KeyID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kid
}

// JWKS is the public key set (RFC 7517) that verifies the id tokens: the
// RSA key in force, then the keys rotated out less than
// IDTokenKeyOverlap ago, each with its kid, use "sig" and alg "RS256".
func (s *IDTokenSigner) JWKS(ctx context.Context) (map[string]any, error) {
	key, kid, retired, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	jwk := func(pub *rsa.PublicKey, kid string) map[string]string {
		return map[string]string{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
			"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes())}
	}
	keys := []map[string]string{jwk(&key.PublicKey, kid)}
	for _, p := range retired {
		if k := thumbprint(p); k != kid {
			keys = append(keys, jwk(p, k))
		}
	}
	return map[string]any{"keys": keys}, nil
}

// OpenID is what an id token says about a grant's sign-in: issued with the
// tokens of a grant whose scope has openid.
type OpenID struct {
	// Subject is the account id; Audience the client id.
	Subject, Audience string
	// Nonce is the authorization request's nonce (only when the id token
	// answers the code exchange, not a refresh).
	Nonce string
	// AuthTime is when the person signed in (zero when unknown).
	AuthTime time.Time
	// FHIRUser is the relative reference of the person's FHIR resource
	// ("Patient/123", "Practitioner/9"), set when the scope has fhirUser
	// and the account has one.
	FHIRUser string
}

// IDToken signs, with the key in force, the id token of o issued by
// issuer (the FHIR base URL, also the base of fhirUser) at now, valid for
// AccessTTL.
func (s *IDTokenSigner) IDToken(ctx context.Context, issuer string, o OpenID, now time.Time) (string, error) {
	key, kid, _, err := s.current(ctx)
	if err != nil {
		return "", err
	}
	claims := map[string]any{"iss": issuer, "sub": o.Subject, "aud": o.Audience,
		"iat": now.Unix(), "exp": now.Add(AccessTTL).Unix()}
	if !o.AuthTime.IsZero() {
		claims["auth_time"] = o.AuthTime.Unix()
	}
	if o.Nonce != "" {
		claims["nonce"] = o.Nonce
	}
	if o.FHIRUser != "" {
		claims["fhirUser"] = issuer + "/" + o.FHIRUser
	}
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": kid})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64(header) + "." + b64(payload)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return input + "." + b64(sig), nil
}
