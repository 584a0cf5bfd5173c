package crashtest

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store/storetest"
)

// backends returns SQLite and, unless YITONG_TEST_POSTGRES=off, a fresh
// PostgreSQL database, each with its own data folder.
func backends(t *testing.T) []func(t *testing.T) backend {
	bs := []func(t *testing.T) backend{
		func(t *testing.T) backend { return sqliteBackend(t.TempDir()) },
	}
	if os.Getenv("YITONG_TEST_POSTGRES") == "off" {
		t.Log("YITONG_TEST_POSTGRES=off: PostgreSQL left out of this run")
		return bs
	}
	return append(bs, func(t *testing.T) backend { return postgresBackend(t.TempDir(), storetest.PostgresURL(t)) })
}

func eachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, open := range backends(t) {
		b := open(t)
		t.Run(b.name, func(t *testing.T) { fn(t, b) })
	}
}

// seed returns the random seed of a test, logged so a failure can be
// replayed with YITONG_CRASHTEST_SEED.
func seed(t *testing.T) uint64 {
	s := uint64(time.Now().UnixNano())
	if v := os.Getenv("YITONG_CRASHTEST_SEED"); v != "" {
		if _, err := fmt.Sscan(v, &s); err != nil {
			t.Fatalf("YITONG_CRASHTEST_SEED=%q: %v", v, err)
		}
	}
	t.Logf("seed %d (set YITONG_CRASHTEST_SEED to replay)", s)
	return s
}

// TestKillDuringWrites is QUALITY.md item 3: writers send creates, updates
// with If-Match, deletes and transaction bundles over HTTP; the server is
// killed with SIGKILL after a random delay and restarted on the same
// database, and every acknowledged write must still be there, with every
// transaction wholly present or wholly absent. After the last cycle the
// database passes the integrity and consistency checks.
func TestKillDuringWrites(t *testing.T) {
	cycles := 5
	if testing.Short() {
		cycles = 2
	}
	eachBackend(t, func(t *testing.T, b backend) {
		l := &ledger{}
		crashCycles{
			cycles: cycles,
			rnd:    rand.New(rand.NewPCG(seed(t), 1)),
			check: func(c *client) string {
				v := verifyAcks(t, c, l)
				return fmt.Sprintf("verified %d facts (unacknowledged transactions: %d committed, %d not)", v.checks, v.unackedPresent, v.unackedAbsent)
			},
			writer: func(cycle int, c *client, rnd *rand.Rand) func(context.Context) {
				return (&writer{t: t, cycle: cycle, c: c, l: l, rnd: rnd}).run
			},
			sent: func() string {
				l.mu.Lock()
				defer l.mu.Unlock()
				return fmt.Sprintf("so far %d writes sent, %d versions and %d transactions acknowledged", l.sent, len(l.acks), countAcked(l.bundles))
			},
		}.run(t, b)
		if len(l.acks) == 0 {
			t.Fatal("no write was acknowledged: the test tested nothing")
		}
		checkDatabase(t, b)
		checkAudit(t, b)
	})
}

// crashCycles is the shape of the kill tests: cycles of starting the
// server on the database the last cycle left, checking what earlier cycles
// wrote, starting writers and killing the server with SIGKILL at a random
// moment; then a last start and check.
type crashCycles struct {
	cycles int
	rnd    *rand.Rand
	// check verifies, after a restart, what the earlier cycles wrote
	// (failing t), and says what it verified, for the log.
	check func(c *client) string
	// writer returns the run function of one of a cycle's writers.
	writer func(cycle int, c *client, rnd *rand.Rand) func(context.Context)
	// sent says what the writers have sent so far, for the log.
	sent func() string
}

// crashWriters is how many writers a cycle runs.
const crashWriters = 4

func (r crashCycles) run(t *testing.T, b backend) {
	t.Helper()
	for cycle := 1; cycle <= r.cycles; cycle++ {
		srv := startServer(t, b.flags)
		c := newClient(srv)
		checked := r.check(c)
		if t.Failed() {
			t.Fatalf("cycle %d: the restart found what earlier cycles wrote broken (server log:\n%s)", cycle, srv.log)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for i := range crashWriters {
			run := r.writer(cycle, c, rand.New(rand.NewPCG(r.rnd.Uint64(), uint64(i))))
			wg.Add(1)
			go func() { defer wg.Done(); run(ctx) }()
		}
		delay := time.Duration(200+r.rnd.IntN(1300)) * time.Millisecond
		time.Sleep(delay) // the random moment of the crash: nothing to poll for
		exitedEarly := srv.done()
		srv.kill(t)
		cancel()
		wg.Wait()
		if exitedEarly {
			t.Fatalf("cycle %d: the server exited by itself (%v) before the kill; its log:\n%s", cycle, srv.waitErr, srv.log)
		}
		t.Logf("cycle %d: the restart %s; then killed after %v; %s", cycle, checked, delay, r.sent())
		if t.Failed() {
			t.Fatalf("cycle %d: the server failed while writing; its log:\n%s", cycle, srv.log)
		}
	}
	// The last restart: everything acknowledged must be there.
	srv := startServer(t, b.flags)
	t.Logf("final restart %s", r.check(newClient(srv)))
	srv.kill(t)
}

func countAcked(bs []bundleRec) int {
	n := 0
	for _, b := range bs {
		if b.acked {
			n++
		}
	}
	return n
}

// TestKillDuringImport kills `yitong import` of an NDJSON file of Patients
// while it writes chunks of 500 per transaction: the database then holds a
// whole number of chunks (a prefix of the file), each Patient as in its
// line, and passes the checks; a second import completes the load.
func TestKillDuringImport(t *testing.T) {
	const chunk = 500
	// Enough chunks after the second that the import is still running
	// when the kill comes, also when chunks commit two at a time.
	const total = 8000
	dir := t.TempDir()
	file, lines := writePatients(t, filepath.Join(dir, "patients.ndjson"), total)
	eachBackend(t, func(t *testing.T, b backend) {
		rnd := rand.New(rand.NewPCG(seed(t), 2))
		args := append(append([]string{"import", "--chunk", fmt.Sprint(chunk)}, b.flags...), file)
		imp := startProc(t, "yitong import", nil, args...)
		db := b.open(t)
		// Kill at a random moment within the next few chunks (the file
		// has several more): the time one chunk takes is the unit.
		waitForPatients(t, imp, db, chunk)
		t1 := time.Now()
		waitForPatients(t, imp, db, 2*chunk)
		interval := max(time.Since(t1), time.Millisecond)
		delay := time.Duration(rnd.Int64N(int64(2 * interval)))
		time.Sleep(delay)
		if imp.done() {
			t.Fatalf("the import ended (%v) before it was killed; if it succeeded, make the file larger. Its output:\n%s", imp.waitErr, imp.log)
		}
		imp.kill(t)
		db.Close()
		n := checkImported(t, b, lines)
		if n%chunk != 0 && n != total {
			t.Errorf("%d Patients after the kill: not a whole number of %d-resource transactions", n, chunk)
		}
		t.Logf("killed %v after the second chunk committed (a chunk took %v) with %d of %d Patients imported", delay, interval, n, total)
		checkDatabase(t, b)
		checkAudit(t, b)

		again := startProc(t, "yitong import (again)", nil, args...)
		if err := again.wait(t, 2*time.Minute); err != nil {
			t.Fatalf("the second import failed: %v; its output:\n%s", err, again.log)
		}
		if n := checkImported(t, b, lines); n != total {
			t.Errorf("%d Patients after the second import, want %d", n, total)
		}
		checkDatabase(t, b)
		checkAudit(t, b)
	})
}

// writePatients writes n Patients with ids as NDJSON and returns the file
// and its lines, decoded.
func writePatients(t *testing.T, path string, n int) (string, []map[string]any) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	lines := make([]map[string]any, n)
	for i := range n {
		p := map[string]any{
			"resourceType": "Patient",
			"id":           fmt.Sprintf("imp-%06d", i),
			"identifier":   []any{map[string]any{"system": "http://crashtest.yitong/import", "value": fmt.Sprint(i)}},
			"name":         []any{map[string]any{"family": fmt.Sprintf("Family%d", i%97), "given": []any{fmt.Sprintf("Given%d", i)}}},
			"gender":       []string{"female", "male", "other"}[i%3],
			"birthDate":    fmt.Sprintf("19%02d-%02d-%02d", i%100, 1+i%12, 1+i%28),
		}
		lines[i] = p
		w.Write(fhir.Marshal(p))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, lines
}

// waitForPatients polls the database until at least n Patients are
// committed; the import must still be running then.
func waitForPatients(t *testing.T, imp *proc, db *sql.DB, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got, err := countPatients(db) // fails until the import created the schema
		if err == nil && got >= n {
			return
		}
		if imp.done() {
			t.Fatalf("the import ended (%v) before %d Patients were committed; its output:\n%s", imp.waitErr, n, imp.log)
		}
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d Patients committed after 2 minutes (last count %d, %v); import output:\n%s", n, got, err, imp.log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var importedID = regexp.MustCompile(`^imp-(\d{6})$`)

// checkImported checks that the stored Patients are the first n lines of
// the file, each equal to its line apart from meta, and returns n.
func checkImported(t *testing.T, b backend, lines []map[string]any) int {
	t.Helper()
	db := b.open(t)
	defer db.Close()
	rows, err := db.Query(`SELECT r.res_id, v.body FROM resources r JOIN resource_versions v ON v.seq = r.seq
		WHERE r.res_type = 'Patient' AND r.deleted = 0 ORDER BY r.res_id`)
	if err != nil {
		t.Fatalf("read patients: %v", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id string
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			t.Fatalf("read patients: %v", err)
		}
		if want := fmt.Sprintf("imp-%06d", n); id != want {
			t.Fatalf("stored Patient %d is %s, want %s: the stored Patients are not the first lines of the file", n, id, want)
		}
		res, err := fhir.Decode(body, 0)
		if err != nil {
			t.Fatalf("Patient/%s: %v", id, err)
		}
		delete(res, "meta")
		if got, want := fhir.Marshal(res), fhir.Marshal(lines[n]); string(got) != string(want) {
			t.Errorf("Patient/%s differs from its line:\nstored %s\nline   %s", id, got, want)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read patients: %v", err)
	}
	return n
}
