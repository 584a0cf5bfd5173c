package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store/sqlite"
)

// TestAuditCommands runs the audit commands on a data folder the platform
// wrote to: checkpoint with a witness, export, key, and both verifiers.
func TestAuditCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "yitong.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := openPlatform(ctx, st, nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := fhir.Decode([]byte(`{"resourceType":"Patient","active":true}`), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.svc.Create(ctx, res, ""); err != nil {
		t.Fatal(err)
	}
	p.Close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	cmd := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, args, &out, &errOut)
		return out.String(), err
	}
	w, e, k := filepath.Join(dir, "witness.json"), filepath.Join(dir, "export.ndjson"), filepath.Join(dir, "key.pem")
	if _, err := cmd("audit", "checkpoint", "--data", dir, "--out", w); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd("audit", "export", "--data", dir, "--out", e); err != nil {
		t.Fatal(err)
	}
	pem, err := cmd("audit", "key", "--data", dir)
	if err != nil || !strings.Contains(pem, "BEGIN PUBLIC KEY") {
		t.Fatalf("key: %v %q", err, pem)
	}
	if err := os.WriteFile(k, []byte(pem), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := cmd("audit", "verify", "--data", dir, "--witness", w, "--public-key", k)
	if err != nil || !strings.HasPrefix(out, "OK: 1 entries") {
		t.Fatalf("verify: %v %q", err, out)
	}
	out, err = cmd("audit", "verify", "--export", e, "--public-key", k, "--witness", w)
	if err != nil || !strings.HasPrefix(out, "OK: entries 0-1") {
		t.Fatalf("verify --export: %v %q", err, out)
	}
	// A changed export fails with exit status 1 and says why.
	b, err := os.ReadFile(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e, bytes.Replace(b, []byte(`"create"`), []byte(`"delete"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = cmd("audit", "verify", "--export", e, "--public-key", k)
	if err == nil || !strings.HasPrefix(out, "FAILED:") {
		t.Fatalf("a changed export: %v %q", err, out)
	}
	// Bad use is an error, not an empty database that verifies.
	if _, err := cmd("audit", "verify", "--data", filepath.Join(dir, "missing")); err == nil {
		t.Error("verify of a missing database succeeded")
	}
	if _, err := cmd("audit", "verify", "--export", e); err == nil {
		t.Error("verify --export without a trusted key succeeded")
	}
}
