package storetest

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

func TestRecords(t *testing.T) {
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			clock := NewClock()
			s := b.Open(t, clock.Now)
			testRecords(t, s, clock)
		})
	}
}

func testRecords(t *testing.T, s store.Store, clock *Clock) {
	update := func(fn func(r store.RecordsTx) error) error {
		return s.Update(ctx, func(tx store.Tx) error { return fn(tx.Records()) })
	}
	get := func(kind, key string) (store.Record, error) {
		var rec store.Record
		err := s.View(ctx, func(tx store.Tx) error {
			var err error
			rec, err = tx.Records().Get(ctx, kind, key)
			return err
		})
		return rec, err
	}
	if _, err := get("account", "a1"); fhir.CodeOf(err) != fhir.IssueNotFound {
		t.Fatalf("missing record: %v, want not-found", err)
	}
	if err := update(func(r store.RecordsTx) error {
		return r.Put(ctx, store.Record{Kind: "account", Key: "a1", Value: []byte(`{"v":1}`)})
	}); err != nil {
		t.Fatal(err)
	}
	if err := update(func(r store.RecordsTx) error {
		return r.Put(ctx, store.Record{Kind: "account", Key: "a1", Value: []byte(`{"v":2}`)})
	}); err != nil {
		t.Fatal(err)
	}
	if rec, err := get("account", "a1"); err != nil || string(rec.Value) != `{"v":2}` || !rec.Expires.IsZero() {
		t.Fatalf("get = %+v, %v", rec, err)
	}
	// Insert refuses a live key, replaces an expired one.
	err := update(func(r store.RecordsTx) error {
		return r.Insert(ctx, store.Record{Kind: "account", Key: "a1", Value: []byte("x")})
	})
	if fhir.CodeOf(err) != fhir.IssueConflict {
		t.Fatalf("insert over live record: %v, want conflict", err)
	}
	soon := clock.Now().Add(50 * time.Millisecond)
	if err := update(func(r store.RecordsTx) error {
		return r.Insert(ctx, store.Record{Kind: "nonce", Key: "n1", Value: []byte("1"), Expires: soon})
	}); err != nil {
		t.Fatal(err)
	}
	if rec, err := get("nonce", "n1"); err != nil || !rec.Expires.Equal(soon.Truncate(time.Microsecond)) {
		t.Fatalf("nonce = %+v, %v", rec, err)
	}
	clock.t = clock.t.Add(time.Second) // the nonce has expired
	if _, err := get("nonce", "n1"); fhir.CodeOf(err) != fhir.IssueNotFound {
		t.Fatalf("expired record: %v, want not-found", err)
	}
	if err := update(func(r store.RecordsTx) error {
		return r.Insert(ctx, store.Record{Kind: "nonce", Key: "n1", Value: []byte("2")})
	}); err != nil {
		t.Fatalf("insert over expired record: %v", err)
	}
	// List pages in key order and skips other kinds and expired records.
	if err := update(func(r store.RecordsTx) error {
		for i := range 5 {
			if err := r.Put(ctx, store.Record{Kind: "client", Key: fmt.Sprintf("c%d", i), Value: []byte{byte(i)}}); err != nil {
				return err
			}
		}
		return r.Put(ctx, store.Record{Kind: "client", Key: "c9", Value: nil, Expires: clock.t.Add(-time.Hour)})
	}); err != nil {
		t.Fatal(err)
	}
	var keys []string
	err = s.View(ctx, func(tx store.Tx) error {
		after := ""
		for {
			page, err := tx.Records().List(ctx, "client", after, 2)
			if err != nil || len(page) == 0 {
				return err
			}
			for _, rec := range page {
				keys = append(keys, rec.Key)
			}
			after = page[len(page)-1].Key
		}
	})
	if err != nil || fmt.Sprint(keys) != "[c0 c1 c2 c3 c4]" {
		t.Fatalf("list = %v, %v", keys, err)
	}
	var purged int64
	if err := update(func(r store.RecordsTx) error {
		var err error
		purged, err = r.Purge(ctx, clock.t)
		return err
	}); err != nil || purged != 1 {
		t.Fatalf("purge = %d, %v; want 1", purged, err)
	}
	// Delete, and a rolled-back write leaves nothing.
	if err := update(func(r store.RecordsTx) error { return r.Delete(ctx, "account", "a1") }); err != nil {
		t.Fatal(err)
	}
	errRollback := fmt.Errorf("roll back")
	if err := update(func(r store.RecordsTx) error {
		if err := r.Put(ctx, store.Record{Kind: "account", Key: "a2", Value: []byte("x")}); err != nil {
			return err
		}
		return errRollback
	}); err != errRollback {
		t.Fatal(err)
	}
	for _, k := range []string{"a1", "a2"} {
		if _, err := get("account", k); fhir.CodeOf(err) != fhir.IssueNotFound {
			t.Fatalf("account %s after delete/rollback: %v", k, err)
		}
	}
	// Writes need a write transaction.
	if err := s.View(ctx, func(tx store.Tx) error {
		return tx.Records().Put(ctx, store.Record{Kind: "account", Key: "a3"})
	}); err == nil {
		t.Fatal("put in a read-only transaction succeeded")
	}
	testRecordsConcurrent(t, s)
}

// testRecordsConcurrent checks the two guarantees identity relies on: of
// concurrent Inserts of one key exactly one wins, and read-modify-write of
// one record through Get and Put loses no update.
func testRecordsConcurrent(t *testing.T, s store.Store) {
	const n = 8
	// The counter exists before the increments: a first Put has no row to
	// lock, and concurrent first Puts overwrite each other (callers that
	// cannot lose that update create the record with Insert).
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.Records().Insert(ctx, store.Record{Kind: "counter", Key: "c"})
	}); err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			err := s.Update(ctx, func(tx store.Tx) error {
				return tx.Records().Insert(ctx, store.Record{Kind: "code", Key: "once", Value: []byte{byte(i)}})
			})
			switch {
			case err == nil:
				wins.Add(1)
			case fhir.CodeOf(err) != fhir.IssueConflict:
				t.Errorf("insert: %v", err)
			}
		}()
		go func() {
			defer wg.Done()
			err := s.Update(ctx, func(tx store.Tx) error {
				rec, err := tx.Records().Get(ctx, "counter", "c")
				if err != nil {
					return err
				}
				rec.Value = append(rec.Value, 'x')
				return tx.Records().Put(ctx, rec)
			})
			if err != nil {
				t.Errorf("increment: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d concurrent inserts of one key succeeded, want 1", wins.Load())
	}
	err := s.View(ctx, func(tx store.Tx) error {
		rec, err := tx.Records().Get(ctx, "counter", "c")
		if err != nil {
			return err
		}
		if !bytes.Equal(rec.Value, bytes.Repeat([]byte("x"), n)) {
			return fmt.Errorf("counter = %q after %d increments", rec.Value, n)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}
