package audit_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/signing"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

func storedKey(t *testing.T, st store.Store) []byte {
	t.Helper()
	var k store.PlatformKey
	err := st.View(context.Background(), func(tx store.Tx) error {
		var err error
		k, err = tx.Audit().Key(context.Background(), audit.KeyName)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return k.PrivateKey
}

// The checkpoint key is kept encrypted under the master key: a new key is
// stored sealed, a key stored in the clear is sealed on the next start,
// and a sealed key opens only with the master key.
func TestCheckpointKeyEncrypted(t *testing.T) {
	ctx := context.Background()
	mk, err := signing.NewMasterCipher([]byte("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.OpenSQLite(t, nil)
	// A log that began before keys were encrypted.
	l, err := audit.Open(ctx, audit.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	pub := l.PublicKey().PublicKeyDER
	if mk.Sealed(storedKey(t, st)) {
		t.Fatal("a key stored without a cipher is sealed")
	}
	l, err = audit.Open(ctx, audit.Config{Store: st, KeyCipher: mk})
	if err != nil {
		t.Fatal(err)
	}
	if !mk.Sealed(storedKey(t, st)) {
		t.Fatal("the key in the clear was not sealed on opening with a cipher")
	}
	if !bytes.Equal(l.PublicKey().PublicKeyDER, pub) {
		t.Error("sealing changed the key")
	}
	l.Record(audit.Entry{Action: "read", Agent: audit.SystemAgent})
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Checkpoint(ctx); err != nil {
		t.Fatalf("signing with the sealed key: %v", err)
	}
	if _, err := audit.Open(ctx, audit.Config{Store: st}); err == nil {
		t.Error("a sealed key opened without the master key")
	}
	other, _ := signing.NewMasterCipher([]byte("fedcba9876543210"))
	if _, err := audit.Open(ctx, audit.Config{Store: st, KeyCipher: other}); err == nil {
		t.Error("a sealed key opened with another master key")
	}
	// A new log's key is sealed from the start.
	st2 := storetest.OpenSQLite(t, nil)
	if _, err := audit.Open(ctx, audit.Config{Store: st2, KeyCipher: mk}); err != nil {
		t.Fatal(err)
	}
	if !mk.Sealed(storedKey(t, st2)) {
		t.Error("a new key is stored in the clear")
	}
}
