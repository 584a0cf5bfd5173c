package identity

import (
	"context"
	"encoding/json"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// Login throttling (QUALITY.md item 10). Failures are counted per user
// name for callers without a device token, and per device for a browser
// that has signed in to the account before. After FreeFailures failures in
// a row the key is locked for LockBase, doubling with each further lock up
// to LockMax; a success clears it, and a key quiet for a day is forgotten.
// One key therefore takes at most 30 failures an hour (5 at each of 0, 1,
// 3, 7, 15 and 31 minutes), far below the 100 allowed. An attacker who
// guesses passwords locks only the user-name key: the owner's browser,
// holding a device token, signs in through its own key (the OWASP
// "device cookie" scheme), so lockout cannot keep the owner out.
const (
	FreeFailures = 5
	LockBase     = time.Minute
	LockMax      = 30 * time.Minute
	throttleTTL  = 24 * time.Hour
)

// throttle is the state of one throttle key.
type throttle struct {
	Failures    int       `json:"failures"`
	Locks       int       `json:"locks"`
	LockedUntil time.Time `json:"lockedUntil"`
}

// loadThrottle returns the key's state, locked for this transaction. A
// key seen for the first time is claimed with an empty record, so that
// concurrent first failures queue on its row instead of overwriting one
// another.
func loadThrottle(ctx context.Context, tx store.Tx, key string) (throttle, error) {
	var t throttle
	err := getJSON(ctx, tx, kindThrottle, key, &t)
	if !isNotFound(err) {
		return t, err
	}
	b, err := json.Marshal(throttle{})
	if err != nil {
		return throttle{}, err
	}
	err = tx.Records().Insert(ctx, store.Record{Kind: kindThrottle, Key: key, Value: b, Expires: tx.Now().Add(throttleTTL)})
	if fhir.CodeOf(err) == fhir.IssueConflict {
		// Another transaction claimed it first and has committed.
		return t, getJSON(ctx, tx, kindThrottle, key, &t)
	}
	return throttle{}, err
}

// fail counts a failure at now and saves the state.
func (t *throttle) fail(ctx context.Context, tx store.Tx, key string, now time.Time) error {
	t.Failures++
	if t.Failures >= FreeFailures {
		t.Failures = 0
		t.Locks++
		d := LockMax
		if t.Locks <= 6 {
			d = min(LockBase<<(t.Locks-1), LockMax)
		}
		t.LockedUntil = now.Add(d)
	}
	return putJSON(ctx, tx, kindThrottle, key, t, now.Add(throttleTTL))
}

// clear forgets the key after a success.
func clearThrottle(ctx context.Context, tx store.Tx, key string) error {
	return tx.Records().Delete(ctx, kindThrottle, key)
}
