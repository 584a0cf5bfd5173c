package crashtest

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a testing.TB that records failures instead of failing, to
// test the checks themselves.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}

func (r *recorder) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

// failures runs fn with a recorder and returns what it reported.
func failures(t *testing.T, fn func(tb testing.TB)) []string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	return r.failed
}

// TestChecksDetectDamage makes sure the database checks of the crash tests
// can fail: each kind of damage to a copy of an imported SQLite database is
// reported.
func TestChecksDetectDamage(t *testing.T) {
	dir := t.TempDir()
	file, _ := writePatients(t, filepath.Join(dir, "patients.ndjson"), 1000)
	src := t.TempDir()
	imp := startProc(t, "yitong import", nil, "import", "--data", src, file)
	if err := imp.wait(t, time.Minute); err != nil {
		t.Fatalf("import: %v\n%s", err, imp.log)
	}
	if got := failures(t, func(tb testing.TB) { checkDatabase(tb, sqliteBackend(src)) }); len(got) > 0 {
		t.Fatalf("the undamaged database fails the checks: %q", got)
	}
	for _, c := range []struct {
		name   string
		damage string // SQL run on the copy; "" damages the file's bytes
		says   string
	}{
		{"a current version is gone", `DELETE FROM resource_versions WHERE seq = (SELECT MAX(seq) FROM resource_versions)`, "points at its version"},
		{"the current row names a later version", `UPDATE resources SET version_id = version_id + 1 WHERE res_id = 'imp-000007'`, "newest version"},
		{"a version has no current row", `DELETE FROM resources WHERE res_id = 'imp-000008'`, "has a current row"},
		{"a token is missing", `DELETE FROM idx_token WHERE rid = (SELECT rid FROM resources WHERE res_id = 'imp-000009')`, "identifier index"},
		{"a stray token", `INSERT INTO idx_token (pid, code, system, rid) SELECT pid, 'x', '', 999999999 FROM search_params WHERE res_type = 'Patient' AND code = 'identifier'`, "token index entries belong"},
		{"a stray date", `INSERT INTO idx_date (pid, lo, hi, rid) VALUES (1, 0, 0, 999999999)`, "date index entries belong"},
		{"a wrong resource key", `UPDATE resources SET rid = rid + 1000000000 WHERE res_id = 'imp-000011'`, "first version"},
		{"a torn body", `UPDATE resource_versions SET body = substr(body, 1, 20) WHERE res_id = 'imp-000010'`, "does not decode"},
		{"a damaged page", "", "integrity_check"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dst := t.TempDir()
			copyDatabase(t, src, dst)
			if c.damage != "" {
				execOn(t, dst, c.damage)
			} else {
				damagePage(t, filepath.Join(dst, "yitong.db"))
			}
			got := failures(t, func(tb testing.TB) { checkDatabase(tb, sqliteBackend(dst)) })
			t.Logf("reported: %q", got)
			if !strings.Contains(strings.Join(got, "\n"), c.says) {
				t.Errorf("damage not reported as %q; the checks said %q", c.says, got)
			}
		})
	}
}

// copyDatabase copies an SQLite database no process has open (after a
// clean exit it is one file).
func copyDatabase(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal"} {
		data, err := os.ReadFile(filepath.Join(from, "yitong.db"+suffix))
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, "yitong.db"+suffix), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func execOn(t *testing.T, dir, query string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "yitong.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
}

// damagePage overwrites the middle of the file's second half: b-tree pages
// of the tables and indexes, not the header.
func damagePage(t *testing.T, path string) {
	t.Helper()
	execOn(t, filepath.Dir(path), "SELECT 1") // checkpoint: the data is in the main file
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	junk := []byte(strings.Repeat("\xff\x00", 2048))
	if _, err := f.WriteAt(junk, st.Size()*3/4); err != nil {
		t.Fatal(err)
	}
}
