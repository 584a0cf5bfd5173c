package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/yitong-health/yitong/store"
)

func writeString(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }

// testPlatform opens the platform (service and audit log) over st for a
// test; the audit writer stops when the test ends, before st closes.
func testPlatform(t testing.TB, st store.Store) *platform {
	t.Helper()
	data := t.TempDir()
	p, err := openPlatform(context.Background(), st, slog.New(slog.NewTextHandler(io.Discard, nil)), data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	if err := p.openSigning(context.Background(), st, data); err != nil {
		t.Fatal(err)
	}
	return p
}
