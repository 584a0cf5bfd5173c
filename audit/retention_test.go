package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

// clock is a store clock that tests move forward by months; each reading
// advances it by a millisecond.
type clock struct {
	mu     sync.Mutex
	t      time.Time
	frozen bool // Now does not advance
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.frozen {
		c.t = c.t.Add(time.Millisecond)
	}
	return c.t
}

func (c *clock) set(t time.Time, frozen bool) {
	c.mu.Lock()
	c.t, c.frozen = t, frozen
	c.mu.Unlock()
}

func (c *clock) add(months, days int) {
	c.mu.Lock()
	c.t = c.t.AddDate(0, months, days)
	c.mu.Unlock()
}

func adminCtx(role string) context.Context {
	return audit.WithEvent(context.Background(), &audit.Event{Agent: audit.Agent{Kind: "user", ID: "a-" + role, Role: role}, Source: "127.0.0.1"})
}

// agentEntries returns the entries of one agent, newest first.
func agentEntries(t *testing.T, l *audit.Log, agent string) []audit.Entry {
	t.Helper()
	recs, err := l.Find(context.Background(), store.AuditQuery{Terms: []store.AuditTerm{{Kind: "agent", Value: agent}}, Count: 100})
	if err != nil {
		t.Fatal(err)
	}
	out, err := audit.ParseEntries(recs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRetentionSettings(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, st store.Store) {
		l, err := audit.Open(ctx, audit.Config{Store: st})
		if err != nil {
			t.Fatal(err)
		}
		s, err := l.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !s.Default || s.Retention.Months != 6 || s.Rule.ID != "C2" || s.LastRun != nil {
			t.Errorf("default settings = %+v", s)
		}
		// Only the audit administrator changes them; every attempt is audited.
		for _, role := range []string{"security-admin", "system-admin", "regulator"} {
			err := l.SetRetention(adminCtx(role), 24)
			if fhir.CodeOf(err) != fhir.IssueForbidden {
				t.Errorf("%s sets the retention: %v", role, err)
			}
			es := agentEntries(t, l, "user/a-"+role)
			if len(es) != 1 || es[0].Action != audit.ActionSettings || es[0].Outcome != audit.OutcomeDenied || es[0].Status != 403 {
				t.Errorf("%s's refusal audited as %+v", role, es)
			}
		}
		admin := adminCtx(audit.RoleAuditAdmin)
		// The boundary: 6 months is the legal minimum, 5 is refused.
		for _, m := range []int{5, 0, -1, audit.MaxRetentionMonths + 1} {
			if err := l.SetRetention(admin, m); fhir.CodeOf(err) != fhir.IssueInvalid {
				t.Errorf("%d months: %v", m, err)
			}
		}
		if s, _ := l.Settings(ctx); !s.Default || s.Retention.Months != 6 {
			t.Errorf("refused values changed the settings: %+v", s)
		}
		if err := l.SetRetention(admin, 12); err != nil {
			t.Fatal(err)
		}
		if err := l.SetRetention(admin, 6); err != nil {
			t.Fatalf("the minimum refused: %v", err)
		}
		s, err = l.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s.Default || s.Retention.Months != 6 || s.Retention.By != "user/a-audit-admin" || s.Retention.Changed.IsZero() {
			t.Errorf("settings after the changes = %+v", s)
		}
		es := agentEntries(t, l, "user/a-audit-admin")
		var details []string
		for _, e := range es {
			details = append(details, e.Outcome+": "+e.Detail)
		}
		want := []string{"success: retention 12 → 6 months", "success: retention 6 → 12 months"}
		if len(details) != 6 || details[0] != want[0] || details[1] != want[1] || !strings.HasPrefix(details[5], "failed: invalid: retention 6 → 5") {
			t.Errorf("the administrator's audited acts: %q", details)
		}
		if err := l.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Verify(ctx, st, audit.VerifyOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			c := &clock{t: time.Date(2026, 1, 10, 2, 0, 0, 0, time.UTC)}
			st := b.Open(t, c.Now)
			l, err := audit.Open(ctx, audit.Config{Store: st})
			if err != nil {
				t.Fatal(err)
			}
			sys := audit.WithEvent(ctx, &audit.Event{Agent: audit.Agent{Kind: "system", ID: "yitong-admin"}})
			// Nothing to prune in an empty log, or before any checkpoint is old enough.
			if run, err := l.Prune(sys); err != nil || run.Pruned != 0 {
				t.Fatalf("prune of an empty log: %+v, %v", run, err)
			}
			fill(t, ctx, st, l, 9, 2, "old")
			old, err := l.Checkpoint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			c.add(1, 0)
			fill(t, ctx, st, l, 7, 2, "newer")
			if _, err := l.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			c.add(4, 25) // 5 days short of 6 months after the first checkpoint
			if run, err := l.Prune(sys); err != nil || run.Pruned != 0 {
				t.Fatalf("prune before any checkpoint is 6 months old: %+v, %v", run, err)
			}
			c.add(0, 10) // 6 months and 5 days after it, 5 months after the second
			run, err := l.Prune(sys)
			if err != nil {
				t.Fatal(err)
			}
			if run.Pruned != old.Size || run.Before != old.Size || run.Months != 6 {
				t.Fatalf("prune = %+v, want the %d entries of the old checkpoint", run, old.Size)
			}
			if !old.Time.Before(run.Cutoff) || run.Cutoff.After(run.Time.AddDate(0, -6, 0)) {
				t.Errorf("cutoff %s for a run at %s (checkpoint %s)", run.Cutoff, run.Time, old.Time)
			}
			rep, err := audit.Verify(ctx, st, audit.VerifyOptions{})
			if err != nil {
				t.Fatalf("the pruned log does not verify: %v", err)
			}
			if rep.Pruned != old.Size || rep.Versions != 2 { // the old versions' entries are pruned
				t.Errorf("verify report %+v", rep)
			}
			// Again: nothing more is old enough.
			if again, err := l.Prune(sys); err != nil || again.Pruned != 0 || again.Before != old.Size {
				t.Errorf("second prune: %+v, %v", again, err)
			}
			s, err := l.Settings(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if s.PrunedBefore != old.Size || s.LastPrune == nil || s.LastPrune.Pruned != old.Size || s.LastRun == nil || !s.LastRun.Time.After(s.LastPrune.Time) {
				t.Errorf("settings after pruning: %+v", s)
			}
			// The prune is audited with what it did.
			es := agentEntries(t, l, "system/yitong-admin")
			if len(es) != 1 || es[0].Action != audit.ActionPrune {
				t.Fatalf("prune entries: %+v", es)
			}
			var d audit.PruneDetail
			if err := json.Unmarshal([]byte(es[0].Detail), &d); err != nil || d.From != 0 || d.Before != old.Size || d.Months != 6 || d.Rule != "C2@2017-06-01" {
				t.Errorf("prune detail %+v, %v", d, err)
			}
			// Pruned entries are not found any more, by any term.
			for _, agent := range []string{"user/u1", "system/yitong"} {
				for _, e := range agentEntries(t, l, agent) {
					if strings.HasPrefix(e.RequestID, "old-") {
						t.Errorf("a pruned entry is still found: %+v", e)
					}
				}
			}
			recs, err := l.Find(ctx, store.AuditQuery{Count: 1000})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				if r.Index >= 0 && r.Index < old.Size {
					t.Errorf("Find returns pruned entry %d", r.Index)
				}
			}
			if _, err := l.Entry(ctx, 1); fhir.CodeOf(err) != fhir.IssueNotFound {
				t.Errorf("a pruned entry by seq: %v", err)
			}
			// A pruned entry's inclusion is still provable.
			latest, err := l.Latest(ctx)
			if err != nil {
				t.Fatal(err)
			}
			p, err := l.InclusionProof(ctx, 1, latest.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := audit.VerifyInclusion(l.Hasher(), p, latest.Root); err != nil {
				t.Errorf("inclusion of a pruned entry: %v", err)
			}
			// An export begins at the first entry with content and verifies.
			var buf bytes.Buffer
			sum, err := audit.Export(ctx, st, &buf, 0)
			if err != nil || sum.Begin != old.Size {
				t.Fatalf("export: %+v, %v", sum, err)
			}
			if _, err := audit.VerifyExport(&buf, l.PublicKey().PublicKeyDER, &latest); err != nil {
				t.Errorf("the export after pruning: %v", err)
			}
			if _, err := audit.Export(ctx, st, &bytes.Buffer{}, 1); fhir.CodeOf(err) != fhir.IssueInvalid {
				t.Errorf("export from a pruned position: %v", err)
			}
		})
	}
}

// clockedLog opens a log on a fresh SQLite database whose clock the test
// moves (starting 2026-01-10).
func clockedLog(t *testing.T) (*clock, store.Store, *audit.Log) {
	t.Helper()
	c := &clock{t: time.Date(2026, 1, 10, 2, 0, 0, 0, time.UTC)}
	st := storetest.OpenSQLite(t, c.Now)
	l, err := audit.Open(context.Background(), audit.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	return c, st, l
}

// TestPruneRefusedBelowMinimum: a retention below the legal minimum
// (a settings record written behind the platform's back) prunes nothing.
func TestPruneRefusedBelowMinimum(t *testing.T) {
	ctx := context.Background()
	c, st, l := clockedLog(t)
	fill(t, ctx, st, l, 5, 1, "old")
	if _, err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	err := st.Update(ctx, func(tx store.Tx) error {
		return tx.Records().Put(ctx, store.Record{Kind: "audit-settings", Key: "retention", Value: []byte(`{"months":3}`)})
	})
	if err != nil {
		t.Fatal(err)
	}
	c.add(12, 0)
	if _, err := l.Prune(ctx); err == nil || !strings.Contains(err.Error(), "below the legal minimum") {
		t.Errorf("prune under 3 months: %v", err)
	}
	if s, err := l.Settings(ctx); err != nil || s.PrunedBefore != 0 || s.LastRun != nil {
		t.Errorf("after the refused prune: %+v, %v", s, err)
	}
	var ve *audit.VerifyError
	if _, err := audit.Verify(ctx, st, audit.VerifyOptions{}); errors.As(err, &ve) || err != nil {
		t.Errorf("verify: %v", err)
	}
}

// TestPruneBoundary: a checkpoint exactly 6 months old is pruned, one a
// millisecond younger is not.
func TestPruneBoundary(t *testing.T) {
	ctx := context.Background()
	c, st, l := clockedLog(t)
	fill(t, ctx, st, l, 4, 1, "old")
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fill(t, ctx, st, l, 4, 1, "new")
	if _, err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	c.set(cp.Time.AddDate(0, 6, 0).Add(-time.Millisecond), true)
	if run, err := l.Prune(ctx); err != nil || run.Pruned != 0 {
		t.Fatalf("a checkpoint a millisecond short of 6 months pruned: %+v, %v", run, err)
	}
	c.set(cp.Time.AddDate(0, 6, 0), true)
	run, err := l.Prune(ctx)
	if err != nil || run.Pruned != cp.Size || !run.Cutoff.Equal(cp.Time) {
		t.Fatalf("a checkpoint exactly 6 months old: %+v, %v (checkpoint %d at %s)", run, err, cp.Size, cp.Time)
	}
	c.set(cp.Time.AddDate(0, 6, 1), false)
	if _, err := audit.Verify(ctx, st, audit.VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestRunRetention: the background run prunes and records its runs, and
// stops with its context.
func TestRunRetention(t *testing.T) {
	ctx := context.Background()
	c, st, l := clockedLog(t)
	fill(t, ctx, st, l, 4, 1, "old")
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.add(7, 0)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); l.RunRetention(rctx, 0, time.Hour) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := l.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s.LastPrune != nil {
			if s.PrunedBefore != cp.Size || s.LastPrune.Pruned != cp.Size {
				t.Errorf("background prune: %+v", s)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the background run did not prune")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	es := agentEntries(t, l, "system/yitong")
	if len(es) == 0 || es[0].Action != audit.ActionPrune || es[0].Source != "retention" {
		t.Errorf("the background prune's entry: %+v", es)
	}
	if _, err := audit.Verify(ctx, st, audit.VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
}
