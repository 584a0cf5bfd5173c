package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

var ctx = context.Background()

func put(t *testing.T, s store.Store, v store.Version, idx store.Index) store.Version {
	t.Helper()
	var out store.Version
	err := s.Update(ctx, func(tx store.Tx) error {
		if v.LastUpdated.IsZero() {
			v.LastUpdated = tx.Now()
		}
		var err error
		out, err = tx.Put(ctx, v, idx)
		return err
	})
	if err != nil {
		t.Fatalf("put %s/%s v%d: %v", v.Type, v.ID, v.VersionID, err)
	}
	return out
}

func body(typ, id string, n int64) []byte {
	return []byte(fmt.Sprintf(`{"resourceType":%q,"id":%q,"meta":{"versionId":"%d"}}`, typ, id, n))
}

func TestContract(t *testing.T) {
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			for _, c := range contractCases {
				t.Run(c.name, func(t *testing.T) {
					clock := NewClock()
					c.fn(t, b.Open(t, clock.Now))
				})
			}
		})
	}
}

var contractCases = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"PutAndRead", testPutAndRead},
	{"VersionConflict", testVersionConflict},
	{"DeleteKeepsHistory", testDeleteKeepsHistory},
	{"RollbackWritesNothing", testRollback},
	{"HistoryScopesAndPaging", testHistory},
	{"SearchTokens", testSearchTokens},
	{"IndexReplacedOnUpdate", testIndexReplaced},
	{"ConcurrentConditionalCreate", testConcurrentConditionalCreate},
	{"ConcurrentVersionRace", testConcurrentVersionRace},
	{"ListCurrentPaging", testListCurrent},
	{"Referencing", testReferencing},
	{"ClockFixedPerTransaction", testClock},
	{"ReadOwnWritesInTransaction", testReadOwnWrites},
	{"ConcurrentReadModifyWrite", testConcurrentReadModifyWrite},
}

func testPutAndRead(t *testing.T, s store.Store) {
	v := put(t, s, store.Version{Type: "Patient", ID: "p1", VersionID: 1, Method: store.MethodCreate, Body: body("Patient", "p1", 1)}, store.Index{})
	err := s.View(ctx, func(tx store.Tx) error {
		got, err := tx.Current(ctx, "Patient", "p1")
		if err != nil {
			return err
		}
		if got.Seq <= 0 {
			return fmt.Errorf("seq not set: %d", got.Seq)
		}
		if string(got.Body) != string(v.Body) || got.VersionID != 1 || got.Deleted || got.Method != store.MethodCreate {
			return fmt.Errorf("current = %+v", got)
		}
		if !got.LastUpdated.Equal(v.LastUpdated) || got.LastUpdated.Location() != time.UTC {
			return fmt.Errorf("lastUpdated %v, want %v in UTC", got.LastUpdated, v.LastUpdated)
		}
		if _, err := tx.Current(ctx, "Patient", "nope"); fhir.CodeOf(err) != fhir.IssueNotFound {
			return fmt.Errorf("missing resource: got %v, want not-found", err)
		}
		if _, err := tx.Current(ctx, "Observation", "p1"); fhir.CodeOf(err) != fhir.IssueNotFound {
			return fmt.Errorf("other type: got %v, want not-found", err)
		}
		if _, err := tx.Version(ctx, "Patient", "p1", 2); fhir.CodeOf(err) != fhir.IssueNotFound {
			return fmt.Errorf("missing version: got %v, want not-found", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testVersionConflict(t *testing.T, s store.Store) {
	put(t, s, store.Version{Type: "Patient", ID: "p1", VersionID: 1, Method: store.MethodCreate, Body: body("Patient", "p1", 1)}, store.Index{})
	for _, vid := range []int64{1, 3} {
		err := s.Update(ctx, func(tx store.Tx) error {
			_, err := tx.Put(ctx, store.Version{Type: "Patient", ID: "p1", VersionID: vid, LastUpdated: tx.Now(), Method: store.MethodUpdate, Body: body("Patient", "p1", vid)}, store.Index{})
			return err
		})
		if fhir.CodeOf(err) != fhir.IssueConflict {
			t.Errorf("put version %d over version 1: got %v, want conflict", vid, err)
		}
	}
	err := s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.Put(ctx, store.Version{Type: "Patient", ID: "p9", VersionID: 2, LastUpdated: tx.Now(), Method: store.MethodUpdate, Body: body("Patient", "p9", 2)}, store.Index{})
		return err
	})
	if fhir.CodeOf(err) != fhir.IssueConflict {
		t.Errorf("put version 2 of a new resource: got %v, want conflict", err)
	}
	mustHistoryLen(t, s, store.HistoryQuery{Type: "Patient", Count: 100}, 1)
}

func testDeleteKeepsHistory(t *testing.T, s store.Store) {
	put(t, s, store.Version{Type: "Patient", ID: "p1", VersionID: 1, Method: store.MethodCreate, Body: body("Patient", "p1", 1)}, store.Index{Tokens: []store.Token{{Param: "identifier", System: "s", Code: "1"}}})
	put(t, s, store.Version{Type: "Patient", ID: "p1", VersionID: 2, Method: store.MethodDelete, Deleted: true}, store.Index{})
	err := s.View(ctx, func(tx store.Tx) error {
		cur, err := tx.Current(ctx, "Patient", "p1")
		if err != nil {
			return err
		}
		if !cur.Deleted || cur.VersionID != 2 || cur.Body != nil {
			return fmt.Errorf("after delete: %+v", cur)
		}
		old, err := tx.Version(ctx, "Patient", "p1", 1)
		if err != nil || old.Deleted || len(old.Body) == 0 {
			return fmt.Errorf("version 1 after delete: %+v %v", old, err)
		}
		ids, err := find(tx, "Patient", "identifier=1", 10)
		if err != nil || len(ids) != 0 {
			return fmt.Errorf("deleted resource still found: %v %v", ids, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Re-creating after delete continues the version sequence.
	put(t, s, store.Version{Type: "Patient", ID: "p1", VersionID: 3, Method: store.MethodUpdate, Body: body("Patient", "p1", 3)}, store.Index{})
}

func testRollback(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx store.Tx) error {
		for i := range 3 {
			id := fmt.Sprintf("r%d", i)
			if _, err := tx.Put(ctx, store.Version{Type: "Basic", ID: id, VersionID: 1, LastUpdated: tx.Now(), Method: store.MethodCreate, Body: body("Basic", id, 1)},
				store.Index{Tokens: []store.Token{{Param: "identifier", Code: id}}, Refs: []store.Ref{{Param: "subject", TargetType: "Patient", TargetID: "x"}}}); err != nil {
				return err
			}
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("update error = %v, want boom", err)
	}
	mustHistoryLen(t, s, store.HistoryQuery{Count: 100}, 0)
	err = s.View(ctx, func(tx store.Tx) error {
		ids, err := find(tx, "Basic", "identifier=r1", 10)
		if err != nil || len(ids) != 0 {
			return fmt.Errorf("rolled-back token found: %v %v", ids, err)
		}
		refs, err := tx.Referencing(ctx, "Patient", "x", nil)
		if err != nil || len(refs) != 0 {
			return fmt.Errorf("rolled-back ref found: %v %v", refs, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustHistoryLen(t *testing.T, s store.Store, q store.HistoryQuery, want int) []store.Version {
	t.Helper()
	var got []store.Version
	var n int
	err := s.View(ctx, func(tx store.Tx) error {
		var err error
		if got, err = tx.History(ctx, q); err != nil {
			return err
		}
		n, err = tx.HistoryCount(ctx, q)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != want {
		t.Fatalf("history %+v: %d versions, want %d", q, len(got), want)
	}
	if q.Before == 0 && want < q.Count && n != want {
		t.Fatalf("history count %+v = %d, want %d", q, n, want)
	}
	return got
}

func testHistory(t *testing.T, s store.Store) {
	var mid time.Time
	for i := int64(1); i <= 3; i++ {
		v := put(t, s, store.Version{Type: "Patient", ID: "a", VersionID: i, Method: store.MethodUpdate, Body: body("Patient", "a", i)}, store.Index{})
		put(t, s, store.Version{Type: "Observation", ID: "o", VersionID: i, Method: store.MethodUpdate, Body: body("Observation", "o", i)}, store.Index{})
		if i == 2 {
			mid = v.LastUpdated
		}
	}
	all := mustHistoryLen(t, s, store.HistoryQuery{Count: 100}, 6)
	for i := 1; i < len(all); i++ {
		if all[i].Seq >= all[i-1].Seq {
			t.Fatalf("history not newest first: %d then %d", all[i-1].Seq, all[i].Seq)
		}
	}
	inst := mustHistoryLen(t, s, store.HistoryQuery{Type: "Patient", ID: "a", Count: 100}, 3)
	if inst[0].VersionID != 3 || inst[2].VersionID != 1 {
		t.Fatalf("instance history order: %d..%d", inst[0].VersionID, inst[2].VersionID)
	}
	mustHistoryLen(t, s, store.HistoryQuery{Type: "Observation", Count: 100}, 3)
	mustHistoryLen(t, s, store.HistoryQuery{Type: "Patient", Since: mid, Count: 100}, 2)
	page1 := mustHistoryLen(t, s, store.HistoryQuery{Count: 4}, 4)
	page2 := mustHistoryLen(t, s, store.HistoryQuery{Count: 4, Before: page1[3].Seq}, 2)
	if page2[0].Seq >= page1[3].Seq {
		t.Fatal("second page overlaps the first")
	}
}

func testSearchTokens(t *testing.T, s store.Store) {
	put(t, s, store.Version{Type: "Patient", ID: "a", VersionID: 1, Method: store.MethodCreate, Body: body("Patient", "a", 1)},
		store.Index{Tokens: []store.Token{{Param: "identifier", System: "urn:x", Code: "1"}, {Param: "gender", System: "", Code: "female"}}})
	put(t, s, store.Version{Type: "Patient", ID: "b", VersionID: 1, Method: store.MethodCreate, Body: body("Patient", "b", 1)},
		store.Index{Tokens: []store.Token{{Param: "identifier", System: "urn:y", Code: "1"}}})
	put(t, s, store.Version{Type: "Practitioner", ID: "c", VersionID: 1, Method: store.MethodCreate, Body: body("Practitioner", "c", 1)},
		store.Index{Tokens: []store.Token{{Param: "identifier", System: "urn:x", Code: "1"}}})
	cases := []struct {
		q    string
		want string
	}{
		{"identifier=1", "[a b]"},
		{"identifier=urn:x|1", "[a]"},
		{"identifier=|1", "[]"},
		{"gender=|female", "[a]"},
		{"identifier=1&gender=female", "[a]"},
		{"identifier=urn:y|1,urn:x|1", "[a b]"},
		{"identifier=2", "[]"},
	}
	err := s.View(ctx, func(tx store.Tx) error {
		for _, c := range cases {
			ids, err := find(tx, "Patient", c.q, 10)
			if err != nil {
				return err
			}
			if fmt.Sprint(ids) == "[]" && c.want == "[]" {
				continue
			}
			if got := fmt.Sprint(ids); got != c.want {
				t.Errorf("search %s = %s, want %s", c.q, got, c.want)
			}
		}
		ids, err := find(tx, "Patient", "identifier=1", 1)
		if err != nil || len(ids) != 1 {
			return fmt.Errorf("limit 1: %v %v", ids, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testIndexReplaced(t *testing.T, s store.Store) {
	put(t, s, store.Version{Type: "Patient", ID: "a", VersionID: 1, Method: store.MethodCreate, Body: body("Patient", "a", 1)},
		store.Index{Tokens: []store.Token{{Param: "identifier", Code: "old"}}, Refs: []store.Ref{{Param: "generalPractitioner", TargetType: "Practitioner", TargetID: "1"}}})
	put(t, s, store.Version{Type: "Patient", ID: "a", VersionID: 2, Method: store.MethodUpdate, Body: body("Patient", "a", 2)},
		store.Index{Tokens: []store.Token{{Param: "identifier", Code: "new"}}})
	err := s.View(ctx, func(tx store.Tx) error {
		for code, want := range map[string]int{"old": 0, "new": 1} {
			ids, err := find(tx, "Patient", "identifier="+code, 10)
			if err != nil {
				return err
			}
			if len(ids) != want {
				t.Errorf("token %s: %d matches, want %d", code, len(ids), want)
			}
		}
		refs, err := tx.Referencing(ctx, "Practitioner", "1", nil)
		if err != nil {
			return err
		}
		if len(refs) != 0 {
			t.Errorf("stale reference kept: %v", refs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testConcurrentConditionalCreate runs many transactions that each lock the
// type, look for an identifier and create the resource only if absent:
// exactly one resource must exist afterwards.
func testConcurrentConditionalCreate(t *testing.T, s store.Store) {
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Update(ctx, func(tx store.Tx) error {
				if err := tx.LockType(ctx, "Patient"); err != nil {
					return err
				}
				ids, err := find(tx, "Patient", "identifier=same", 2)
				if err != nil || len(ids) > 0 {
					return err
				}
				id := fmt.Sprintf("w%d", w)
				_, err = tx.Put(ctx, store.Version{Type: "Patient", ID: id, VersionID: 1, LastUpdated: tx.Now(), Method: store.MethodCreate, Body: body("Patient", id, 1)},
					store.Index{Tokens: []store.Token{{Param: "identifier", Code: "same"}}})
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("worker: %v", err)
		}
	}
	mustHistoryLen(t, s, store.HistoryQuery{Type: "Patient", Count: 100}, 1)
}

// testConcurrentVersionRace has many transactions put the same next version:
// exactly one wins, the others get a conflict.
func testConcurrentVersionRace(t *testing.T, s store.Store) {
	put(t, s, store.Version{Type: "Patient", ID: "a", VersionID: 1, Method: store.MethodCreate, Body: body("Patient", "a", 1)}, store.Index{})
	const workers = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, conflicts := 0, 0
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update(ctx, func(tx store.Tx) error {
				_, err := tx.Put(ctx, store.Version{Type: "Patient", ID: "a", VersionID: 2, LastUpdated: tx.Now(), Method: store.MethodUpdate, Body: body("Patient", "a", 2)}, store.Index{})
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case fhir.CodeOf(err) == fhir.IssueConflict:
				conflicts++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || conflicts != workers-1 {
		t.Fatalf("%d succeeded and %d conflicted, want 1 and %d", ok, conflicts, workers-1)
	}
}

func testListCurrent(t *testing.T, s store.Store) {
	for _, ty := range []string{"Patient", "Observation"} {
		for i := range 5 {
			id := fmt.Sprintf("%s%d", ty[:1], i)
			put(t, s, store.Version{Type: ty, ID: id, VersionID: 1, Method: store.MethodCreate, Body: body(ty, id, 1)}, store.Index{})
		}
	}
	put(t, s, store.Version{Type: "Patient", ID: "P0", VersionID: 2, Method: store.MethodDelete, Deleted: true}, store.Index{})
	var seen []string
	q := store.CurrentQuery{Count: 3}
	for {
		var page []store.Version
		err := s.View(ctx, func(tx store.Tx) error {
			var err error
			page, err = tx.ListCurrent(ctx, q)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page {
			seen = append(seen, v.Type+"/"+v.ID)
		}
		if len(page) < q.Count {
			break
		}
		q.AfterType, q.AfterID = page[len(page)-1].Type, page[len(page)-1].ID
	}
	want := "[Observation/O0 Observation/O1 Observation/O2 Observation/O3 Observation/O4 Patient/P1 Patient/P2 Patient/P3 Patient/P4]"
	if fmt.Sprint(seen) != want {
		t.Fatalf("list current = %v, want %s", seen, want)
	}
	var pats []store.Version
	if err := s.View(ctx, func(tx store.Tx) error {
		var err error
		pats, err = tx.ListCurrent(ctx, store.CurrentQuery{Types: []string{"Patient"}, Count: 100})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(pats) != 4 {
		t.Fatalf("patients: %d, want 4", len(pats))
	}
}

func testReferencing(t *testing.T, s store.Store) {
	put(t, s, store.Version{Type: "Observation", ID: "o1", VersionID: 1, Method: store.MethodCreate, Body: body("Observation", "o1", 1)},
		store.Index{Refs: []store.Ref{{Param: "subject", TargetType: "Patient", TargetID: "p"}}})
	put(t, s, store.Version{Type: "Observation", ID: "o2", VersionID: 1, Method: store.MethodCreate, Body: body("Observation", "o2", 1)},
		store.Index{Refs: []store.Ref{{Param: "focus", TargetType: "Patient", TargetID: "p"}}})
	put(t, s, store.Version{Type: "Encounter", ID: "e1", VersionID: 1, Method: store.MethodCreate, Body: body("Encounter", "e1", 1)},
		store.Index{Refs: []store.Ref{{Param: "subject", TargetType: "Patient", TargetID: "p"}, {Param: "participant", TargetType: "Practitioner", TargetID: "d"}}})
	check := func(paths map[string][]string, want string) {
		t.Helper()
		var got []string
		if err := s.View(ctx, func(tx store.Tx) error {
			vs, err := tx.Referencing(ctx, "Patient", "p", paths)
			for _, v := range vs {
				got = append(got, v.Type+"/"+v.ID)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != want {
			t.Errorf("referencing %v = %v, want %s", paths, got, want)
		}
	}
	check(nil, "[Encounter/e1 Observation/o1 Observation/o2]")
	check(map[string][]string{"Observation": {"subject"}, "Encounter": {"subject"}}, "[Encounter/e1 Observation/o1]")
	check(map[string][]string{"Condition": {"subject"}}, "[]")
}

func testClock(t *testing.T, s store.Store) {
	err := s.Update(ctx, func(tx store.Tx) error {
		a := tx.Now()
		time.Sleep(2 * time.Millisecond)
		if b := tx.Now(); !a.Equal(b) {
			return fmt.Errorf("clock moved inside a transaction: %v then %v", a, b)
		}
		if a.Location() != time.UTC || a.Nanosecond()%1000 != 0 {
			return fmt.Errorf("now %v not UTC at microsecond precision", a)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testReadOwnWrites writes several versions, new and updated, in one
// transaction and reads them back inside it (a batching backend must send
// its queued writes before reading).
func testReadOwnWrites(t *testing.T, s store.Store) {
	put(t, s, store.Version{Type: "Patient", ID: "old", VersionID: 1, Method: store.MethodCreate, Body: body("Patient", "old", 1)},
		store.Index{Tokens: []store.Token{{Param: "identifier", Code: "x"}}})
	err := s.Update(ctx, func(tx store.Tx) error {
		for _, v := range []store.Version{
			{Type: "Patient", ID: "new", VersionID: 1, Method: store.MethodCreate, Body: body("Patient", "new", 1)},
			{Type: "Patient", ID: "old", VersionID: 2, Method: store.MethodUpdate, Body: body("Patient", "old", 2)},
		} {
			v.LastUpdated = tx.Now()
			if _, err := tx.Put(ctx, v, store.Index{Tokens: []store.Token{{Param: "identifier", Code: "y"}}}); err != nil {
				return err
			}
		}
		for _, id := range []string{"new", "old"} {
			cur, err := tx.Current(ctx, "Patient", id)
			if err != nil {
				return err
			}
			if want := map[string]int64{"new": 1, "old": 2}[id]; cur.VersionID != want {
				return fmt.Errorf("%s: version %d inside the transaction, want %d", id, cur.VersionID, want)
			}
		}
		ids, err := find(tx, "Patient", "identifier=y", 10)
		if err != nil {
			return err
		}
		if fmt.Sprint(ids) != "[old new]" { // creation order
			return fmt.Errorf("tokens inside the transaction: %v", ids)
		}
		// A second write of a resource already written in this transaction.
		_, err = tx.Put(ctx, store.Version{Type: "Patient", ID: "new", VersionID: 2, LastUpdated: tx.Now(), Method: store.MethodUpdate, Body: body("Patient", "new", 2)}, store.Index{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	mustHistoryLen(t, s, store.HistoryQuery{Type: "Patient", Count: 100}, 4)
}

// testConcurrentReadModifyWrite has many transactions read the current
// version and write the next: none may conflict, since Current locks the
// resource in a write transaction.
func testConcurrentReadModifyWrite(t *testing.T, s store.Store) {
	put(t, s, store.Version{Type: "Patient", ID: "a", VersionID: 1, Method: store.MethodCreate, Body: body("Patient", "a", 1)}, store.Index{})
	const workers = 10
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Update(ctx, func(tx store.Tx) error {
				cur, err := tx.Current(ctx, "Patient", "a")
				if err != nil {
					return err
				}
				next := cur.VersionID + 1
				_, err = tx.Put(ctx, store.Version{Type: "Patient", ID: "a", VersionID: next, LastUpdated: tx.Now(), Method: store.MethodUpdate, Body: body("Patient", "a", next)}, store.Index{})
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("read-modify-write: %v", err)
		}
	}
	mustHistoryLen(t, s, store.HistoryQuery{Type: "Patient", ID: "a", Count: 100}, workers+1)
}
