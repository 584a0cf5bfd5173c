package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// Config configures the audit log.
type Config struct {
	Store store.Store
	// Hash is the tree's hash algorithm for a new log (SM3 when empty). An
	// existing log keeps the algorithm it began with; asking for another
	// is an error.
	Hash string
	// Sign is the algorithm of a new checkpoint key (SignSM2 when empty).
	Sign string
	// KeyCipher, when set, keeps the checkpoint key encrypted at rest.
	KeyCipher KeyCipher
	// Origin names the log in checkpoint notes ("yitong" when empty).
	Origin string
	// CheckpointEvery is how often Run signs a checkpoint when the tree has
	// grown (one minute when zero).
	CheckpointEvery time.Duration
	// FlushEvery is how long Run waits before it writes recorded entries
	// that did not fill a batch (20 ms when zero).
	FlushEvery time.Duration
	// SequenceEvery is how often Run places entries that acts committed
	// themselves in the tree (one second when zero).
	SequenceEvery time.Duration
	// Batch bounds the entries written or sequenced in one transaction
	// (2,000 when zero).
	Batch int
	// MaxQueued bounds the entries waiting to be written; Record blocks
	// when the queue is full (100,000 when zero). With a spool it also
	// bounds the spooled entries waiting for the store.
	MaxQueued int
	// Spool, when set, is the path of the spool file (spool.go): every
	// FlushEvery, Run appends the entries Record queued to it and flushes
	// it to disk; every WriteEvery it writes them to the store. Without a
	// spool, Run writes them to the store every FlushEvery. Open writes the
	// entries a stopped process left in the spool. A spool another process
	// holds, or one that cannot be created or locked, is not used (that is
	// logged).
	Spool string
	// WriteEvery is how often Run writes spooled entries to the store
	// (one second when zero), and at once when a batch's worth waits.
	WriteEvery time.Duration
	Logger     *slog.Logger
}

// Log is the audit log of one store. It is safe for concurrent use.
type Log struct {
	cfg    Config
	hasher *Hasher
	// signer is the checkpoint key; it changes when the key is rotated
	// (RotateKey, or another process's rotation found by checkpointTx).
	signer atomic.Pointer[signer]

	mu      sync.Mutex
	queue   []Entry
	space   *sync.Cond // signalled when the queue shrinks
	wake    chan struct{}
	stopped bool

	committed atomic.Bool // entries committed since the last sequencing
	seqMu     sync.Mutex  // one sequencer per process
	tree      *treeCache

	// spool (nil: none, or closed) and the entries taken from the queue
	// that wait for the store, in order, both guarded by seqMu; spoolID
	// names the spool in the store's marks, also once it is closed.
	spool   *spool
	spooled []spooled
	spoolID string
}

// Open prepares the log: it checks the hash algorithm and loads (or
// creates) the checkpoint signing key.
func Open(ctx context.Context, cfg Config) (*Log, error) {
	if cfg.Hash == "" {
		cfg.Hash = SM3
	}
	if cfg.Sign == "" {
		cfg.Sign = SignSM2
	}
	if cfg.Origin == "" {
		cfg.Origin = "yitong"
	}
	if cfg.CheckpointEvery <= 0 {
		cfg.CheckpointEvery = time.Minute
	}
	if cfg.SequenceEvery <= 0 {
		cfg.SequenceEvery = time.Second
	}
	if cfg.FlushEvery <= 0 {
		cfg.FlushEvery = 20 * time.Millisecond
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 2000
	}
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = 100000
	}
	if cfg.WriteEvery <= 0 {
		cfg.WriteEvery = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	l := &Log{cfg: cfg, wake: make(chan struct{}, 1)}
	l.space = sync.NewCond(&l.mu)
	err := cfg.Store.Update(ctx, func(tx store.Tx) error {
		st, err := tx.Audit().State(ctx)
		if err != nil {
			return err
		}
		alg := cfg.Hash
		if st.HashAlg != "" {
			if cfg.Hash != st.HashAlg {
				return fmt.Errorf("audit: the log is hashed with %s; it cannot change to %s", st.HashAlg, cfg.Hash)
			}
			alg = st.HashAlg
		}
		if l.hasher, err = NewHasher(alg); err != nil {
			return err
		}
		s, err := loadSigner(ctx, tx, cfg.Sign, cfg.KeyCipher)
		l.signer.Store(s)
		return err
	})
	if err != nil {
		return nil, err
	}
	l.tree = &treeCache{h: l.hasher}
	if cfg.Spool != "" {
		if err := l.openSpool(ctx, cfg.Spool); err != nil {
			return nil, err
		}
		if err := l.Flush(ctx); err != nil {
			_ = l.closeSpool() // the write's error is the one to report
			return nil, fmt.Errorf("audit: write the entries left in the spool: %w", err)
		}
	}
	return l, nil
}

// Hasher returns the tree's hasher.
func (l *Log) Hasher() *Hasher { return l.hasher }

// PublicKey returns the verifier of the checkpoint signing key in force
// (as of this process's last checkpoint: a rotation by another process is
// seen at the next one).
func (l *Log) PublicKey() *Verifier { return &l.signer.Load().Verifier }

// Write is one version an act wrote, with the patients it concerns.
type Write struct {
	Version  store.Version
	Patients []string
}

// Written appends, inside tx, the entry of an act that wrote versions: it
// commits with them or not at all. The entry takes who, why and from where
// from the context's Event (the system agent without one); action names
// the act when the event does not. Every written version is listed.
func (l *Log) Written(ctx context.Context, tx store.Tx, action string, writes []Write) error {
	ev := EventFrom(ctx)
	e := ev.entry()
	if e.Action == "" {
		e.Action = action
	}
	e.Time = tx.Now()
	e.Outcome = OutcomeSuccess
	seen := map[string]bool{}
	types := map[string]bool{}
	for _, w := range writes {
		v := w.Version
		types[v.Type] = true
		e.Resources = append(e.Resources, fmt.Sprintf("%s/%s/_history/%d", v.Type, v.ID, v.VersionID))
		for _, p := range w.Patients {
			if !seen[p] {
				seen[p] = true
				e.Patients = append(e.Patients, p)
			}
		}
	}
	if e.Type == "" && len(types) == 1 {
		e.Type = writes[0].Version.Type
	}
	rec := e.recordAll(l.hasher)
	return tx.Audit().Append(ctx, []store.AuditRecord{rec})
}

// Append appends, inside tx, the entry of a platform act that changes
// state outside FHIR (a login, a token issued, an account created): it
// commits with the act or not at all. Fields e leaves empty are taken from
// the context's Event (the system agent without one); the time is the
// transaction's.
func (l *Log) Append(ctx context.Context, tx store.Tx, e Entry) error {
	base := EventFrom(ctx).entry()
	if e.Agent == (Agent{}) {
		e.Agent = base.Agent
	}
	if e.RequestID == "" {
		e.RequestID = base.RequestID
	}
	if e.Source == "" {
		e.Source = base.Source
	}
	if e.Outcome == "" {
		e.Outcome = OutcomeSuccess
	}
	e.Time = tx.Now()
	rec := e.recordAll(l.hasher)
	return tx.Audit().Append(ctx, []store.AuditRecord{rec})
}

// Record queues e to be appended by Run (or Flush), for acts that do not
// write: reads, searches, refusals and failures. It blocks while the queue
// is full, and drops nothing. Resources beyond MaxResources are counted in
// More, not listed.
func (l *Log) Record(e Entry) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if e.Outcome == "" {
		e.Outcome = OutcomeSuccess
	}
	l.mu.Lock()
	for len(l.queue) >= l.cfg.MaxQueued && !l.stopped {
		l.space.Wait()
	}
	l.queue = append(l.queue, e)
	l.mu.Unlock()
	l.wakeUp()
}

// wakeUp tells Run that entries wait in the queue.
func (l *Log) wakeUp() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Notify tells Run that entries were committed and wait for the
// sequencer. They are durable already, so Run places them on its next
// SequenceEvery tick rather than at once: sequencing takes the store's
// writer, which the acts themselves need.
func (l *Log) Notify() { l.committed.Store(true) }

// take removes up to n queued entries.
func (l *Log) take(n int) []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	n = max(n, 0)
	if n > len(l.queue) {
		n = len(l.queue)
	}
	out := make([]Entry, n)
	copy(out, l.queue)
	l.queue = append(l.queue[:0], l.queue[n:]...)
	l.space.Broadcast()
	return out
}

// putBack returns entries a failed transaction did not write to the front
// of the queue.
func (l *Log) putBack(es []Entry) {
	l.mu.Lock()
	l.queue = append(es, l.queue...)
	l.mu.Unlock()
}

// Flush writes every queued entry and sequences every committed entry.
func (l *Log) Flush(ctx context.Context) error {
	for {
		taken, placed, err := l.step(ctx)
		if err != nil {
			return err
		}
		if taken == 0 && placed == 0 {
			return nil
		}
	}
}

// drain is Run's flush: it writes and places entries batch by batch while
// batches fill, then stops. Entries recorded meanwhile wait for the next
// wake-up (Record wakes Run), so that under steady load they gather into
// batches of FlushEvery's worth; writing until the queue was empty, as
// Flush does, wrote them a few at a time (14 on average at 8,000 reads a
// second, each a commit and its pages).
func (l *Log) drain(ctx context.Context) error {
	for {
		taken, placed, err := l.step(ctx)
		if err != nil || (taken < l.cfg.Batch && placed < l.cfg.Batch) {
			return err
		}
	}
}

// step places up to Batch pending entries in the tree, then appends up to
// Batch recorded entries placed after those (spooled ones first, then
// queued ones), in one transaction, which also moves the spool's mark
// past the spooled ones; it returns how many recorded entries it wrote
// and how many pending ones it placed. Entries are taken under the
// sequencer's lock, so a Flush never misses entries another step has
// taken but not committed. On failure they stay spooled or go back to the
// queue.
func (l *Log) step(ctx context.Context) (taken, placed int, err error) {
	l.seqMu.Lock()
	defer l.seqMu.Unlock()
	ns := min(len(l.spooled), l.cfg.Batch)
	es := l.take(l.cfg.Batch - ns)
	recs := make([]store.AuditRecord, 0, ns+len(es))
	var mark int64
	for _, s := range l.spooled[:ns] {
		recs = append(recs, s.rec)
		mark = max(mark, s.n)
	}
	for i := range es {
		recs = append(recs, es[i].recordBounded(l.hasher))
	}
	err = l.cfg.Store.Update(ctx, func(tx store.Tx) error {
		// The recorded entries go into the tree at once, after the
		// pending ones: one row each (and their terms), no later update.
		var err error
		if placed, err = l.tree.sequence(ctx, tx, l.cfg.Batch, recs); err != nil || mark == 0 {
			return err
		}
		return tx.Audit().SetSpoolMark(ctx, l.spoolID, mark)
	})
	if err != nil {
		l.tree.reset()
		if len(es) > 0 {
			l.putBack(es)
		}
		return 0, 0, err
	}
	l.spooled = slices.Delete(l.spooled, 0, ns)
	if l.spool != nil && l.spool.dirty && len(l.spooled) == 0 {
		// Everything spooled is in the store.
		if err := l.spool.reset(); err != nil {
			l.cfg.Logger.Error("audit: spool", "error", err.Error())
		}
	}
	return ns + len(es), placed, nil
}

// spoolStep moves queued entries to the spool, flushed to disk, and to
// the entries waiting for the store, as long as those are fewer than
// MaxQueued; it returns how many wait for the store. An entry the spool
// could not take still waits for the store (the failure is logged).
func (l *Log) spoolStep() int {
	l.seqMu.Lock()
	defer l.seqMu.Unlock()
	if l.spool == nil {
		return len(l.spooled)
	}
	es := l.take(l.cfg.MaxQueued - len(l.spooled))
	if len(es) == 0 {
		return len(l.spooled)
	}
	recs := make([]store.AuditRecord, len(es))
	for i := range es {
		recs[i] = es[i].recordBounded(l.hasher)
	}
	first, err := l.spool.append(recs)
	if err != nil {
		l.cfg.Logger.Error("audit: spool", "error", err.Error())
	}
	for i, r := range recs {
		var n int64
		if first > 0 {
			n = first + int64(i)
		}
		l.spooled = append(l.spooled, spooled{rec: r, n: n})
	}
	if l.spool.broken {
		// Its records up to the failure are spooled and reach the store
		// with their numbers; later entries go to the store directly.
		l.cfg.Logger.Error("audit: the spool cannot be appended to any more; recorded entries go to the store without it until the next start")
		if err := l.spool.close(); err != nil {
			l.cfg.Logger.Error("audit: spool", "error", err.Error())
		}
		l.spool = nil
	}
	return len(l.spooled)
}

// hasSpool reports whether the log has a spool.
func (l *Log) hasSpool() bool {
	l.seqMu.Lock()
	defer l.seqMu.Unlock()
	return l.spool != nil
}

// waiting returns how many spooled entries wait for the store.
func (l *Log) waiting() int {
	l.seqMu.Lock()
	defer l.seqMu.Unlock()
	return len(l.spooled)
}

// closeSpool closes the spool, emptied when the store holds all its
// entries; entries still spooled stay in the file for the next Open.
func (l *Log) closeSpool() error {
	l.seqMu.Lock()
	defer l.seqMu.Unlock()
	if l.spool == nil {
		return nil
	}
	var err error
	if len(l.spooled) == 0 && l.spool.dirty {
		err = l.spool.reset()
	}
	err = errors.Join(err, l.spool.close())
	l.spool = nil
	return err
}

// Run writes recorded entries, sequences committed ones and signs
// checkpoints until ctx is done; then it writes what is left and signs a
// last checkpoint (with a fresh context) and returns. Failures are logged and retried.
func (l *Log) Run(ctx context.Context) {
	tick := time.NewTicker(l.cfg.CheckpointEvery)
	defer tick.Stop()
	seqTick := time.NewTicker(l.cfg.SequenceEvery)
	defer seqTick.Stop()
	writeTick := time.NewTicker(l.cfg.WriteEvery)
	defer writeTick.Stop()
	for {
		select {
		case <-writeTick.C:
			if l.waiting() > 0 {
				if err := l.drain(ctx); err != nil && ctx.Err() == nil {
					l.cfg.Logger.Error("audit: write", "error", err.Error())
				}
			}
		case <-seqTick.C:
			if l.committed.Swap(false) {
				if err := l.drain(ctx); err != nil && ctx.Err() == nil {
					l.cfg.Logger.Error("audit: sequence", "error", err.Error())
					l.committed.Store(true)
				}
			}
		case <-ctx.Done():
			l.mu.Lock()
			l.stopped = true
			l.space.Broadcast()
			l.mu.Unlock()
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			// The last checkpoint covers everything: nothing is left
			// unproven until the next start.
			if _, err := l.Checkpoint(fctx); err != nil && fhir.CodeOf(err) != fhir.IssueNotFound {
				l.cfg.Logger.Error("audit: final checkpoint", "error", err.Error())
			}
			cancel()
			if err := l.closeSpool(); err != nil {
				l.cfg.Logger.Error("audit: spool", "error", err.Error())
			}
			return
		case <-tick.C:
			if _, err := l.Checkpoint(ctx); err != nil && ctx.Err() == nil {
				l.cfg.Logger.Error("audit: checkpoint", "error", err.Error())
			}
		case <-l.wake:
			// Let concurrent requests gather into one batch.
			select {
			case <-ctx.Done():
				continue
			case <-time.After(l.cfg.FlushEvery):
			}
			if l.hasSpool() && l.spoolStep() < l.cfg.Batch {
				// Durable in the spool: the store gets them at the
				// next write tick, with those that follow.
				continue
			}
			if err := l.drain(ctx); err != nil && ctx.Err() == nil {
				l.cfg.Logger.Error("audit: flush", "error", err.Error())
				l.wakeUp()
			}
		}
	}
}

// Checkpoint sequences every committed entry and signs a checkpoint of the
// tree unless the latest checkpoint already covers it; it returns the
// latest checkpoint (not-found for an empty tree).
func (l *Log) Checkpoint(ctx context.Context) (Checkpoint, error) {
	if err := l.Flush(ctx); err != nil {
		return Checkpoint{}, err
	}
	l.seqMu.Lock()
	defer l.seqMu.Unlock()
	var out Checkpoint
	err := l.cfg.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		out, err = l.checkpointTx(ctx, tx)
		return err
	})
	if err != nil {
		l.tree.reset()
	}
	return out, err
}

// checkpointTx signs, inside tx, a checkpoint of the tree unless the
// latest checkpoint already covers it, and returns the latest checkpoint
// (not-found for an empty tree). The caller holds seqMu and resets the
// tree cache if tx fails.
func (l *Log) checkpointTx(ctx context.Context, tx store.Tx) (Checkpoint, error) {
	st, err := tx.Audit().State(ctx)
	if err != nil {
		return Checkpoint{}, err
	}
	s, err := l.currentSigner(ctx, tx)
	if err != nil {
		return Checkpoint{}, err
	}
	latest, err := tx.Audit().LatestCheckpoint(ctx)
	prev := latest.Size
	switch {
	case err == nil && latest.Size == st.Size:
		return fromStore(l.cfg.Origin, latest), nil
	case err != nil && fhir.CodeOf(err) != fhir.IssueNotFound:
		return Checkpoint{}, err
	case st.Size == 0:
		return Checkpoint{}, fhir.Errorf(fhir.IssueNotFound, "the audit log is empty: there is nothing to checkpoint")
	}
	root, err := l.tree.root(ctx, tx, st.Size)
	if err != nil {
		return Checkpoint{}, err
	}
	now := tx.Now()
	n := note(l.cfg.Origin, st.Size, root, now, prev)
	sig, err := s.sign(n)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: sign checkpoint: %w", err)
	}
	c := store.AuditCheckpoint{Size: st.Size, Recorded: now, Root: root, Note: n, Signature: sig, KeyID: s.KeyID}
	if err := tx.Audit().AddCheckpoint(ctx, c); err != nil {
		return Checkpoint{}, err
	}
	out := fromStore(l.cfg.Origin, c)
	out.Prev = prev
	return out, nil
}

// fromStore returns a stored checkpoint; its Prev (and, with origin "",
// its Origin) come from its note when it parses.
func fromStore(origin string, c store.AuditCheckpoint) Checkpoint {
	out := Checkpoint{Origin: origin, Size: c.Size, Root: c.Root, Time: c.Recorded, Note: c.Note, Signature: c.Signature, KeyID: c.KeyID}
	if n, err := ParseNote(c.Note); err == nil {
		out.Prev = n.Prev
		if origin == "" {
			out.Origin = n.Origin
		}
	}
	return out
}

// sequenceAll places every pending entry in the tree within tx, batch by
// batch, so that an entry appended just before is in the tree (and the
// next checkpoint) when tx commits.
func (l *Log) sequenceAll(ctx context.Context, tx store.Tx) error {
	for {
		n, err := l.tree.sequence(ctx, tx, l.cfg.Batch, nil)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
	}
}
