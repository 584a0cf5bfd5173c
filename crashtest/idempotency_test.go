package crashtest

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/yitong-health/yitong/fhir"
)

// keyedSystem marks the resources of writes sent with an Idempotency-Key:
// every resource a keyed request creates carries its marker.
const keyedSystem = "http://crashtest.yitong/keyed"

// keyedReq is a write sent with an Idempotency-Key, as a client that
// retries keeps it: the key, the exact request, and the answer once one
// arrived.
type keyedReq struct {
	cycle  int
	key    string
	path   string // "/Patient" (a create) or "" (a transaction)
	body   map[string]any
	marker string
	types  map[string]int // resources of each type the request creates
	want   int            // its success status
	answer *reply         // nil until an answer arrived
}

// keyLedger holds every keyed request sent.
type keyLedger struct {
	mu   sync.Mutex
	reqs []*keyedReq
}

func (l *keyLedger) add(r *keyedReq) {
	l.mu.Lock()
	l.reqs = append(l.reqs, r)
	l.mu.Unlock()
}

// send sends r once with its key.
func (r *keyedReq) send(ctx context.Context, c *client) (reply, error) {
	return c.do(ctx, http.MethodPost, r.path, r.body, "Idempotency-Key", r.key, "Prefer", "return=representation")
}

// keyedWriter sends keyed creates and transactions until the server stops
// answering; now and then it repeats an answered request at once.
type keyedWriter struct {
	t     testing.TB
	cycle int
	c     *client
	l     *keyLedger
	rnd   *rand.Rand
}

func (w *keyedWriter) uid() string { return fmt.Sprintf("%016x%016x", w.rnd.Uint64(), w.rnd.Uint64()) }

func (w *keyedWriter) request() *keyedReq {
	marker := w.uid()
	r := &keyedReq{cycle: w.cycle, key: "crash-" + w.uid(), marker: marker}
	pat := map[string]any{
		"resourceType": "Patient",
		"identifier":   []any{map[string]any{"system": keyedSystem, "value": marker}},
		"name":         []any{map[string]any{"family": fmt.Sprintf("K%d", w.rnd.IntN(1e6)), "given": []any{"Retry"}}},
	}
	if w.rnd.IntN(3) > 0 {
		r.path, r.body, r.want = "/Patient", pat, http.StatusCreated
		r.types = map[string]int{"Patient": 1}
		return r
	}
	pURL := "urn:uuid:" + uuidOf(w.uid())
	entries := []any{map[string]any{"fullUrl": pURL, "resource": pat, "request": map[string]any{"method": "POST", "url": "Patient"}}}
	n := 1 + w.rnd.IntN(3)
	for range n {
		entries = append(entries, map[string]any{
			"fullUrl": "urn:uuid:" + uuidOf(w.uid()),
			"resource": map[string]any{
				"resourceType": "Observation", "status": "final",
				"identifier": []any{map[string]any{"system": keyedSystem, "value": marker}},
				"code":       map[string]any{"text": "keyed crash test reading"},
				"subject":    map[string]any{"reference": pURL},
			},
			"request": map[string]any{"method": "POST", "url": "Observation"},
		})
	}
	r.path, r.want = "", http.StatusOK
	r.body = map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": entries}
	r.types = map[string]int{"Patient": 1, "Observation": n}
	return r
}

func (w *keyedWriter) run(ctx context.Context) {
	for ctx.Err() == nil {
		r := w.request()
		w.l.add(r) // sent (or about to be): its fate is checked after the crash
		got, err := r.send(ctx, w.c)
		if err != nil {
			return // the server was killed
		}
		if got.status != r.want || got.header.Get("Idempotent-Replayed") != "" {
			w.t.Errorf("cycle %d: keyed POST %s answered %d (replayed %q): %s", w.cycle, r.path, got.status, got.header.Get("Idempotent-Replayed"), got.body)
			return
		}
		w.l.mu.Lock()
		r.answer = &got
		w.l.mu.Unlock()
		if w.rnd.IntN(4) == 0 {
			again, err := r.send(ctx, w.c)
			if err != nil {
				return
			}
			if err := sameAnswer(got, again); err != nil {
				w.t.Errorf("cycle %d: an immediate repeat: %v", w.cycle, err)
				return
			}
		}
	}
}

// sameAnswer checks that again replays first.
func sameAnswer(first, again reply) error {
	if again.header.Get("Idempotent-Replayed") != "true" || again.status != first.status ||
		again.header.Get("Location") != first.header.Get("Location") || !bytes.Equal(again.body, first.body) {
		return fmt.Errorf("the repeat answered %d (replayed %q, Location %q): %s; the first answer was %d (Location %q): %s",
			again.status, again.header.Get("Idempotent-Replayed"), again.header.Get("Location"), again.body,
			first.status, first.header.Get("Location"), first.body)
	}
	return nil
}

// keyedVerified counts what verifyKeyed found.
type keyedVerified struct {
	checks                     int
	unackedDone, unackedRedone int // unanswered requests whose act had, had not, committed
}

// verifyKeyed retries, as a client does after a crash, every keyed request
// sent so far, with its key and body: an answered one must be replayed
// (same status, Location and body; nothing new written); an unanswered one
// is either replayed (its act committed before the kill) or done now; and
// then each request's marker is on exactly the resources it creates, once.
func verifyKeyed(t testing.TB, c *client, l *keyLedger) keyedVerified {
	t.Helper()
	ctx := context.Background()
	l.mu.Lock()
	reqs := append([]*keyedReq(nil), l.reqs...)
	l.mu.Unlock()
	var sum keyedVerified
	var mu sync.Mutex
	var jobs []func() error
	for _, r := range reqs {
		jobs = append(jobs, func() error {
			got, err := r.send(ctx, c)
			if err != nil {
				return fmt.Errorf("retry of %s: %v", r.key, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if r.answer != nil {
				if err := sameAnswer(*r.answer, got); err != nil {
					return fmt.Errorf("acknowledged keyed request %s (cycle %d): %v", r.key, r.cycle, err)
				}
			} else {
				if got.status != r.want {
					return fmt.Errorf("retry of unanswered keyed request %s (cycle %d) answered %d: %s", r.key, r.cycle, got.status, got.body)
				}
				if got.header.Get("Idempotent-Replayed") == "true" {
					sum.unackedDone++
				} else {
					sum.unackedRedone++
				}
				r.answer = &got
			}
			return checkMarker(ctx, c, r)
		})
	}
	errs := runAll(jobs, 4)
	for i, err := range errs {
		if i == 20 {
			t.Errorf("… %d failed checks in all", len(errs))
			break
		}
		t.Error(err)
	}
	sum.checks = len(jobs)
	return sum
}

// checkMarker: the request's marker is on exactly the resources it
// creates: a retry made no second effect.
func checkMarker(ctx context.Context, c *client, r *keyedReq) error {
	for typ, want := range r.types {
		q := url.Values{"identifier": {keyedSystem + "|" + r.marker}, "_summary": {"count"}}
		got, err := c.do(ctx, http.MethodGet, "/"+typ+"?"+q.Encode(), nil)
		if err != nil {
			return fmt.Errorf("count of %s: %v", r.key, err)
		}
		res, err := decodeBody(got)
		if err != nil || got.status != http.StatusOK {
			return fmt.Errorf("count of %s answered %d: %s", r.key, got.status, got.body)
		}
		if n, _ := res["total"].(json.Number).Int64(); int(n) != want {
			return fmt.Errorf("keyed request %s (cycle %d): %d %s resources carry its marker, want %d: a retry had a second effect, or its act is half there", r.key, r.cycle, n, typ, want)
		}
	}
	return nil
}

// checkKeys: every recorded idempotency key has its act: each version its
// answer names (the Location, or a transaction-response's entries) exists.
// It returns the number of keys checked.
func checkKeys(t testing.TB, b backend) int {
	t.Helper()
	db := b.open(t)
	rows, err := db.Query(`SELECT key, header, body FROM idempotency_keys`)
	if err != nil {
		t.Fatalf("read idempotency keys: %v", err)
	}
	type rec struct {
		key          string
		header, body []byte
	}
	var recs []rec
	for rows.Next() {
		var r rec
		if err := rows.Scan(&r.key, &r.header, &r.body); err != nil {
			t.Fatalf("read idempotency keys: %v", err)
		}
		recs = append(recs, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		t.Fatalf("read idempotency keys: %v", err)
	}
	for _, r := range recs {
		var header map[string]string
		if err := json.Unmarshal(r.header, &header); err != nil {
			t.Errorf("key %s: header %q: %v", r.key, r.header, err)
			continue
		}
		var locs []string
		if loc := header["Location"]; loc != "" {
			locs = append(locs, loc)
		} else {
			zr, err := gzip.NewReader(bytes.NewReader(r.body))
			if err != nil {
				t.Errorf("key %s: body: %v", r.key, err)
				continue
			}
			raw, err := io.ReadAll(zr)
			if err != nil {
				t.Errorf("key %s: body: %v", r.key, err)
				continue
			}
			bundle, err := fhir.Decode(raw, 0)
			if err != nil {
				t.Errorf("key %s: body: %v", r.key, err)
				continue
			}
			for _, e := range fhir.Objects(bundle["entry"]) {
				resp, _ := e["response"].(map[string]any)
				loc, _ := resp["location"].(string)
				locs = append(locs, loc)
			}
		}
		if len(locs) == 0 {
			t.Errorf("key %s: its answer names no version", r.key)
		}
		for _, loc := range locs {
			if err := versionExists(db, b.name == "postgres", loc); err != nil {
				t.Errorf("key %s without its act: %v", r.key, err)
			}
		}
	}
	return len(recs)
}

// versionExists checks that the version a Location (…Type/id/_history/n)
// names is stored.
func versionExists(db *sql.DB, postgres bool, loc string) error {
	parts := strings.Split(loc, "/")
	n := len(parts)
	if n < 4 || parts[n-2] != "_history" {
		return fmt.Errorf("%q is not a version's location", loc)
	}
	q := `SELECT COUNT(*) FROM resource_versions WHERE res_type = ? AND res_id = ? AND version_id = ?`
	if postgres {
		q = `SELECT COUNT(*) FROM resource_versions WHERE res_type = $1 AND res_id = $2 AND version_id = $3`
	}
	var c int
	if err := db.QueryRow(q, parts[n-4], parts[n-3], parts[n-1]).Scan(&c); err != nil {
		return fmt.Errorf("look up %s: %v", loc, err)
	}
	if c != 1 {
		return fmt.Errorf("version %s is not stored", loc)
	}
	return nil
}

// TestKillDuringKeyedWrites is QUALITY.md item 6 across crashes: writers
// send creates and transactions with Idempotency-Keys; the server is
// killed with SIGKILL and restarted, and every request sent is retried
// with its key: an acknowledged one is replayed and writes nothing, an
// unacknowledged one takes effect at most once (replayed if its act had
// committed), no key exists without its act, and the database and the
// audit log pass their checks.
func TestKillDuringKeyedWrites(t *testing.T) {
	cycles := 3
	if testing.Short() {
		cycles = 2
	}
	eachBackend(t, func(t *testing.T, b backend) {
		l := &keyLedger{}
		crashCycles{
			cycles: cycles,
			rnd:    rand.New(rand.NewPCG(seed(t), 3)),
			check: func(c *client) string {
				v := verifyKeyed(t, c, l)
				return fmt.Sprintf("retried %d keyed requests (unanswered ones: %d had committed and were replayed, %d were done by the retry)", v.checks, v.unackedDone, v.unackedRedone)
			},
			writer: func(cycle int, c *client, rnd *rand.Rand) func(context.Context) {
				return (&keyedWriter{t: t, cycle: cycle, c: c, l: l, rnd: rnd}).run
			},
			sent: func() string {
				l.mu.Lock()
				defer l.mu.Unlock()
				return fmt.Sprintf("%d keyed requests sent so far", len(l.reqs))
			},
		}.run(t, b)
		if len(l.reqs) == 0 {
			t.Fatal("no keyed request was sent: the test tested nothing")
		}
		n := checkKeys(t, b)
		if n != len(l.reqs) {
			t.Errorf("%d idempotency keys recorded for %d keyed requests, each answered by now", n, len(l.reqs))
		}
		checkDatabase(t, b)
		checkAudit(t, b)
	})
}
