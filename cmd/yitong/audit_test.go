package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// TestAuditPruneCommand prunes a log whose entries are older than the
// retention period: verify then proves them by their leaf hashes, and an
// export begins after them.
func TestAuditPruneCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	past := time.Now().AddDate(-1, 0, 0)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "yitong.db"), func() time.Time { past = past.Add(time.Millisecond); return past })
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
	for range 3 {
		if _, err := p.svc.Create(ctx, res, ""); err != nil {
			t.Fatal(err)
		}
	}
	p.Close() // signs a last checkpoint, a year ago
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, args, &out, &errOut)
		return out.String(), errOut.String(), err
	}
	out, _, err := cmd("audit", "prune", "--data", dir)
	if err != nil || !strings.HasPrefix(out, "pruned 3 entries; entries before position 3 are pruned (retention 6 months") {
		t.Fatalf("prune: %v %q", err, out)
	}
	out, _, err = cmd("audit", "verify", "--data", dir)
	if err != nil || !strings.HasPrefix(out, "OK: 4 entries (3 pruned") {
		t.Fatalf("verify after pruning: %v %q", err, out)
	}
	if out, _, err = cmd("audit", "prune", "--data", dir); err != nil || !strings.HasPrefix(out, "pruned 0 entries") {
		t.Errorf("second prune: %v %q", err, out)
	}
	e := filepath.Join(dir, "export.ndjson")
	if _, errOut, err := cmd("audit", "export", "--data", dir, "--out", e); err != nil || !strings.Contains(errOut, "exported entries 3-4") {
		t.Errorf("export after pruning: %v %q", err, errOut)
	}
	if _, _, err := cmd("audit", "export", "--data", dir, "--from", "1", "--out", e); err == nil || !strings.Contains(err.Error(), "pruned") {
		t.Errorf("export from a pruned position: %v", err)
	}
}
