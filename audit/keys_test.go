package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

// TestKeyRotation rotates the checkpoint key twice and checks that every
// checkpoint verifies with the key that signed it, that the retired
// private keys are gone, that another process switches to the new key at
// its next checkpoint, and that exports verify offline with any one key of
// the chain.
func TestKeyRotation(t *testing.T) {
	ctx := context.Background()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t, nil)
			l, err := audit.Open(ctx, audit.Config{Store: st})
			if err != nil {
				t.Fatal(err)
			}
			other, err := audit.Open(ctx, audit.Config{Store: st}) // another node of the platform
			if err != nil {
				t.Fatal(err)
			}
			first := l.PublicKey()
			fill(t, ctx, st, l, 5, 1, "a")
			if _, err := l.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			fill(t, ctx, st, l, 3, 0, "b") // not yet checkpointed: the rotation signs them with the old key
			rot, err := l.RotateKey(ctx)
			if err != nil {
				t.Fatal(err)
			}
			second := l.PublicKey()
			if second.KeyID == first.KeyID || !strings.Contains(rot.Statement, "old "+first.KeyID) || !strings.Contains(rot.Statement, "new "+second.KeyID) {
				t.Fatalf("rotation %q from %s to %s", rot.Statement, first.KeyID, second.KeyID)
			}
			// The last old-key checkpoint, then the rotation entry, then the
			// first new-key checkpoint.
			var cps []store.AuditCheckpoint
			if err := st.View(ctx, func(tx store.Tx) error {
				var err error
				cps, err = tx.Audit().Checkpoints(ctx, 0, 100)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			n := len(cps)
			if n < 3 || cps[n-2].KeyID != first.KeyID || cps[n-1].KeyID != second.KeyID || cps[n-1].Size != cps[n-2].Size+1 {
				t.Fatalf("checkpoints around the rotation: %+v", cps)
			}
			var es []store.AuditRecord
			if err := st.View(ctx, func(tx store.Tx) error {
				var err error
				es, err = tx.Audit().Find(ctx, store.AuditQuery{Action: audit.ActionKeyRotate, Count: 10})
				return err
			}); err != nil || len(es) != 1 || !bytes.Contains(es[0].Body, []byte(second.KeyID)) {
				t.Fatalf("rotation entry: %+v, %v", es, err)
			}

			// The other process signs its next checkpoint with the new key.
			fill(t, ctx, st, other, 2, 1, "c")
			cp, err := other.Checkpoint(ctx)
			if err != nil || cp.KeyID != second.KeyID || other.PublicKey().KeyID != second.KeyID {
				t.Fatalf("other process's checkpoint %+v, %v", cp, err)
			}
			if _, err := other.RotateKey(ctx); err != nil {
				t.Fatal(err)
			}
			third := other.PublicKey()
			// Reading the latest checkpoint (what $audit-checkpoint answers
			// with PublicKey) follows the rotation too.
			if cp, err := l.Latest(ctx); err != nil || cp.KeyID != third.KeyID || l.PublicKey().KeyID != third.KeyID {
				t.Fatalf("latest checkpoint %+v with public key %s: %v", cp, l.PublicKey().KeyID, err)
			}
			fill(t, ctx, st, l, 4, 1, "d")
			if cp, err := l.Checkpoint(ctx); err != nil || cp.KeyID != third.KeyID {
				t.Fatalf("checkpoint after the second rotation: %+v, %v", cp, err)
			}

			// Only the key in force keeps a private half.
			if err := st.View(ctx, func(tx store.Tx) error {
				k, err := tx.Audit().Key(ctx, audit.KeyName)
				if err != nil || !bytes.Equal(k.PublicKey, third.PublicKeyDER) {
					return fmt.Errorf("stored key %x, %v", k.PublicKey, err)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			ks, err := audit.LoadKeySet(ctx, st)
			if err != nil {
				t.Fatal(err)
			}
			keys := ks.Keys()
			if len(keys) != 3 || keys[0].KeyID != first.KeyID || keys[1].KeyID != second.KeyID || !keys[2].Current() || keys[0].Last+1 != keys[1].First {
				t.Fatalf("key set %+v", keys)
			}

			for name, opts := range map[string]audit.VerifyOptions{
				"stored key":  {},
				"first key":   {PublicKey: first.PublicKeyDER},
				"middle key":  {PublicKey: second.PublicKeyDER},
				"key bundle":  {PublicKeys: [][]byte{first.PublicKeyDER, third.PublicKeyDER}},
				"current key": {PublicKey: third.PublicKeyDER},
			} {
				rep, err := audit.Verify(ctx, st, opts)
				if err != nil || rep.Keys != 3 || rep.KeyID != third.KeyID {
					t.Fatalf("verify with %s: %+v, %v", name, rep, err)
				}
			}
			stranger, err := audit.Open(ctx, audit.Config{Store: storetest.OpenSQLite(t, nil)})
			if err != nil {
				t.Fatal(err)
			}
			var ve *audit.VerifyError
			if _, err := audit.Verify(ctx, st, audit.VerifyOptions{PublicKey: stranger.PublicKey().PublicKeyDER}); !errors.As(err, &ve) {
				t.Fatalf("verified with a key outside the chain: %v", err)
			}

			var exp bytes.Buffer
			if _, err := audit.Export(ctx, st, &exp, 0); err != nil {
				t.Fatal(err)
			}
			for _, k := range [][]byte{first.PublicKeyDER, second.PublicKeyDER, third.PublicKeyDER} {
				rep, err := audit.VerifyExport(bytes.NewReader(exp.Bytes()), k, nil)
				if err != nil || rep.Keys != 3 || rep.Unproven != 0 {
					t.Fatalf("export: %+v, %v", rep, err)
				}
			}
			if _, err := audit.VerifyExport(bytes.NewReader(exp.Bytes()), stranger.PublicKey().PublicKeyDER, nil); !errors.As(err, &ve) {
				t.Fatalf("export verified with a key outside the chain: %v", err)
			}
			// An export whose history leaves out the first rotation
			// no longer names the key of the oldest checkpoints.
			lines := bytes.SplitN(exp.Bytes(), []byte("\n"), 2)
			var start map[string]json.RawMessage
			if err := json.Unmarshal(lines[0], &start); err != nil {
				t.Fatal(err)
			}
			var rots []json.RawMessage
			if err := json.Unmarshal(start["rotations"], &rots); err != nil || len(rots) != 2 {
				t.Fatalf("rotations in the export: %s, %v", start["rotations"], err)
			}
			start["rotations"], _ = json.Marshal(rots[1:])
			cut, _ := json.Marshal(start)
			cut = append(append(cut, '\n'), lines[1]...)
			if _, err := audit.VerifyExport(bytes.NewReader(cut), second.PublicKeyDER, nil); !errors.As(err, &ve) {
				t.Fatalf("export without its first rotation verified: %v", err)
			}
		})
	}
}

// TestKeyRotationOfEmptyLog rotates the key of a log without entries: the
// rotation entry is the first, signed by the new key alone.
func TestKeyRotationOfEmptyLog(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t, nil)
	l, err := audit.Open(ctx, audit.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Checkpoint(ctx); fhir.CodeOf(err) != fhir.IssueNotFound {
		t.Fatalf("checkpoint of an empty log: %v", err)
	}
	rot, err := l.RotateKey(ctx)
	if err != nil || !strings.HasSuffix(rot.Statement, "\nlast 0\n") {
		t.Fatalf("%q, %v", rot.Statement, err)
	}
	if rep, err := audit.Verify(ctx, st, audit.VerifyOptions{}); err != nil || rep.Checkpoints != 1 || rep.Keys != 2 {
		t.Fatalf("%+v, %v", rep, err)
	}
}
