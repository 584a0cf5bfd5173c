package audit

import (
	"context"

	"github.com/transparency-dev/merkle/proof"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// Inclusion is the proof that a leaf is in the tree of a size.
type Inclusion struct {
	Index, Size int64
	LeafHash    []byte
	Hashes      [][]byte
}

// Consistency is the proof that the tree of Size1 is a prefix of the tree
// of Size2.
type Consistency struct {
	Size1, Size2 int64
	Hashes       [][]byte
}

// checkSize fails with a 4xx when size is not a tree size the log has.
func checkSize(ctx context.Context, tx store.Tx, size int64) error {
	st, err := tx.Audit().State(ctx)
	if err != nil {
		return err
	}
	if size < 0 || size > st.Size {
		return fhir.Errorf(fhir.IssueInvalid, "tree size %d is outside the audit log (its size is %d)", size, st.Size)
	}
	return nil
}

// InclusionProof returns the proof that the leaf at index is in the tree of
// the given size. A size of 0 means the latest checkpoint's size.
func (l *Log) InclusionProof(ctx context.Context, index, size int64) (Inclusion, error) {
	var out Inclusion
	err := l.cfg.Store.View(ctx, func(tx store.Tx) error {
		var err error
		if size == 0 {
			c, err := tx.Audit().LatestCheckpoint(ctx)
			if err != nil {
				return err
			}
			size = c.Size
		}
		if err := checkSize(ctx, tx, size); err != nil {
			return err
		}
		if index < 0 || index >= size {
			return fhir.Errorf(fhir.IssueInvalid, "leaf index %d is outside a tree of size %d", index, size)
		}
		nodes, err := proof.Inclusion(uint64(index), uint64(size))
		if err != nil {
			return fhir.Errorf(fhir.IssueInvalid, "%v", err)
		}
		leaf, err := tx.Audit().Nodes(ctx, []store.AuditNode{{Level: 0, Index: uint64(index)}})
		if err != nil {
			return err
		}
		hashes, err := l.tree.proofHashes(ctx, tx, nodes)
		out = Inclusion{Index: index, Size: size, LeafHash: leaf[0], Hashes: hashes}
		return err
	})
	return out, err
}

// ConsistencyProof returns the proof that the tree of size1 is a prefix of
// the tree of size2 (0 <= size1 <= size2 <= the tree's size).
func (l *Log) ConsistencyProof(ctx context.Context, size1, size2 int64) (Consistency, error) {
	var out Consistency
	err := l.cfg.Store.View(ctx, func(tx store.Tx) error {
		if err := checkSize(ctx, tx, size2); err != nil {
			return err
		}
		if size1 < 0 || size1 > size2 {
			return fhir.Errorf(fhir.IssueInvalid, "tree size %d is not between 0 and %d", size1, size2)
		}
		nodes, err := proof.Consistency(uint64(size1), uint64(size2))
		if err != nil {
			return fhir.Errorf(fhir.IssueInvalid, "%v", err)
		}
		hashes, err := l.tree.proofHashes(ctx, tx, nodes)
		out = Consistency{Size1: size1, Size2: size2, Hashes: hashes}
		return err
	})
	return out, err
}

// VerifyInclusion checks p against a root hash with hasher h.
func VerifyInclusion(h *Hasher, p Inclusion, root []byte) error {
	return proof.VerifyInclusion(h, uint64(p.Index), uint64(p.Size), p.LeafHash, p.Hashes, root)
}

// VerifyConsistency checks p against the two trees' root hashes.
func VerifyConsistency(h *Hasher, p Consistency, root1, root2 []byte) error {
	return proof.VerifyConsistency(h, uint64(p.Size1), uint64(p.Size2), p.Hashes, root1, root2)
}

// Find returns entries matching q, newest first. It writes the queued
// entries and places the committed ones first (Flush): entries are found
// by their terms once placed, and an act is to be found as soon as it has
// happened.
func (l *Log) Find(ctx context.Context, q store.AuditQuery) ([]store.AuditRecord, error) {
	if err := l.Flush(ctx); err != nil {
		return nil, err
	}
	var out []store.AuditRecord
	err := l.cfg.Store.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.Audit().Find(ctx, q)
		return err
	})
	return out, err
}

// Entry returns the entry with key seq and its tree position (-1 before
// sequencing); not-found if there is none.
func (l *Log) Entry(ctx context.Context, seq int64) (store.AuditRecord, error) {
	var out store.AuditRecord
	err := l.cfg.Store.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.Audit().BySeq(ctx, seq)
		return err
	})
	return out, err
}

// Latest returns the latest checkpoint (not-found before the first).
func (l *Log) Latest(ctx context.Context) (Checkpoint, error) {
	var out Checkpoint
	err := l.cfg.Store.View(ctx, func(tx store.Tx) error {
		c, err := tx.Audit().LatestCheckpoint(ctx)
		if err != nil {
			return err
		}
		out = fromStore(l.cfg.Origin, c)
		if c.KeyID != l.signer.Load().KeyID {
			// Another process rotated the key: PublicKey answers the
			// key of this checkpoint from now on.
			return l.followRotation(ctx, tx)
		}
		return nil
	})
	return out, err
}
