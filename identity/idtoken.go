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

// IDTokenSigner signs OpenID Connect id tokens with RS256 (RSASSA-PKCS1-v1_5
// with SHA-256), the algorithm SMART App Launch requires servers to
// support.
type IDTokenSigner struct {
	key *rsa.PrivateKey
	kid string
}

// OpenIDTokenSigner returns the id token signer of st, creating its RSA
// 2048 key on first use. The private key is stored only sealed by kc (the
// platform master key's cipher), which is required; a key that does not
// open with kc is an error, never replaced.
func OpenIDTokenSigner(ctx context.Context, st store.Store, kc audit.KeyCipher) (*IDTokenSigner, error) {
	if kc == nil {
		return nil, errors.New("identity: the id token key needs the master key's cipher")
	}
	var k store.PlatformKey
	load := func(tx store.Tx) error {
		var err error
		k, err = tx.Audit().Key(ctx, IDTokenKeyName)
		return err
	}
	err := st.View(ctx, load)
	if fhir.CodeOf(err) == fhir.IssueNotFound {
		err = createIDTokenKey(ctx, st, kc, load)
	}
	if err != nil {
		return nil, fmt.Errorf("identity: id token key: %w", err)
	}
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
	return &IDTokenSigner{key: rk, kid: thumbprint(&rk.PublicKey)}, nil
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

// KeyID is the key's kid, in id token headers and in the JWKS.
func (s *IDTokenSigner) KeyID() string { return s.kid }

// JWKS is the public key set (RFC 7517) that verifies the id tokens: one
// RSA key with kid, use "sig" and alg "RS256".
func (s *IDTokenSigner) JWKS() map[string]any {
	pub := &s.key.PublicKey
	return map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": s.kid,
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
	}}}
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

// IDToken signs the id token of o issued by issuer (the FHIR base URL,
// also the base of fhirUser) at now, valid for AccessTTL.
func (s *IDTokenSigner) IDToken(issuer string, o OpenID, now time.Time) (string, error) {
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
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": s.kid})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64(header) + "." + b64(payload)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return input + "." + b64(sig), nil
}
