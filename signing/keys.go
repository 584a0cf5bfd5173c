package signing

import (
	"crypto"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm4"
	"github.com/emmansun/gmsm/smx509"
	"golang.org/x/crypto/argon2"
)

// Algorithms.
const (
	AlgSM2  = "sm2"  // SM2 with SM3, user ID 1234567812345678 (GB/T 32918, GB/T 35276)
	AlgP256 = "p256" // ECDSA on NIST P-256 with SHA-256
)

// newKey generates a key pair of alg.
func newKey(alg string) (crypto.Signer, error) {
	switch alg {
	case AlgSM2:
		return sm2.GenerateKey(rand.Reader)
	case AlgP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return nil, fmt.Errorf("signing: unknown algorithm %q (want %s or %s)", alg, AlgSM2, AlgP256)
}

// signWith signs msg with key: SM2 with SM3 and the default user ID, or
// ECDSA P-256 with SHA-256. Signatures are ASN.1 DER.
func signWith(key crypto.Signer, msg []byte) ([]byte, error) {
	switch k := key.(type) {
	case *sm2.PrivateKey:
		return k.SignWithSM2(rand.Reader, nil, msg)
	case *ecdsa.PrivateKey:
		sum := sha256.Sum256(msg)
		return ecdsa.SignASN1(rand.Reader, k, sum[:])
	}
	return nil, fmt.Errorf("signing: unsupported key %T", key)
}

// verifyWith checks an ASN.1 DER signature of msg.
func verifyWith(pub any, msg, sig []byte) bool {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return false
	}
	if k.Curve == sm2.P256() {
		return sm2.VerifyASN1WithSM2(k, nil, msg, sig)
	}
	if k.Curve == elliptic.P256() {
		sum := sha256.Sum256(msg)
		return ecdsa.VerifyASN1(k, sum[:], sig)
	}
	return false
}

// sealed is data encrypted with SM4-GCM.
type sealed struct {
	Salt       []byte `json:"salt,omitempty"` // for keys derived from a PIN
	Nonce      []byte `json:"nonce"`
	Ciphertext []byte `json:"ciphertext"`
}

// seal encrypts plain with the 128-bit key, binding it to ad (what the
// data is for: a key cannot be moved to another holder's record).
func seal(key, plain, ad []byte) (sealed, error) {
	aead, err := sm4GCM(key)
	if err != nil {
		return sealed{}, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return sealed{}, err
	}
	return sealed{Nonce: nonce, Ciphertext: aead.Seal(nil, nonce, plain, ad)}, nil
}

// errOpen is a failed decryption: a wrong PIN or master key, or tampering.
var errOpen = errors.New("signing: the key cannot be decrypted")

func (s sealed) open(key, ad []byte) ([]byte, error) {
	aead, err := sm4GCM(key)
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, s.Nonce, s.Ciphertext, ad)
	if err != nil {
		return nil, errOpen
	}
	return plain, nil
}

func sm4GCM(key []byte) (cipher.AEAD, error) {
	b, err := sm4.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("signing: SM4 key: %w", err)
	}
	return cipher.NewGCM(b)
}

// pinKey derives the SM4 key that wraps a holder's private key from the
// holder's signing PIN: argon2id, so a stolen database does not give keys
// away to a PIN search at hash speed.
func pinKey(pin string, salt []byte) []byte {
	return argon2.IDKey([]byte(pin), salt, 2, 19*1024, 1, 16)
}

// sealedPrefix marks a platform key encrypted by MasterCipher.
const sealedPrefix = "sm4gcm1:"

// MasterCipher encrypts the platform's own private keys (the audit
// checkpoint key) with SM4-GCM under the master key; each key is bound to
// its name. It implements audit.KeyCipher.
type MasterCipher struct{ key []byte }

// NewMasterCipher returns the cipher of a 16-byte master key.
func NewMasterCipher(key []byte) (*MasterCipher, error) {
	if len(key) != 16 {
		return nil, errors.New("signing: the master key must be 16 bytes (SM4-128)")
	}
	return &MasterCipher{key: key}, nil
}

// Seal encrypts plain, the private key called name.
func (m *MasterCipher) Seal(name string, plain []byte) ([]byte, error) {
	s, err := seal(m.key, plain, []byte("platform-key:"+name))
	if err != nil {
		return nil, err
	}
	return append(append([]byte(sealedPrefix), s.Nonce...), s.Ciphertext...), nil
}

// Open decrypts what Seal returned for name.
func (m *MasterCipher) Open(name string, b []byte) ([]byte, error) {
	if !m.Sealed(b) || len(b) < len(sealedPrefix)+12 {
		return nil, errOpen
	}
	b = b[len(sealedPrefix):]
	return sealed{Nonce: b[:12], Ciphertext: b[12:]}.open(m.key, []byte("platform-key:"+name))
}

// Sealed reports whether b is a sealed key.
func (m *MasterCipher) Sealed(b []byte) bool {
	return len(b) >= len(sealedPrefix) && string(b[:len(sealedPrefix)]) == sealedPrefix
}

// Signature formats, as FHIR Signature.sigFormat names them (a MIME type;
// no registered type names a bare ASN.1 DER signature, so these are the
// platform's own): SM2 with SM3 and the default user ID 1234567812345678,
// or ECDSA P-256 with SHA-256, over the signed bytes as they are.
const (
	SigFormatSM2  = "application/x-yitong-sm2-sm3-der"
	SigFormatP256 = "application/x-yitong-ecdsa-p256-sha256-der"
)

// SigFormat returns the signature format of signatures by the holder of
// certDER (its public key's algorithm), or "" for a key of neither.
func SigFormat(certDER []byte) string {
	cert, err := smx509.ParseCertificate(certDER)
	if err != nil {
		return ""
	}
	k, ok := cert.PublicKey.(*ecdsa.PublicKey)
	switch {
	case !ok:
		return ""
	case k.Curve == sm2.P256():
		return SigFormatSM2
	case k.Curve == elliptic.P256():
		return SigFormatP256
	}
	return ""
}
