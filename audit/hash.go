package audit

import (
	"crypto/sha256"
	"fmt"
	"hash"

	"github.com/emmansun/gmsm/sm3"
)

// Hash algorithms of the tree.
const (
	SM3    = "sm3"
	SHA256 = "sha256"
)

// Hasher hashes the tree as RFC 6962 section 2.1 does, with leaf (0x00) and
// node (0x01) domain separation, over SM3 or SHA-256. It implements the
// LogHasher interface of github.com/transparency-dev/merkle.
type Hasher struct {
	alg string
	new func() hash.Hash
}

// NewHasher returns the Hasher for alg (SM3 or SHA256).
func NewHasher(alg string) (*Hasher, error) {
	switch alg {
	case SM3:
		return &Hasher{alg: alg, new: sm3.New}, nil
	case SHA256:
		return &Hasher{alg: alg, new: sha256.New}, nil
	}
	return nil, fmt.Errorf("audit: unknown hash algorithm %q (want %s or %s)", alg, SM3, SHA256)
}

// Algorithm names the hash algorithm.
func (h *Hasher) Algorithm() string { return h.alg }

// EmptyRoot is the root of the empty tree: the hash of no bytes.
func (h *Hasher) EmptyRoot() []byte { return h.new().Sum(nil) }

// HashLeaf returns H(0x00 || leaf).
func (h *Hasher) HashLeaf(leaf []byte) []byte {
	d := h.new()
	d.Write([]byte{0})
	d.Write(leaf)
	return d.Sum(nil)
}

// HashChildren returns H(0x01 || l || r).
func (h *Hasher) HashChildren(l, r []byte) []byte {
	d := h.new()
	d.Write([]byte{1})
	d.Write(l)
	d.Write(r)
	return d.Sum(nil)
}

// Size is the length of a hash in bytes (32 for both algorithms).
func (h *Hasher) Size() int { return h.new().Size() }
