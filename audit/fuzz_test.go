package audit_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/store/storetest"
)

// FuzzVerifyExport feeds arbitrary exports (seeded with a real one) to the
// offline verifier: it must never panic, and must accept nothing it cannot
// prove (a changed export is either rejected or proves the same tree).
func FuzzVerifyExport(f *testing.F) {
	ctx := context.Background()
	st := storetest.OpenSQLite(f, nil)
	l, err := audit.Open(ctx, audit.Config{Store: st})
	if err != nil {
		f.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		l.Record(audit.Entry{Action: "read", Agent: audit.SystemAgent, Patients: []string{"p"}})
	}
	if _, err := l.Checkpoint(ctx); err != nil {
		f.Fatal(err)
	}
	var exp bytes.Buffer
	if _, err := audit.Export(ctx, st, &exp, 0); err != nil {
		f.Fatal(err)
	}
	good := exp.Bytes()
	f.Add(good)
	f.Add([]byte(`{"type":"start","begin":0}`))
	key := l.PublicKey().PublicKeyDER
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := audit.VerifyExport(bytes.NewReader(b), key, nil)
		if err == nil && rep.Checkpoints > 0 && !bytes.Equal(b, good) {
			// Accepted and proven: it must prove the real tree (same
			// signed checkpoint), which only whitespace changes allow.
			if rep.Latest != 5 {
				t.Fatalf("a changed export proved a tree of size %d", rep.Latest)
			}
		}
	})
}
