package audit

import (
	"context"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"

	"github.com/yitong-health/yitong/store"
)

// treeCache keeps the compact range of the whole tree (the roots of its
// perfect subtrees) between sequencing transactions, so that appending
// does not re-read them. It is reloaded whenever the stored size differs
// (another node sequenced, or a transaction failed).
type treeCache struct {
	h  *Hasher
	rf *compact.RangeFactory
	r  *compact.Range // nil: not loaded
}

func (c *treeCache) reset() { c.r = nil }

func (c *treeCache) factory() *compact.RangeFactory {
	if c.rf == nil {
		c.rf = &compact.RangeFactory{Hash: c.h.HashChildren}
	}
	return c.rf
}

// load returns the compact range [0, size), from the cache or the store.
func (c *treeCache) load(ctx context.Context, tx store.Tx, size int64) (*compact.Range, error) {
	if c.r != nil && c.r.End() == uint64(size) {
		return c.r, nil
	}
	ids := compact.RangeNodes(0, uint64(size), nil)
	hashes, err := tx.Audit().Nodes(ctx, toStore(ids))
	if err != nil {
		return nil, fmt.Errorf("audit: load tree of size %d: %w", size, err)
	}
	r, err := c.factory().NewRange(0, uint64(size), hashes)
	if err != nil {
		return nil, fmt.Errorf("audit: load tree: %w", err)
	}
	c.r = r
	return r, nil
}

// sequence places up to n pending entries in the tree, inside tx, then
// appends fresh (entries this transaction writes, with Index -1) already
// placed after them; it returns how many pending entries it placed. The
// cache is updated optimistically: the caller resets it if tx fails.
func (c *treeCache) sequence(ctx context.Context, tx store.Tx, n int, fresh []store.AuditRecord) (int, error) {
	a := tx.Audit()
	st, err := a.State(ctx)
	if err != nil {
		return 0, err
	}
	pending, err := a.Pending(ctx, n)
	if err != nil {
		return 0, err
	}
	if len(pending) == 0 && len(fresh) == 0 {
		return 0, nil
	}
	r, err := c.load(ctx, tx, st.Size)
	if err != nil {
		return 0, err
	}
	var nodes []store.AuditNode
	visit := func(id compact.NodeID, hash []byte) {
		if id.Level > 0 {
			nodes = append(nodes, store.AuditNode{Level: id.Level, Index: id.Index, Hash: hash})
		}
	}
	for _, recs := range [][]store.AuditRecord{pending, fresh} {
		for i := range recs {
			if err := r.Append(recs[i].LeafHash, visit); err != nil {
				c.reset()
				return 0, fmt.Errorf("audit: append leaf: %w", err)
			}
			recs[i].Index = st.Size
			st.Size++
		}
	}
	st.HashAlg = c.h.Algorithm()
	if len(fresh) > 0 {
		if err := a.Append(ctx, fresh); err != nil {
			return 0, err
		}
	}
	if err := a.Sequence(ctx, pending, nodes, st); err != nil {
		return 0, err
	}
	return len(pending), nil
}

// root returns the root hash of the tree of the given size (its current
// size or any earlier one).
func (c *treeCache) root(ctx context.Context, tx store.Tx, size int64) ([]byte, error) {
	if size == 0 {
		return c.h.EmptyRoot(), nil
	}
	r := c.r
	if r == nil || r.End() != uint64(size) {
		ids := compact.RangeNodes(0, uint64(size), nil)
		hashes, err := tx.Audit().Nodes(ctx, toStore(ids))
		if err != nil {
			return nil, fmt.Errorf("audit: tree of size %d: %w", size, err)
		}
		if r, err = c.factory().NewRange(0, uint64(size), hashes); err != nil {
			return nil, err
		}
	}
	return r.GetRootHash(nil)
}

func toStore(ids []compact.NodeID) []store.AuditNode {
	out := make([]store.AuditNode, len(ids))
	for i, id := range ids {
		out[i] = store.AuditNode{Level: id.Level, Index: id.Index}
	}
	return out
}

// proofHashes fetches the nodes a proof needs and rehashes its ephemeral
// node.
func (c *treeCache) proofHashes(ctx context.Context, tx store.Tx, n proof.Nodes) ([][]byte, error) {
	hashes, err := tx.Audit().Nodes(ctx, toStore(n.IDs))
	if err != nil {
		return nil, err
	}
	return n.Rehash(hashes, c.h.HashChildren)
}
