package audit_test

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver: the tamperer's own connection

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/store/sqlite"
)

// tamperer changes an audit log's rows behind the store's back, the way
// someone with access to the database file would, and undoes each change.
type tamperer struct {
	t   *testing.T
	db  *sql.DB
	rng *rand.Rand
}

func (tm *tamperer) exec(q string, args ...any) {
	tm.t.Helper()
	if _, err := tm.db.Exec(q, args...); err != nil {
		tm.t.Fatalf("%s: %v", q, err)
	}
}

func (tm *tamperer) ints(q string) []int64 {
	tm.t.Helper()
	rows, err := tm.db.Query(q)
	if err != nil {
		tm.t.Fatal(err)
	}
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			tm.t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		tm.t.Fatal(err)
	}
	return out
}

func (tm *tamperer) pick(q string) int64 {
	vs := tm.ints(q)
	if len(vs) == 0 {
		tm.t.Fatalf("nothing to pick: %s", q)
	}
	return vs[tm.rng.IntN(len(vs))]
}

func (tm *tamperer) blob(q string, args ...any) []byte {
	tm.t.Helper()
	var b []byte
	if err := tm.db.QueryRow(q, args...).Scan(&b); err != nil {
		tm.t.Fatalf("%s: %v", q, err)
	}
	return b
}

// flip returns b with one byte changed.
func (tm *tamperer) flip(b []byte) []byte {
	c := append([]byte(nil), b...)
	c[tm.rng.IntN(len(c))] ^= byte(1 + tm.rng.IntN(255))
	return c
}

// saveRows copies rows matching where out of table into a scratch table
// and returns the undo that puts them back.
func (tm *tamperer) deleteRows(table, where string) func() {
	tm.exec(`DROP TABLE IF EXISTS scratch`)
	tm.exec(`CREATE TABLE scratch AS SELECT * FROM ` + table + ` WHERE ` + where)
	tm.exec(`DELETE FROM ` + table + ` WHERE ` + where)
	return func() {
		tm.exec(`INSERT INTO ` + table + ` SELECT * FROM scratch`)
		tm.exec(`DROP TABLE scratch`)
	}
}

// mutation applies one change and returns its name and its undo.
func (tm *tamperer) mutation() (string, func()) {
	switch tm.rng.IntN(23) {
	case 0:
		seq := tm.pick(`SELECT seq FROM audit_entries WHERE length(body) > 0`)
		old := tm.blob(`SELECT body FROM audit_entries WHERE seq = ?`, seq)
		tm.exec(`UPDATE audit_entries SET body = ? WHERE seq = ?`, tm.flip(old), seq)
		return "flip a byte of an entry", func() { tm.exec(`UPDATE audit_entries SET body = ? WHERE seq = ?`, old, seq) }
	case 1:
		seq := tm.pick(`SELECT seq FROM audit_entries`)
		old := tm.blob(`SELECT leaf_hash FROM audit_entries WHERE seq = ?`, seq)
		tm.exec(`UPDATE audit_entries SET leaf_hash = ? WHERE seq = ?`, tm.flip(old), seq)
		return "flip a byte of a leaf hash", func() { tm.exec(`UPDATE audit_entries SET leaf_hash = ? WHERE seq = ?`, old, seq) }
	case 2:
		seq := tm.pick(`SELECT seq FROM audit_entries`)
		d := int64(1 + tm.rng.IntN(1000000))
		tm.exec(`UPDATE audit_entries SET recorded = recorded + ? WHERE seq = ?`, d, seq)
		return "change an entry's time", func() { tm.exec(`UPDATE audit_entries SET recorded = recorded - ? WHERE seq = ?`, d, seq) }
	case 3:
		rowid := tm.pick(`SELECT level * 1000000 + idx FROM audit_nodes`)
		level, idx := rowid/1000000, rowid%1000000
		old := tm.blob(`SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?`, level, idx)
		tm.exec(`UPDATE audit_nodes SET hash = ? WHERE level = ? AND idx = ?`, tm.flip(old), level, idx)
		return "flip a byte of a node hash", func() { tm.exec(`UPDATE audit_nodes SET hash = ? WHERE level = ? AND idx = ?`, old, level, idx) }
	case 4:
		rowid := tm.pick(`SELECT level * 1000000 + idx FROM audit_nodes`)
		return "delete a node", tm.deleteRows("audit_nodes", fmt.Sprintf("level = %d AND idx = %d", rowid/1000000, rowid%1000000))
	case 5:
		seq := tm.pick(`SELECT seq FROM audit_entries`)
		return "delete an entry", tm.deleteRows("audit_entries", fmt.Sprintf("seq = %d", seq))
	case 6:
		a := tm.pick(`SELECT tree_index FROM audit_entries`)
		b := tm.pick(fmt.Sprintf(`SELECT tree_index FROM audit_entries WHERE tree_index <> %d`, a))
		swap := func() {
			tm.exec(`UPDATE audit_entries SET tree_index = -1 WHERE tree_index = ?`, a)
			tm.exec(`UPDATE audit_entries SET tree_index = ? WHERE tree_index = ?`, a, b)
			tm.exec(`UPDATE audit_entries SET tree_index = ? WHERE tree_index = -1`, b)
		}
		swap()
		return "swap two entries", swap
	case 7:
		k := tm.pick(`SELECT tree_index FROM audit_entries`)
		return "truncate the entries", tm.deleteRows("audit_entries", fmt.Sprintf("tree_index >= %d", k))
	case 8:
		seq := tm.pick(`SELECT seq FROM audit_entries`)
		old := tm.ints(fmt.Sprintf(`SELECT tree_index FROM audit_entries WHERE seq = %d`, seq))[0]
		tm.exec(`UPDATE audit_entries SET tree_index = tree_index + 100000 WHERE seq = ?`, seq)
		return "move an entry out of place", func() { tm.exec(`UPDATE audit_entries SET tree_index = ? WHERE seq = ?`, old, seq) }
	case 9:
		size := tm.pick(`SELECT tree_size FROM audit_checkpoints`)
		col := []string{"root", "note", "signature"}[tm.rng.IntN(3)]
		old := tm.blob(`SELECT `+col+` FROM audit_checkpoints WHERE tree_size = ?`, size)
		tm.exec(`UPDATE audit_checkpoints SET `+col+` = ? WHERE tree_size = ?`, tm.flip(old), size)
		return "flip a byte of a checkpoint's " + col, func() { tm.exec(`UPDATE audit_checkpoints SET `+col+` = ? WHERE tree_size = ?`, old, size) }
	case 10:
		size := tm.pick(`SELECT tree_size FROM audit_checkpoints`)
		d := int64(1 + tm.rng.IntN(1000000))
		tm.exec(`UPDATE audit_checkpoints SET recorded = recorded + ? WHERE tree_size = ?`, d, size)
		return "change a checkpoint's time", func() { tm.exec(`UPDATE audit_checkpoints SET recorded = recorded - ? WHERE tree_size = ?`, d, size) }
	case 11:
		size := tm.pick(`SELECT tree_size FROM audit_checkpoints`)
		d := int64(1000000 + tm.rng.IntN(1000))
		if tm.rng.IntN(2) == 0 {
			d = -d
		}
		tm.exec(`UPDATE audit_checkpoints SET tree_size = tree_size + ? WHERE tree_size = ?`, d, size)
		return "change a checkpoint's size", func() { tm.exec(`UPDATE audit_checkpoints SET tree_size = ? WHERE tree_size = ?`, size, size+d) }
	case 12:
		size := tm.pick(`SELECT tree_size FROM audit_checkpoints`)
		return "delete a checkpoint", tm.deleteRows("audit_checkpoints", fmt.Sprintf("tree_size = %d", size))
	case 13:
		// Roll the log back to an earlier checkpoint: drop every later
		// checkpoint and entry, and set the size back. Only the witness
		// (a checkpoint kept elsewhere) can tell.
		size := tm.pick(`SELECT tree_size FROM audit_checkpoints WHERE tree_size < (SELECT MAX(tree_size) FROM audit_checkpoints)`)
		undoC := tm.deleteRows("audit_checkpoints", fmt.Sprintf("tree_size > %d", size))
		tm.exec(`ALTER TABLE scratch RENAME TO scratch_c`)
		undoE := tm.deleteRows("audit_entries", fmt.Sprintf("tree_index >= %d", size))
		old := tm.ints(`SELECT tree_size FROM audit_state`)[0]
		tm.exec(`UPDATE audit_state SET tree_size = ?`, size)
		return "roll back to an earlier checkpoint", func() {
			tm.exec(`UPDATE audit_state SET tree_size = ?`, old)
			undoE()
			tm.exec(`ALTER TABLE scratch_c RENAME TO scratch`)
			undoC()
		}
	case 14:
		d := int64(1 + tm.rng.IntN(5))
		if tm.rng.IntN(2) == 0 {
			d = -d
		}
		tm.exec(`UPDATE audit_state SET tree_size = tree_size + ?`, d)
		return "change the tree size", func() { tm.exec(`UPDATE audit_state SET tree_size = tree_size - ?`, d) }
	case 15:
		// The pruned range keeps only leaf hashes: a changed one must
		// still be caught (by the subtree hashes and checkpoints).
		seq := tm.pick(`SELECT seq FROM audit_entries WHERE tree_index < (SELECT pruned_before FROM audit_state)`)
		old := tm.blob(`SELECT leaf_hash FROM audit_entries WHERE seq = ?`, seq)
		tm.exec(`UPDATE audit_entries SET leaf_hash = ? WHERE seq = ?`, tm.flip(old), seq)
		return "flip a byte of a pruned entry's kept leaf hash", func() { tm.exec(`UPDATE audit_entries SET leaf_hash = ? WHERE seq = ?`, old, seq) }
	case 16:
		// Hide entries newer than the cutoff: prune them by hand and move
		// the pruned mark past them.
		pb := tm.ints(`SELECT pruned_before FROM audit_state`)[0]
		k := tm.pick(fmt.Sprintf(`SELECT tree_index FROM audit_entries WHERE tree_index >= %d`, pb))
		tm.exec(`DROP TABLE IF EXISTS scratch`)
		tm.exec(`CREATE TABLE scratch AS SELECT seq, recorded, body FROM audit_entries WHERE tree_index >= ? AND tree_index <= ?`, pb, k)
		tm.exec(`UPDATE audit_entries SET body = ?, recorded = 0 WHERE tree_index >= ? AND tree_index <= ?`, []byte{}, pb, k)
		tm.exec(`UPDATE audit_state SET pruned_before = ?`, k+1)
		return "move the pruned mark past entries younger than the cutoff", func() {
			tm.exec(`UPDATE audit_state SET pruned_before = ?`, pb)
			tm.exec(`UPDATE audit_entries SET body = (SELECT s.body FROM scratch s WHERE s.seq = audit_entries.seq),
				recorded = (SELECT s.recorded FROM scratch s WHERE s.seq = audit_entries.seq) WHERE seq IN (SELECT seq FROM scratch)`)
			tm.exec(`DROP TABLE scratch`)
		}
	case 17:
		d := int64(1 + tm.rng.IntN(3))
		if tm.rng.IntN(2) == 0 {
			d = -d
		}
		tm.exec(`UPDATE audit_state SET pruned_before = pruned_before + ?`, d)
		return "move the pruned mark alone", func() { tm.exec(`UPDATE audit_state SET pruned_before = pruned_before - ?`, d) }
	case 18:
		// Put made-up content back into a pruned entry.
		seq := tm.pick(`SELECT seq FROM audit_entries WHERE tree_index < (SELECT pruned_before FROM audit_state)`)
		body := []byte(`{"v":1,"time":"2026-01-10T02:00:00Z","action":"read","outcome":"success","agent":{"kind":"user","id":"u1"}}`)
		tm.exec(`UPDATE audit_entries SET body = ?, recorded = ? WHERE seq = ?`, body, int64(1768010400000000), seq)
		return "give a pruned entry content", func() { tm.exec(`UPDATE audit_entries SET body = ?, recorded = 0 WHERE seq = ?`, []byte{}, seq) }
	case 19:
		// Forge a retired key: put another key in a rotation, signed by
		// that key as the retiring one.
		key := tm.pick(`SELECT CAST(key AS INTEGER) FROM records WHERE kind = 'audit-key-rotation'`)
		k := fmt.Sprintf("%020d", key)
		old := tm.blob(`SELECT value FROM records WHERE kind = 'audit-key-rotation' AND key = ?`, k)
		var rot audit.KeyRotation
		if err := json.Unmarshal(old, &rot); err != nil {
			tm.t.Fatal(err)
		}
		forged, err := sm2.GenerateKey(crand.Reader)
		if err != nil {
			tm.t.Fatal(err)
		}
		der, err := smx509.MarshalPKIXPublicKey(&forged.PublicKey)
		if err != nil {
			tm.t.Fatal(err)
		}
		v, err := audit.ParsePublicKey(der)
		if err != nil {
			tm.t.Fatal(err)
		}
		lines := strings.Split(rot.Statement, "\n")
		lines[1] = "old " + v.KeyID + " " + base64.StdEncoding.EncodeToString(der)
		rot.Statement = strings.Join(lines, "\n")
		if rot.OldSignature, err = forged.SignWithSM2(crand.Reader, nil, []byte(rot.Statement)); err != nil {
			tm.t.Fatal(err)
		}
		b, err := json.Marshal(rot)
		if err != nil {
			tm.t.Fatal(err)
		}
		tm.exec(`UPDATE records SET value = ? WHERE kind = 'audit-key-rotation' AND key = ?`, b, k)
		return "forge a retired checkpoint key", func() {
			tm.exec(`UPDATE records SET value = ? WHERE kind = 'audit-key-rotation' AND key = ?`, old, k)
		}
	case 20:
		// Sign an old checkpoint again with the key in force now: a valid
		// signature by a key that was not in force at its size and time.
		size := tm.pick(`SELECT tree_size FROM audit_checkpoints WHERE key_id <> (SELECT key_id FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1)`)
		note := tm.blob(`SELECT note FROM audit_checkpoints WHERE tree_size = ?`, size)
		oldSig := tm.blob(`SELECT signature FROM audit_checkpoints WHERE tree_size = ?`, size)
		var oldID string
		if err := tm.db.QueryRow(`SELECT key_id FROM audit_checkpoints WHERE tree_size = ?`, size).Scan(&oldID); err != nil {
			tm.t.Fatal(err)
		}
		priv, err := smx509.ParsePKCS8PrivateKey(tm.blob(`SELECT private_key FROM platform_keys WHERE name = ?`, audit.KeyName))
		if err != nil {
			tm.t.Fatal(err)
		}
		v, err := audit.ParsePublicKey(tm.blob(`SELECT public_key FROM platform_keys WHERE name = ?`, audit.KeyName))
		if err != nil {
			tm.t.Fatal(err)
		}
		sig, err := priv.(*sm2.PrivateKey).SignWithSM2(crand.Reader, nil, note)
		if err != nil {
			tm.t.Fatal(err)
		}
		tm.exec(`UPDATE audit_checkpoints SET signature = ?, key_id = ? WHERE tree_size = ?`, sig, v.KeyID, size)
		return "sign a checkpoint with a key not in force at its time", func() {
			tm.exec(`UPDATE audit_checkpoints SET signature = ?, key_id = ? WHERE tree_size = ?`, oldSig, oldID, size)
		}
	case 21:
		key := tm.pick(`SELECT CAST(key AS INTEGER) FROM records WHERE kind = 'audit-key-rotation'`)
		return "delete a key rotation", tm.deleteRows("records", fmt.Sprintf("kind = 'audit-key-rotation' AND key = '%020d'", key))
	default:
		// The prune act itself says what may be pruned: change it.
		seq := tm.pick(`SELECT seq FROM audit_entries WHERE action = 'audit-prune'`)
		old := tm.blob(`SELECT body FROM audit_entries WHERE seq = ?`, seq)
		tm.exec(`UPDATE audit_entries SET body = ? WHERE seq = ?`, tm.flip(old), seq)
		return "flip a byte of the prune entry", func() { tm.exec(`UPDATE audit_entries SET body = ? WHERE seq = ?`, old, seq) }
	}
}

// TestTamperDetected changes a real log's database in many random ways,
// one at a time, and checks that Verify detects every change and passes
// again once it is undone. (QUALITY.md item 7; at least 10,000 mutations
// a run, 1,000 with -short.)
func TestTamperDetected(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "yitong.db")
	c := &clock{t: time.Date(2026, 1, 10, 2, 0, 0, 0, time.UTC)}
	st, err := sqlite.Open(ctx, path, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	}()
	l, err := audit.Open(ctx, audit.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	var witness audit.Checkpoint
	for round, n := range []int{3, 9, 16, 31, 2, 40} {
		if round == 3 {
			// The first rounds are more than 6 months old: pruned.
			c.add(7, 0)
			run, err := l.Prune(ctx)
			if err != nil || run.Pruned == 0 {
				t.Fatalf("prune: %+v, %v", run, err)
			}
		}
		fill(t, ctx, st, l, n, 1, fmt.Sprint(round))
		if witness, err = l.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		if round == 1 || round == 4 {
			// The checkpoint key is rotated twice: once in the range
			// that gets pruned, once after.
			if _, err := l.RotateKey(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	opts := audit.VerifyOptions{Witness: &witness, Batch: 50}
	if rep, err := audit.Verify(ctx, st, opts); err != nil || rep.Pruned == 0 || rep.Keys != 3 {
		t.Fatalf("the untouched, pruned log does not verify: %+v, %v", rep, err)
	}
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	defer db.Close()
	tm := &tamperer{t: t, db: db, rng: rand.New(rand.NewPCG(1, 2))}
	tm.exec(`PRAGMA synchronous = OFF`)
	n := 10000
	if testing.Short() {
		n = 1000
	}
	kinds := map[string]int{}
	for i := 0; i < n; i++ {
		name, undo := tm.mutation()
		kinds[name]++
		_, err := audit.Verify(ctx, st, opts)
		var ve *audit.VerifyError
		if !errors.As(err, &ve) {
			t.Fatalf("mutation %d (%s) was not detected: %v", i, name, err)
		}
		undo()
		if i%1000 == 999 {
			if _, err := audit.Verify(ctx, st, opts); err != nil {
				t.Fatalf("after undoing mutation %d (%s) the log does not verify: %v", i, name, err)
			}
		}
	}
	if _, err := audit.Verify(ctx, st, opts); err != nil {
		t.Fatalf("after undoing every mutation the log does not verify: %v", err)
	}
	t.Logf("%d mutations, all detected: %v", n, kinds)
}
