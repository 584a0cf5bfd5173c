package crashtest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// verified sums up a verification.
type verified struct {
	checks int
	// Unacknowledged transactions found committed (the crash came after the
	// commit, before the answer) and not committed.
	unackedPresent, unackedAbsent int
}

// verifyAcks checks, through a restarted server, that every acknowledged
// write survived and that every transaction is wholly present or wholly
// absent.
func verifyAcks(t testing.TB, c *client, l *ledger) verified {
	t.Helper()
	ctx := context.Background()
	l.mu.Lock()
	acks := append([]ack(nil), l.acks...)
	bundles := append([]bundleRec(nil), l.bundles...)
	l.mu.Unlock()

	latest := map[string]ack{} // Type/id -> the newest acknowledged version
	for _, a := range acks {
		k := a.typ + "/" + a.id
		if a.version > latest[k].version {
			latest[k] = a
		}
	}
	var jobs []func() error
	for _, a := range acks {
		jobs = append(jobs, func() error { return checkVersion(ctx, c, a) })
	}
	for _, a := range latest {
		jobs = append(jobs, func() error { return checkCurrent(ctx, c, a) })
	}
	var sum verified
	var mu sync.Mutex
	for _, b := range bundles {
		jobs = append(jobs, func() error {
			present, err := checkBundle(ctx, c, b)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil || b.acked:
			case present:
				sum.unackedPresent++
			default:
				sum.unackedAbsent++
			}
			return err
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

// runAll runs jobs on n goroutines and returns their errors.
func runAll(jobs []func() error, n int) []error {
	var mu sync.Mutex
	var errs []error
	next := make(chan func() error)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range next {
				if err := job(); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	return errs
}

// checkVersion: vread of the acknowledged version gives the acknowledged
// content (or 410 for a deletion).
func checkVersion(ctx context.Context, c *client, a ack) error {
	r, err := c.do(ctx, http.MethodGet, fmt.Sprintf("/%s/%s/_history/%d", a.typ, a.id, a.version), nil)
	if err != nil {
		return fmt.Errorf("vread for the %s: %v", a, err)
	}
	if a.deleted {
		if r.status != http.StatusGone {
			return fmt.Errorf("acknowledged write lost: the %s: vread answers %d, want 410: %s", a, r.status, r.body)
		}
		return nil
	}
	if r.status != http.StatusOK {
		return fmt.Errorf("acknowledged write lost: the %s: vread answers %d: %s", a, r.status, r.body)
	}
	res, err := decodeBody(r)
	if err != nil {
		return fmt.Errorf("the %s: vread body: %v", a, err)
	}
	if hashOf(res) != a.hash {
		return fmt.Errorf("acknowledged write changed: the %s reads back different content: %s", a, r.body)
	}
	return nil
}

// checkCurrent: the resource is at the acknowledged version or a later one.
func checkCurrent(ctx context.Context, c *client, a ack) error {
	r, err := c.do(ctx, http.MethodGet, "/"+a.typ+"/"+a.id, nil)
	if err != nil {
		return fmt.Errorf("read for the %s: %v", a, err)
	}
	if r.status != http.StatusOK && r.status != http.StatusGone {
		return fmt.Errorf("acknowledged write lost: the %s: read answers %d: %s", a, r.status, r.body)
	}
	etag := r.header.Get("ETag")
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(etag, "W/"), `"`), 10, 64)
	if err != nil {
		return fmt.Errorf("the %s: read answers %d with ETag %q", a, r.status, etag)
	}
	if v < a.version {
		return fmt.Errorf("acknowledged write lost: the %s, but the resource is at version %d", a, v)
	}
	if v == a.version && (r.status == http.StatusGone) != a.deleted {
		return fmt.Errorf("the %s: read answers %d at that version", a, r.status)
	}
	return nil
}

// checkBundle: the number of resources carrying a transaction's marker is
// its size when it was acknowledged, and 0 or its size otherwise. present
// reports whether the transaction's resources are there.
func checkBundle(ctx context.Context, c *client, b bundleRec) (present bool, err error) {
	n := 0
	for _, typ := range []string{"Patient", "Observation"} {
		q := url.Values{"identifier": {bundleSystem + "|" + b.marker}}
		r, err := c.do(ctx, http.MethodGet, "/"+typ+"?"+q.Encode(), nil)
		if err != nil {
			return false, fmt.Errorf("search for transaction %s: %v", b.marker, err)
		}
		if r.status != http.StatusOK {
			return false, fmt.Errorf("search for transaction %s answers %d: %s", b.marker, r.status, r.body)
		}
		res, err := decodeBody(r)
		if err != nil {
			return false, fmt.Errorf("search for transaction %s: %v", b.marker, err)
		}
		entries, _ := res["entry"].([]any)
		for _, e := range entries {
			em, _ := e.(map[string]any)
			search, _ := em["search"].(map[string]any)
			if search["mode"] == "match" {
				n++
			}
		}
	}
	switch {
	case b.acked && n != b.size:
		return false, fmt.Errorf("acknowledged transaction %s (cycle %d) has %d of its %d resources", b.marker, b.cycle, n, b.size)
	case !b.acked && n != 0 && n != b.size:
		return false, fmt.Errorf("unacknowledged transaction %s (cycle %d) is half applied: %d of its %d resources", b.marker, b.cycle, n, b.size)
	}
	return n > 0, nil
}
