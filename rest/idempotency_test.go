package rest_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yitong-health/yitong/auth"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/rest"
	"github.com/yitong-health/yitong/store/storetest"
)

// key sends an Idempotency-Key header.
func key(k string) []string { return []string{rest.IdempotencyKeyHeader, k} }

// wantSameAnswer checks that a repeat got the first answer, marked as a
// replay.
func wantSameAnswer(t *testing.T, first, again response) {
	t.Helper()
	if again.Status != first.Status || !bytes.Equal(again.Body, first.Body) {
		t.Fatalf("the repeat answered\n%s\nthe first answer was\n%s", again, first)
	}
	for _, h := range []string{"Location", "ETag", "Last-Modified", "Content-Type"} {
		if again.Header.Get(h) != first.Header.Get(h) {
			t.Errorf("%s: the repeat has %q, the first answer %q", h, again.Header.Get(h), first.Header.Get(h))
		}
	}
	if again.Header.Get(rest.ReplayedHeader) != "true" {
		t.Errorf("the repeat has no %s: true", rest.ReplayedHeader)
	}
}

// TestIdempotencySerial: the same key and request five times has one
// effect, and every repeat gets the first answer, for every write.
func TestIdempotencySerial(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		const n = 5
		pat := patient("urn:oid:2.16.156.10011.1.3", "110101199003070000")
		total := e.systemTotal(t)
		first := e.do(t, "POST", "/Patient", pat, key("create-1")...)
		wantStatus(t, first, http.StatusCreated)
		if first.Header.Get(rest.ReplayedHeader) != "" {
			t.Errorf("the first answer is marked as a replay")
		}
		for range n - 1 {
			wantSameAnswer(t, first, e.do(t, "POST", "/Patient", pat, key("create-1")...))
		}
		if got := e.systemTotal(t); got != total+1 {
			t.Fatalf("%d creates with one key wrote %d versions, want 1", n, got-total)
		}
		id := str(first.JSON(t), "id")

		// update
		upd := first.JSON(t)
		upd["gender"] = "female"
		first = e.do(t, "PUT", "/Patient/"+id, upd, key("update-1")...)
		wantStatus(t, first, http.StatusOK)
		for range n - 1 {
			wantSameAnswer(t, first, e.do(t, "PUT", "/Patient/"+id, upd, key("update-1")...))
		}
		// patch
		patch := `[{"op":"replace","path":"/gender","value":"male"}]`
		first = e.do(t, "PATCH", "/Patient/"+id, patch, append(key("patch-1"), "Content-Type", "application/json-patch+json")...)
		wantStatus(t, first, http.StatusOK)
		for range n - 1 {
			wantSameAnswer(t, first, e.do(t, "PATCH", "/Patient/"+id, patch, append(key("patch-1"), "Content-Type", "application/json-patch+json")...))
		}
		if got := e.systemTotal(t); got != total+3 {
			t.Fatalf("create, update and patch, each %d times with its key, wrote %d versions, want 3", n, got-total)
		}
		if v := str(e.read(t, "Patient", id), "meta", "versionId"); v != "3" {
			t.Fatalf("Patient/%s is at version %s, want 3", id, v)
		}
		// delete: the replay has the deletion's ETag, which a plain
		// delete of a deleted resource would not have.
		first = e.do(t, "DELETE", "/Patient/"+id, nil, key("delete-1")...)
		wantStatus(t, first, http.StatusNoContent)
		if first.Header.Get("ETag") == "" {
			t.Fatalf("the delete has no ETag: %v", first.Header)
		}
		for range n - 1 {
			wantSameAnswer(t, first, e.do(t, "DELETE", "/Patient/"+id, nil, key("delete-1")...))
		}
		if got := e.systemTotal(t); got != total+4 {
			t.Fatalf("after the deletes: %d versions written, want 4", got-total)
		}
		// A request without a key is unchanged: two creates, two resources.
		for range 2 {
			r := e.do(t, "POST", "/Patient", pat)
			wantStatus(t, r, http.StatusCreated)
			if r.Header.Get(rest.ReplayedHeader) != "" {
				t.Fatalf("a request without a key is marked replayed: %v", r.Header)
			}
		}
		if got := e.systemTotal(t); got != total+6 {
			t.Fatalf("two creates without a key wrote %d versions, want 2", got-total-4)
		}
	})
}

// TestIdempotencyConcurrent: eight simultaneous requests with one key have
// one effect, and all get the same answer.
func TestIdempotencyConcurrent(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		const n = 8
		total := e.systemTotal(t)
		run := func(method, path string, body any, k string) []response {
			out := make([]response, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					out[i] = e.do(t, method, path, body, key(k)...)
				}()
			}
			close(start)
			wg.Wait()
			fresh := 0
			for _, r := range out {
				if r.Header.Get(rest.ReplayedHeader) == "" {
					fresh++
				}
			}
			if fresh != 1 {
				t.Errorf("%d of %d answers were not replays, want 1", fresh, n)
			}
			for _, r := range out[1:] {
				if r.Status != out[0].Status || !bytes.Equal(r.Body, out[0].Body) || r.Header.Get("Location") != out[0].Header.Get("Location") {
					t.Fatalf("concurrent answers differ:\n%s\n%s", out[0], r)
				}
			}
			return out
		}
		out := run("POST", "/Patient", patient("urn:oid:2.16.156.10011.1.3", "110101199003070001"), "c-create")
		wantStatus(t, out[0], http.StatusCreated)
		if got := e.systemTotal(t); got != total+1 {
			t.Fatalf("%d concurrent creates with one key wrote %d versions, want 1", n, got-total)
		}
		id := str(out[0].JSON(t), "id")
		upd := out[0].JSON(t)
		upd["gender"] = "female"
		out = run("PUT", "/Patient/"+id, upd, "c-update")
		wantStatus(t, out[0], http.StatusOK)
		if got := e.systemTotal(t); got != total+2 {
			t.Fatalf("%d concurrent updates with one key wrote %d versions, want 1", n, got-total-1)
		}
		tx := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
			map[string]any{"fullUrl": "urn:uuid:6a1c3b1e-0000-4000-8000-000000000002",
				"resource": patient("urn:oid:2.16.156.10011.1.3", "110101199003070010"),
				"request":  map[string]any{"method": "POST", "url": "Patient"}},
			map[string]any{"resource": observation("urn:uuid:6a1c3b1e-0000-4000-8000-000000000002"),
				"request": map[string]any{"method": "POST", "url": "Observation"}},
		}}
		out = run("POST", "", tx, "c-transaction")
		wantStatus(t, out[0], http.StatusOK)
		if got := e.systemTotal(t); got != total+4 {
			t.Fatalf("%d concurrent transactions of 2 entries with one key wrote %d versions, want 2", n, got-total-2)
		}

		// Concurrent requests with one key and different bodies: one
		// acts, the others are refused.
		var wg sync.WaitGroup
		statuses := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := patient("urn:oid:2.16.156.10011.1.3", fmt.Sprintf("11010119900307%04d", 100+i))
				statuses[i] = e.do(t, "POST", "/Patient", p, key("c-different")...).Status
			}()
		}
		wg.Wait()
		created := 0
		for _, s := range statuses {
			switch s {
			case http.StatusCreated:
				created++
			case http.StatusUnprocessableEntity:
			default:
				t.Errorf("a request with a contested key answered %d", s)
			}
		}
		if created != 1 || e.systemTotal(t) != total+5 {
			t.Fatalf("%d of %d different requests with one key were done (statuses %v), want 1", created, n, statuses)
		}
	})
}

// TestIdempotencyOtherRequest: a key used for one request refuses another
// (another body, path or condition) with 422 and writes nothing.
func TestIdempotencyOtherRequest(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		pat := patient("urn:oid:2.16.156.10011.1.3", "110101199003070002")
		r := e.do(t, "POST", "/Patient", pat, key("k")...)
		wantStatus(t, r, http.StatusCreated)
		id := str(r.JSON(t), "id")
		total := e.systemTotal(t)
		other := clone(pat)
		other["gender"] = "female"
		for _, c := range []struct {
			name, method, path string
			body               any
			header             []string
		}{
			{"another body", "POST", "/Patient", other, nil},
			{"another path", "POST", "/Observation", observation("Patient/" + id), nil},
			{"another method", "PUT", "/Patient/" + id, r.JSON(t), nil},
			{"a condition", "POST", "/Patient", pat, []string{"If-None-Exist", "identifier=x|y"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := e.do(t, c.method, c.path, c.body, append(key("k"), c.header...)...)
				diag := wantOutcome(t, r, http.StatusUnprocessableEntity)
				if code := str(r.JSON(t), "issue", 0, "code"); code != "business-rule" || !strings.Contains(diag, rest.IdempotencyKeyHeader) {
					t.Errorf("issue %s %q, want business-rule naming the header", code, diag)
				}
				e.wantUnchanged(t, total)
			})
		}
	})
}

// userPolicy authenticates the user named by X-Test-User and lets them do
// everything.
type userPolicy struct{}

func (userPolicy) Authenticate(r *http.Request) (*auth.Principal, error) {
	u := r.Header.Get("X-Test-User")
	if u == "" {
		return nil, nil
	}
	return &auth.Principal{Account: &identity.Account{ID: u, Username: u, Role: identity.RoleDoctor}}, nil
}

func (userPolicy) Decide(context.Context, *auth.Principal, rest.Request) (auth.Access, error) {
	return auth.Access{All: true}, nil
}

// TestIdempotencyPerPrincipal: two callers' keys never collide.
func TestIdempotencyPerPrincipal(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		total := e.systemTotal(t)
		pat := patient("urn:oid:2.16.156.10011.1.3", "110101199003070003")
		a := e.do(t, "POST", "/Patient", pat, append(key("shared"), "X-Test-User", "alice")...)
		b := e.do(t, "POST", "/Patient", pat, append(key("shared"), "X-Test-User", "bob")...)
		wantStatus(t, a, http.StatusCreated)
		wantStatus(t, b, http.StatusCreated)
		if a.Header.Get("Location") == b.Header.Get("Location") || b.Header.Get(rest.ReplayedHeader) != "" {
			t.Fatalf("bob got alice's answer: %v / %v", a.Header, b.Header)
		}
		// Each replays their own, and another body is refused for each.
		wantSameAnswer(t, a, e.do(t, "POST", "/Patient", pat, append(key("shared"), "X-Test-User", "alice")...))
		wantSameAnswer(t, b, e.do(t, "POST", "/Patient", pat, append(key("shared"), "X-Test-User", "bob")...))
		if got := e.systemTotal(t); got != total+2 {
			t.Fatalf("two callers' creates wrote %d versions, want 2", got-total)
		}
	}, withPolicy(userPolicy{}))
}

// TestIdempotencyFailureKeepsKey: a write that fails does not use its key
// up: the client fixes the request and sends it again with the same key.
func TestIdempotencyFailureKeepsKey(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		total := e.systemTotal(t)
		bad := patient("urn:oid:2.16.156.10011.1.3", "110101199003070004")
		bad["birthDate"] = "not a date"
		wantOutcome(t, e.do(t, "POST", "/Patient", bad, key("fix-me")...), http.StatusBadRequest)
		// A failure is not recorded either: the same bad request fails again.
		wantOutcome(t, e.do(t, "POST", "/Patient", bad, key("fix-me")...), http.StatusBadRequest)
		e.wantUnchanged(t, total)
		good := patient("urn:oid:2.16.156.10011.1.3", "110101199003070004")
		first := e.do(t, "POST", "/Patient", good, key("fix-me")...)
		wantStatus(t, first, http.StatusCreated)
		wantSameAnswer(t, first, e.do(t, "POST", "/Patient", good, key("fix-me")...))
		// A precondition failure (If-Match) does not use the key either.
		id := str(first.JSON(t), "id")
		upd := first.JSON(t)
		wantOutcome(t, e.do(t, "PUT", "/Patient/"+id, upd, append(key("u"), "If-Match", `W/"7"`)...), http.StatusPreconditionFailed)
		wantStatus(t, e.do(t, "PUT", "/Patient/"+id, upd, append(key("u"), "If-Match", `W/"1"`)...), http.StatusOK)
		if got := e.systemTotal(t); got != total+2 {
			t.Fatalf("%d versions written, want 2", got-total)
		}
	})
}

// TestIdempotencyBadKey: a malformed key, or a key where it cannot be
// kept, is a 400 that writes nothing.
func TestIdempotencyBadKey(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		total := e.systemTotal(t)
		pat := patient("urn:oid:2.16.156.10011.1.3", "110101199003070005")
		for name, k := range map[string]string{
			"too long":  strings.Repeat("k", 256),
			"non-ASCII": "键",
			"control":   "a\tb",
		} {
			t.Run(name, func(t *testing.T) {
				wantOutcome(t, e.do(t, "POST", "/Patient", pat, key(k)...), http.StatusBadRequest)
			})
		}
		batch := map[string]any{"resourceType": "Bundle", "type": "batch", "entry": []any{
			map[string]any{"resource": pat, "request": map[string]any{"method": "POST", "url": "Patient"}},
		}}
		wantOutcome(t, e.do(t, "POST", "", batch, key("batch")...), http.StatusBadRequest)
		wantOutcome(t, e.do(t, "POST", "/$audit-checkpoint", nil, key("cp")...), http.StatusBadRequest)
		e.wantUnchanged(t, total)
		// 255 printable characters are a key; a key on a read is ignored.
		wantStatus(t, e.do(t, "POST", "/Patient", pat, key(strings.Repeat("~", 255))...), http.StatusCreated)
		wantStatus(t, e.do(t, "GET", "/Patient", nil, key("read")...), http.StatusOK)
	})
}

// TestIdempotencyTransaction: a transaction bundle with a key commits once;
// repeats get its response bundle.
func TestIdempotencyTransaction(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		total := e.systemTotal(t)
		tx := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
			map[string]any{"fullUrl": "urn:uuid:6a1c3b1e-0000-4000-8000-000000000001",
				"resource": patient("urn:oid:2.16.156.10011.1.3", "110101199003070006"),
				"request":  map[string]any{"method": "POST", "url": "Patient"}},
			map[string]any{"resource": observation("urn:uuid:6a1c3b1e-0000-4000-8000-000000000001"),
				"request": map[string]any{"method": "POST", "url": "Observation"}},
		}}
		first := e.do(t, "POST", "", tx, key("tx-1")...)
		wantStatus(t, first, http.StatusOK)
		for range 3 {
			wantSameAnswer(t, first, e.do(t, "POST", "", tx, key("tx-1")...))
		}
		if got := e.systemTotal(t); got != total+2 {
			t.Fatalf("a transaction of 2 entries sent 4 times with one key wrote %d versions, want 2", got-total)
		}
		// With return=representation the answer carries the resources.
		rep := e.do(t, "POST", "", tx, append(key("tx-2"), "Prefer", "return=representation")...)
		wantStatus(t, rep, http.StatusOK)
		if str(rep.JSON(t), "entry", 0, "resource", "resourceType") != "Patient" {
			t.Fatalf("no resource in the answer: %s", rep)
		}
		wantSameAnswer(t, rep, e.do(t, "POST", "", tx, append(key("tx-2"), "Prefer", "return=representation")...))
		if got := e.systemTotal(t); got != total+4 {
			t.Fatalf("%d versions written, want 4", got-total)
		}
	})
}

// TestIdempotencyReplayBound: an answer larger than the replay limit is
// refused (413) without writing, and does not use its key.
func TestIdempotencyReplayBound(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		total := e.systemTotal(t)
		pat := patient("urn:oid:2.16.156.10011.1.3", "110101199003070007")
		wantOutcome(t, e.do(t, "POST", "/Patient", pat, key("big")...), http.StatusRequestEntityTooLarge)
		e.wantUnchanged(t, total)
		wantStatus(t, e.do(t, "POST", "/Patient", pat, append(key("big"), "Prefer", "return=minimal")...), http.StatusCreated)
	}, func(c *config) { c.rest.Limits.MaxReplayBytes = 40 })
}

// TestIdempotencyExpiry: an expired key is pruned, and then the same key
// is a new request.
func TestIdempotencyExpiry(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		pat := patient("urn:oid:2.16.156.10011.1.3", "110101199003070008")
		first := e.do(t, "POST", "/Patient", pat, key("old")...)
		wantStatus(t, first, http.StatusCreated)
		stale := e.do(t, "POST", "/Patient", pat, key("stale")...)
		wantStatus(t, stale, http.StatusCreated)
		time.Sleep(60 * time.Millisecond)
		// Expired but not yet pruned: the key is a new request too, and its
		// row is replaced.
		staleAgain := e.do(t, "POST", "/Patient", pat, key("stale")...)
		wantStatus(t, staleAgain, http.StatusCreated)
		if staleAgain.Header.Get(rest.ReplayedHeader) != "" || staleAgain.Header.Get("Location") == stale.Header.Get("Location") {
			t.Fatalf("an expired, unpruned key was replayed")
		}
		n, err := rest.PruneIdempotencyKeys(context.Background(), e.st)
		// "old" has expired; the replaced "stale" may have too on a slow
		// machine.
		if err != nil || n < 1 || n > 2 {
			t.Fatalf("prune = %d, %v; want 1 or 2", n, err)
		}
		again := e.do(t, "POST", "/Patient", pat, key("old")...)
		wantStatus(t, again, http.StatusCreated)
		if again.Header.Get("Location") == first.Header.Get("Location") {
			t.Fatalf("an expired key was replayed")
		}
	}, func(c *config) { c.rest.IdempotencyRetention = 50 * time.Millisecond })
}

// TestIdempotencySign: $sign with a key signs once; a repeat, also a
// concurrent one, gets the signed prescription again and adds no
// Provenance; a wrong PIN does not use the key up.
func TestIdempotencySign(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			sw := newSignWorld(t, b)
			e := sw.e
			drTok, drPr := sw.doctor(t, "dr-idem", identity.RoleDoctor, true)
			sign := func(id, pin, k string) response {
				return e.do(t, "POST", "/MedicationRequest/"+id+"/$sign", pinParameters(pin), append(bearer(drTok), key(k)...)...)
			}
			rx := e.create(t, draftRx(sw.patient["own"], drPr), bearer(sw.admin)...)
			total := sw.total(t)
			// A wrong PIN is refused and keeps the key free: the
			// corrected request signs under it.
			wantOutcome(t, sign(rx, "000000", "sign-1"), http.StatusUnprocessableEntity)
			sw.wantUnchanged(t, total)
			first := sign(rx, "246810", "sign-1")
			wantStatus(t, first, http.StatusOK)
			for range 3 {
				wantSameAnswer(t, first, sign(rx, "246810", "sign-1"))
			}
			if n := len(sw.provenances(t, rx)); n != 1 {
				t.Fatalf("%d Provenances after repeated $sign, want 1", n)
			}
			if v := str(sw.read(t, rx), "meta", "versionId"); v != "2" {
				t.Fatalf("the prescription is at version %s, want 2", v)
			}
			sw.wantUnchanged(t, total+2)
			// The repeat with the wrong PIN now is another request: 422.
			r := sign(rx, "000000", "sign-1")
			wantOutcome(t, r, http.StatusUnprocessableEntity)
			if code := str(r.JSON(t), "issue", 0, "code"); code != "business-rule" {
				t.Fatalf("another PIN with a used key: issue %s, want business-rule", code)
			}

			// Concurrent repeats sign once.
			rx2 := e.create(t, draftRx(sw.patient["own"], drPr), bearer(sw.admin)...)
			total = sw.total(t)
			const n = 6
			out := make([]response, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() { defer wg.Done(); out[i] = sign(rx2, "246810", "sign-2") }()
			}
			wg.Wait()
			for _, r := range out {
				wantStatus(t, r, http.StatusOK)
				if !bytes.Equal(r.Body, out[0].Body) {
					t.Fatalf("concurrent $sign answers differ:\n%s\n%s", out[0], r)
				}
			}
			if n := len(sw.provenances(t, rx2)); n != 1 {
				t.Fatalf("%d Provenances after concurrent $sign with one key, want 1", n)
			}
			sw.wantUnchanged(t, total+2)
		})
	}
}

// TestIdempotencyAudited: a replay passes the audit log like every
// request: its entry names the request whose answer it repeats and what it
// discloses; it writes nothing else.
func TestIdempotencyAudited(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		pat := patient("urn:oid:2.16.156.10011.1.3", "110101199003070009")
		first := e.do(t, "POST", "/Patient", pat, append(key("audited"), "X-Request-Id", "req-first")...)
		wantStatus(t, first, http.StatusCreated)
		id := str(first.JSON(t), "id")
		wantStatus(t, e.do(t, "POST", "/Patient", pat, append(key("audited"), "X-Request-Id", "req-replay")...), http.StatusCreated)
		wantStatus(t, e.do(t, "POST", "/$audit-checkpoint", nil), http.StatusOK)
		events := func(req string) []any {
			r := e.do(t, "GET", "/$audit-events?request="+req, nil)
			wantStatus(t, r, http.StatusOK)
			return list(r.JSON(t), "entry")
		}
		if n := len(events("req-first")); n != 1 {
			t.Fatalf("%d entries of the act, want 1", n)
		}
		replay := events("req-replay")
		if len(replay) != 1 {
			t.Fatalf("%d entries of the replay, want 1", len(replay))
		}
		ae := get(replay[0], "resource")
		if str(ae, "subtype", 0, "code") != "create" || str(ae, "outcome") != "0" ||
			!strings.Contains(str(ae, "outcomeDesc"), "idempotent replay of request req-first") {
			t.Errorf("the replay's entry: %v", ae)
		}
		r := e.do(t, "GET", "/$audit-events?patient="+id, nil)
		wantStatus(t, r, http.StatusOK)
		if n := len(list(r.JSON(t), "entry")); n != 2 {
			t.Errorf("the patient's trail has %d entries, want 2 (the create and its replay)", n)
		}
	})
}

// TestIdempotencyCapability: the CapabilityStatement tells clients about
// the header.
func TestIdempotencyCapability(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		r := e.do(t, "GET", "/metadata", nil)
		wantStatus(t, r, http.StatusOK)
		if doc := str(r.JSON(t), "rest", 0, "documentation"); !strings.Contains(doc, rest.IdempotencyKeyHeader) {
			t.Fatalf("rest.documentation %q does not name %s", doc, rest.IdempotencyKeyHeader)
		}
	})
}
