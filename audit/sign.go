package audit

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// Signature algorithms of checkpoints.
const (
	SignSM2  = "sm2"  // SM2 with SM3, user ID 1234567812345678 (GB/T 32918)
	SignP256 = "p256" // ECDSA on NIST P-256 with SHA-256
)

// KeyName is the name of the checkpoint signing key among the platform keys.
const KeyName = "audit-checkpoint"

// Verifier checks checkpoint signatures with a public key.
type Verifier struct {
	alg string
	pub *ecdsa.PublicKey
	// PublicKeyDER is the key in PKIX (SubjectPublicKeyInfo) DER.
	PublicKeyDER []byte
	// KeyID identifies the key: the first 8 bytes of the hash of its DER,
	// in hex.
	KeyID string
}

// signer signs checkpoints with the platform key.
type signer struct {
	Verifier
	sm2  *sm2.PrivateKey
	p256 *ecdsa.PrivateKey
}

// ParsePublicKey returns the Verifier of a PKIX DER public key (SM2 or
// P-256).
func ParsePublicKey(der []byte) (*Verifier, error) {
	k, err := smx509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("audit: public key: %w", err)
	}
	pub, ok := k.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("audit: public key: %T is not an SM2 or P-256 key", k)
	}
	v := &Verifier{pub: pub, PublicKeyDER: der}
	switch pub.Curve {
	case sm2.P256():
		v.alg = SignSM2
		sum := sm3.Sum(der)
		v.KeyID = hex.EncodeToString(sum[:8])
	case elliptic.P256():
		v.alg = SignP256
		sum := sha256.Sum256(der)
		v.KeyID = hex.EncodeToString(sum[:8])
	default:
		return nil, errors.New("audit: public key: not on the SM2 or P-256 curve")
	}
	return v, nil
}

// Algorithm names the signature algorithm.
func (v *Verifier) Algorithm() string { return v.alg }

// Verify reports whether sig is a valid signature of msg.
func (v *Verifier) Verify(msg, sig []byte) bool {
	if v.alg == SignSM2 {
		return sm2.VerifyASN1WithSM2(v.pub, nil, msg, sig)
	}
	sum := sha256.Sum256(msg)
	return ecdsa.VerifyASN1(v.pub, sum[:], sig)
}

func (s *signer) sign(msg []byte) ([]byte, error) {
	if s.sm2 != nil {
		return s.sm2.SignWithSM2(rand.Reader, nil, msg)
	}
	sum := sha256.Sum256(msg)
	return ecdsa.SignASN1(rand.Reader, s.p256, sum[:])
}

// newKey generates a platform key for alg.
func newKey(alg string) (priv any, err error) {
	switch alg {
	case SignSM2:
		return sm2.GenerateKey(rand.Reader)
	case SignP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return nil, fmt.Errorf("audit: unknown signature algorithm %q (want %s or %s)", alg, SignSM2, SignP256)
}

// KeyCipher encrypts the platform's private keys at rest (SM4 under the
// platform master key; package signing implements it). Sealed keys are
// recognisable by their prefix.
type KeyCipher interface {
	Seal(name string, plain []byte) ([]byte, error)
	Open(name string, sealed []byte) ([]byte, error)
	Sealed(b []byte) bool
}

// generateKey draws a new checkpoint key pair of alg and returns it as
// PKCS#8 (private) and PKIX (public) DER.
func generateKey(alg string) (privDER, pubDER []byte, err error) {
	priv, err := newKey(alg)
	if err != nil {
		return nil, nil, err
	}
	if privDER, err = smx509.MarshalPKCS8PrivateKey(priv); err != nil {
		return nil, nil, fmt.Errorf("audit: key: %w", err)
	}
	var pub any
	switch p := priv.(type) {
	case *sm2.PrivateKey:
		pub = &p.PublicKey
	case *ecdsa.PrivateKey:
		pub = &p.PublicKey
	}
	if pubDER, err = smx509.MarshalPKIXPublicKey(pub); err != nil {
		return nil, nil, fmt.Errorf("audit: key: %w", err)
	}
	return privDER, pubDER, nil
}

// loadSigner returns the signer of the stored key, creating the key with
// alg when there is none yet. tx must be a write transaction holding the
// tree lock (AuditTx.State), so two nodes starting together create one key.
// With a cipher, a new key is stored encrypted, and a key stored in the
// clear (before encryption existed) is encrypted in place.
func loadSigner(ctx context.Context, tx store.Tx, alg string, kc KeyCipher) (*signer, error) {
	k, err := tx.Audit().Key(ctx, KeyName)
	if err == nil {
		return openKey(ctx, tx, k, kc)
	}
	if fhir.CodeOf(err) == fhir.IssueNotFound {
		der, pubDER, err := generateKey(alg)
		if err != nil {
			return nil, err
		}
		k = store.PlatformKey{Name: KeyName, Algorithm: alg, PrivateKey: der, PublicKey: pubDER, Created: tx.Now()}
		stored := k
		if kc != nil {
			if stored.PrivateKey, err = kc.Seal(KeyName, der); err != nil {
				return nil, err
			}
		}
		if err := tx.Audit().PutKey(ctx, stored); err != nil {
			return nil, err
		}
		return parseSigner(k)
	}
	return nil, err
}

// openKey decrypts a stored key (encrypting it first if it is stored in
// the clear and a cipher is at hand).
func openKey(ctx context.Context, tx store.Tx, k store.PlatformKey, kc KeyCipher) (*signer, error) {
	switch {
	case kc != nil && kc.Sealed(k.PrivateKey):
		plain, err := kc.Open(KeyName, k.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("audit: the checkpoint key does not open with this master key: %w", err)
		}
		k.PrivateKey = plain
	case kc != nil:
		sealed, err := kc.Seal(KeyName, k.PrivateKey)
		if err != nil {
			return nil, err
		}
		if err := tx.Audit().SealKey(ctx, KeyName, sealed); err != nil {
			return nil, err
		}
	case len(k.PrivateKey) > 0 && k.PrivateKey[0] != 0x30:
		// Not DER: an encrypted key, and no cipher to open it.
		return nil, errors.New("audit: the checkpoint key is encrypted; the platform master key is needed")
	}
	return parseSigner(k)
}

func parseSigner(k store.PlatformKey) (*signer, error) {
	v, err := ParsePublicKey(k.PublicKey)
	if err != nil {
		return nil, err
	}
	priv, err := smx509.ParsePKCS8PrivateKey(k.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("audit: private key: %w", err)
	}
	s := &signer{Verifier: *v}
	switch p := priv.(type) {
	case *sm2.PrivateKey:
		s.sm2 = p
	case *ecdsa.PrivateKey:
		s.p256 = p
	default:
		return nil, fmt.Errorf("audit: private key: unsupported type %T", priv)
	}
	if (s.sm2 != nil) != (v.alg == SignSM2) {
		return nil, errors.New("audit: private and public key do not match")
	}
	return s, nil
}
