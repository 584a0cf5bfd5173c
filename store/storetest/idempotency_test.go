package storetest

import (
	"bytes"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

func TestIdempotencyKeys(t *testing.T) {
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			clock := NewClock()
			s := b.Open(t, clock.Now)
			testIdempotencyKeys(t, s, clock)
			testIdempotencyConcurrent(t, s)
		})
	}
}

func testIdempotencyKeys(t *testing.T, s store.Store, clock *Clock) {
	get := func(agent, key string) (store.IdempotencyRecord, error) {
		var rec store.IdempotencyRecord
		err := s.View(ctx, func(tx store.Tx) error {
			var err error
			rec, err = tx.Idempotency().Get(ctx, agent, key)
			return err
		})
		return rec, err
	}
	insert := func(rec store.IdempotencyRecord) error {
		return s.Update(ctx, func(tx store.Tx) error { return tx.Idempotency().Insert(ctx, rec) })
	}
	if _, err := get("user:u1", "k1"); fhir.CodeOf(err) != fhir.IssueNotFound {
		t.Fatalf("missing key: %v, want not-found", err)
	}
	created := clock.t.Truncate(time.Microsecond)
	rec := store.IdempotencyRecord{
		Agent: "user:u1", Key: "k1", Method: "POST", Path: "/fhir/Patient", RequestHash: []byte{1, 2, 3},
		RequestID: "r1", Status: 201, Header: []byte(`{"Location":["x"]}`), Body: []byte("body"),
		Created: created, Expires: created.Add(time.Hour),
	}
	if err := insert(rec); err != nil {
		t.Fatal(err)
	}
	got, err := get("user:u1", "k1")
	if err != nil || got.Method != "POST" || got.Path != "/fhir/Patient" || !bytes.Equal(got.RequestHash, rec.RequestHash) ||
		got.RequestID != "r1" || got.Status != 201 || string(got.Header) != string(rec.Header) || string(got.Body) != "body" ||
		!got.Created.Equal(created) || !got.Expires.Equal(rec.Expires) {
		t.Fatalf("get = %+v, %v; want %+v", got, err, rec)
	}
	// A live key is not replaced; another agent's key of the same name is
	// another key.
	other := rec
	other.Status, other.Body = 200, []byte("other")
	if err := insert(other); fhir.CodeOf(err) != fhir.IssueConflict {
		t.Fatalf("insert over a live key: %v, want conflict", err)
	}
	if got, _ := get("user:u1", "k1"); string(got.Body) != "body" {
		t.Fatalf("the refused insert changed the record: %+v", got)
	}
	other.Agent = "client:c1"
	if err := insert(other); err != nil {
		t.Fatalf("the same key for another agent: %v", err)
	}
	// A rolled-back insert leaves nothing.
	errRollback := errors.New("roll back")
	if err := s.Update(ctx, func(tx store.Tx) error {
		r := rec
		r.Key = "k2"
		if err := tx.Idempotency().Insert(ctx, r); err != nil {
			return err
		}
		return errRollback
	}); err != errRollback {
		t.Fatal(err)
	}
	if _, err := get("user:u1", "k2"); fhir.CodeOf(err) != fhir.IssueNotFound {
		t.Fatalf("key after rollback: %v, want not-found", err)
	}
	// Bad keys and read-only transactions are refused.
	long := rec
	long.Key = string(bytes.Repeat([]byte("k"), store.MaxIdempotencyKey+1))
	if err := insert(long); fhir.CodeOf(err) != fhir.IssueInvalid {
		t.Fatalf("a key over the limit: %v, want invalid", err)
	}
	if err := s.View(ctx, func(tx store.Tx) error { return tx.Idempotency().Insert(ctx, rec) }); err == nil {
		t.Fatal("insert in a read-only transaction succeeded")
	}
	// An expired key reads as absent, is replaced by Insert and is purged.
	short := rec
	short.Key, short.Expires = "k3", clock.t.Add(50*time.Millisecond)
	if err := insert(short); err != nil {
		t.Fatal(err)
	}
	clock.t = clock.t.Add(time.Second)
	if _, err := get("user:u1", "k3"); fhir.CodeOf(err) != fhir.IssueNotFound {
		t.Fatalf("expired key: %v, want not-found", err)
	}
	short.Key, short.Expires = "k4", clock.t.Add(50*time.Millisecond)
	if err := insert(short); err != nil {
		t.Fatal(err)
	}
	short.Key, short.Expires, short.Body = "k3", clock.t.Add(time.Hour), []byte("again")
	if err := insert(short); err != nil {
		t.Fatalf("insert over an expired key: %v", err)
	}
	if got, err := get("user:u1", "k3"); err != nil || string(got.Body) != "again" {
		t.Fatalf("replaced key = %+v, %v", got, err)
	}
	clock.t = clock.t.Add(time.Second)
	var purged int64
	if err := s.Update(ctx, func(tx store.Tx) error {
		var err error
		purged, err = tx.Idempotency().Purge(ctx, tx.Now())
		return err
	}); err != nil || purged != 1 {
		t.Fatalf("purge = %d, %v; want 1 (k4)", purged, err)
	}
	for _, k := range []string{"k1", "k3"} {
		if _, err := get("user:u1", k); err != nil {
			t.Fatalf("live key %s after purge: %v", k, err)
		}
	}
}

// testIdempotencyConcurrent checks what package rest relies on: of
// concurrent transactions that lock a key, read it and insert it when
// absent, exactly one inserts and the others, once they hold the lock, see
// its record; and without the lock the unique key still lets one win.
func testIdempotencyConcurrent(t *testing.T, s store.Store) {
	const n = 8
	var wins, inserted atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update(ctx, func(tx store.Tx) error {
				it := tx.Idempotency()
				if err := it.Lock(ctx, "user:c", "once"); err != nil {
					return err
				}
				if _, err := it.Get(ctx, "user:c", "once"); err == nil {
					return nil
				} else if fhir.CodeOf(err) != fhir.IssueNotFound {
					return err
				}
				// Widen the window in which another transaction could
				// read the key as absent too.
				time.Sleep(20 * time.Millisecond)
				now := tx.Now()
				return it.Insert(ctx, store.IdempotencyRecord{Agent: "user:c", Key: "once", RequestHash: []byte{byte(i)},
					Status: 200, Created: now, Expires: now.Add(time.Hour)})
			})
			if err != nil {
				t.Errorf("locked insert %d: %v", i, err)
				return
			}
			inserted.Add(1)
		}()
	}
	wg.Wait()
	// Every locked transaction succeeds: one inserts, the others wait for
	// it and then see its record (an insert after it would conflict).
	if got := inserted.Load(); got != n {
		t.Errorf("%d of %d locked transactions succeeded, want all", got, n)
	}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update(ctx, func(tx store.Tx) error {
				now := tx.Now()
				return tx.Idempotency().Insert(ctx, store.IdempotencyRecord{Agent: "user:c", Key: "race", RequestHash: []byte{byte(i)},
					Status: 200, Created: now, Expires: now.Add(time.Hour)})
			})
			switch {
			case err == nil:
				wins.Add(1)
			case fhir.CodeOf(err) != fhir.IssueConflict:
				t.Errorf("insert %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d concurrent inserts of one key succeeded, want 1", wins.Load())
	}
}
