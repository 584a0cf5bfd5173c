package audit_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

// TestOpenSSLVerifies checks a checkpoint's SM2 signature and an entry's
// SM3 leaf hash with OpenSSL 3, an implementation independent of the
// project's (QUALITY.md item 8). OpenSSL is part of Debian's base system;
// the test fails, not skips, without it.
func TestOpenSSLVerifies(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl is needed to check signatures independently: apt-get install openssl")
	}
	ctx := context.Background()
	st := storetest.OpenSQLite(t, nil)
	l, err := audit.Open(ctx, audit.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, ctx, st, l, 5, 2, "ossl")
	c, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pub := write("pub.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: l.PublicKey().PublicKeyDER}))
	sig := write("sig.der", c.Signature)
	verify := func(note string) ([]byte, error) {
		return exec.Command("openssl", "dgst", "-sm3", "-verify", pub, "-signature", sig,
			"-sigopt", "distid:1234567812345678", note).CombinedOutput()
	}
	out, err := verify(write("note.txt", c.Note))
	if err != nil || !bytes.Contains(out, []byte("Verified OK")) {
		t.Fatalf("openssl does not verify the checkpoint: %v\n%s", err, out)
	}
	bad := append([]byte(nil), c.Note...)
	bad[len(bad)/2] ^= 1
	if out, err := verify(write("bad.txt", bad)); err == nil || bytes.Contains(out, []byte("Verified OK")) {
		t.Fatalf("openssl verifies a changed checkpoint:\n%s", out)
	}

	// The leaf hash: SM3(0x00 || entry).
	var rec store.AuditRecord
	err = st.View(ctx, func(tx store.Tx) error {
		recs, err := tx.Audit().Leaves(ctx, 3, 1)
		if err == nil {
			rec = recs[0]
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	leaf := write("leaf.bin", append([]byte{0}, rec.Body...))
	out, err = exec.Command("openssl", "dgst", "-sm3", "-binary", leaf).Output()
	if err != nil {
		t.Fatalf("openssl dgst: %v", err)
	}
	if !bytes.Equal(out, rec.LeafHash) {
		t.Fatalf("openssl's SM3 leaf hash %x differs from the log's %x", out, rec.LeafHash)
	}
	p, err := l.InclusionProof(ctx, 3, c.Size)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.LeafHash, out) {
		t.Fatal("the proof's leaf hash differs from openssl's")
	}
}
