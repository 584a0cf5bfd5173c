package rest_test

import (
	"strings"
	"sync"
	"testing"
)

// concurrently runs n copies of fn at once and returns their responses.
func concurrently(n int, fn func(i int) response) []response {
	out := make([]response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// statuses counts responses by status and fails on any 5xx.
func statuses(t *testing.T, rs []response) map[int]int {
	t.Helper()
	n := map[int]int{}
	for _, r := range rs {
		n[r.Status]++
		if r.Status >= 500 {
			t.Errorf("server error under concurrency: %s", r)
		}
	}
	return n
}

func TestConcurrentConditionalCreate(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		crit := query("identifier", "urn:race|1")
		rs := concurrently(20, func(int) response {
			return e.do(t, "POST", "/Patient", patient("urn:race", "1"), "If-None-Exist", crit)
		})
		n := statuses(t, rs)
		if n[201] != 1 || n[200] != 19 {
			t.Errorf("statuses %v; want one 201 and nineteen 200", n)
		}
		ids := map[string]bool{}
		for _, r := range rs {
			if r.Status < 300 {
				ids[str(r.JSON(t), "id")] = true
			}
		}
		if len(ids) != 1 {
			t.Errorf("the creates answered with %d different ids", len(ids))
		}
		if got := e.search(t, "Patient", crit); len(got) != 1 {
			t.Errorf("%d resources match %s, want 1", len(got), crit)
		}
	})
}

func TestConcurrentConditionalUpdate(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		path := "/Patient?" + query("identifier", "urn:race|2")
		rs := concurrently(10, func(int) response { return e.do(t, "PUT", path, patient("urn:race", "2")) })
		n := statuses(t, rs)
		if n[201] != 1 || n[200] != 9 {
			t.Errorf("statuses %v; want one 201 and nine 200", n)
		}
		got := e.search(t, "Patient", query("identifier", "urn:race|2"))
		if len(got) != 1 {
			t.Fatalf("%d resources match, want 1", len(got))
		}
		if v := str(e.read(t, "Patient", got[0]), "meta", "versionId"); v != "10" {
			t.Errorf("the resource is at version %s, want 10", v)
		}
	})
}

func TestConcurrentIfMatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		id := e.create(t, patient("urn:race", "3"))
		p := e.read(t, "Patient", id)
		rs := concurrently(20, func(int) response {
			return e.do(t, "PUT", "/Patient/"+id, p, "If-Match", `W/"1"`)
		})
		n := statuses(t, rs)
		if n[200] != 1 || n[412]+n[409] != 19 {
			t.Errorf("statuses %v; want one 200 and nineteen 412 or 409", n)
		}
		for _, r := range rs {
			if r.Status == 412 || r.Status == 409 {
				wantOutcome(t, r, r.Status)
			}
		}
		if v := str(e.read(t, "Patient", id), "meta", "versionId"); v != "2" {
			t.Errorf("version %s, want 2", v)
		}
	})
}

// TestConcurrentUpdatesWithoutIfMatch checks that updates and patches that
// set no precondition all land, one version each, as they do when they
// arrive one after another: the client asked for no version check, so a
// race with another writer is the server's to resolve.
func TestConcurrentUpdatesWithoutIfMatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		id := e.create(t, patient("urn:race", "5"))
		p := e.read(t, "Patient", id)
		rs := concurrently(10, func(i int) response {
			if i%2 == 0 {
				return e.do(t, "PATCH", "/Patient/"+id, `[{"op":"replace","path":"/active","value":false}]`,
					"Content-Type", "application/json-patch+json")
			}
			return e.do(t, "PUT", "/Patient/"+id, p)
		})
		if n := statuses(t, rs); n[200] != 10 {
			t.Errorf("statuses %v; want ten 200", n)
		}
		if v := str(e.read(t, "Patient", id), "meta", "versionId"); v != "11" {
			t.Errorf("version %s, want 11", v)
		}
	})
}

// TestConcurrentMixed runs creates, conditional creates, reads and history
// at once and checks nothing fails.
func TestConcurrentMixed(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		id := e.create(t, patient("urn:race", "4"))
		rs := concurrently(40, func(i int) response {
			switch i % 4 {
			case 0:
				return e.do(t, "POST", "/Patient", patient("urn:race", "mixed"))
			case 1:
				return e.do(t, "GET", "/Patient/"+id, nil)
			case 2:
				return e.do(t, "POST", "/Patient", patient("urn:race", "4"), "If-None-Exist", query("identifier", "urn:race|4"))
			default:
				return e.do(t, "GET", "/_history?_count=5", nil)
			}
		})
		n := statuses(t, rs)
		if n[201] != 10 || n[200] != 30 {
			t.Errorf("statuses %v; want ten 201 and thirty 200", n)
		}
	})
}

// TestConcurrentTransactions runs transactions that conditionally create the
// same patient and reference it: one patient comes to be, and every
// observation points at it.
func TestConcurrentTransactions(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		const pURL = "urn:uuid:2b7c9d1e-0000-4000-8000-000000000001"
		rs := concurrently(10, func(int) response {
			return e.do(t, "POST", "", bundle("transaction",
				entry("", "POST", "Observation", observation(pURL)),
				entry(pURL, "POST", "Patient", patient("urn:race", "tx"), "ifNoneExist", query("identifier", "urn:race|tx")),
			))
		})
		if n := statuses(t, rs); n[200] != 10 {
			t.Fatalf("statuses %v; want ten 200", n)
		}
		pats := e.search(t, "Patient", query("identifier", "urn:race|tx"))
		if len(pats) != 1 {
			t.Fatalf("%d patients, want 1", len(pats))
		}
		for _, r := range rs {
			entries := list(r.JSON(t), "entry")
			if got := target(t, entries[1]); got != "Patient/"+pats[0] {
				t.Errorf("the patient entry names %s, want Patient/%s", got, pats[0])
			}
			o := e.read(t, "Observation", strings.TrimPrefix(target(t, entries[0]), "Observation/"))
			if got := str(o, "subject", "reference"); got != "Patient/"+pats[0] {
				t.Errorf("subject %q, want Patient/%s", got, pats[0])
			}
		}
	})
}
