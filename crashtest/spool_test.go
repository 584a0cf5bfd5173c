package crashtest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestKillAfterReads answers reads, kills the server with SIGKILL once
// their entries are in the audit spool (FlushEvery, 20 ms, and a flush to
// disk) but, most of the time, before the writer has put them in the
// database (every second), and starts it again: the restart writes them,
// each exactly once, and the log verifies.
func TestKillAfterReads(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		srv := startServer(t, b.flags)
		c := newClient(srv)
		r, err := c.do(ctx, http.MethodPost, "/Patient", map[string]any{"resourceType": "Patient", "gender": "female"})
		if err != nil || r.status != http.StatusCreated {
			t.Fatalf("create a patient: %v, status %d: %s", err, r.status, r.body)
		}
		var p struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(r.body, &p); err != nil || p.ID == "" {
			t.Fatalf("created patient: %v: %s", err, r.body)
		}
		var reqs []string
		for i := range 40 {
			id := fmt.Sprintf("spool-%d-%d", time.Now().UnixNano(), i)
			r, err := c.do(ctx, http.MethodGet, "/Patient/"+p.ID, nil, "X-Request-Id", id)
			if err != nil || r.status != http.StatusOK {
				t.Fatalf("read: %v, status %d", err, r.status)
			}
			reqs = append(reqs, id)
		}
		time.Sleep(150 * time.Millisecond) // several FlushEvery; the spool's writes are synchronous
		srv.kill(t)
		before := countRequests(t, b.open(t), reqs)
		srv = startServer(t, b.flags)
		after := countRequests(t, b.open(t), reqs)
		srv.kill(t)
		missing, twice := 0, 0
		for _, id := range reqs {
			switch after[id] {
			case 0:
				missing++
			case 1:
			default:
				twice++
			}
		}
		if missing > 0 || twice > 0 {
			t.Fatalf("after the restart %d of %d reads have no audit entry and %d have several; server log:\n%s", missing, len(reqs), twice, srv.log)
		}
		t.Logf("%d of %d read entries were in the database at the kill; the restart wrote the others from the spool", len(before), len(reqs))
		checkAudit(t, b)
	})
}

// countRequests counts the placed audit entries of each request id in
// reqs.
func countRequests(t *testing.T, db *sql.DB, reqs []string) map[string]int {
	t.Helper()
	want := map[string]bool{}
	for _, id := range reqs {
		want[id] = true
	}
	rows, err := db.Query(`SELECT body FROM audit_entries WHERE tree_index IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			t.Fatal(err)
		}
		var e struct {
			Request string `json:"request"`
		}
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("audit entry %s: %v", body, err)
		}
		if want[e.Request] {
			out[e.Request]++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
