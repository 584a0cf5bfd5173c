// Package signing is the platform's certificate authority and signing
// service. It issues personal signing certificates (SM2 with SM3 by
// default, NIST P-256 with SHA-256 configurable) to doctors and
// pharmacists, keeps their private keys server-side encrypted with SM4
// under a key derived from the holder's signing PIN, signs only after the
// holder gives the PIN again, verifies signatures against the CA and the
// revocation list, and publishes that list. The CA's own key is encrypted
// with SM4 under the platform master key. Every issue, signature and
// revocation is audited in the same transaction.
package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/store"
)

// Auditor appends entries in a transaction; *audit.Log implements it.
type Auditor interface {
	Append(ctx context.Context, tx store.Tx, e audit.Entry) error
	Notify()
}

// Options configure the service.
type Options struct {
	Store store.Store
	Audit Auditor
	// MasterKey (16 bytes) encrypts the CA's private key with SM4.
	MasterKey []byte
	// Algorithm of a new CA and of the certificates it issues ("sm2" by
	// default); an existing CA keeps its own.
	Algorithm string
	// CertValidity is how long a personal certificate is valid (2 years
	// by default).
	CertValidity time.Duration
}

// Service is the signing service.
type Service struct {
	opts Options
	// ca is the CA in force; it changes when the CA is rotated (RotateCA,
	// or another process's rotation found by syncCA).
	ca atomic.Pointer[authority]
}

// authority is a loaded CA: its algorithm, certificate and key.
type authority struct {
	alg  string
	cert *smx509.Certificate
	key  crypto.Signer
}

// Refusals.
var (
	ErrBadPIN     = errors.New("signing: the signing PIN is not correct")
	ErrLocked     = errors.New("signing: too many wrong PINs; signing is locked for a while")
	ErrNoCert     = errors.New("signing: the holder has no certificate")
	ErrRevoked    = errors.New("signing: the certificate is revoked")
	ErrNotAllowed = errors.New("signing: only registered doctors and pharmacists hold signing certificates")
	ErrWeakPIN    = errors.New("signing: the PIN needs 6 to 32 characters")
	ErrInvalid    = errors.New("signing: the signature does not verify")
)

// PIN throttling: after MaxPINFailures wrong PINs in a row the key is
// locked for PINLock.
const (
	MaxPINFailures = 5
	PINLock        = 15 * time.Minute
)

const (
	kindCA      = "signing-ca"
	kindRetired = "signing-ca-retired"
	kindHolder  = "signing-cert"
	kindRevoked = "signing-revoked"
)

type caRecord struct {
	Algorithm string `json:"algorithm"`
	CertDER   []byte `json:"cert"`
	Key       sealed `json:"key"`
}

type holder struct {
	Serial      string    `json:"serial"`
	CertDER     []byte    `json:"cert"`
	Key         sealed    `json:"key"`
	Failures    int       `json:"failures,omitempty"`
	LockedUntil time.Time `json:"lockedUntil,omitempty"`
}

type revocation struct {
	Account string    `json:"account"`
	At      time.Time `json:"at"`
	Reason  string    `json:"reason"`
}

// Open loads the CA, creating it (key and self-signed certificate) on
// first use.
func Open(ctx context.Context, opts Options) (*Service, error) {
	if len(opts.MasterKey) != 16 {
		return nil, errors.New("signing: the master key must be 16 bytes (SM4-128)")
	}
	if opts.Algorithm == "" {
		opts.Algorithm = AlgSM2
	}
	if opts.CertValidity == 0 {
		opts.CertValidity = 2 * 365 * 24 * time.Hour
	}
	s := &Service{opts: opts}
	err := opts.Store.Update(ctx, func(tx store.Tx) error {
		var ca caRecord
		rec, err := tx.Records().Get(ctx, kindCA, "ca")
		if fhir.CodeOf(err) == fhir.IssueNotFound {
			if ca, err = s.newCA(tx.Now()); err != nil {
				return err
			}
			b, err := json.Marshal(ca)
			if err != nil {
				return err
			}
			if err := tx.Records().Insert(ctx, store.Record{Kind: kindCA, Key: "ca", Value: b}); err != nil {
				return err
			}
			return s.load(ca)
		} else if err != nil {
			return err
		}
		if err := json.Unmarshal(rec.Value, &ca); err != nil {
			return fmt.Errorf("signing: stored CA: %w", err)
		}
		return s.load(ca)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Service) newCA(now time.Time) (caRecord, error) {
	key, err := newKey(s.opts.Algorithm)
	if err != nil {
		return caRecord{}, err
	}
	tmpl := &smx509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "Yitong Platform CA", Organization: []string{"Yitong"}, Country: []string{"CN"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(20 * 365 * 24 * time.Hour),
		KeyUsage:              smx509.KeyUsageCertSign | smx509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return caRecord{}, fmt.Errorf("signing: CA certificate: %w", err)
	}
	pk, err := smx509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return caRecord{}, err
	}
	sk, err := seal(s.opts.MasterKey, pk, []byte(kindCA))
	if err != nil {
		return caRecord{}, err
	}
	return caRecord{Algorithm: s.opts.Algorithm, CertDER: der, Key: sk}, nil
}

func (s *Service) load(ca caRecord) error {
	cert, err := smx509.ParseCertificate(ca.CertDER)
	if err != nil {
		return fmt.Errorf("signing: CA certificate: %w", err)
	}
	pk, err := ca.Key.open(s.opts.MasterKey, []byte(kindCA))
	if err != nil {
		return fmt.Errorf("signing: the CA key does not open with this master key: %w", err)
	}
	key, err := smx509.ParsePKCS8PrivateKey(pk)
	if err != nil {
		return err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return fmt.Errorf("signing: CA key %T cannot sign", key)
	}
	s.ca.Store(&authority{alg: ca.Algorithm, cert: cert, key: signer})
	return nil
}

func randomSerial() *big.Int {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	b[0] &= 0x7f
	return new(big.Int).SetBytes(b)
}

// CACertificate returns the certificate (DER) of the CA in force, as of
// this process's last issue or revocation list (a rotation by another
// process is seen then).
func (s *Service) CACertificate() []byte { return s.ca.Load().cert.Raw }

// Algorithm is the CA's algorithm.
func (s *Service) Algorithm() string { return s.ca.Load().alg }

// act runs fn in a write transaction; a refusal from fn (one of the
// package's errors) still commits, so a wrong PIN's count and the audit
// entry are kept.
func (s *Service) act(ctx context.Context, fn func(tx store.Tx) (*audit.Entry, error)) error {
	var a audit.Appender
	if s.opts.Audit != nil {
		a = s.opts.Audit
	}
	return audit.Act(ctx, s.opts.Store, a, isRefusal, fn)
}

func isRefusal(err error) bool {
	for _, r := range []error{ErrBadPIN, ErrLocked, ErrNoCert, ErrRevoked, ErrNotAllowed, ErrWeakPIN} {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

func agent(a identity.Account) audit.Agent {
	return audit.Agent{Kind: "user", ID: a.ID, Role: string(a.Role), Org: a.Organization}
}

// Issue issues a (new) personal signing certificate to a doctor or
// pharmacist, whose private key is kept encrypted under pin. A previous
// certificate of the holder is revoked ("superseded").
func (s *Service) Issue(ctx context.Context, a identity.Account, pin string) (*smx509.Certificate, error) {
	if a.Role != identity.RoleDoctor && a.Role != identity.RolePharmacist || a.Practitioner == "" {
		return nil, ErrNotAllowed
	}
	if n := len([]rune(pin)); n < 6 || n > 32 {
		return nil, ErrWeakPIN
	}
	key, err := newKey(s.ca.Load().alg)
	if err != nil {
		return nil, err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	pk, err := smx509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	sk, err := seal(pinKey(pin, salt), pk, []byte(kindHolder+":"+a.ID))
	if err != nil {
		return nil, err
	}
	sk.Salt = salt
	var cert *smx509.Certificate
	err = s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		ca, err := s.syncCA(ctx, tx)
		if err != nil {
			return nil, err
		}
		now := tx.Now()
		tmpl := &smx509.Certificate{
			SerialNumber: randomSerial(),
			Subject: pkix.Name{CommonName: a.Username, SerialNumber: "Practitioner/" + a.Practitioner,
				Organization: []string{a.Organization}, OrganizationalUnit: []string{string(a.Role)}, Country: []string{"CN"}},
			NotBefore: now.Add(-time.Minute),
			NotAfter:  now.Add(s.opts.CertValidity),
			KeyUsage:  smx509.KeyUsageDigitalSignature | smx509.KeyUsageContentCommitment,
		}
		der, err := smx509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
		if err != nil {
			return nil, fmt.Errorf("signing: certificate: %w", err)
		}
		if cert, err = smx509.ParseCertificate(der); err != nil {
			return nil, err
		}
		var old holder
		if err := getJSON(ctx, tx, kindHolder, a.ID, &old); err == nil {
			if err := putJSON(ctx, tx, kindRevoked, old.Serial, revocation{Account: a.ID, At: now, Reason: "superseded"}); err != nil {
				return nil, err
			}
		} else if fhir.CodeOf(err) != fhir.IssueNotFound {
			return nil, err
		}
		h := holder{Serial: serialText(cert.SerialNumber), CertDER: der, Key: sk}
		if err := putJSON(ctx, tx, kindHolder, a.ID, &h); err != nil {
			return nil, err
		}
		return &audit.Entry{Action: "certificate-issue", Agent: agent(a), Detail: "serial " + h.Serial}, nil
	})
	if err != nil {
		return nil, err
	}
	return cert, nil
}

func serialText(n *big.Int) string { return strings.ToUpper(n.Text(16)) }

// Certificate returns the holder's current certificate.
func (s *Service) Certificate(ctx context.Context, accountID string) (*smx509.Certificate, bool, error) {
	var h holder
	var revoked bool
	err := s.opts.Store.View(ctx, func(tx store.Tx) error {
		if err := getJSON(ctx, tx, kindHolder, accountID, &h); err != nil {
			return err
		}
		_, err := tx.Records().Get(ctx, kindRevoked, h.Serial)
		revoked = err == nil
		if fhir.CodeOf(err) == fhir.IssueNotFound {
			err = nil
		}
		return err
	})
	if fhir.CodeOf(err) == fhir.IssueNotFound {
		return nil, false, ErrNoCert
	}
	if err != nil {
		return nil, false, err
	}
	cert, err := smx509.ParseCertificate(h.CertDER)
	return cert, revoked, err
}

// Signature is a signature and the certificate that verifies it.
type Signature struct {
	Value   []byte // ASN.1 DER
	CertDER []byte
	Serial  string
}

// Sign signs payload with the holder's key after checking the PIN, in a
// transaction of its own with its audit entry (action sign). what says
// what is signed (for the audit entry: "MedicationRequest/123"). A
// refusal (IsRefusal) still commits: a wrong PIN counts.
func (s *Service) Sign(ctx context.Context, a identity.Account, pin string, payload []byte, what string) (Signature, error) {
	var out Signature
	err := s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		var e *audit.Entry
		var err error
		out, e, err = s.sign(ctx, tx, a, pin, what, func() ([]byte, error) { return payload, nil })
		return e, err
	})
	return out, err
}

// SignTx is Sign inside the caller's write transaction tx, for a signed
// write that must commit with what it signs: the PIN check, the failure
// count and lock, the signature and its audit entry (action sign) are
// all in tx. payload is called once the PIN has opened the key, and
// returns the bytes to sign: the caller may write there what it signs,
// and get back the stored bytes; an error from it is returned as is.
//
// A refusal (IsRefusal: wrong PIN, locked, no or revoked certificate)
// has already written what must be kept (the failure count, the audit
// entry of the refused attempt) and payload was not called: the caller
// must commit tx without writing anything more of the act, and then
// report the refusal. Any other error means tx must roll back. The
// caller calls Notify after tx commits.
func (s *Service) SignTx(ctx context.Context, tx store.Tx, a identity.Account, pin, what string, payload func() ([]byte, error)) (Signature, error) {
	sig, e, err := s.sign(ctx, tx, a, pin, what, payload)
	if err != nil && !IsRefusal(err) {
		return Signature{}, err
	}
	if e != nil && s.opts.Audit != nil {
		if aerr := s.opts.Audit.Append(ctx, tx, *e); aerr != nil {
			return Signature{}, aerr
		}
	}
	return sig, err
}

// Notify tells the audit log that entries appended by SignTx committed.
func (s *Service) Notify() {
	if s.opts.Audit != nil {
		s.opts.Audit.Notify()
	}
}

// IsRefusal reports whether err is one of the package's refusals, after
// which the transaction still commits (a wrong PIN's count, the audit
// entry of the attempt).
func IsRefusal(err error) bool { return isRefusal(err) }

// sign is the one PIN check and signature of Sign and SignTx: it returns
// the signature and the audit entry to append (nil when there is none: no
// certificate), or a refusal.
func (s *Service) sign(ctx context.Context, tx store.Tx, a identity.Account, pin, what string, payload func() ([]byte, error)) (Signature, *audit.Entry, error) {
	now := tx.Now()
	var h holder
	if err := getJSON(ctx, tx, kindHolder, a.ID, &h); fhir.CodeOf(err) == fhir.IssueNotFound {
		return Signature{}, nil, ErrNoCert
	} else if err != nil {
		return Signature{}, nil, err
	}
	e := &audit.Entry{Action: "sign", Agent: agent(a), Outcome: audit.OutcomeDenied, Detail: what}
	if _, err := tx.Records().Get(ctx, kindRevoked, h.Serial); err == nil {
		return Signature{}, e, ErrRevoked
	} else if fhir.CodeOf(err) != fhir.IssueNotFound {
		return Signature{}, nil, err
	}
	if now.Before(h.LockedUntil) {
		return Signature{}, e, ErrLocked
	}
	pk, err := h.Key.open(pinKey(pin, h.Key.Salt), []byte(kindHolder+":"+a.ID))
	if errors.Is(err, errOpen) {
		h.Failures++
		if h.Failures >= MaxPINFailures {
			h.Failures, h.LockedUntil = 0, now.Add(PINLock)
		}
		if err := putJSON(ctx, tx, kindHolder, a.ID, &h); err != nil {
			return Signature{}, nil, err
		}
		return Signature{}, e, ErrBadPIN
	} else if err != nil {
		return Signature{}, nil, err
	}
	key, err := smx509.ParsePKCS8PrivateKey(pk)
	if err != nil {
		return Signature{}, nil, err
	}
	msg, err := payload()
	if err != nil {
		return Signature{}, nil, err
	}
	sig, err := signWith(key.(crypto.Signer), msg)
	if err != nil {
		return Signature{}, nil, err
	}
	if h.Failures != 0 {
		h.Failures = 0
		if err := putJSON(ctx, tx, kindHolder, a.ID, &h); err != nil {
			return Signature{}, nil, err
		}
	}
	e.Outcome, e.Detail = audit.OutcomeSuccess, what+" with certificate "+h.Serial
	return Signature{Value: sig, CertDER: h.CertDER, Serial: h.Serial}, e, nil
}

// retiredSkew is how much later than its CA's retirement a certificate's
// validity may begin: the retirement time is the rotating node's clock
// when its transaction began, and an issue on another node can commit
// just before the rotation with a slightly later clock.
const retiredSkew = 5 * time.Minute

// Verify checks that sig is a signature of payload by a certificate the
// CA issued, valid at the signing time at, and not revoked now. The
// issuer may be the CA in force or a retired one (RotateCA); a retired
// CA's certificate must not be valid from later than its retirement
// (give or take retiredSkew). Revocations are honoured whichever CA
// issued the certificate.
func (s *Service) Verify(ctx context.Context, payload []byte, sig Signature, at time.Time) (*smx509.Certificate, error) {
	cert, err := smx509.ParseCertificate(sig.CertDER)
	if err != nil {
		return nil, fmt.Errorf("%w: the certificate cannot be read", ErrInvalid)
	}
	if at.Before(cert.NotBefore) || at.After(cert.NotAfter) {
		return nil, fmt.Errorf("%w: the certificate was not valid at the signing time", ErrInvalid)
	}
	err = s.opts.Store.View(ctx, func(tx store.Tx) error {
		var ca caRecord
		if err := getJSON(ctx, tx, kindCA, "ca", &ca); err != nil {
			return err
		}
		issued := false
		if c, err := smx509.ParseCertificate(ca.CertDER); err != nil {
			return fmt.Errorf("signing: CA certificate: %w", err)
		} else if cert.CheckSignatureFrom(c) == nil {
			issued = true
		}
		if !issued {
			retired, err := retiredCAs(ctx, tx)
			if err != nil {
				return err
			}
			for _, r := range retired {
				if cert.CheckSignatureFrom(r.Certificate) == nil {
					if cert.NotBefore.After(r.Retired.Add(retiredSkew)) {
						return fmt.Errorf("%w: the certificate's validity begins after its CA was retired", ErrInvalid)
					}
					issued = true
					break
				}
			}
		}
		if !issued {
			return fmt.Errorf("%w: the certificate is not the platform CA's", ErrInvalid)
		}
		_, err := tx.Records().Get(ctx, kindRevoked, serialText(cert.SerialNumber))
		if err == nil {
			return ErrRevoked
		}
		if fhir.CodeOf(err) == fhir.IssueNotFound {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if !verifyWith(cert.PublicKey, payload, sig.Value) {
		return nil, ErrInvalid
	}
	return cert, nil
}

// RetiredCA is a CA that RotateCA replaced: its certificate, when it was
// retired, and the last revocation list it signed then (DER). Its private
// key is not kept.
type RetiredCA struct {
	Certificate *smx509.Certificate
	Retired     time.Time
	FinalCRL    []byte
}

type retiredRecord struct {
	Algorithm string    `json:"algorithm"`
	CertDER   []byte    `json:"cert"`
	Retired   time.Time `json:"retired"`
	FinalCRL  []byte    `json:"finalCrl"`
}

// retiredCAs returns the retired CAs, oldest first.
func retiredCAs(ctx context.Context, tx store.Tx) ([]RetiredCA, error) {
	var out []RetiredCA
	for after := ""; ; {
		recs, err := tx.Records().List(ctx, kindRetired, after, 100)
		if err != nil || len(recs) == 0 {
			return out, err
		}
		for _, r := range recs {
			var rr retiredRecord
			if err := json.Unmarshal(r.Value, &rr); err != nil {
				return nil, fmt.Errorf("signing: retired CA %s: %w", r.Key, err)
			}
			c, err := smx509.ParseCertificate(rr.CertDER)
			if err != nil {
				return nil, fmt.Errorf("signing: retired CA %s: %w", r.Key, err)
			}
			out = append(out, RetiredCA{Certificate: c, Retired: rr.Retired, FinalCRL: rr.FinalCRL})
		}
		after = recs[len(recs)-1].Key
	}
}

// RetiredCAs returns the CAs RotateCA replaced, oldest first.
func (s *Service) RetiredCAs(ctx context.Context) ([]RetiredCA, error) {
	var out []RetiredCA
	err := s.opts.Store.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = retiredCAs(ctx, tx)
		return err
	})
	return out, err
}

// syncCA returns the CA in force in tx: the loaded one unless another
// process rotated it since, in which case the stored CA is loaded.
func (s *Service) syncCA(ctx context.Context, tx store.Tx) (*authority, error) {
	var ca caRecord
	if err := getJSON(ctx, tx, kindCA, "ca", &ca); err != nil {
		return nil, err
	}
	if cur := s.ca.Load(); bytes.Equal(cur.cert.Raw, ca.CertDER) {
		return cur, nil
	}
	if err := s.load(ca); err != nil {
		return nil, err
	}
	return s.ca.Load(), nil
}

// RotateCA replaces the CA by a new key pair (of the configured
// Algorithm) and self-signed certificate, which issues every certificate
// from now on, in one audited transaction (ActionKeyRotate). The retired
// CA signs a last revocation list, valid until every certificate it can
// have issued has expired, and is kept (certificate, retirement time and
// that list) so that Verify still accepts signatures by the certificates
// it issued; its private key is deleted. Holders keep their certificates.
func (s *Service) RotateCA(ctx context.Context) (*smx509.Certificate, error) {
	var cert *smx509.Certificate
	err := s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		old, err := s.syncCA(ctx, tx)
		if err != nil {
			return nil, err
		}
		now := tx.Now()
		crl, err := s.crlTx(ctx, tx, old, now.Add(s.opts.CertValidity))
		if err != nil {
			return nil, err
		}
		oldSerial := serialText(old.cert.SerialNumber)
		if err := putJSON(ctx, tx, kindRetired, fmt.Sprintf("%020d-%s", now.UnixMicro(), oldSerial),
			retiredRecord{Algorithm: old.alg, CertDER: old.cert.Raw, Retired: now, FinalCRL: crl}); err != nil {
			return nil, err
		}
		rec, err := s.newCA(now)
		if err != nil {
			return nil, err
		}
		if err := putJSON(ctx, tx, kindCA, "ca", &rec); err != nil {
			return nil, err
		}
		if cert, err = smx509.ParseCertificate(rec.CertDER); err != nil {
			return nil, err
		}
		return &audit.Entry{Action: audit.ActionKeyRotate, Detail: fmt.Sprintf("signing CA %s retired; CA %s (%s) in force", oldSerial, serialText(cert.SerialNumber), rec.Algorithm)}, nil
	})
	if err != nil {
		// The transaction may have loaded nothing new; the store says
		// which CA is in force.
		if lerr := s.reload(ctx); lerr != nil {
			return nil, errors.Join(err, lerr)
		}
		return nil, err
	}
	if err := s.reload(ctx); err != nil {
		return nil, err
	}
	return cert, nil
}

// reload loads the stored CA.
func (s *Service) reload(ctx context.Context) error {
	return s.opts.Store.View(ctx, func(tx store.Tx) error {
		_, err := s.syncCA(ctx, tx)
		return err
	})
}

// Revoke revokes the holder's certificate (a practitioner leaves, a
// registration lapses, a key is suspected lost).
func (s *Service) Revoke(ctx context.Context, accountID, reason string) error {
	return s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		var h holder
		if err := getJSON(ctx, tx, kindHolder, accountID, &h); fhir.CodeOf(err) == fhir.IssueNotFound {
			return nil, ErrNoCert
		} else if err != nil {
			return nil, err
		}
		if err := putJSON(ctx, tx, kindRevoked, h.Serial, revocation{Account: accountID, At: tx.Now(), Reason: reason}); err != nil {
			return nil, err
		}
		return &audit.Entry{Action: "certificate-revoke", Detail: "serial " + h.Serial + ", account " + accountID}, nil
	})
}

// CRL returns the current certificate revocation list, signed by the CA
// in force (DER), valid for a day. It lists every revoked certificate,
// also those of retired CAs (RotateCA): serial numbers are random 127-bit
// numbers, unique across the platform's CAs.
func (s *Service) CRL(ctx context.Context) ([]byte, error) {
	var out []byte
	err := s.opts.Store.View(ctx, func(tx store.Tx) error {
		ca, err := s.syncCA(ctx, tx)
		if err != nil {
			return err
		}
		out, err = s.crlTx(ctx, tx, ca, tx.Now().Add(24*time.Hour))
		return err
	})
	return out, err
}

// crlTx signs with ca the revocation list of every revocation in tx,
// valid until next.
func (s *Service) crlTx(ctx context.Context, tx store.Tx, ca *authority, next time.Time) ([]byte, error) {
	var entries []smx509.RevocationListEntry
	now := tx.Now()
	after := ""
	for {
		recs, err := tx.Records().List(ctx, kindRevoked, after, 500)
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			var rv revocation
			if err := json.Unmarshal(r.Value, &rv); err != nil {
				return nil, err
			}
			n, ok := new(big.Int).SetString(r.Key, 16)
			if !ok {
				return nil, fmt.Errorf("signing: bad serial %q", r.Key)
			}
			entries = append(entries, smx509.RevocationListEntry{SerialNumber: n, RevocationTime: rv.At})
		}
		after = recs[len(recs)-1].Key
	}
	tmpl := &smx509.RevocationList{Number: big.NewInt(now.UnixMicro()), ThisUpdate: now, NextUpdate: next,
		RevokedCertificateEntries: entries}
	return smx509.CreateRevocationList(rand.Reader, tmpl, ca.cert, ca.key)
}

func getJSON(ctx context.Context, tx store.Tx, kind, key string, v any) error {
	rec, err := tx.Records().Get(ctx, kind, key)
	if err != nil {
		return err
	}
	return json.Unmarshal(rec.Value, v)
}

func putJSON(ctx context.Context, tx store.Tx, kind, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Records().Put(ctx, store.Record{Kind: kind, Key: key, Value: b})
}

// RotateMasterKey re-encrypts under next, in one transaction, every key
// the master key protects: the CA's private key, the audit checkpoint key
// and the OpenID Connect id token key. After it commits only next opens
// them. Keys retired by a rotation (RotateCA, audit.Log.RotateKey,
// identity.IDTokenSigner.RotateKey) keep no private half: there is
// nothing of them to re-encrypt. The rotation appends a key-rotate entry
// through a (nil: none) in the same transaction.
func RotateMasterKey(ctx context.Context, st store.Store, a audit.Appender, current, next []byte) error {
	cur, err := NewMasterCipher(current)
	if err != nil {
		return err
	}
	nxt, err := NewMasterCipher(next)
	if err != nil {
		return err
	}
	return audit.Act(ctx, st, a, func(error) bool { return false }, func(tx store.Tx) (*audit.Entry, error) {
		for _, name := range []string{audit.KeyName, identity.IDTokenKeyName} {
			if err := reseal(ctx, tx, name, cur, nxt); err != nil {
				return nil, err
			}
		}
		var ca caRecord
		if err := getJSON(ctx, tx, kindCA, "ca", &ca); err != nil {
			return nil, err
		}
		pk, err := ca.Key.open(current, []byte(kindCA))
		if err != nil {
			return nil, fmt.Errorf("signing: the CA key does not open with the current master key: %w", err)
		}
		if ca.Key, err = seal(next, pk, []byte(kindCA)); err != nil {
			return nil, err
		}
		if err := putJSON(ctx, tx, kindCA, "ca", &ca); err != nil {
			return nil, err
		}
		return &audit.Entry{Action: audit.ActionKeyRotate, Detail: "master key: the CA, audit checkpoint and id token keys re-encrypted"}, nil
	})
}

// reseal re-encrypts the platform key called name from cur to next (a key
// still in the clear is encrypted); a missing key is left alone.
func reseal(ctx context.Context, tx store.Tx, name string, cur, next *MasterCipher) error {
	k, err := tx.Audit().Key(ctx, name)
	if fhir.CodeOf(err) == fhir.IssueNotFound {
		return nil
	} else if err != nil {
		return err
	}
	plain := k.PrivateKey
	if cur.Sealed(plain) {
		if plain, err = cur.Open(name, plain); err != nil {
			return fmt.Errorf("signing: platform key %s does not open with the current master key: %w", name, err)
		}
	}
	sealed, err := next.Seal(name, plain)
	if err != nil {
		return err
	}
	return tx.Audit().SealKey(ctx, name, sealed)
}

// Opens reports whether master opens the keys it protects in st (true
// when there are none yet). It tells which key a rotation interrupted
// between writing the new key and renaming it left in force.
func Opens(ctx context.Context, st store.Store, master []byte) (bool, error) {
	mc, err := NewMasterCipher(master)
	if err != nil {
		return false, err
	}
	ok := true
	err = st.View(ctx, func(tx store.Tx) error {
		var ca caRecord
		switch err := getJSON(ctx, tx, kindCA, "ca", &ca); {
		case err == nil:
			_, oerr := ca.Key.open(master, []byte(kindCA))
			ok = oerr == nil
			return nil
		case fhir.CodeOf(err) != fhir.IssueNotFound:
			return err
		}
		k, err := tx.Audit().Key(ctx, audit.KeyName)
		if fhir.CodeOf(err) == fhir.IssueNotFound {
			return nil
		} else if err != nil {
			return err
		}
		if mc.Sealed(k.PrivateKey) {
			_, oerr := mc.Open(audit.KeyName, k.PrivateKey)
			ok = oerr == nil
		}
		return nil
	})
	return ok, err
}
