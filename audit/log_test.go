package audit_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

// TestHashKnownAnswers checks SM3 against GB/T 32905's example and the
// SHA-256 hasher against the RFC 6962 hasher of transparency-dev/merkle.
func TestHashKnownAnswers(t *testing.T) {
	h, err := audit.NewHasher(audit.SM3)
	if err != nil {
		t.Fatal(err)
	}
	// SM3("abc") from GB/T 32905-2016 appendix A; the empty root is SM3("").
	if got := hex.EncodeToString(h.EmptyRoot()); got != "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b" {
		t.Errorf("SM3 empty root = %s", got)
	}
	abc := h.HashChildren(nil, nil) // H(0x01)
	if len(abc) != 32 {
		t.Errorf("hash size %d", len(abc))
	}
	s, err := audit.NewHasher(audit.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	ref := rfc6962.DefaultHasher
	for _, leaf := range [][]byte{nil, []byte("a"), []byte(`{"v":1}`)} {
		if got, want := s.HashLeaf(leaf), ref.HashLeaf(leaf); string(got) != string(want) {
			t.Errorf("HashLeaf(%q) = %x, want %x", leaf, got, want)
		}
	}
	if got, want := s.HashChildren([]byte("l"), []byte("r")), ref.HashChildren([]byte("l"), []byte("r")); string(got) != string(want) {
		t.Errorf("HashChildren = %x, want %x", got, want)
	}
	if _, err := audit.NewHasher("md5"); err == nil {
		t.Error("md5 accepted")
	}
}

// record writes n read entries through Record and w write entries through
// Written (each in its own transaction with a version).
func fill(t *testing.T, ctx context.Context, st store.Store, l *audit.Log, n, w int, tag string) {
	t.Helper()
	for i := 0; i < n; i++ {
		l.Record(audit.Entry{Action: "read", Type: "Patient", Agent: audit.Agent{Kind: "user", ID: "u1"}, Patients: []string{fmt.Sprintf("p%d", i%7)}, Resources: []string{fmt.Sprintf("Patient/p%d", i%7)}, RequestID: fmt.Sprintf("%s-r%d", tag, i)})
	}
	for i := 0; i < w; i++ {
		err := st.Update(ctx, func(tx store.Tx) error {
			v := store.Version{Type: "Basic", ID: fmt.Sprintf("%s-b%d", tag, i), VersionID: 1, LastUpdated: tx.Now(), Method: store.MethodCreate, Body: []byte(`{"resourceType":"Basic"}`)}
			if _, err := tx.Put(ctx, v, store.Index{}); err != nil {
				return err
			}
			return l.Written(ctx, tx, "create", []audit.Write{{Version: v, Patients: []string{"p1"}}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestLogProofsAndVerify(t *testing.T) {
	ctx := context.Background()
	for _, alg := range []string{audit.SM3, audit.SHA256} {
		for _, b := range storetest.Backends(t) {
			t.Run(alg+"/"+b.Name, func(t *testing.T) {
				st := b.Open(t, nil)
				sign := audit.SignSM2
				if alg == audit.SHA256 {
					sign = audit.SignP256
				}
				l, err := audit.Open(ctx, audit.Config{Store: st, Hash: alg, Sign: sign})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := l.Checkpoint(ctx); err == nil {
					t.Fatal("checkpoint of an empty log succeeded")
				}
				var cps []audit.Checkpoint
				for round, n := range []int{1, 6, 33, 64, 5} {
					fill(t, ctx, st, l, n, 2, fmt.Sprint(round))
					c, err := l.Checkpoint(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if err := audit.VerifyCheckpoint(l.PublicKey(), c); err != nil {
						t.Fatal(err)
					}
					cps = append(cps, c)
				}
				last := cps[len(cps)-1]
				if want := int64(1 + 6 + 33 + 64 + 5 + 10); last.Size != want {
					t.Fatalf("tree size %d, want %d", last.Size, want)
				}
				// Every leaf's inclusion in every checkpoint.
				for _, c := range cps {
					for i := int64(0); i < c.Size; i++ {
						p, err := l.InclusionProof(ctx, i, c.Size)
						if err != nil {
							t.Fatal(err)
						}
						if err := audit.VerifyInclusion(l.Hasher(), p, c.Root); err != nil {
							t.Fatalf("inclusion %d in %d: %v", i, c.Size, err)
						}
					}
				}
				// Consistency between every pair of checkpoints.
				for i, c1 := range cps {
					for _, c2 := range cps[i:] {
						p, err := l.ConsistencyProof(ctx, c1.Size, c2.Size)
						if err != nil {
							t.Fatal(err)
						}
						if err := audit.VerifyConsistency(l.Hasher(), p, c1.Root, c2.Root); err != nil {
							t.Fatalf("consistency %d→%d: %v", c1.Size, c2.Size, err)
						}
					}
				}
				// A proof against the wrong root fails.
				p, err := l.InclusionProof(ctx, 3, last.Size)
				if err != nil {
					t.Fatal(err)
				}
				if audit.VerifyInclusion(l.Hasher(), p, cps[0].Root) == nil {
					t.Error("inclusion verified against another tree's root")
				}
				if _, err := l.InclusionProof(ctx, last.Size, last.Size); err == nil {
					t.Error("proof of a leaf outside the tree")
				}
				if _, err := l.ConsistencyProof(ctx, 2, last.Size+1); err == nil {
					t.Error("consistency with a tree larger than the log")
				}
				rep, err := audit.Verify(ctx, st, audit.VerifyOptions{Witness: &last, Batch: 7})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Size != last.Size || rep.Checkpoints != len(cps) || rep.Versions != 10 || rep.Pending != 0 {
					t.Errorf("report %+v", rep)
				}
				// Reopening keeps the algorithm; asking for another fails.
				other := audit.SHA256
				if alg == audit.SHA256 {
					other = audit.SM3
				}
				if _, err := audit.Open(ctx, audit.Config{Store: st, Hash: other}); err == nil {
					t.Error("the hash algorithm changed on an existing log")
				}
				// Finding entries by term.
				err = st.View(ctx, func(tx store.Tx) error {
					recs, err := tx.Audit().Find(ctx, store.AuditQuery{Terms: []store.AuditTerm{{Kind: "patient", Value: "p3"}}, Action: "read", Count: 1000})
					if err != nil {
						return err
					}
					// p3 is read by entries i%7==3 of each round: rounds of 6, 33, 64, 5 reads.
					if want := 1 + 5 + 9 + 1; len(recs) != want {
						t.Errorf("found %d entries of p3, want %d", len(recs), want)
					}
					for i := 1; i < len(recs); i++ {
						if recs[i].Seq >= recs[i-1].Seq {
							t.Error("not newest first")
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestRunFlushesAndCheckpoints(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	st := storetest.OpenSQLite(t, nil)
	l, err := audit.Open(ctx, audit.Config{Store: st, CheckpointEvery: 50 * time.Millisecond, FlushEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	for i := 0; i < 100; i++ {
		l.Record(audit.Entry{Action: "read", Agent: audit.SystemAgent})
	}
	cancel()
	<-done
	rep, err := audit.Verify(context.Background(), st, audit.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Size != 100 {
		t.Errorf("after Run stopped, the tree holds %d entries, want 100", rep.Size)
	}
}

// TestVerifyFindsUnauditedWrite checks that a version written without its
// entry (a write that bypassed the audit log) fails verification.
func TestVerifyFindsUnauditedWrite(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t, nil)
	l, err := audit.Open(ctx, audit.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, ctx, st, l, 2, 2, "x")
	if _, err := audit.Verify(ctx, st, audit.VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.Put(ctx, store.Version{Type: "Basic", ID: "sneaky", VersionID: 1, LastUpdated: tx.Now(), Method: store.MethodCreate, Body: []byte(`{"resourceType":"Basic"}`)}, store.Index{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = audit.Verify(ctx, st, audit.VerifyOptions{})
	var ve *audit.VerifyError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "Basic/sneaky/_history/1") {
		t.Fatalf("an unaudited write: %v", err)
	}
}

// TestTermsWaitForTheSequencer checks how entries become findable: an act's
// entry is one row whose terms wait in it until the sequencer places it
// (the store does not find it by them before), Log.Find places it first,
// and read entries written by the background writer are placed, with their
// terms, at once, after the acts' entries that were waiting.
func TestTermsWaitForTheSequencer(t *testing.T) {
	ctx := context.Background()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t, nil)
			l, err := audit.Open(ctx, audit.Config{Store: st})
			if err != nil {
				t.Fatal(err)
			}
			byPatient := func(p string) store.AuditQuery {
				return store.AuditQuery{Terms: []store.AuditTerm{{Kind: "patient", Value: p}, {Kind: "agent", Value: "system/yitong"}}, Count: 10}
			}
			err = st.Update(ctx, func(tx store.Tx) error {
				v := store.Version{Type: "Basic", ID: "b1", VersionID: 1, LastUpdated: tx.Now(), Method: store.MethodCreate, Body: []byte(`{"resourceType":"Basic"}`)}
				if _, err := tx.Put(ctx, v, store.Index{}); err != nil {
					return err
				}
				return l.Written(ctx, tx, "create", []audit.Write{{Version: v, Patients: []string{"pw", "pw"}}})
			})
			if err != nil {
				t.Fatal(err)
			}
			var found, byAction, pending []store.AuditRecord
			err = st.View(ctx, func(tx store.Tx) error {
				var err error
				if found, err = tx.Audit().Find(ctx, byPatient("pw")); err != nil {
					return err
				}
				if byAction, err = tx.Audit().Find(ctx, store.AuditQuery{Action: "create", Count: 10}); err != nil {
					return err
				}
				pending, err = tx.Audit().Pending(ctx, 10)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(found)+len(byAction) != 0 {
				t.Errorf("an entry waiting for the sequencer was found: %+v %+v", found, byAction)
			}
			if len(pending) != 1 || pending[0].Index != -1 {
				t.Fatalf("the waiting entry: %+v", pending)
			}
			l.Record(audit.Entry{Action: "read", Type: "Patient", Agent: audit.SystemAgent, Patients: []string{"pr"}, RequestID: "rq"})
			got, err := l.Find(ctx, byPatient("pw"))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Seq != pending[0].Seq || got[0].Index != 0 {
				t.Fatalf("Log.Find of the act's entry: %+v", got)
			}
			read, err := l.Find(ctx, store.AuditQuery{Terms: []store.AuditTerm{{Kind: "request", Value: "rq"}, {Kind: "patient", Value: "pr"}}, Count: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(read) != 1 || read[0].Index != 1 {
				t.Fatalf("Log.Find of the read's entry: %+v", read)
			}
			if got, err := l.Find(ctx, byPatient("pr")); err != nil || len(got) != 1 {
				t.Fatalf("the read's entry by patient and agent: %d, %v", len(got), err)
			}
			rep, err := audit.Verify(ctx, st, audit.VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Size != 2 || rep.Pending != 0 {
				t.Errorf("report %+v", rep)
			}
		})
	}
}

// countingStore counts write transactions.
type countingStore struct {
	store.Store
	updates atomic.Int64
}

func (s *countingStore) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	s.updates.Add(1)
	return s.Store.Update(ctx, fn)
}

// TestRunGathersBatches checks that under a steady stream of reads the
// background writer writes FlushEvery's worth of entries per transaction,
// not a few at a time: writing until the queue was empty took, at 8,000
// reads a second, a transaction (and its pages) per 14 entries.
func TestRunGathersBatches(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	st := &countingStore{Store: storetest.OpenSQLite(t, nil)}
	const every = 20 * time.Millisecond
	l, err := audit.Open(ctx, audit.Config{Store: st, FlushEvery: every})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	before := st.updates.Load()
	start := time.Now()
	n := 0
	for time.Since(start) < 400*time.Millisecond {
		l.Record(audit.Entry{Action: "read", Agent: audit.SystemAgent, Patients: []string{"p1"}, RequestID: fmt.Sprint(n)})
		n++
		time.Sleep(50 * time.Microsecond)
	}
	elapsed := time.Since(start)
	txs := st.updates.Load() - before
	cancel()
	<-done
	perWindow := float64(n) * every.Seconds() / elapsed.Seconds()
	if avg := float64(n) / float64(max(txs, 1)); avg < perWindow/4 {
		t.Errorf("%d entries in %d transactions (%.0f a transaction) while %.0f arrived per %v", n, txs, avg, perWindow, every)
	}
	rep, err := audit.Verify(context.Background(), st, audit.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Size != int64(n) {
		t.Errorf("the tree holds %d entries, want %d", rep.Size, n)
	}
}
