package storetest

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/postgres"
	"github.com/yitong-health/yitong/store/sqlite"
)

// rawBackend opens a fresh store together with a plain connection to its
// database, for tests that look at the rows behind the store's contract.
type rawBackend struct {
	name string
	open func(t *testing.T) (store.Store, *sql.DB, func() store.Store)
}

func rawBackends(t *testing.T) []rawBackend {
	open := func(t *testing.T, driver, dsn string, openStore func() (store.Store, error)) (store.Store, *sql.DB, func() store.Store) {
		t.Helper()
		reopen := func() store.Store {
			s, err := openStore()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() }) // closed again after an explicit Close: the error is that one's
			return s
		}
		s := reopen()
		db, err := sql.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return s, db, reopen
	}
	bs := []rawBackend{{name: "sqlite", open: func(t *testing.T) (store.Store, *sql.DB, func() store.Store) {
		path := filepath.Join(t.TempDir(), "yitong.db")
		return open(t, "sqlite3", path, func() (store.Store, error) { return sqlite.Open(context.Background(), path, nil) })
	}}}
	for _, b := range Backends(t) {
		if b.Name == "postgres" {
			bs = append(bs, rawBackend{name: "postgres", open: func(t *testing.T) (store.Store, *sql.DB, func() store.Store) {
				u := PostgresURL(t)
				return open(t, "pgx", u, func() (store.Store, error) { return postgres.Open(context.Background(), u, nil) })
			}})
		}
	}
	return bs
}

// countTerms returns the number of audit_terms rows of each seq.
func countTerms(t *testing.T, db *sql.DB) map[int64]int {
	t.Helper()
	rows, err := db.Query(`SELECT seq, COUNT(*) FROM audit_terms GROUP BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var seq int64
		var n int
		if err := rows.Scan(&seq, &n); err != nil {
			t.Fatal(err)
		}
		out[seq] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// auditStep appends waiting in one transaction; then, in another, places
// the first n entries waiting (as the sequencer does) and appends fresh
// placed after them. It returns the seqs Pending found waiting.
func auditStep(t *testing.T, s store.Store, waiting []store.AuditRecord, n int, fresh []store.AuditRecord) (seen []int64) {
	t.Helper()
	ctx := context.Background()
	err := s.Update(ctx, func(tx store.Tx) error {
		a := tx.Audit()
		if _, err := a.State(ctx); err != nil {
			return err
		}
		return a.Append(ctx, waiting)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		a := tx.Audit()
		st, err := a.State(ctx)
		if err != nil {
			return err
		}
		all, err := a.Pending(ctx, 1000)
		if err != nil {
			return err
		}
		for _, r := range all {
			seen = append(seen, r.Seq)
		}
		placed := all[:min(n, len(all))]
		for i := range placed {
			placed[i].Index = st.Size
			st.Size++
		}
		for i := range fresh {
			fresh[i].Index = st.Size
			st.Size++
		}
		if err := a.Append(ctx, fresh); err != nil {
			return err
		}
		return a.Sequence(ctx, placed, nil, st)
	})
	if err != nil {
		t.Fatal(err)
	}
	return seen
}

// TestAuditPruneDeletesTerms: Prune deletes the term rows of the entries
// it prunes, and only theirs, for entries placed by Sequence and for
// entries appended already placed, and for entries placed before the terms
// stayed in their rows (migration 012 gives them back).
func TestAuditPruneDeletesTerms(t *testing.T) {
	for _, b := range rawBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, db, reopen := b.open(t)
			ctx := context.Background()
			rec := func(i int, agent string) store.AuditRecord {
				return store.AuditRecord{Index: -1, Recorded: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), Action: "read", Act: "R", Outcome: "0",
					LeafHash: []byte{byte(i), 1, 2, 3}, Body: []byte(`{"n":1}`),
					Terms: []store.AuditTerm{{Kind: "agent", Value: agent}, {Kind: "request", Value: "r" + string(rune('a'+i))}, {Kind: "patient", Value: "p1"}, {Kind: "agent", Value: agent}}}
			}
			// Six entries: three waiting, placed by Sequence; three
			// appended placed.
			if seen := auditStep(t, s, []store.AuditRecord{rec(0, "u0"), rec(1, "u1"), rec(2, "u2")}, 3,
				[]store.AuditRecord{rec(3, "u3"), rec(4, "u4"), rec(5, "u5")}); len(seen) != 3 {
				t.Fatalf("waiting entries %v, want 3", seen)
			}
			before := countTerms(t, db)
			if len(before) != 6 {
				t.Fatalf("term rows by entry %v, want 3 for each of 6", before)
			}
			for _, n := range before {
				if n != 3 {
					t.Fatalf("term rows by entry %v, want 3 distinct for each", before)
				}
			}
			// Entries placed by an earlier version: no terms in the row,
			// the index on seq; migration 012 runs again on reopening.
			for _, q := range []string{
				`UPDATE audit_entries SET terms = NULL WHERE tree_index < 2`,
				`CREATE INDEX audit_terms_seq ON audit_terms (seq)`,
				`DELETE FROM schema_migrations WHERE name = '012_audit_terms_kept.sql'`,
			} {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = reopen()
			err := s.Update(ctx, func(tx store.Tx) error {
				a := tx.Audit()
				if _, err := a.State(ctx); err != nil {
					return err
				}
				n, err := a.Prune(ctx, 4)
				if err != nil {
					return err
				}
				if n != 4 {
					t.Errorf("pruned %d, want 4", n)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			after := countTerms(t, db)
			var kept []int64
			for seq, n := range after {
				if n != 3 {
					t.Errorf("entry %d has %d term rows after the prune, want 3", seq, n)
				}
				kept = append(kept, seq)
			}
			if len(kept) != 2 {
				t.Errorf("term rows of %d entries are left, want the 2 unpruned: %v", len(kept), after)
			}
			var pruned int
			if err := db.QueryRow(`SELECT COUNT(*) FROM audit_entries WHERE tree_index < 4 AND terms IS NULL AND length(body) = 0`).Scan(&pruned); err != nil {
				t.Fatal(err)
			}
			if pruned != 4 {
				t.Errorf("%d pruned entries without body and terms, want 4", pruned)
			}
			// Pruned entries' terms do not find them; the others' do.
			err = s.View(ctx, func(tx store.Tx) error {
				for i, want := range []int{0, 0, 0, 0, 1, 1} {
					got, err := tx.Audit().Find(ctx, store.AuditQuery{Terms: []store.AuditTerm{{Kind: "agent", Value: "u" + string(rune('0'+i))}}, Count: 10})
					if err != nil {
						return err
					}
					if len(got) != want {
						t.Errorf("agent u%d finds %d entries, want %d", i, len(got), want)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAuditPending: the sequencer finds exactly the entries still waiting,
// in seq order, when it placed only some of them and entries appended
// placed have larger seqs than some still waiting (SQLite finds them after
// the last one placed; PostgreSQL by their index), also after migration
// 013 computed the last one placed for a database of an earlier version.
func TestAuditPending(t *testing.T) {
	for _, b := range rawBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, db, reopen := b.open(t)
			rec := func(index int64) store.AuditRecord {
				return store.AuditRecord{Index: index, Recorded: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Action: "read", Act: "R", Outcome: "0",
					LeafHash: []byte{1, 2, 3}, Body: []byte(`{}`), Terms: []store.AuditTerm{{Kind: "agent", Value: "a"}}}
			}
			// step appends waiting entries, places up to n waiting ones,
			// then appends fresh ones placed after them; it returns the
			// seqs Pending saw waiting (before placing).
			step := func(waiting, n, fresh int) []int64 {
				t.Helper()
				recs := func(k int) []store.AuditRecord {
					out := make([]store.AuditRecord, k)
					for i := range out {
						out[i] = rec(-1)
					}
					return out
				}
				return auditStep(t, s, recs(waiting), n, recs(fresh))
			}
			check := func(got []int64, want ...int64) {
				t.Helper()
				if !slices.Equal(got, want) {
					t.Fatalf("waiting entries %v, want %v", got, want)
				}
			}
			check(step(2, 1, 0), 1, 2)    // seqs 1, 2 waiting; 1 placed
			check(step(0, 0, 2), 2)       // 3, 4 appended placed
			check(step(1, 1, 0), 2, 5)    // 5 waits with 2; 2 placed
			check(step(2, 0, 0), 5, 6, 7) // none placed
			// As a database of an earlier version: migration 013 again.
			for _, q := range []string{
				`UPDATE audit_state SET placed_through = 0`,
				`DELETE FROM schema_migrations WHERE name = '013_audit_placed_through.sql'`,
				`ALTER TABLE audit_state DROP COLUMN placed_through`,
			} {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if b.name == "sqlite" {
				if _, err := db.Exec(`CREATE INDEX audit_entries_pending ON audit_entries (seq) WHERE tree_index IS NULL`); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = reopen()
			check(step(0, 3, 1), 5, 6, 7) // all placed, 8 appended placed
			check(step(1, 0, 0), 9)
			// Past the entries appended placed (8), before the one waiting
			// (9): the scan for waiting entries starts there.
			var through int64
			if err := db.QueryRow(`SELECT placed_through FROM audit_state`).Scan(&through); err != nil || through != 8 {
				t.Errorf("placed through %d, %v; want 8", through, err)
			}
		})
	}
}

// TestAuditSpoolMarks: a spool's mark is 0 until set, moves with the
// transaction that sets it (not with one that rolls back), and is kept per
// spool.
func TestAuditSpoolMarks(t *testing.T) {
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := b.Open(t, nil)
			mark := func(id string) int64 {
				t.Helper()
				var n int64
				if err := s.View(ctx, func(tx store.Tx) (err error) {
					n, err = tx.Audit().SpoolMark(ctx, id)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				return n
			}
			set := func(id string, n int64) error {
				return s.Update(ctx, func(tx store.Tx) error { return tx.Audit().SetSpoolMark(ctx, id, n) })
			}
			if n := mark("a"); n != 0 {
				t.Fatalf("mark of a new spool = %d, want 0", n)
			}
			for _, n := range []int64{5, 9} {
				if err := set("a", n); err != nil {
					t.Fatal(err)
				}
				if got := mark("a"); got != n {
					t.Fatalf("mark = %d, want %d", got, n)
				}
			}
			if err := set("b", 2); err != nil {
				t.Fatal(err)
			}
			failed := errors.New("rolled back")
			if err := s.Update(ctx, func(tx store.Tx) error {
				if err := tx.Audit().SetSpoolMark(ctx, "a", 12); err != nil {
					return err
				}
				return failed
			}); !errors.Is(err, failed) {
				t.Fatalf("Update = %v", err)
			}
			if a, b := mark("a"), mark("b"); a != 9 || b != 2 {
				t.Fatalf("marks a=%d b=%d, want 9 and 2", a, b)
			}
			if err := s.View(ctx, func(tx store.Tx) error { return tx.Audit().SetSpoolMark(ctx, "a", 1) }); err == nil {
				t.Fatal("a read-only transaction set a mark")
			}
		})
	}
}
