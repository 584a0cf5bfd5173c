package resources_test

import (
	"context"
	"errors"
	"testing"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
)

// keyRecorder is a resources.Idempotent that records what it is told and
// writes a record in the act's transaction, as package rest does.
type keyRecorder struct {
	begins  int
	answers []any
	refuse  error // returned by Begin when set
}

func (k *keyRecorder) Begin(ctx context.Context, tx store.Tx) error {
	k.begins++
	return k.refuse
}

func (k *keyRecorder) Answer(ctx context.Context, tx store.Tx, result any) error {
	k.answers = append(k.answers, result)
	now := tx.Now()
	return tx.Idempotency().Insert(ctx, store.IdempotencyRecord{Agent: "user:t", Key: "k", Status: 201,
		Created: now, Expires: now.AddDate(0, 0, 1)})
}

// recorded reports whether the transaction committed the key record.
func recorded(t *testing.T, st store.Store) bool {
	t.Helper()
	err := st.View(ctx, func(tx store.Tx) error {
		_, err := tx.Idempotency().Get(ctx, "user:t", "k")
		return err
	})
	if err != nil && fhir.CodeOf(err) != fhir.IssueNotFound {
		t.Fatal(err)
	}
	return err == nil
}

// TestIdempotentHook: a write run with an Idempotent begins with Begin and
// hands its result to Answer inside its transaction, so the record commits
// with the act; a failed act never answers and records nothing; a Begin
// error aborts the act; a batch refuses a key.
func TestIdempotentHook(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		k := &keyRecorder{}
		out, err := e.svc.Create(resources.WithIdempotent(ctx, k), res(t, patient("Li")), "")
		if err != nil {
			t.Fatal(err)
		}
		if k.begins != 1 || len(k.answers) != 1 {
			t.Fatalf("Begin %d times, Answer %d times; want 1 and 1", k.begins, len(k.answers))
		}
		if r, ok := k.answers[0].(resources.Result); !ok || r.Version.ID != out.Version.ID {
			t.Fatalf("Answer got %#v, want the create's Result", k.answers[0])
		}
		if !recorded(t, e.st) {
			t.Fatal("the key record did not commit with the act")
		}

		// A failing act: no answer, nothing written (the record's insert
		// would conflict if Answer ran; it must not run).
		total := e.total()
		k2 := &keyRecorder{}
		if _, err := e.svc.Update(resources.WithIdempotent(ctx, k2), "Patient", out.Version.ID, res(t, patient("Li")), 9); err == nil {
			t.Fatal("a stale If-Match succeeded")
		}
		if len(k2.answers) != 0 || e.total() != total {
			t.Fatalf("a failed update answered %d times and wrote %d versions", len(k2.answers), e.total()-total)
		}

		// Begin's error aborts the act before it writes.
		taken := errors.New("taken")
		k3 := &keyRecorder{refuse: taken}
		if _, err := e.svc.Create(resources.WithIdempotent(ctx, k3), res(t, patient("Wang")), ""); !errors.Is(err, taken) {
			t.Fatalf("create with a refusing Begin: %v, want its error", err)
		}
		if len(k3.answers) != 0 || e.total() != total {
			t.Fatal("an act whose Begin refused wrote something")
		}

		// A transaction answers once, with its response.
		k4 := &keyRecorder{}
		bundle := res(t, `{"resourceType":"Bundle","type":"transaction","entry":[
			{"resource":`+patient("Zhao")+`,"request":{"method":"POST","url":"Patient"}},
			{"resource":`+patient("Qian")+`,"request":{"method":"POST","url":"Patient"}}]}`)
		// (answerOnly: the key record of the create exists already.)
		if _, err := e.svc.Transaction(resources.WithIdempotent(ctx, answerOnly{k4}), bundle); err != nil {
			t.Fatal(err)
		}
		if k4.begins != 1 || len(k4.answers) != 1 {
			t.Fatalf("transaction: Begin %d, Answer %d; want 1 and 1", k4.begins, len(k4.answers))
		}
		if _, ok := k4.answers[0].(*resources.BundleResponse); !ok {
			t.Fatalf("transaction answered %T, want *resources.BundleResponse", k4.answers[0])
		}

		// A batch cannot be guarded by one key.
		batch := res(t, `{"resourceType":"Bundle","type":"batch","entry":[
			{"resource":`+patient("Sun")+`,"request":{"method":"POST","url":"Patient"}}]}`)
		total = e.total()
		_, err = e.svc.Batch(resources.WithIdempotent(ctx, &keyRecorder{}), batch)
		wantErr(t, err, fhir.IssueInvalid, 400, "batch")
		if e.total() != total {
			t.Fatal("a batch with a key wrote something")
		}
	})
}

// answerOnly counts calls without writing a record.
type answerOnly struct{ k *keyRecorder }

func (a answerOnly) Begin(ctx context.Context, tx store.Tx) error { return a.k.Begin(ctx, tx) }

func (a answerOnly) Answer(ctx context.Context, tx store.Tx, result any) error {
	a.k.answers = append(a.k.answers, result)
	return nil
}
