package signing

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
	"github.com/emmansun/gmsm/smx509"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

var ctx = context.Background()

// Known answers (RULES.md M3, verified with OpenSSL).
func TestKnownAnswers(t *testing.T) {
	sum := sm3.Sum([]byte("abc"))
	if got := hex.EncodeToString(sum[:]); got != "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0" {
		t.Errorf("SM3(abc) = %s", got)
	}
	key, _ := hex.DecodeString("0123456789abcdeffedcba9876543210")
	b, err := sm4.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, 16)
	b.Encrypt(out, key)
	if got := hex.EncodeToString(out); got != "681edf34d206965e86b3e94f536e4246" {
		t.Errorf("SM4-ECB = %s", got)
	}
}

func open(t *testing.T, st store.Store, alg string, master []byte) *Service {
	t.Helper()
	s, err := Open(ctx, Options{Store: st, MasterKey: master, Algorithm: alg})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var master = []byte("0123456789abcdef")

func doctor(id string) identity.Account {
	return identity.Account{ID: id, Username: "dr-" + id, Role: identity.RoleDoctor, Practitioner: "pr-" + id, Organization: "org1"}
}

func TestSignAndVerify(t *testing.T) {
	for _, alg := range []string{AlgSM2, AlgP256} {
		t.Run(alg, func(t *testing.T) {
			st := storetest.OpenSQLite(t, nil)
			s := open(t, st, alg, master)
			a := doctor("a1")
			if _, err := s.Issue(ctx, identity.Account{ID: "n", Role: identity.RoleNurse, Practitioner: "p"}, "123456"); !errors.Is(err, ErrNotAllowed) {
				t.Errorf("nurse certificate: %v", err)
			}
			if _, err := s.Issue(ctx, a, "123"); !errors.Is(err, ErrWeakPIN) {
				t.Errorf("short PIN: %v", err)
			}
			cert, err := s.Issue(ctx, a, "246810")
			if err != nil {
				t.Fatal(err)
			}
			if cert.Subject.CommonName != "dr-a1" || cert.Subject.SerialNumber != "Practitioner/pr-a1" {
				t.Errorf("subject %v", cert.Subject)
			}
			payload := []byte(`{"resourceType":"MedicationRequest","id":"rx1"}`)
			sig, err := s.Sign(ctx, a, "246810", payload, "MedicationRequest/rx1")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Verify(ctx, payload, sig, time.Now()); err != nil {
				t.Fatalf("verify: %v", err)
			}
			// Any change to the payload or the signature fails.
			for i := 0; i < len(payload); i += 7 {
				p := bytes.Clone(payload)
				p[i] ^= 1
				if _, err := s.Verify(ctx, p, sig, time.Now()); !errors.Is(err, ErrInvalid) {
					t.Fatalf("changed byte %d verifies: %v", i, err)
				}
			}
			bad := sig
			bad.Value = bytes.Clone(sig.Value)
			bad.Value[len(bad.Value)-1] ^= 1
			if _, err := s.Verify(ctx, payload, bad, time.Now()); err == nil {
				t.Error("changed signature verifies")
			}
			// A certificate from another CA is refused.
			other := open(t, storetest.OpenSQLite(t, nil), alg, master)
			if _, err := other.Verify(ctx, payload, sig, time.Now()); !errors.Is(err, ErrInvalid) {
				t.Errorf("another CA's certificate: %v", err)
			}
			// Wrong PINs lock signing; the lock ends.
			for i := range MaxPINFailures {
				if _, err := s.Sign(ctx, a, "000000", payload, "x"); !errors.Is(err, ErrBadPIN) {
					t.Fatalf("wrong PIN %d: %v", i, err)
				}
			}
			if _, err := s.Sign(ctx, a, "246810", payload, "x"); !errors.Is(err, ErrLocked) {
				t.Errorf("right PIN while locked: %v", err)
			}
			// Revocation: signing and verifying stop; the CRL lists it.
			if err := s.Revoke(ctx, a.ID, "left the institution"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Verify(ctx, payload, sig, time.Now()); !errors.Is(err, ErrRevoked) {
				t.Errorf("revoked certificate verifies: %v", err)
			}
			crlDER, err := s.CRL(ctx)
			if err != nil {
				t.Fatal(err)
			}
			crl, err := smx509.ParseRevocationList(crlDER)
			if err != nil {
				t.Fatal(err)
			}
			if err := crl.CheckSignatureFrom(s.ca.Load().cert); err != nil {
				t.Errorf("CRL signature: %v", err)
			}
			if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(cert.SerialNumber) != 0 {
				t.Errorf("CRL lists %v", crl.RevokedCertificateEntries)
			}
			// A new certificate works again; the old one stays revoked.
			if _, err := s.Issue(ctx, a, "135790"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Sign(ctx, a, "135790", payload, "x"); err != nil {
				t.Errorf("sign with the new certificate: %v", err)
			}
		})
	}
}

func TestMasterKey(t *testing.T) {
	st := storetest.OpenSQLite(t, nil)
	open(t, st, AlgSM2, master)
	if _, err := Open(ctx, Options{Store: st, MasterKey: []byte("fedcba9876543210")}); err == nil {
		t.Error("the CA opened with another master key")
	}
	if _, err := Open(ctx, Options{Store: st, MasterKey: []byte("short")}); err == nil {
		t.Error("a short master key was accepted")
	}
	// Reopening with the right key gives the same CA.
	s1 := open(t, st, AlgSM2, master)
	s2 := open(t, st, AlgP256, master)
	if !bytes.Equal(s1.CACertificate(), s2.CACertificate()) || s2.Algorithm() != AlgSM2 {
		t.Error("the CA changed on reopening")
	}
}

// TestOpenSSLVerifies checks a signature with OpenSSL, independent of the
// project's code (QUALITY.md item 8): openssl pkeyutl -verify -rawin
// -digest sm3 -pkeyopt distid:1234567812345678.
func TestOpenSSLVerifies(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal("openssl is needed for this test (Debian's openssl package)")
	}
	st := storetest.OpenSQLite(t, nil)
	s := open(t, st, AlgSM2, master)
	a := doctor("o1")
	cert, err := s.Issue(ctx, a, "112233")
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte(`{"resourceType":"MedicationRequest","id":"rx-openssl","status":"active"}`)
	sig, err := s.Sign(ctx, a, "112233", payload, "MedicationRequest/rx-openssl")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pub, err := smx509.MarshalPKIXPublicKey(cert.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"pub.pem":  pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}),
		"payload":  payload,
		"sig":      sig.Value,
		"cert.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sig.CertDER}),
		"ca.pem":   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.CACertificate()}),
		"tampered": append(bytes.Clone(payload), ' '),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(openssl, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	verify := []string{"pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678", "-pubin", "-inkey", "pub.pem", "-sigfile", "sig", "-in"}
	if out, err := run(append(verify, "payload")...); err != nil {
		t.Fatalf("openssl does not verify the signature: %v\n%s", err, out)
	}
	if out, err := run(append(verify, "tampered")...); err == nil {
		t.Errorf("openssl verifies a changed payload:\n%s", out)
	}
	// OpenSSL also accepts the certificate as the CA's.
	if out, err := run("verify", "-vfyopt", "distid:1234567812345678", "-CAfile", "ca.pem", "cert.pem"); err != nil {
		t.Errorf("openssl verify of the certificate chain: %v\n%s", err, out)
	}
}

// appended records the entries appended through it (an audit.Appender).
type appended struct {
	entries  []audit.Entry
	notified int
}

func (a *appended) Append(_ context.Context, _ store.Tx, e audit.Entry) error {
	a.entries = append(a.entries, e)
	return nil
}

func (a *appended) Notify() { a.notified++ }

func TestRotateMasterKey(t *testing.T) {
	st := storetest.OpenSQLite(t, nil)
	s := open(t, st, AlgSM2, master)
	cur, err := NewMasterCipher(master)
	if err != nil {
		t.Fatal(err)
	}
	idt, err := identity.OpenIDTokenSigner(ctx, st, cur)
	if err != nil {
		t.Fatal(err)
	}
	next := []byte("fedcba9876543210")
	log := &appended{}
	if err := RotateMasterKey(ctx, st, log, []byte("wrong-key-123456"), next); err == nil {
		t.Error("rotation with a wrong current key succeeded")
	}
	if len(log.entries) != 0 {
		t.Errorf("a failed rotation was audited: %v", log.entries)
	}
	if err := RotateMasterKey(ctx, st, log, master, next); err != nil {
		t.Fatal(err)
	}
	if len(log.entries) != 1 || log.entries[0].Action != audit.ActionKeyRotate || log.notified != 1 {
		t.Errorf("the rotation's audit entries: %+v (notified %d)", log.entries, log.notified)
	}
	if _, err := Open(ctx, Options{Store: st, MasterKey: master}); err == nil {
		t.Error("the old master key still opens the CA")
	}
	s2 := open(t, st, AlgSM2, next)
	if !bytes.Equal(s.CACertificate(), s2.CACertificate()) {
		t.Error("rotation changed the CA")
	}
	// The id token key is resealed too: only the new key opens it, and it
	// is the same key.
	if _, err := identity.OpenIDTokenSigner(ctx, st, cur); err == nil {
		t.Error("the old master key still opens the id token key")
	}
	nxt, err := NewMasterCipher(next)
	if err != nil {
		t.Fatal(err)
	}
	idt2, err := identity.OpenIDTokenSigner(ctx, st, nxt)
	if err != nil {
		t.Fatal(err)
	}
	if idt2.KeyID() != idt.KeyID() {
		t.Error("rotation changed the id token key")
	}
}

// TestRotateCA rotates the CA while a holder keeps a certificate of the
// old one: the holder's signatures still verify (also in another process
// that loaded the old CA), until the certificate is revoked; new
// certificates come from the new CA, which OpenSSL accepts as their
// issuer, and the rotation is audited.
func TestRotateCA(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal("openssl is needed for this test (Debian's openssl package)")
	}
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t, nil)
			l, err := audit.Open(ctx, audit.Config{Store: st})
			if err != nil {
				t.Fatal(err)
			}
			s, err := Open(ctx, Options{Store: st, Audit: l, MasterKey: master})
			if err != nil {
				t.Fatal(err)
			}
			s2 := open(t, st, AlgSM2, master) // another node, started before the rotation
			oldCA := s.CACertificate()
			a := doctor("r1")
			if _, err := s.Issue(ctx, a, "112233"); err != nil {
				t.Fatal(err)
			}
			payload := []byte(`{"resourceType":"MedicationRequest","id":"rx-rot"}`)
			sig, err := s.Sign(ctx, a, "112233", payload, "MedicationRequest/rx-rot")
			if err != nil {
				t.Fatal(err)
			}
			retiring := s.ca.Load() // the test keeps the key the rotation deletes
			newCA, err := s.RotateCA(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(newCA.Raw, oldCA) || !bytes.Equal(s.CACertificate(), newCA.Raw) {
				t.Fatal("the CA in force did not change")
			}
			// The holder keeps the old CA's certificate and signs with it.
			sig2, err := s.Sign(ctx, a, "112233", payload, "MedicationRequest/rx-rot")
			if err != nil || !bytes.Equal(sig2.CertDER, sig.CertDER) {
				t.Fatalf("sign after the rotation: %v", err)
			}
			for _, svc := range []*Service{s, s2} {
				if _, err := svc.Verify(ctx, payload, sig, time.Now()); err != nil {
					t.Fatalf("a signature by the old CA's certificate: %v", err)
				}
			}
			// The other node issues from the new CA.
			bDoc := doctor("r2")
			certB, err := s2.Issue(ctx, bDoc, "445566")
			if err != nil {
				t.Fatal(err)
			}
			if err := certB.CheckSignatureFrom(newCA); err != nil {
				t.Fatalf("a new certificate not issued by the new CA: %v", err)
			}
			if !bytes.Equal(s2.CACertificate(), newCA.Raw) {
				t.Error("the other node still serves the old CA")
			}
			sigB, err := s2.Sign(ctx, bDoc, "445566", payload, "MedicationRequest/rx-rot")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Verify(ctx, payload, sigB, time.Now()); err != nil {
				t.Fatalf("a signature by the new CA's certificate: %v", err)
			}
			dir := t.TempDir()
			for name, der := range map[string][]byte{"new-ca.pem": newCA.Raw, "old-ca.pem": oldCA, "cert.pem": certB.Raw} {
				typ := "CERTIFICATE"
				if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			run := func(ca string) (string, error) {
				cmd := exec.Command(openssl, "verify", "-vfyopt", "distid:1234567812345678", "-CAfile", ca, "cert.pem")
				cmd.Dir = dir
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			if out, err := run("new-ca.pem"); err != nil {
				t.Errorf("openssl verify against the new CA: %v\n%s", err, out)
			}
			if out, err := run("old-ca.pem"); err == nil {
				t.Errorf("openssl accepts the new certificate from the old CA:\n%s", out)
			}
			// A certificate the retired key issues after its retirement
			// (a stolen key) is refused.
			forgedKey, err := newKey(AlgSM2)
			if err != nil {
				t.Fatal(err)
			}
			tmpl := &smx509.Certificate{SerialNumber: randomSerial(), Subject: certB.Subject,
				NotBefore: time.Now().Add(retiredSkew + time.Minute), NotAfter: time.Now().Add(time.Hour), KeyUsage: smx509.KeyUsageDigitalSignature}
			forgedDER, err := smx509.CreateCertificate(rand.Reader, tmpl, retiring.cert, forgedKey.Public(), retiring.key)
			if err != nil {
				t.Fatal(err)
			}
			forgedSig, err := signWith(forgedKey, payload)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Verify(ctx, payload, Signature{Value: forgedSig, CertDER: forgedDER}, time.Now().Add(retiredSkew+2*time.Minute)); !errors.Is(err, ErrInvalid) {
				t.Errorf("a certificate issued by the retired CA after its retirement: %v", err)
			}
			// The retired CA is kept without its key, with a last CRL.
			retired, err := s.RetiredCAs(ctx)
			if err != nil || len(retired) != 1 || !bytes.Equal(retired[0].Certificate.Raw, oldCA) {
				t.Fatalf("retired CAs %+v, %v", retired, err)
			}
			crl, err := smx509.ParseRevocationList(retired[0].FinalCRL)
			if err != nil {
				t.Fatal(err)
			}
			if err := crl.CheckSignatureFrom(retired[0].Certificate); err != nil || crl.NextUpdate.Before(time.Now().Add(365*24*time.Hour)) {
				t.Errorf("final CRL of the old CA: next update %s, %v", crl.NextUpdate, err)
			}
			// Revoking the old CA's certificate is honoured, and the
			// current CRL lists it.
			if err := s.Revoke(ctx, a.ID, "key lost"); err != nil {
				t.Fatal(err)
			}
			if _, err := s2.Verify(ctx, payload, sig, time.Now()); !errors.Is(err, ErrRevoked) {
				t.Errorf("a revoked certificate of the old CA verifies: %v", err)
			}
			der, err := s.CRL(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if crl, err := smx509.ParseRevocationList(der); err != nil || crl.CheckSignatureFrom(newCA) != nil || len(crl.RevokedCertificateEntries) != 1 {
				t.Errorf("current CRL: %v", err)
			}
			// The rotation is audited, and nothing opens the old CA's key.
			if err := l.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if err := st.View(ctx, func(tx store.Tx) error {
				es, err := tx.Audit().Find(ctx, store.AuditQuery{Action: audit.ActionKeyRotate, Count: 5})
				if err != nil || len(es) != 1 || !bytes.Contains(es[0].Body, []byte(serialText(newCA.SerialNumber))) {
					return fmt.Errorf("rotation entries %d, %v", len(es), err)
				}
				recs, err := tx.Records().List(ctx, kindRetired, "", 10)
				if err != nil || len(recs) != 1 || bytes.Contains(recs[0].Value, []byte(`"key"`)) {
					return fmt.Errorf("retired record %v, %v", recs, err)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
