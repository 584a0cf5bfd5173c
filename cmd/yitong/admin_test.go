package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/store/sqlite"
)

func TestAdminCommands(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	t.Setenv("YITONG_MASTER_KEY", "")
	cmd := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append(args, "--data", data), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	out, err := cmd("admin", "bootstrap", "--org-name", "示范市卫健委")
	if err != nil || strings.Count(out, "temporary_password: ") != 3 || !strings.Contains(out, "username: admin-security") {
		t.Fatalf("bootstrap: %v\n%s", err, out)
	}
	if out, err := cmd("admin", "bootstrap", "--org-name", "again"); err == nil {
		t.Errorf("a second bootstrap succeeded:\n%s", out)
	}
	if out, err := cmd("admin", "account", "create", "--username", "dr.li", "--role", "doctor"); err == nil {
		t.Errorf("a doctor without a practitioner:\n%s", out)
	}
	if out, err := cmd("admin", "account", "create", "--username", "x", "--role", "resident"); err == nil {
		t.Errorf("a malformed user name:\n%s", out)
	}
	if out, err := cmd("admin", "client", "create", "--name", "HIS", "--scope", "system/*.rs", "--secret", "--jwks", "x.json"); err == nil {
		t.Errorf("--secret with --jwks:\n%s", out)
	}
	out, err = cmd("admin", "client", "create", "--name", "HIS", "--scope", "system/*.rs", "--secret")
	if err != nil || !strings.Contains(out, "client_id: ") || !strings.Contains(out, "client_secret: ytc_") {
		t.Fatalf("client create: %v\n%s", err, out)
	}
	if out, err := cmd("admin", "client", "create", "--name", "App", "--scope", "patient/*.rs", "--redirect-uri", "https://app.example/cb", "--launch-url", "https://app.example/launch"); err == nil {
		t.Errorf("--launch-url without the launch scope:\n%s", out)
	}
	out, err = cmd("admin", "client", "create", "--name", "App", "--scope", "launch openid fhirUser patient/*.rs", "--redirect-uri", "https://app.example/cb", "--launch-url", "https://app.example/launch")
	if err != nil || !strings.Contains(out, "client_id: ") {
		t.Fatalf("client create with --launch-url: %v\n%s", err, out)
	}
	// Rotating the master key twice (openCA also opens the id token key,
	// which must follow the rotation): each time the CA opens with the new
	// key only, and the CA stays the same.
	openCA := func() []byte {
		t.Helper()
		p, closeAll := openSigningPlatform(t, data)
		defer closeAll()
		return p.sign.CACertificate()
	}
	ca := openCA()
	for range 2 {
		before, _ := os.ReadFile(filepath.Join(data, "master.key"))
		if out, err := cmd("admin", "rotate-master-key"); err != nil || !strings.Contains(out, "master key rotated") {
			t.Fatalf("rotate: %v\n%s", err, out)
		}
		after, _ := os.ReadFile(filepath.Join(data, "master.key"))
		if bytes.Equal(before, after) {
			t.Error("the master key file did not change")
		}
		if !bytes.Equal(openCA(), ca) {
			t.Error("the CA changed")
		}
	}
	// A rotation that stopped after the database changed: the next key is
	// found and the rename finished.
	cur, _ := os.ReadFile(filepath.Join(data, "master.key"))
	if err := os.WriteFile(filepath.Join(data, nextKeyFile), cur, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "master.key"), []byte("00112233445566778899aabbccddeeff\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(openCA(), ca) {
		t.Error("the CA changed after recovery")
	}
	if _, err := os.Stat(filepath.Join(data, nextKeyFile)); !os.IsNotExist(err) {
		t.Errorf("the next key file is still there: %v", err)
	}
}

// TestRotateKeyCommands rotates the audit checkpoint key, the signing CA
// and the id token key from the command line: each is audited, the log
// verifies with the key before the rotation (alone, and in the bundle
// 'audit key --all' prints), and a master key rotation afterwards still
// opens every key.
func TestRotateKeyCommands(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	t.Setenv("YITONG_MASTER_KEY", "")
	cmd := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, args, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	if out, err := cmd("admin", "bootstrap", "--org-name", "示范市卫健委", "--data", data); err != nil {
		t.Fatalf("bootstrap: %v\n%s", err, out)
	}
	first, err := cmd("audit", "key", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	firstFile := filepath.Join(data, "first.pem")
	if err := os.WriteFile(firstFile, []byte(first), 0o600); err != nil {
		t.Fatal(err)
	}
	openSigning := func() *platform {
		t.Helper()
		p, closeAll := openSigningPlatform(t, data)
		t.Cleanup(closeAll)
		return p
	}
	before := openSigning()
	oldCA, oldKid := before.sign.CACertificate(), before.idt.KeyID()

	for _, c := range []struct{ key, want string }{
		{"audit", "audit checkpoint key rotated: "},
		{"ca", "signing CA rotated: serial "},
		{"oidc", "id token key rotated: "},
		{"audit", "audit checkpoint key rotated: "},
	} {
		if out, err := cmd("admin", "rotate-key", c.key, "--data", data); err != nil || !strings.HasPrefix(out, c.want) {
			t.Fatalf("rotate-key %s: %v\n%s", c.key, err, out)
		}
	}
	if out, err := cmd("admin", "rotate-key", "tls", "--data", data); err == nil {
		t.Errorf("rotate-key of an unknown key:\n%s", out)
	}
	bundle, err := cmd("audit", "key", "--all", "--data", data)
	if err != nil || strings.Count(bundle, "BEGIN PUBLIC KEY") != 3 || !strings.Contains(bundle, "Retired: ") {
		t.Fatalf("key --all: %v\n%s", err, bundle)
	}
	bundleFile := filepath.Join(data, "bundle.pem")
	if err := os.WriteFile(bundleFile, []byte(bundle), 0o600); err != nil {
		t.Fatal(err)
	}
	export := filepath.Join(data, "export.ndjson")
	if out, err := cmd("audit", "export", "--data", data, "--out", export); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	for _, k := range []string{firstFile, bundleFile} {
		if out, err := cmd("audit", "verify", "--data", data, "--public-key", k); err != nil || !strings.HasPrefix(out, "OK: ") || !strings.Contains(out, "(3 in the chain)") {
			t.Fatalf("verify with %s: %v\n%s", k, err, out)
		}
		if out, err := cmd("audit", "verify", "--export", export, "--public-key", k); err != nil || !strings.HasPrefix(out, "OK: ") {
			t.Fatalf("verify --export with %s: %v\n%s", k, err, out)
		}
	}
	if out, err := cmd("admin", "rotate-master-key", "--data", data); err != nil {
		t.Fatalf("rotate-master-key: %v\n%s", err, out)
	}
	after := openSigning()
	if bytes.Equal(after.sign.CACertificate(), oldCA) || after.idt.KeyID() == oldKid {
		t.Error("the CA or the id token key did not change")
	}
	if retired, err := after.sign.RetiredCAs(ctx); err != nil || len(retired) != 1 || !bytes.Equal(retired[0].Certificate.Raw, oldCA) {
		t.Errorf("retired CAs %v, %v", retired, err)
	}
	if out, err := cmd("audit", "verify", "--data", data); err != nil || !strings.HasPrefix(out, "OK: ") {
		t.Fatalf("verify after everything: %v\n%s", err, out)
	}
}

// openSigningPlatform opens the platform and its signing service on the
// SQLite database in data; the function returned closes both.
func openSigningPlatform(t *testing.T, data string) (*platform, func()) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(data, "yitong.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := openPlatform(ctx, st, nil, data)
	if err != nil {
		t.Fatal(err)
	}
	closeAll := func() {
		p.Close()
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	}
	if err := p.openSigning(ctx, st, data); err != nil {
		closeAll()
		t.Fatalf("open signing: %v", err)
	}
	return p, closeAll
}
