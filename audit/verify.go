package audit

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/transparency-dev/merkle/compact"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/rules"
	"github.com/yitong-health/yitong/store"
)

// VerifyError names the first thing that does not verify.
type VerifyError struct {
	// Index is the tree position of the bad entry, or -1.
	Index int64
	// Checkpoint is the size of the bad checkpoint, or -1.
	Checkpoint int64
	Reason     string
}

func (e *VerifyError) Error() string {
	switch {
	case e.Index >= 0:
		return fmt.Sprintf("audit entry %d: %s", e.Index, e.Reason)
	case e.Checkpoint >= 0:
		return fmt.Sprintf("audit checkpoint of size %d: %s", e.Checkpoint, e.Reason)
	}
	return "audit log: " + e.Reason
}

func entryErr(i int64, format string, args ...any) error {
	return &VerifyError{Index: i, Checkpoint: -1, Reason: fmt.Sprintf(format, args...)}
}

func checkpointErr(size int64, format string, args ...any) error {
	return &VerifyError{Index: -1, Checkpoint: size, Reason: fmt.Sprintf(format, args...)}
}

func logErr(format string, args ...any) error {
	return &VerifyError{Index: -1, Checkpoint: -1, Reason: fmt.Sprintf(format, args...)}
}

// Report is what a verification covered.
type Report struct {
	HashAlg string
	// KeyID is the checkpoint key in force; Keys counts the log's keys
	// (more than one after rotations, each checked by its rotation).
	KeyID       string
	Keys        int
	Size        int64 // entries in the tree
	Pending     int64 // committed entries not yet in the tree
	Checkpoints int   // checkpoints verified
	Latest      int64 // size of the latest checkpoint (0: none)
	Versions    int   // resource versions matched to their entries
	// Pruned counts the entries before the pruned mark: their leaf hashes
	// were checked against the subtree hashes and checkpoints, their
	// content is gone (Log.Prune).
	Pruned  int64
	Elapsed time.Duration
}

// walker recomputes a tree leaf by leaf and checks checkpoints as it
// reaches their sizes. It serves Verify and VerifyExport.
type walker struct {
	h    *Hasher
	keys *KeySet
	r    *compact.Range
	cps  []Checkpoint // sorted by size; cps[next:] are still ahead
	next int
	// prev is the size of the last checkpoint checked.
	prev int64
	// witness, when set, must match the tree at its size and be among the
	// checkpoints; witnessRoot records that its root matched.
	witness     *Checkpoint
	witnessRoot bool
	// streaming says checkpoints arrive after the entries they cover
	// (VerifyExport) instead of being known in advance.
	streaming bool
	rep       *Report
	// written collects "Type/id/_history/n" of every write entry.
	written map[string]bool
	// prunes are the prune acts found (Log.Prune), checked by Verify once
	// every checkpoint has been.
	prunes []pruneAct
	visit  compact.VisitFn
}

// pruneAct is an ActionPrune entry of the tree.
type pruneAct struct {
	index  int64
	time   time.Time
	detail PruneDetail
}

func newWalker(h *Hasher, keys *KeySet, begin uint64, hashes [][]byte, cps []Checkpoint, witness *Checkpoint, rep *Report) (*walker, error) {
	rf := &compact.RangeFactory{Hash: h.HashChildren}
	r, err := rf.NewRange(0, begin, hashes)
	if err != nil {
		return nil, logErr("starting range: %v", err)
	}
	w := &walker{h: h, keys: keys, r: r, cps: cps, witness: witness, rep: rep, written: map[string]bool{}}
	for w.next < len(cps) && cps[w.next].Size <= int64(begin) {
		w.prev = cps[w.next].Size // before the range: checked by an earlier run
		w.next++
	}
	return w, w.checkpoints()
}

// leaf takes the entry at index with its body and leaf hash lh (nil: to be
// computed here) and, when they are stored beside it, its stored leaf hash
// and recorded time (nil and zero otherwise).
func (w *walker) leaf(index int64, body, lh, stored []byte, recorded time.Time) error {
	if uint64(index) != w.r.End() {
		return entryErr(int64(w.r.End()), "missing (the next entry found is at %d)", index)
	}
	if lh == nil {
		lh = w.h.HashLeaf(body)
	}
	if stored != nil && !bytes.Equal(lh, stored) {
		return entryErr(index, "its stored leaf hash is not the hash of its content")
	}
	// Entries are written by Entry.Marshal, which begins every one with
	// its format version and time: that much is checked of every entry,
	// cheaply; entries that may list written versions are decoded whole.
	// (Tampering is caught by the hashes, not here.)
	t, ok := entryTime(body)
	if !ok {
		return entryErr(index, "content is not an audit entry of format %d", FormatVersion)
	}
	if !recorded.IsZero() && !recorded.Equal(t) {
		return entryErr(index, "its stored time %s differs from its content's %s", recorded.Format(time.RFC3339Nano), t.Format(time.RFC3339Nano))
	}
	if bytes.Contains(body, pruneMark) {
		e, err := ParseEntry(body)
		if err != nil || e.Action != ActionPrune {
			return entryErr(index, "content is not an audit entry of format %d: %v", FormatVersion, err)
		}
		if e.Outcome == OutcomeSuccess {
			var d PruneDetail
			if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
				return entryErr(index, "a prune entry whose detail does not say what it pruned: %v", err)
			}
			w.prunes = append(w.prunes, pruneAct{index: index, time: e.Time, detail: d})
		}
	}
	if bytes.Contains(body, historyMark) {
		e, err := ParseEntry(body)
		if err != nil || e.V != FormatVersion || e.Action == "" || e.Outcome == "" {
			return entryErr(index, "content is not an audit entry of format %d: %v", FormatVersion, err)
		}
		if e.Outcome == OutcomeSuccess {
			for _, r := range e.Resources {
				if strings.Contains(r, "/_history/") {
					w.written[r] = true
				}
			}
		}
	}
	if err := w.r.Append(lh, w.visit); err != nil {
		return entryErr(index, "%v", err)
	}
	return w.checkpoints()
}

// pruned takes the entry at index whose content was pruned: its stored
// leaf hash goes into the tree as it is (the subtree hashes and checkpoints
// check it). mark is the log's pruned mark: only entries before it may be
// pruned.
func (w *walker) pruned(index int64, stored []byte, recorded time.Time, mark int64) error {
	if uint64(index) != w.r.End() {
		return entryErr(int64(w.r.End()), "missing (the next entry found is at %d)", index)
	}
	if index >= mark {
		return entryErr(index, "its content is missing, but entries are pruned only before position %d", mark)
	}
	if len(stored) != w.h.Size() {
		return entryErr(index, "a pruned entry whose stored leaf hash has %d bytes", len(stored))
	}
	if recorded.UnixMicro() != 0 {
		return entryErr(index, "a pruned entry that still has a time (%s)", recorded.Format(time.RFC3339Nano))
	}
	w.rep.Pruned++
	if err := w.r.Append(stored, w.visit); err != nil {
		return entryErr(index, "%v", err)
	}
	return w.checkpoints()
}

// checkPrunes checks the log's pruned mark against the prune acts in the
// tree: each prunes up to a checkpoint signed at or before its cutoff, its
// cutoff is its time less its retention period, that period met the legal
// minimum then, and the mark is the furthest any act pruned to (0 with
// none). cps are the log's verified checkpoints.
func (w *walker) checkPrunes(mark int64, cps []Checkpoint) error {
	var authorised int64
	for _, p := range w.prunes {
		d := p.detail
		if d.Before > p.index || d.From > d.Before {
			return entryErr(p.index, "a prune of positions [%d, %d) that does not precede it", d.From, d.Before)
		}
		if err := rules.CheckRetention(p.time, d.Months); err != nil {
			return entryErr(p.index, "a prune that broke the retention rule: %v", err)
		}
		if d.Cutoff.After(rules.MonthsBefore(p.time, d.Months)) {
			return entryErr(p.index, "a prune whose cutoff %s is less than %d months before it", d.Cutoff.Format(time.RFC3339), d.Months)
		}
		i, ok := slices.BinarySearchFunc(cps, d.Before, func(c Checkpoint, s int64) int { return cmp.Compare(c.Size, s) })
		if !ok || cps[i].Time.After(d.Cutoff) {
			return entryErr(p.index, "a prune up to position %d, but no checkpoint of that size was signed at or before its cutoff %s", d.Before, d.Cutoff.Format(time.RFC3339))
		}
		authorised = max(authorised, d.Before)
	}
	if mark != authorised {
		return logErr("entries before position %d are marked pruned, but the prune entries in the log prune only those before %d", mark, authorised)
	}
	return nil
}

// checkpoints checks every checkpoint whose size the walk has reached.
func (w *walker) checkpoints() error {
	size := int64(w.r.End())
	if w.witness != nil && w.witness.Size == size {
		if !w.witnessRoot {
			if err := w.checkRoot(*w.witness, "the witness checkpoint"); err != nil {
				return err
			}
			w.witnessRoot = true
		}
		// The log published the witness: it must still hold it. (In an
		// export, checkpoints follow their last entry: wait for it.)
		i, ok := slices.BinarySearchFunc(w.cps, size, func(c Checkpoint, s int64) int { return cmp.Compare(c.Size, s) })
		switch {
		case ok && bytes.Equal(w.cps[i].Note, w.witness.Note) && bytes.Equal(w.cps[i].Signature, w.witness.Signature):
			w.witness = nil
		case !w.streaming || ok:
			return checkpointErr(size, "the witness checkpoint is not in the log: a checkpoint was removed or replaced")
		}
	}
	for w.next < len(w.cps) && w.cps[w.next].Size == size {
		c := w.cps[w.next]
		if err := w.checkRoot(c, "the checkpoint"); err != nil {
			return err
		}
		if c.Prev != w.prev {
			return checkpointErr(c.Size, "follows the checkpoint of size %d, but the one before it has size %d: a checkpoint was removed", c.Prev, w.prev)
		}
		w.prev = size
		w.rep.Checkpoints++
		w.rep.Latest = size
		w.next++
	}
	return nil
}

func (w *walker) checkRoot(c Checkpoint, what string) error {
	if err := w.keys.verify(c); err != nil {
		return checkpointErr(c.Size, "%s: %v", what, err)
	}
	if n, err := ParseNote(c.Note); err != nil || n.Prev != c.Prev {
		return checkpointErr(c.Size, "%s: its previous size differs from its note's", what)
	}
	root := w.h.EmptyRoot()
	if c.Size > 0 {
		var err error
		if root, err = w.r.GetRootHash(nil); err != nil {
			return checkpointErr(c.Size, "%v", err)
		}
	}
	if !bytes.Equal(root, c.Root) {
		return checkpointErr(c.Size, "%s's root hash differs from the tree recomputed from the entries", what)
	}
	return nil
}

// finish checks that nothing claims more entries than the walk found.
func (w *walker) finish() error {
	size := int64(w.r.End())
	if w.next < len(w.cps) {
		return checkpointErr(w.cps[w.next].Size, "covers %d entries but the log holds %d: entries were removed", w.cps[w.next].Size, size)
	}
	if w.witness != nil && w.witnessRoot {
		return checkpointErr(w.witness.Size, "the witness checkpoint is not in the log: a checkpoint was removed or replaced")
	}
	if w.witness != nil {
		return checkpointErr(w.witness.Size, "the witness checkpoint covers %d entries but the log holds %d: entries were removed", w.witness.Size, size)
	}
	w.rep.Size = size
	return nil
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// PublicKey, when set, is the trusted checkpoint key (PKIX DER); else
	// the key stored with the log is used. PublicKeys are more trusted
	// keys. Of a log whose key was rotated (Log.RotateKey), any one key
	// of the chain is enough: the rotations, each signed by both keys,
	// extend the trust to the others.
	PublicKey  []byte
	PublicKeys [][]byte
	// Witness, when set, is a checkpoint kept outside the database (for
	// instance by the provincial supervision platform); the log must
	// contain the tree it signs. Without one, removing the newest entries
	// together with every checkpoint covering them is not detectable.
	Witness *Checkpoint
	// SkipVersions leaves out matching resource versions to their entries.
	SkipVersions bool
	// Batch is the number of entries read at once (10,000 when zero).
	Batch int
}

// Verify recomputes the whole tree of st's audit log from its entries in
// one consistent snapshot and checks: every entry's content against its
// leaf hash; the tree positions are contiguous; every stored node hash (from
// which proofs are built); every checkpoint's signature and root hash; and
// that every resource version written since the log began has its entry.
// Entries before the pruned mark (Log.Prune) have no content: their stored
// leaf hashes enter the tree as they are, so the subtree hashes and the
// checkpoints prove them, and the mark must be where the prune entries in
// the tree (each checked against the retention rule and a checkpoint
// signed before its cutoff) put it; versions whose entries were pruned are
// not matched.
// It returns a *VerifyError naming the first problem.
func Verify(ctx context.Context, st store.Store, opts VerifyOptions) (Report, error) {
	start := time.Now()
	rep := Report{}
	if opts.Batch <= 0 {
		opts.Batch = 10000
	}
	err := st.View(ctx, func(tx store.Tx) error {
		a := tx.Audit()
		state, err := a.State(ctx)
		if err != nil {
			return err
		}
		if state.HashAlg == "" {
			state.HashAlg = SM3
		}
		h, err := NewHasher(state.HashAlg)
		if err != nil {
			return logErr("%v", err)
		}
		rep.HashAlg = state.HashAlg
		trusted := opts.PublicKeys
		if opts.PublicKey != nil {
			trusted = append([][]byte{opts.PublicKey}, trusted...)
		}
		if _, err := a.Key(ctx, KeyName); fhir.CodeOf(err) == fhir.IssueNotFound && state.Size == 0 {
			return nil // an empty, unused log
		} else if err != nil {
			return logErr("the checkpoint key: %v", err)
		}
		keys, _, err := keySetTx(ctx, tx, trusted)
		if err != nil {
			var ve *VerifyError
			if errors.As(err, &ve) {
				return err
			}
			return logErr("the checkpoint keys: %v", err)
		}
		rep.KeyID, rep.Keys = keys.Current().KeyID, len(keys.Keys())
		cps, err := loadCheckpoints(ctx, a)
		if err != nil {
			return err
		}
		w, err := newWalker(h, keys, 0, nil, cps, opts.Witness, &rep)
		if err != nil {
			return err
		}
		var made []store.AuditNode
		w.visit = func(id compact.NodeID, hash []byte) {
			if id.Level > 0 {
				made = append(made, store.AuditNode{Level: id.Level, Index: id.Index, Hash: hash})
			}
		}
		var firstWrite time.Time
		// Reading (the database) and hashing run side by side: the reader
		// sends batches of entries with the stored hashes of the subtrees
		// they complete; leaf hashes are computed in parallel, then the
		// tree is extended in order.
		pctx, stopReading := context.WithCancel(ctx)
		batches := readBatches(pctx, a, opts.Batch)
		defer func() {
			stopReading()
			for range batches { // let the reader finish with the transaction
			}
		}()
		for b := range batches {
			if b.err != nil {
				return b.err
			}
			hashes := leafHashes(h, b.recs)
			made = made[:0]
			for i, r := range b.recs {
				if len(r.Body) == 0 {
					if err := w.pruned(r.Index, r.LeafHash, r.Recorded, state.PrunedBefore); err != nil {
						return err
					}
					continue
				}
				if r.Index < state.PrunedBefore {
					return entryErr(r.Index, "is before the pruned mark %d but still has content", state.PrunedBefore)
				}
				if err := w.leaf(r.Index, r.Body, hashes[i], r.LeafHash, r.Recorded); err != nil {
					return err
				}
				if firstWrite.IsZero() || r.Recorded.Before(firstWrite) {
					firstWrite = r.Recorded
				}
			}
			if err := compareNodes(made, b.nodes); err != nil {
				return err
			}
		}
		if err := w.finish(); err != nil {
			return err
		}
		if rep.Size != state.Size {
			return logErr("the recorded tree size is %d but %d entries are in the tree", state.Size, rep.Size)
		}
		if err := w.checkPrunes(state.PrunedBefore, cps); err != nil {
			return err
		}
		if state.PrunedBefore > 0 && !firstWrite.IsZero() {
			// Versions whose entries were pruned are not matched: those
			// written up to a minute after the checkpoint that ends the
			// pruned range (signed before the cutoff) may be among them.
			i, _ := slices.BinarySearchFunc(cps, state.PrunedBefore, func(c Checkpoint, s int64) int { return cmp.Compare(c.Size, s) })
			if since := cps[i].Time.Add(time.Minute); since.After(firstWrite) {
				firstWrite = since
			}
		}
		pending, err := a.Pending(ctx, 1<<30)
		if err != nil {
			return err
		}
		rep.Pending = int64(len(pending))
		if opts.SkipVersions || firstWrite.IsZero() {
			return nil
		}
		return checkVersions(ctx, tx, w.written, firstWrite, pending, &rep)
	})
	rep.Elapsed = time.Since(start)
	return rep, err
}

func loadCheckpoints(ctx context.Context, a store.AuditTx) ([]Checkpoint, error) {
	var out []Checkpoint
	for from := int64(0); ; {
		cs, err := a.Checkpoints(ctx, from, 1000)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			out = append(out, fromStore("", c))
		}
		if len(cs) < 1000 {
			return out, nil
		}
		from = cs[len(cs)-1].Size + 1
	}
}

// batch is a run of entries in tree order with the stored hashes of the
// subtrees those entries complete, by level and index.
type batch struct {
	recs  []store.AuditRecord
	nodes []store.AuditNode
	err   error
}

// readBatches reads the tree's entries from position 0 in batches of n on
// a goroutine of its own; the channel closes after the last (or an error).
func readBatches(ctx context.Context, a store.AuditTx, n int) <-chan batch {
	out := make(chan batch, 2)
	go func() {
		defer close(out)
		for from := int64(0); ctx.Err() == nil; {
			recs, err := a.Leaves(ctx, from, n)
			if err != nil || len(recs) == 0 {
				if err != nil {
					out <- batch{err: err}
				}
				return
			}
			// Subtrees completed by leaves f..l: node (L, i) is completed
			// by leaf (i+1)·2^L − 1.
			f, l := uint64(recs[0].Index), uint64(recs[len(recs)-1].Index)
			var nodes []store.AuditNode
			for level := uint(1); level < 63 && uint64(1)<<level <= l+1; level++ {
				lo := (f+1+(1<<level)-1)>>level - 1
				hi := (l+1)>>level - 1
				if (l+1)>>level == 0 || lo > hi {
					continue
				}
				ns, err := a.NodeRange(ctx, level, lo, hi+1)
				if err != nil {
					out <- batch{err: err}
					return
				}
				nodes = append(nodes, ns...)
			}
			select {
			case out <- batch{recs: recs, nodes: nodes}:
			case <-ctx.Done():
				return
			}
			from = recs[len(recs)-1].Index + 1
		}
	}()
	return out
}

// leafHashes hashes the records' bodies on every core.
func leafHashes(h *Hasher, recs []store.AuditRecord) [][]byte {
	out := make([][]byte, len(recs))
	workers := min(runtime.GOMAXPROCS(0), 4)
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < len(recs); i += workers {
				if len(recs[i].Body) > 0 { // pruned entries keep their stored hash
					out[i] = h.HashLeaf(recs[i].Body)
				}
			}
		}()
	}
	wg.Wait()
	return out
}

// compareNodes compares the subtree hashes a batch of leaves created with
// the stored ones (both by level, then index).
func compareNodes(made, stored []store.AuditNode) error {
	sort.Slice(made, func(i, j int) bool {
		if made[i].Level != made[j].Level {
			return made[i].Level < made[j].Level
		}
		return made[i].Index < made[j].Index
	})
	for i, n := range made {
		first, last := n.Index<<n.Level, (n.Index+1)<<n.Level-1
		if i >= len(stored) || stored[i].Level != n.Level || stored[i].Index != n.Index {
			return entryErr(int64(last), "the stored hash of subtree [%d, %d] is missing", first, last)
		}
		if !bytes.Equal(stored[i].Hash, n.Hash) {
			return entryErr(int64(last), "the stored hash of subtree [%d, %d] differs from the recomputed one", first, last)
		}
	}
	if len(stored) > len(made) {
		return logErr("a subtree hash is stored that no entry completes (level %d, index %d)", stored[len(made)].Level, stored[len(made)].Index)
	}
	return nil
}

// checkVersions finds every resource version written at or after since and
// checks that an entry lists it (in the tree, or pending).
func checkVersions(ctx context.Context, tx store.Tx, written map[string]bool, since time.Time, pending []store.AuditRecord, rep *Report) error {
	for _, p := range pending {
		r, err := tx.Audit().BySeq(ctx, p.Seq)
		if err != nil {
			return err
		}
		e, err := ParseEntry(r.Body)
		if err != nil {
			return logErr("pending entry %d: %v", p.Seq, err)
		}
		for _, res := range e.Resources {
			written[res] = true
		}
	}
	for before := int64(0); ; {
		vs, err := tx.History(ctx, store.HistoryQuery{Since: since, Before: before, Count: 5000})
		if err != nil {
			return err
		}
		for _, v := range vs {
			key := fmt.Sprintf("%s/%s/_history/%d", v.Type, v.ID, v.VersionID)
			if !written[key] {
				return logErr("%s was written at %s but no audit entry records it", key, v.LastUpdated.Format(time.RFC3339Nano))
			}
			rep.Versions++
		}
		if len(vs) < 5000 {
			return nil
		}
		before = vs[len(vs)-1].Seq
	}
}

var (
	historyMark = []byte("/_history/")
	pruneMark   = []byte(`"action":"` + ActionPrune + `"`)
	entryPrefix = []byte(`{"v":1,"time":"`)
)

// entryTime reads the time at the start of an entry's canonical bytes.
func entryTime(body []byte) (time.Time, bool) {
	rest, ok := bytes.CutPrefix(body, entryPrefix)
	if !ok {
		return time.Time{}, false
	}
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(rest[:end]))
	return t, err == nil && body[len(body)-1] == '}'
}
