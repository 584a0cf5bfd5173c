package signing

import (
	"errors"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

// TestSignTx: a signature inside the caller's transaction. The caller's
// write (here a record, standing for the signed resource) commits with
// the signature and its audit entry; a wrong PIN is refused before the
// payload is asked for, yet its count commits and five lock signing; a
// revoked certificate is refused; a failing payload rolls everything back.
func TestSignTx(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t, nil)
			log := &appended{}
			s, err := Open(ctx, Options{Store: st, MasterKey: master, Audit: log})
			if err != nil {
				t.Fatal(err)
			}
			a := doctor("tx1")
			if _, err := s.Issue(ctx, a, "246810"); err != nil {
				t.Fatal(err)
			}
			log.entries = nil
			doc := []byte(`{"resourceType":"MedicationRequest","id":"rx1"}`)
			// signIn signs in a transaction that writes the document as
			// the record key; like prescribing, it commits on a refusal
			// without writing the document.
			signIn := func(key, pin string, fail error) (Signature, bool, error) {
				var sig Signature
				var refusal error
				called := false
				err := st.Update(ctx, func(tx store.Tx) error {
					var err error
					sig, err = s.SignTx(ctx, tx, a, pin, "MedicationRequest/rx1", func() ([]byte, error) {
						called = true
						if fail != nil {
							return nil, fail
						}
						return doc, tx.Records().Put(ctx, store.Record{Kind: "test-doc", Key: key, Value: doc})
					})
					if IsRefusal(err) {
						refusal = err
						return nil
					}
					return err
				})
				if err == nil {
					err = refusal
				}
				return sig, called, err
			}
			written := func(key string) bool {
				t.Helper()
				var found bool
				if err := st.View(ctx, func(tx store.Tx) error {
					_, err := tx.Records().Get(ctx, "test-doc", key)
					found = err == nil
					if fhir.CodeOf(err) == fhir.IssueNotFound {
						err = nil
					}
					return err
				}); err != nil {
					t.Fatal(err)
				}
				return found
			}

			sig, called, err := signIn("ok", "246810", nil)
			if err != nil || !called || !written("ok") {
				t.Fatalf("sign: %v (payload asked: %v)", err, called)
			}
			if _, err := s.Verify(ctx, doc, sig, time.Now()); err != nil {
				t.Errorf("the signature does not verify: %v", err)
			}
			if n := len(log.entries); n != 1 || log.entries[0].Action != "sign" || log.entries[0].Outcome != "success" {
				t.Errorf("audit entries %+v", log.entries)
			}

			// A payload that fails rolls back the caller's transaction.
			boom := errors.New("boom")
			if _, _, err := signIn("boom", "246810", boom); !errors.Is(err, boom) {
				t.Errorf("failing payload: %v", err)
			}

			// Wrong PINs: refused before the payload; each one counts
			// (the caller committed), the last locks.
			for i := range MaxPINFailures {
				_, called, err := signIn("bad", "000000", nil)
				if !errors.Is(err, ErrBadPIN) || called {
					t.Fatalf("wrong PIN %d: %v (payload asked: %v)", i, err, called)
				}
			}
			if _, called, err := signIn("locked", "246810", nil); !errors.Is(err, ErrLocked) || called {
				t.Errorf("right PIN while locked: %v (payload asked: %v)", err, called)
			}
			if written("bad") || written("locked") || written("boom") {
				t.Error("a refused or failed signature wrote the document")
			}
			denied := 0
			for _, e := range log.entries {
				if e.Action == "sign" && e.Outcome == "denied" {
					denied++
				}
			}
			if denied != MaxPINFailures+1 {
				t.Errorf("%d denied sign entries, want %d", denied, MaxPINFailures+1)
			}

			// A revoked certificate signs nothing.
			b2 := doctor("tx2")
			if _, err := s.Issue(ctx, b2, "135790"); err != nil {
				t.Fatal(err)
			}
			if err := s.Revoke(ctx, b2.ID, "left"); err != nil {
				t.Fatal(err)
			}
			a = b2
			if _, called, err := signIn("revoked", "135790", nil); !errors.Is(err, ErrRevoked) || called || written("revoked") {
				t.Errorf("revoked certificate: %v (payload asked: %v)", err, called)
			}
		})
	}
}
