package store

import (
	"context"
	"time"
)

// AuditRecord is one audit log entry as the store keeps it. The store does
// not interpret Body: package audit defines the entry format, the leaf hash
// and the tree.
type AuditRecord struct {
	// Seq is the store's key for the record, assigned by Append in append
	// order (not necessarily commit order on PostgreSQL).
	Seq int64
	// Index is the record's position in the Merkle tree, or -1 until the
	// sequencer has placed it.
	Index int64
	// Recorded is when the act happened (UTC, microseconds).
	Recorded time.Time
	// LeafHash is the tree's leaf hash of Body.
	LeafHash []byte
	// Body is the entry's canonical bytes: the tree's leaf data.
	Body []byte
	// Action, Act and Outcome are copied out of Body for filtering
	// (Append only; Find filters on them).
	Action, Act, Outcome string
	// Terms are what the entry is about, for finding it (Append only: the
	// store keeps them with the entry, and a record waiting for the
	// sequencer is found by them once Sequence has placed it).
	Terms []AuditTerm
}

// AuditTerm is one (kind, value) an entry can be found by: kind is one of
// patient, agent, org, request.
type AuditTerm struct {
	Kind, Value string
}

// AuditNode is the hash of one perfect subtree of the audit tree: Level 0
// nodes are leaves, Index counts nodes of a level from the left.
type AuditNode struct {
	Level uint
	Index uint64
	Hash  []byte
}

// AuditCheckpoint is a signed statement of the tree's size and root hash.
type AuditCheckpoint struct {
	Size     int64
	Recorded time.Time
	Root     []byte
	// Note is the signed text and Signature the signature over it, by the
	// platform key named KeyID.
	Note, Signature []byte
	KeyID           string
}

// AuditState is the tree's size and the hash algorithm of the log ("" before
// the first sequencing).
type AuditState struct {
	Size    int64
	HashAlg string
	// PrunedBefore is the tree position before which entries were pruned
	// (AuditTx.Prune); 0 when none was. Sequence leaves it unchanged.
	PrunedBefore int64
}

// AuditQuery selects entries placed in the tree, newest first: an entry
// waiting for the sequencer is found once Sequence has placed it.
type AuditQuery struct {
	// Terms must all match (AND); empty: every entry.
	Terms []AuditTerm
	// Action, Act and Outcome, when set, must equal the entry's.
	Action, Act, Outcome string
	// From and To, when non-zero, bound Recorded (From inclusive, To
	// exclusive).
	From, To time.Time
	// Before, when positive, keeps entries with Seq < Before (keyset paging).
	Before int64
	// Count is the maximum number of entries returned (required, > 0).
	Count int
}

// PlatformKey is a key pair of the platform, in PKCS#8 and PKIX DER.
type PlatformKey struct {
	Name       string
	Algorithm  string
	PrivateKey []byte
	PublicKey  []byte
	Created    time.Time
}

// AuditTx is the audit log's part of a transaction (Tx.Audit). Methods that
// write need a write transaction.
type AuditTx interface {
	// Append stores records (their Seq and Terms' duplicates are ignored)
	// in this transaction: they commit with the act they record, or not at
	// all. A record with Index -1 waits for the sequencer, and its terms
	// wait with it: an act's transaction writes one row for its entry, not
	// one per term, and indexes it neither by term nor by time. A record
	// with Index >= 0 is stored already placed at that tree position, with
	// its terms: the caller holds the lock State took and stores the
	// tree's new nodes and state with Sequence in the same transaction.
	Append(ctx context.Context, recs []AuditRecord) error
	// State returns the tree's size and hash algorithm. In a write
	// transaction it also locks the tree against concurrent sequencers
	// until the transaction ends.
	State(ctx context.Context) (AuditState, error)
	// Pending returns up to n committed records not yet in the tree, in Seq
	// order, without their bodies and terms.
	Pending(ctx context.Context, n int) ([]AuditRecord, error)
	// Sequence places each pending record (Seq as Pending returned it) at
	// its Index and makes it findable by the terms it was appended with,
	// stores the new nodes, and sets the state to st. The caller holds the
	// lock State took.
	Sequence(ctx context.Context, placed []AuditRecord, nodes []AuditNode, st AuditState) error
	// Leaves returns up to n sequenced records from tree position from on,
	// in tree order, with their bodies (empty for pruned entries).
	Leaves(ctx context.Context, from int64, n int) ([]AuditRecord, error)
	// Nodes returns the hashes of the given nodes (level 0: leaf hashes); a
	// node that is not stored is a not-found error.
	Nodes(ctx context.Context, ids []AuditNode) ([][]byte, error)
	// NodeRange returns the stored nodes of level (>= 1) with index in
	// [from, to), by index.
	NodeRange(ctx context.Context, level uint, from, to uint64) ([]AuditNode, error)
	// Find returns placed entries matching q, newest first, with their
	// bodies; pruned entries are never found.
	Find(ctx context.Context, q AuditQuery) ([]AuditRecord, error)
	// BySeq returns one entry; not-found if there is none or it was
	// pruned.
	BySeq(ctx context.Context, seq int64) (AuditRecord, error)
	// Prune drops the payload of every sequenced entry at tree positions
	// [PrunedBefore, before): its body becomes empty, its Recorded the Unix
	// epoch, its action, act and outcome empty, and its terms are deleted;
	// its tree position and leaf hash stay, as do the subtree hashes and
	// checkpoints. It sets PrunedBefore to before and returns how many
	// entries it pruned. before beyond the tree's size is an error; before
	// at or below PrunedBefore prunes nothing. The caller holds the lock
	// State took.
	Prune(ctx context.Context, before int64) (int64, error)
	// CheckpointAt returns the checkpoint of the largest size among those
	// recorded at or before t; not-found when there is none.
	CheckpointAt(ctx context.Context, t time.Time) (AuditCheckpoint, error)
	// AddCheckpoint stores c; a second checkpoint of the same size is a
	// conflict error.
	AddCheckpoint(ctx context.Context, c AuditCheckpoint) error
	// Checkpoints returns up to n checkpoints with Size >= from, by size.
	Checkpoints(ctx context.Context, from int64, n int) ([]AuditCheckpoint, error)
	// SpoolMark returns the number of the last record of the spool named
	// id that SetSpoolMark recorded (0 when none).
	SpoolMark(ctx context.Context, id string) (int64, error)
	// SetSpoolMark records, in this transaction, that the store holds the
	// spool's records up to number n (the transaction that writes them).
	SetSpoolMark(ctx context.Context, id string, n int64) error
	// LatestCheckpoint returns the checkpoint of the largest size;
	// not-found when there is none.
	LatestCheckpoint(ctx context.Context) (AuditCheckpoint, error)
	// Key returns the platform key named name; not-found if there is none.
	Key(ctx context.Context, name string) (PlatformKey, error)
	// PutKey stores k unless a key of that name exists (then it is a
	// conflict error).
	PutKey(ctx context.Context, k PlatformKey) error
	// SealKey replaces the stored private key of the key named name with
	// its encrypted form (the public key and algorithm stay); not-found if
	// there is no such key.
	SealKey(ctx context.Context, name string, sealed []byte) error
	// DeleteKey removes the key named name (a key rotated out: its
	// private half is no longer needed); not-found if there is no such
	// key.
	DeleteKey(ctx context.Context, name string) error
}
