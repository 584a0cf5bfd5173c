package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

// The spool tests stop a log the way a crash would: entries are spooled
// (spoolStep), then the file is closed without writing them to the store
// or emptying it, and a new log opens the same spool.

func openSpooled(t *testing.T, st store.Store, path string) *Log {
	t.Helper()
	l, err := Open(context.Background(), Config{Store: st, Spool: path, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// crash closes l's spool as a killed process would leave it.
func crash(t *testing.T, l *Log) {
	t.Helper()
	l.seqMu.Lock()
	defer l.seqMu.Unlock()
	if err := l.spool.close(); err != nil {
		t.Fatal(err)
	}
	l.spool, l.spooled = nil, nil
}

func recordReads(l *Log, tag string, n int) {
	for i := range n {
		l.Record(Entry{Action: "read", Type: "Patient", Agent: Agent{Kind: "user", ID: "u1"},
			Patients: []string{fmt.Sprintf("p%d", i%3)}, Resources: []string{fmt.Sprintf("Patient/p%d", i%3)},
			RequestID: fmt.Sprintf("%s-%d", tag, i)})
	}
}

// requests returns the request ids of the placed entries, in tree order.
func requests(t *testing.T, st store.Store) []string {
	t.Helper()
	var out []string
	err := st.View(context.Background(), func(tx store.Tx) error {
		recs, err := tx.Audit().Leaves(context.Background(), 0, 1000)
		if err != nil {
			return err
		}
		for _, r := range recs {
			e, err := ParseEntry(r.Body)
			if err != nil {
				return err
			}
			if !bytes.Equal(r.LeafHash, mustSM3(t).HashLeaf(r.Body)) {
				return fmt.Errorf("entry %d: leaf hash does not match its body", r.Index)
			}
			out = append(out, e.RequestID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustSM3(t *testing.T) *Hasher {
	h, err := NewHasher(SM3)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// spooledLog opens a fresh store of b and a log spooling in a fresh
// folder.
func spooledLog(t *testing.T, b storetest.Backend) (store.Store, string, *Log) {
	t.Helper()
	st, path := b.Open(t, nil), filepath.Join(t.TempDir(), "audit.spool")
	return st, path, openSpooled(t, st, path)
}

// holds fails t unless the store's placed entries are the reads
// recordReads made for tags, in order.
func holds(t *testing.T, st store.Store, tags ...string) {
	t.Helper()
	if got, exp := requests(t, st), want(tags...); fmt.Sprint(got) != fmt.Sprint(exp) {
		t.Fatalf("the store holds %v, want %v", got, exp)
	}
}

func want(tags ...string) []string {
	var out []string
	for _, tag := range tags {
		for i := range 5 {
			out = append(out, fmt.Sprintf("%s-%d", tag, i))
		}
	}
	return out
}

func TestSpool(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			t.Run("spooled entries reach the store at the next open", func(t *testing.T) {
				st, path, l := spooledLog(t, b)
				recordReads(l, "a", 5)
				if n := l.spoolStep(); n != 5 {
					t.Fatalf("%d entries spooled, want 5", n)
				}
				holds(t, st)
				crash(t, l)
				l = openSpooled(t, st, path)
				holds(t, st, "a")
				// Written, the spool is emptied: a third open writes nothing.
				recordReads(l, "b", 5)
				if err := l.Flush(ctx); err != nil {
					t.Fatal(err)
				}
				crash(t, l)
				openSpooled(t, st, path)
				holds(t, st, "a", "b")
			})
			t.Run("records the store holds are not written twice", func(t *testing.T) {
				st, path, l := spooledLog(t, b)
				recordReads(l, "a", 5)
				l.spoolStep()
				kept, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				// The store gets them and the spool is emptied; a crash
				// that lost the emptying leaves the file as it was.
				if err := l.Flush(ctx); err != nil {
					t.Fatal(err)
				}
				recordReads(l, "b", 5)
				l.spoolStep()
				crash(t, l)
				rest, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, append(kept, rest[spoolHeaderLen:]...), 0o600); err != nil {
					t.Fatal(err)
				}
				openSpooled(t, st, path)
				holds(t, st, "a", "b")
			})
			t.Run("a spool that fails is left, its entries kept", func(t *testing.T) {
				st, path, l := spooledLog(t, b)
				recordReads(l, "a", 5)
				l.spoolStep()
				// The file fails under the log (a disk gone): appending and
				// cutting the append off both fail.
				if err := l.spool.f.Close(); err != nil {
					t.Fatal(err)
				}
				recordReads(l, "b", 5)
				if n := l.spoolStep(); n != 10 {
					t.Fatalf("%d entries wait for the store, want 10", n)
				}
				if l.spool != nil {
					t.Fatal("the log keeps appending to a spool that failed")
				}
				recordReads(l, "c", 5)
				if err := l.Flush(ctx); err != nil {
					t.Fatal(err)
				}
				openSpooled(t, st, path)
				holds(t, st, "a", "b", "c")
			})
			t.Run("a torn last record is dropped", func(t *testing.T) {
				st, path, l := spooledLog(t, b)
				recordReads(l, "a", 5)
				l.spoolStep()
				recordReads(l, "b", 1)
				l.spoolStep()
				crash(t, l)
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Truncate(path, fi.Size()-3); err != nil {
					t.Fatal(err)
				}
				openSpooled(t, st, path)
				holds(t, st, "a")
			})
		})
	}
}

func TestSpoolFile(t *testing.T) {
	dir := t.TempDir()
	t.Run("held by another open file", func(t *testing.T) {
		path := filepath.Join(dir, "held.spool")
		s, _, err := openSpool(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.close()
		if _, _, err := openSpool(path); !errors.Is(err, errSpoolBusy) {
			t.Fatalf("second open: %v, want errSpoolBusy", err)
		}
		// A log on a held spool works without one.
		l := openSpooled(t, storetest.OpenSQLite(t, nil), path)
		if l.spool != nil {
			t.Fatal("the log took a spool another file holds")
		}
		recordReads(l, "a", 5)
		if err := l.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a folder that cannot hold one", func(t *testing.T) {
		// The log works without a spool, as it did before spools.
		l := openSpooled(t, storetest.OpenSQLite(t, nil), filepath.Join(dir, "missing", "audit.spool"))
		if l.spool != nil {
			t.Fatal("a spool in a folder that does not exist")
		}
		recordReads(l, "a", 5)
		if err := l.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("not a spool", func(t *testing.T) {
		path := filepath.Join(dir, "other")
		if err := os.WriteFile(path, []byte("some other file, long enough to hold a spool header\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := openSpool(path); err == nil {
			t.Fatal("another file opened as a spool")
		}
	})
	t.Run("a torn header starts afresh", func(t *testing.T) {
		path := filepath.Join(dir, "torn")
		if err := os.WriteFile(path, []byte(spoolMagic[:7]), 0o600); err != nil {
			t.Fatal(err)
		}
		s, recs, err := openSpool(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.close()
		if len(recs) != 0 || len(s.id) != 32 {
			t.Fatalf("records %d, id %q", len(recs), s.id)
		}
	})
	t.Run("a corrupt record ends the spool", func(t *testing.T) {
		path := filepath.Join(dir, "corrupt")
		s, _, err := openSpool(path)
		if err != nil {
			t.Fatal(err)
		}
		body := func(i int) store.AuditRecord {
			return store.AuditRecord{Body: []byte(fmt.Sprintf(`{"v":1,"time":"2026-11-25T00:00:0%dZ","action":"read","outcome":"success","agent":{"kind":"system","id":"yitong"}}`, i))}
		}
		if _, err := s.append([]store.AuditRecord{body(1), body(2), body(3)}); err != nil {
			t.Fatal(err)
		}
		if err := s.close(); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		second := spoolHeaderLen + spoolRecHead + len(body(1).Body)
		data[second+spoolRecHead+5] ^= 0x20 // a flipped bit in the second body
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, recs, err := openSpool(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.close()
		if len(recs) != 1 || recs[0].n != 1 || s.next != 2 {
			t.Fatalf("%d records (first %v), next %d; want record 1 only", len(recs), recs, s.next)
		}
		if fi, err := os.Stat(path); err != nil || fi.Size() != int64(second) {
			t.Fatalf("the file was not cut after the first record: %v %v", fi.Size(), err)
		}
	})
}
