package audit

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// KindKeyRotation is the record kind (store.Record) of the checkpoint
// key's rotations; each is keyed by the last checkpoint size of the key it
// retires, zero-padded to 20 digits, so that listing them gives their
// order.
const KindKeyRotation = "audit-key-rotation"

// ActionKeyRotate is the action of the entry a key rotation appends (of the
// checkpoint key here; the signing CA and the id token key use it too,
// their detail naming which key).
const ActionKeyRotate = "key-rotate"

// KeyRotation is one change of the checkpoint key: a statement naming the
// retiring and the new public key, the time of the change and the size of
// the last checkpoint the retiring key signed, signed by both keys. The
// retiring key's signature endorses the new key; the new key's signature
// accepts the history before it. So a verifier that trusts any one key of
// a log's chain of rotations can check every key of it, and a retired key
// cannot be replaced without the private keys of both its neighbours.
//
// The statement is the text
//
//	yitong key rotation
//	old <key id> <public key, PKIX DER in base64>
//	new <key id> <public key, PKIX DER in base64>
//	<time, RFC 3339 UTC>
//	last <size of the retiring key's last checkpoint, 0 for none>
type KeyRotation struct {
	Statement    string `json:"statement"`
	OldSignature b64    `json:"oldSignature"`
	NewSignature b64    `json:"newSignature"`
}

const rotationHeader = "yitong key rotation"

func rotationText(old, next *Verifier, t time.Time, last int64) string {
	return fmt.Sprintf("%s\nold %s %s\nnew %s %s\n%s\nlast %d\n", rotationHeader,
		old.KeyID, base64.StdEncoding.EncodeToString(old.PublicKeyDER),
		next.KeyID, base64.StdEncoding.EncodeToString(next.PublicKeyDER),
		t.UTC().Format(time.RFC3339Nano), last)
}

// rotation is a parsed, checked KeyRotation.
type rotation struct {
	old, next *Verifier
	time      time.Time
	last      int64
}

// parseRotation reads r's statement, which must be in canonical form, and
// checks both signatures.
func parseRotation(r KeyRotation) (rotation, error) {
	var out rotation
	lines := strings.Split(r.Statement, "\n")
	if len(lines) != 6 || lines[0] != rotationHeader || lines[5] != "" {
		return out, fmt.Errorf("audit: key rotation: not a rotation statement: %q", r.Statement)
	}
	key := func(line, prefix string) (*Verifier, error) {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != prefix {
			return nil, fmt.Errorf("audit: key rotation: bad %s key line %q", prefix, line)
		}
		der, err := base64.StdEncoding.Strict().DecodeString(f[2])
		if err != nil {
			return nil, fmt.Errorf("audit: key rotation: bad %s key: %w", prefix, err)
		}
		v, err := ParsePublicKey(der)
		if err != nil {
			return nil, err
		}
		if v.KeyID != f[1] {
			return nil, fmt.Errorf("audit: key rotation: the %s key's id is %s, not %s", prefix, v.KeyID, f[1])
		}
		return v, nil
	}
	var err error
	if out.old, err = key(lines[1], "old"); err != nil {
		return out, err
	}
	if out.next, err = key(lines[2], "new"); err != nil {
		return out, err
	}
	if out.time, err = time.Parse(time.RFC3339Nano, lines[3]); err != nil {
		return out, fmt.Errorf("audit: key rotation: bad time %q", lines[3])
	}
	last, ok := strings.CutPrefix(lines[4], "last ")
	if out.last, err = strconv.ParseInt(last, 10, 64); !ok || err != nil || out.last < 0 {
		return out, fmt.Errorf("audit: key rotation: bad last size %q", lines[4])
	}
	if rotationText(out.old, out.next, out.time, out.last) != r.Statement {
		return out, fmt.Errorf("audit: key rotation: statement not in canonical form: %q", r.Statement)
	}
	if out.old.KeyID == out.next.KeyID {
		return out, fmt.Errorf("audit: key rotation: key %s replaces itself", out.old.KeyID)
	}
	if !out.old.Verify([]byte(r.Statement), r.OldSignature) {
		return out, fmt.Errorf("audit: key rotation to %s: the retiring key %s did not sign it", out.next.KeyID, out.old.KeyID)
	}
	if !out.next.Verify([]byte(r.Statement), r.NewSignature) {
		return out, fmt.Errorf("audit: key rotation from %s: the new key %s did not sign it", out.old.KeyID, out.next.KeyID)
	}
	return out, nil
}

// KeyPeriod is one checkpoint key of a log and the part of the log it
// signed or signs: checkpoints of sizes First … Last (Last -1: the current
// key, open-ended). From and Until are the times of the rotations that
// brought it in and retired it (zero: none), for people: which key signs a
// checkpoint is decided by its size, which the tree lock orders exactly,
// not by its time, which each node's clock sets when its transaction
// begins (a checkpoint that waited for the lock during a rotation can
// carry an earlier time than the rotation's).
type KeyPeriod struct {
	*Verifier
	First, Last int64
	From, Until time.Time
}

// Current reports whether the key is the one in force now.
func (p KeyPeriod) Current() bool { return p.Last < 0 }

// KeySet is the chain of a log's checkpoint keys, oldest first.
type KeySet struct {
	keys []KeyPeriod
}

// NewKeySet checks a log's rotations (oldest first) and returns its key
// set. current is the key in force (PKIX DER), nil for the last
// rotation's new key. Every rotation must be signed by both its keys,
// retire the key the rotation before it brought in, and come after it (in
// time and in tree size); the newest must bring in current. trusted are
// keys known genuine from outside the log (PKIX DER): at least one must
// be in the chain, which the rotations' signatures then extend to every
// key of it. With no trusted keys, current is trusted (the key stored
// with the log).
func NewKeySet(current []byte, rots []KeyRotation, trusted [][]byte) (*KeySet, error) {
	ks := &KeySet{}
	for i, r := range rots {
		p, err := parseRotation(r)
		if err != nil {
			return nil, logErr("rotation %d of the checkpoint key: %v", i+1, err)
		}
		if i == 0 {
			ks.keys = append(ks.keys, KeyPeriod{Verifier: p.old, First: 1})
		}
		prev := &ks.keys[len(ks.keys)-1]
		if prev.KeyID != p.old.KeyID {
			return nil, logErr("rotation %d of the checkpoint key retires key %s, but the key then in force was %s", i+1, p.old.KeyID, prev.KeyID)
		}
		if p.last < prev.First-1 || p.time.Before(prev.From) {
			return nil, logErr("rotation %d of the checkpoint key (to %s) does not follow the rotation before it", i+1, p.next.KeyID)
		}
		prev.Last, prev.Until = p.last, p.time
		ks.keys = append(ks.keys, KeyPeriod{Verifier: p.next, First: p.last + 1, Last: -1, From: p.time})
	}
	if current == nil && len(ks.keys) == 0 {
		return nil, logErr("no checkpoint key")
	}
	if current != nil {
		v, err := ParsePublicKey(current)
		if err != nil {
			return nil, logErr("%v", err)
		}
		switch {
		case len(ks.keys) == 0:
			ks.keys = append(ks.keys, KeyPeriod{Verifier: v, First: 1, Last: -1})
		case ks.keys[len(ks.keys)-1].KeyID != v.KeyID:
			return nil, logErr("the checkpoint key in force is %s, but the last rotation brought in %s", v.KeyID, ks.keys[len(ks.keys)-1].KeyID)
		}
	}
	if len(trusted) == 0 {
		return ks, nil
	}
	for _, t := range trusted {
		for _, k := range ks.keys {
			if bytes.Equal(k.PublicKeyDER, t) {
				return ks, nil
			}
		}
	}
	return nil, logErr("none of the log's checkpoint keys is the trusted one")
}

// Keys returns the keys, oldest first.
func (ks *KeySet) Keys() []KeyPeriod { return ks.keys }

// Current returns the key in force.
func (ks *KeySet) Current() *Verifier { return ks.keys[len(ks.keys)-1].Verifier }

// For returns the key that must have signed c: the key c names (any key
// in force at its size, when it names none), which must have been in
// force at c's size.
func (ks *KeySet) For(c Checkpoint) (*Verifier, error) {
	for _, k := range ks.keys {
		if c.KeyID != "" && k.KeyID != c.KeyID || c.KeyID == "" && (c.Size < k.First || !k.Current() && c.Size > k.Last) {
			continue
		}
		if c.Size < k.First || !k.Current() && c.Size > k.Last {
			return nil, fmt.Errorf("audit: checkpoint of size %d: signed by key %s, which signed only checkpoints of sizes %d to %s", c.Size, k.KeyID, k.First, lastText(k))
		}
		return k.Verifier, nil
	}
	return nil, fmt.Errorf("audit: checkpoint of size %d: key %s is none of the log's checkpoint keys", c.Size, c.KeyID)
}

func lastText(k KeyPeriod) string {
	if k.Current() {
		return "now"
	}
	return strconv.FormatInt(k.Last, 10)
}

// verify checks c with the key that must have signed it.
func (ks *KeySet) verify(c Checkpoint) error {
	v, err := ks.For(c)
	if err != nil {
		return err
	}
	return VerifyCheckpoint(v, c)
}

// loadRotations returns the stored rotations, oldest first.
func loadRotations(ctx context.Context, tx store.Tx) ([]KeyRotation, error) {
	var out []KeyRotation
	for after := ""; ; {
		recs, err := tx.Records().List(ctx, KindKeyRotation, after, 100)
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			return out, nil
		}
		for _, r := range recs {
			var kr KeyRotation
			dec := json.NewDecoder(bytes.NewReader(r.Value))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&kr); err != nil {
				return nil, logErr("rotation %s of the checkpoint key: %v", r.Key, err)
			}
			out = append(out, kr)
		}
		after = recs[len(recs)-1].Key
	}
}

// keySetTx returns the key set stored with the log in tx (current key and
// rotations), checked against trusted (NewKeySet).
func keySetTx(ctx context.Context, tx store.Tx, trusted [][]byte) (*KeySet, []KeyRotation, error) {
	k, err := tx.Audit().Key(ctx, KeyName)
	if err != nil {
		return nil, nil, err
	}
	rots, err := loadRotations(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	ks, err := NewKeySet(k.PublicKey, rots, trusted)
	return ks, rots, err
}

// LoadKeySet returns the checkpoint keys of st's log, oldest first, as
// stored with it (the rotations' signatures checked).
func LoadKeySet(ctx context.Context, st store.Store) (*KeySet, error) {
	var ks *KeySet
	err := st.View(ctx, func(tx store.Tx) error {
		var err error
		ks, _, err = keySetTx(ctx, tx, nil)
		return err
	})
	return ks, err
}

// RotateKey replaces the checkpoint key by a new key pair (of the
// configured algorithm, Config.Sign) in one transaction, under the tree
// lock: it signs a checkpoint of the tree with the retiring key, appends
// the rotation's audit entry (ActionKeyRotate, as the context's agent) and
// places it in the tree, stores the KeyRotation signed by both keys,
// deletes the retiring private key (only its public half is kept, in the
// rotation) and stores the new one, and signs a checkpoint with the new
// key. So the last checkpoint of the retiring key and the first of the new
// one are adjacent in the chain of checkpoints, with only the rotation
// entry (and entries committed meanwhile) between them. Other processes
// (a running server) switch to the new key at their next checkpoint.
func (l *Log) RotateKey(ctx context.Context) (KeyRotation, error) {
	if err := l.Flush(ctx); err != nil {
		return KeyRotation{}, err
	}
	der, pubDER, err := generateKey(l.cfg.Sign)
	if err != nil {
		return KeyRotation{}, err
	}
	next, err := parseSigner(store.PlatformKey{Name: KeyName, Algorithm: l.cfg.Sign, PrivateKey: der, PublicKey: pubDER})
	if err != nil {
		return KeyRotation{}, err
	}
	stored := der
	if l.cfg.KeyCipher != nil {
		if stored, err = l.cfg.KeyCipher.Seal(KeyName, der); err != nil {
			return KeyRotation{}, err
		}
	}
	l.seqMu.Lock()
	defer l.seqMu.Unlock()
	before := l.signer.Load()
	var rot KeyRotation
	err = l.cfg.Store.Update(ctx, func(tx store.Tx) error {
		l.signer.Store(before)
		last := int64(0)
		switch cp, err := l.checkpointTx(ctx, tx); {
		case err == nil:
			last = cp.Size
		case fhir.CodeOf(err) != fhir.IssueNotFound:
			return err
		}
		old := l.signer.Load() // checkpointTx loads the stored key if another process rotated it
		now := tx.Now()
		rot.Statement = rotationText(&old.Verifier, &next.Verifier, now, last)
		if rot.OldSignature, err = old.sign([]byte(rot.Statement)); err != nil {
			return err
		}
		if rot.NewSignature, err = next.sign([]byte(rot.Statement)); err != nil {
			return err
		}
		b, err := json.Marshal(rot)
		if err != nil {
			return err
		}
		if err := tx.Records().Insert(ctx, store.Record{Kind: KindKeyRotation, Key: fmt.Sprintf("%020d", last), Value: b}); err != nil {
			return err
		}
		if err := l.Append(ctx, tx, Entry{Action: ActionKeyRotate,
			Detail: fmt.Sprintf("audit checkpoint key %s retired after the checkpoint of size %d; key %s (%s) in force", old.KeyID, last, next.KeyID, next.Algorithm())}); err != nil {
			return err
		}
		if err := l.sequenceAll(ctx, tx); err != nil {
			return err
		}
		if err := tx.Audit().DeleteKey(ctx, KeyName); err != nil {
			return err
		}
		if err := tx.Audit().PutKey(ctx, store.PlatformKey{Name: KeyName, Algorithm: l.cfg.Sign, PrivateKey: stored, PublicKey: pubDER, Created: now}); err != nil {
			return err
		}
		l.signer.Store(next)
		_, err = l.checkpointTx(ctx, tx)
		return err
	})
	if err != nil {
		l.signer.Store(before)
		l.tree.reset()
		return KeyRotation{}, err
	}
	return rot, nil
}

// currentSigner returns the signer of the key stored in tx, which holds
// the tree lock: l.signer unless another process rotated the key since it
// was loaded; then the stored key is loaded and becomes l.signer. The
// caller holds seqMu.
func (l *Log) currentSigner(ctx context.Context, tx store.Tx) (*signer, error) {
	k, err := tx.Audit().Key(ctx, KeyName)
	if err != nil {
		return nil, err
	}
	if cur := l.signer.Load(); bytes.Equal(k.PublicKey, cur.PublicKeyDER) {
		return cur, nil
	}
	s, err := openKey(ctx, tx, k, l.cfg.KeyCipher)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(s.PublicKeyDER, k.PublicKey) {
		return nil, errors.New("audit: the stored checkpoint key does not match its public key")
	}
	l.cfg.Logger.Info("audit: the checkpoint key was rotated; signing with the new key", "key", s.KeyID)
	l.signer.Store(s)
	return s, nil
}

// followRotation loads the key stored in tx (a read transaction is
// enough) as l.signer when it is not the loaded one: the key another
// process's rotation brought in.
func (l *Log) followRotation(ctx context.Context, tx store.Tx) error {
	k, err := tx.Audit().Key(ctx, KeyName)
	if err != nil {
		return err
	}
	if bytes.Equal(k.PublicKey, l.signer.Load().PublicKeyDER) {
		return nil
	}
	if l.cfg.KeyCipher != nil && l.cfg.KeyCipher.Sealed(k.PrivateKey) {
		if k.PrivateKey, err = l.cfg.KeyCipher.Open(KeyName, k.PrivateKey); err != nil {
			return fmt.Errorf("audit: the checkpoint key does not open with this master key: %w", err)
		}
	}
	s, err := parseSigner(k)
	if err != nil {
		return err
	}
	l.signer.Store(s)
	return nil
}
