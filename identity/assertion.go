package identity

import (
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// AssertionType is the client_assertion_type of private_key_jwt (RFC 7523).
const AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// MaxAssertionLife is how far ahead an assertion's exp may lie (SMART
// Backend Services: at most five minutes).
const MaxAssertionLife = 5 * time.Minute

// jwk is an EC public key of a client's JWKS.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid"`
}

type jwks struct {
	Keys []jwk `json:"keys"`
}

// assertionKey is a public key of a client's JWKS with the JWS algorithm
// it verifies: ES256 for EC P-256 keys, "SM2" (SM2 with SM3 and the
// default user ID, r||s like ES256) for EC keys on the SM2 curve.
type assertionKey struct {
	alg string
	kid string
	pub *ecdsa.PublicKey
}

// parseJWKS checks a JWKS for private_key_jwt clients: one or more EC
// public keys, on P-256 (ES256) or on the SM2 curve (crv "SM2").
func parseJWKS(b []byte) ([]assertionKey, error) {
	var set jwks
	if err := json.Unmarshal(b, &set); err != nil || len(set.Keys) == 0 {
		return nil, ErrInvalidRequest
	}
	var keys []assertionKey
	for _, k := range set.Keys {
		x, err1 := base64.RawURLEncoding.DecodeString(k.X)
		y, err2 := base64.RawURLEncoding.DecodeString(k.Y)
		if k.Kty != "EC" || err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
			return nil, ErrInvalidRequest
		}
		point := append(append([]byte{4}, x...), y...)
		switch k.Crv {
		case "P-256":
			// crypto/ecdh refuses points that are not on the curve.
			if _, err := ecdh.P256().NewPublicKey(point); err != nil {
				return nil, ErrInvalidRequest
			}
			pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}
			keys = append(keys, assertionKey{alg: "ES256", kid: k.Kid, pub: pub})
		case "SM2":
			pub, err := sm2.NewPublicKey(point) // refuses points off the curve
			if err != nil {
				return nil, ErrInvalidRequest
			}
			keys = append(keys, assertionKey{alg: "SM2", kid: k.Kid, pub: pub})
		default:
			return nil, ErrInvalidRequest
		}
	}
	return keys, nil
}

// verify checks a JWS signature (r||s, 64 bytes) of input with k.
func (k assertionKey) verify(input string, sig []byte) bool {
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if k.alg == "SM2" {
		der, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
		return err == nil && sm2.VerifyASN1WithSM2(k.pub, nil, []byte(input), der)
	}
	sum := sha256.Sum256([]byte(input))
	return ecdsa.Verify(k.pub, sum[:], r, s)
}

// AuthenticateAssertion authenticates a private_key_jwt client by its
// signed assertion (RFC 7523 section 3): ES256, or SM2 with an SM2 key;
// iss and sub the
// client id; aud exactly the token endpoint; exp in the future and at most
// MaxAssertionLife ahead; a jti never seen before (it is remembered until
// exp, so a replay fails).
func (s *Service) AuthenticateAssertion(ctx context.Context, assertion, audience string) (Client, error) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return Client{}, ErrInvalidClient
	}
	var header struct {
		Alg, Kid, Typ string
	}
	var claims struct {
		Iss, Sub, Jti string
		Aud           any
		Exp           json.Number
	}
	if !decodeSegment(parts[0], &header) || !decodeSegment(parts[1], &claims) || (header.Alg != "ES256" && header.Alg != "SM2") {
		return Client{}, ErrInvalidClient
	}
	if claims.Iss == "" || claims.Iss != claims.Sub || claims.Jti == "" || len(claims.Jti) > 150 || !audienceIs(claims.Aud, audience) {
		return Client{}, ErrInvalidClient
	}
	exp, err := claims.Exp.Int64()
	if err != nil {
		return Client{}, ErrInvalidClient
	}
	c, err := s.Client(ctx, claims.Iss)
	if err != nil {
		return Client{}, err
	}
	keys, err := parseJWKS(c.JWKS)
	if err != nil {
		return Client{}, ErrInvalidClient
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return Client{}, ErrInvalidClient
	}
	ok := false
	for _, k := range keys {
		if k.alg == header.Alg && (header.Kid == "" || header.Kid == k.kid) && k.verify(parts[0]+"."+parts[1], sig) {
			ok = true
			break
		}
	}
	if !ok {
		return Client{}, ErrInvalidClient
	}
	// The time and the jti are checked in one transaction, on its clock.
	err = s.st.Update(ctx, func(tx store.Tx) error {
		now := tx.Now()
		expT := time.Unix(exp, 0)
		if !expT.After(now) || expT.After(now.Add(MaxAssertionLife)) {
			return ErrInvalidClient
		}
		err := tx.Records().Insert(ctx, store.Record{Kind: kindNonce, Key: "jti:" + hashKey(c.ID+"|"+claims.Jti), Value: []byte{}, Expires: expT})
		if fhir.CodeOf(err) == fhir.IssueConflict {
			return ErrInvalidClient // a replayed assertion
		}
		return err
	})
	if err != nil {
		return Client{}, err
	}
	return c, nil
}

func decodeSegment(seg string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return false
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	return d.Decode(v) == nil
}

// audienceIs reports whether aud (a string or an array of strings) is
// exactly want.
func audienceIs(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		return len(a) == 1 && a[0] == want
	}
	return false
}
