package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/rules"
	"github.com/yitong-health/yitong/store"
)

// Actions of the audit log's own acts.
const (
	// ActionSettings changes an audit setting (the retention period); its
	// Detail says the old and the new value.
	ActionSettings = "audit-settings"
	// ActionPrune prunes entries older than the retention period; its
	// Detail is a PruneDetail in JSON.
	ActionPrune = "audit-prune"
)

// RoleAuditAdmin is the role (identity.RoleAuditAdmin) that alone changes
// the audit settings.
const RoleAuditAdmin = "audit-admin"

// MaxRetentionMonths bounds the retention period (100 years).
const MaxRetentionMonths = 1200

// Records (store.RecordsTx) of the audit settings.
const (
	settingsKind = "audit-settings"
	retentionKey = "retention" // Retention
	lastRunKey   = "prune-run" // PruneRun of the latest run
	lastPruneKey = "prune"     // PruneRun of the latest run that pruned
)

// Retention is the configured retention period of the audit log.
type Retention struct {
	Months int `json:"months"`
	// Changed and By say when and by whom (kind/id) it was set.
	Changed time.Time `json:"changed"`
	By      string    `json:"by"`
}

// PruneRun is what one run of Prune did.
type PruneRun struct {
	Time time.Time `json:"time"`
	// Before is the pruned mark after the run: entries at tree positions
	// below it have been pruned.
	Before int64 `json:"before"`
	// Pruned counts the entries this run pruned.
	Pruned int64 `json:"pruned"`
	// Cutoff is the run's time less the retention period; Months the
	// period.
	Cutoff time.Time `json:"cutoff"`
	Months int       `json:"months"`
}

// PruneDetail is the Detail (JSON) of an ActionPrune entry: what Verify
// checks a pruned range against.
type PruneDetail struct {
	// From and Before bound the tree positions pruned by this act: the
	// pruned mark before and after it. Before is the size of a checkpoint
	// signed at or before Cutoff.
	From   int64 `json:"from"`
	Before int64 `json:"before"`
	// Cutoff is the act's time less Months calendar months
	// (rules.MonthsBefore).
	Cutoff time.Time `json:"cutoff"`
	Months int       `json:"retentionMonths"`
	// Rule is the retention rule (id@version) the period was checked
	// against.
	Rule string `json:"rule"`
}

// Settings are the audit log's settings and what retention has done.
type Settings struct {
	Retention Retention
	// Default says no one has set the retention period: it is the legal
	// minimum of Rule.
	Default bool
	// Rule is the retention rule in force now.
	Rule rules.Retention
	// Size is the tree's size and PrunedBefore its pruned mark.
	Size, PrunedBefore int64
	// LastRun is the latest prune run and LastPrune the latest that
	// pruned anything (nil: none).
	LastRun, LastPrune *PruneRun
}

// retentionRule returns the retention rule in force at t.
func retentionRule(t time.Time) (rules.Retention, error) {
	r, ok := rules.RetentionAt(t)
	if !ok {
		return r, fmt.Errorf("audit: no log retention rule is in force at %s", t.UTC().Format(time.RFC3339))
	}
	return r, nil
}

// getJSON reads the settings record key into v; found is false when it
// does not exist.
func getJSON(ctx context.Context, tx store.Tx, key string, v any) (found bool, err error) {
	r, err := tx.Records().Get(ctx, settingsKind, key)
	if fhir.CodeOf(err) == fhir.IssueNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(r.Value, v); err != nil {
		return false, fmt.Errorf("audit: settings record %s: %w", key, err)
	}
	return true, nil
}

func putJSON(ctx context.Context, tx store.Tx, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Records().Put(ctx, store.Record{Kind: settingsKind, Key: key, Value: b})
}

// readRetention returns the configured retention period, or the legal
// minimum in force at now (default true) when none is set.
func readRetention(ctx context.Context, tx store.Tx, now time.Time) (r Retention, def bool, err error) {
	found, err := getJSON(ctx, tx, retentionKey, &r)
	if err != nil || found {
		return r, false, err
	}
	rule, err := retentionRule(now)
	if err != nil {
		return r, false, err
	}
	return Retention{Months: rule.MinMonths}, true, nil
}

// Settings returns the audit settings and the retention state, from one
// snapshot.
func (l *Log) Settings(ctx context.Context) (Settings, error) {
	var s Settings
	err := l.cfg.Store.View(ctx, func(tx store.Tx) error {
		now := tx.Now()
		var err error
		if s.Rule, err = retentionRule(now); err != nil {
			return err
		}
		if s.Retention, s.Default, err = readRetention(ctx, tx, now); err != nil {
			return err
		}
		st, err := tx.Audit().State(ctx)
		if err != nil {
			return err
		}
		s.Size, s.PrunedBefore = st.Size, st.PrunedBefore
		for _, k := range []struct {
			key string
			out **PruneRun
		}{{lastRunKey, &s.LastRun}, {lastPruneKey, &s.LastPrune}} {
			var run PruneRun
			found, err := getJSON(ctx, tx, k.key, &run)
			if err != nil {
				return err
			}
			if found {
				*k.out = &run
			}
		}
		return nil
	})
	return s, err
}

// refusal marks a refused settings change: its entry commits with it.
type refusal struct{ err *fhir.Error }

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

func isRefusal(err error) bool {
	var r *refusal
	return errors.As(err, &r)
}

// SetRetention sets the retention period to months, for the agent of the
// context's Event, and appends the act's entry (old and new value) in the
// same transaction. Only a signed-in audit administrator (user agent with
// role RoleAuditAdmin) may: anyone else gets a forbidden error, and a
// period below the legal minimum in force (rules.CheckRetention) or above
// MaxRetentionMonths an invalid error; both refusals are audited too
// (denied and failed) and change nothing.
func (l *Log) SetRetention(ctx context.Context, months int) error {
	agent := EventFrom(ctx).entry().Agent
	return Act(ctx, l.cfg.Store, l, isRefusal, func(tx store.Tx) (*Entry, error) {
		e := &Entry{Action: ActionSettings}
		if agent.Kind != "user" || agent.Role != RoleAuditAdmin {
			e.Outcome, e.Status = OutcomeDenied, 403
			e.Detail = fmt.Sprintf("forbidden: role %q may not change the audit settings", agent.Role)
			return e, &refusal{fhir.Errorf(fhir.IssueForbidden, "only audit administrators change the audit settings")}
		}
		now := tx.Now()
		old, _, err := readRetention(ctx, tx, now)
		if err != nil {
			return nil, err
		}
		if err := rules.CheckRetention(now, months); err != nil || months > MaxRetentionMonths {
			if err == nil {
				err = fmt.Errorf("a retention of %d months is above the largest allowed, %d", months, MaxRetentionMonths)
			}
			e.Outcome, e.Status = OutcomeFailed, 400
			e.Detail = fmt.Sprintf("invalid: retention %d → %d months refused", old.Months, months)
			return e, &refusal{fhir.Errorf(fhir.IssueInvalid, "%v", err)}
		}
		r := Retention{Months: months, Changed: now, By: agent.Kind + "/" + agent.ID}
		if err := putJSON(ctx, tx, retentionKey, r); err != nil {
			return nil, err
		}
		e.Detail = fmt.Sprintf("retention %d → %d months", old.Months, months)
		return e, nil
	})
}

// Prune drops the payloads of the entries older than the retention
// period, keeping the tree provable (store.AuditTx.Prune keeps every leaf
// hash, subtree hash and checkpoint). It prunes exactly up to the largest
// checkpoint signed at or before the cutoff (now less the retention
// period, rules.MonthsBefore): every pruned entry is covered by a signed
// checkpoint that is older than the cutoff, so no entry younger than the
// period is pruned. It refuses to prune at all when the configured period
// is below the legal minimum in force. When it prunes, it appends an
// ActionPrune entry (agent from the context's Event, the system agent
// without one) saying what it pruned and why, places it in the tree and
// signs a checkpoint, all in the one transaction that prunes: under the
// sequencer's lock and the store's tree lock, so it cannot race the
// sequencer of this or another process. Every run is recorded for
// Settings.
func (l *Log) Prune(ctx context.Context) (PruneRun, error) {
	if err := l.Flush(ctx); err != nil {
		return PruneRun{}, err
	}
	l.seqMu.Lock()
	defer l.seqMu.Unlock()
	var run PruneRun
	err := l.cfg.Store.Update(ctx, func(tx store.Tx) error {
		a := tx.Audit()
		st, err := a.State(ctx) // takes the tree lock
		if err != nil {
			return err
		}
		now := tx.Now()
		ret, _, err := readRetention(ctx, tx, now)
		if err != nil {
			return err
		}
		if err := rules.CheckRetention(now, ret.Months); err != nil {
			return fmt.Errorf("audit: nothing pruned: %w", err)
		}
		rule, err := retentionRule(now)
		if err != nil {
			return err
		}
		run = PruneRun{Time: now, Before: st.PrunedBefore, Cutoff: rules.MonthsBefore(now, ret.Months), Months: ret.Months}
		cp, err := a.CheckpointAt(ctx, run.Cutoff)
		switch {
		case fhir.CodeOf(err) == fhir.IssueNotFound:
			return putJSON(ctx, tx, lastRunKey, run)
		case err != nil:
			return err
		}
		// The stored time picked the checkpoint; its signed time must
		// agree, or the log has been tampered with.
		ks, _, err := keySetTx(ctx, tx, nil)
		if err != nil {
			return fmt.Errorf("audit: nothing pruned: %w", err)
		}
		if err := ks.verify(fromStore("", cp)); err != nil {
			return fmt.Errorf("audit: nothing pruned: the checkpoint of size %d does not verify: %w", cp.Size, err)
		}
		if cp.Size <= st.PrunedBefore {
			return putJSON(ctx, tx, lastRunKey, run)
		}
		if run.Pruned, err = a.Prune(ctx, cp.Size); err != nil {
			return err
		}
		run.Before = cp.Size
		d, err := json.Marshal(PruneDetail{From: st.PrunedBefore, Before: cp.Size, Cutoff: run.Cutoff, Months: ret.Months, Rule: rule.String()})
		if err != nil {
			return err
		}
		if err := l.Append(ctx, tx, Entry{Action: ActionPrune, Detail: string(d)}); err != nil {
			return err
		}
		// The prune's entry joins the tree (and a checkpoint) at once: no
		// pending entry can claim to authorise a pruned range.
		if err := l.sequenceAll(ctx, tx); err != nil {
			return err
		}
		if _, err := l.checkpointTx(ctx, tx); err != nil {
			return err
		}
		if err := putJSON(ctx, tx, lastPruneKey, run); err != nil {
			return err
		}
		return putJSON(ctx, tx, lastRunKey, run)
	})
	if err != nil {
		l.tree.reset()
		return PruneRun{}, err
	}
	return run, nil
}

// RunRetention prunes (Prune) after first and then every every, until ctx
// is done, as the system agent. Failures are logged and retried at the
// next run.
func (l *Log) RunRetention(ctx context.Context, first, every time.Duration) {
	ctx = WithEvent(ctx, &Event{Agent: SystemAgent, Source: "retention"})
	t := time.NewTimer(first)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		run, err := l.Prune(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			l.cfg.Logger.Error("audit: prune", "error", err.Error())
		case err == nil && run.Pruned > 0:
			l.cfg.Logger.Info("audit: pruned entries older than the retention period", "entries", run.Pruned, "before", run.Before, "cutoff", run.Cutoff.Format(time.RFC3339), "months", run.Months)
		}
		t.Reset(every)
	}
}
