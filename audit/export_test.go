package audit_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/store/storetest"
)

func TestExportVerifiesOffline(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t, nil)
	l, err := audit.Open(ctx, audit.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	var cps []audit.Checkpoint
	for round, n := range []int{4, 11, 7} {
		fill(t, ctx, st, l, n, 1, string(rune('a'+round)))
		c, err := l.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cps = append(cps, c)
	}
	fill(t, ctx, st, l, 3, 0, "tail") // entries after the last checkpoint
	pub := l.PublicKey().PublicKeyDER

	var full bytes.Buffer
	sum, err := audit.Export(ctx, st, &full, 0)
	if err != nil {
		t.Fatal(err)
	}
	if sum.End != cps[2].Size+3 || sum.Checkpoints != 3 {
		t.Fatalf("export summary %+v", sum)
	}
	rep, err := audit.VerifyExport(bytes.NewReader(full.Bytes()), pub, &cps[1])
	if err != nil {
		t.Fatal(err)
	}
	if rep.Size != sum.End || rep.Checkpoints != 3 || rep.Unproven != 3 {
		t.Errorf("report %+v", rep)
	}

	// Continuing from the first checkpoint.
	var inc bytes.Buffer
	if _, err := audit.Export(ctx, st, &inc, cps[0].Size); err != nil {
		t.Fatal(err)
	}
	if rep, err := audit.VerifyExport(bytes.NewReader(inc.Bytes()), pub, &cps[2]); err != nil || rep.Checkpoints != 2 || rep.Begin != cps[0].Size {
		t.Fatalf("incremental export: %+v, %v", rep, err)
	}

	// Any changed byte inside an entry or checkpoint fails (or, for bytes
	// of JSON syntax, no longer reads as an export).
	b := full.Bytes()
	lines := bytes.SplitAfter(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
	// The last three entries come after the last checkpoint: nothing
	// proves them yet (rep.Unproven), so changes there are left out.
	proven := len(b)
	for _, ln := range lines[len(lines)-3:] {
		proven -= len(ln)
	}
	changed := 0
	for pos := len(lines[0]); pos < proven-1; pos += 3 {
		c := append([]byte(nil), b...)
		if c[pos] == '\n' {
			continue
		}
		c[pos] ^= 0x01
		if _, err := audit.VerifyExport(bytes.NewReader(c), pub, nil); err == nil {
			t.Fatalf("a change at byte %d of the export verified: %q", pos, c[max(0, pos-20):pos+20])
		} else {
			var ve *audit.VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("not a VerifyError: %v", err)
			}
		}
		changed++
	}
	t.Logf("%d changed exports, all rejected", changed)

	// Another key is refused.
	st2 := storetest.OpenSQLite(t, nil)
	l2, err := audit.Open(ctx, audit.Config{Store: st2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.VerifyExport(bytes.NewReader(b), l2.PublicKey().PublicKeyDER, nil); err == nil {
		t.Error("an export verified with another key")
	}
}
