package resources

import (
	"context"
	"sync"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// ReindexBatch is the number of resources one reindex transaction rebuilds:
// small enough that writers wait at most one short transaction.
const ReindexBatch = 500

// ReindexProgress reports a running reindex: resources rebuilt so far, and
// the key the next batch starts from (-1 when finished).
type ReindexProgress struct {
	Done int
	Next int64
}

// Reindex rebuilds the index entries of every current resource with a key
// of at least from (0: all), in batches of ReindexBatch, each in its own
// write transaction, so writes go on in between. Progress is recorded in
// the store after every batch: a reindex stopped by a crash or ctx
// continues from ReindexPending. progress, when set, is called after every
// batch.
func (s *Service) Reindex(ctx context.Context, from int64, progress func(ReindexProgress)) error {
	done := 0
	for from >= 0 {
		var next int64
		n := 0
		err := s.st.Update(ctx, func(tx store.Tx) error {
			n = 0
			var err error
			next, err = tx.Reindex(ctx, from, ReindexBatch, func(v store.Version) (store.Index, error) {
				n++
				res, err := decodeVersion(v)
				if err != nil {
					return store.Index{}, err
				}
				return s.opts.Index(res)
			})
			return err
		})
		if err != nil {
			return err
		}
		done += n
		from = next
		if progress != nil {
			progress(ReindexProgress{Done: done, Next: next})
		}
	}
	return nil
}

// ReindexJob is a reindex started by StartReindex ($reindex). Its fields
// are read through Status.
type ReindexJob struct {
	mu       sync.Mutex
	status   ReindexStatus
	finished chan struct{}
}

// ReindexStatus describes a reindex job.
type ReindexStatus struct {
	Started  time.Time
	Finished time.Time // zero while running
	// Done is the number of resources rebuilt so far.
	Done int
	// Params are the custom SearchParameter versions the job applies.
	Params []string
	// Err is why the job stopped early ("" when it did not).
	Err string
}

// Status returns a snapshot of the job's status.
func (j *ReindexJob) Status() ReindexStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	st := j.status
	st.Params = append([]string(nil), st.Params...)
	return st
}

// Wait blocks until the job ends or ctx is done.
func (j *ReindexJob) Wait(ctx context.Context) error {
	select {
	case <-j.finished:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CurrentReindex returns the latest reindex job, or nil when none ran since
// the process started.
func (s *Service) CurrentReindex() *ReindexJob {
	s.reindexMu.Lock()
	defer s.reindexMu.Unlock()
	return s.reindex
}

// StartReindex applies the active SearchParameter resources: it checks
// every one (an invalid definition is an invalid error naming it, and
// nothing changes), records the new configuration in the store, makes
// writes index with it at once, and rebuilds the index of every resource
// in the background, in batches that let writes go on. Searches offer the
// new parameters when the rebuild is complete. A reindex already running
// is returned instead of starting another (conflict error).
func (s *Service) StartReindex(ctx context.Context) (*ReindexJob, error) {
	s.reindexMu.Lock()
	defer s.reindexMu.Unlock()
	if j := s.reindex; j != nil {
		select {
		case <-j.finished:
		default:
			return j, fhir.Errorf(fhir.IssueConflict, "a reindex is already running (started %s)", j.Status().Started.UTC().Format(time.RFC3339))
		}
	}
	var cfg *searchConfig
	err := s.st.Update(ctx, func(tx store.Tx) error {
		defs, refs, err := activeSearchParameters(ctx, tx)
		if err != nil {
			return err
		}
		reg, err := registryWith(defs)
		if err != nil {
			return err
		}
		cfg = newSearchConfig(s.Registry(), reg, refs)
		return tx.RequestReindex(ctx, appliedText(refs))
	})
	if err != nil {
		return nil, err
	}
	s.search.Store(cfg)
	j := &ReindexJob{finished: make(chan struct{}), status: ReindexStatus{Started: time.Now().UTC(), Params: cfg.applied}}
	s.reindex = j
	go func() {
		defer close(j.finished)
		// The job outlives the request that started it.
		err := s.Reindex(context.WithoutCancel(ctx), 0, func(p ReindexProgress) {
			j.mu.Lock()
			j.status.Done = p.Done
			j.mu.Unlock()
		})
		j.mu.Lock()
		defer j.mu.Unlock()
		j.status.Finished = time.Now().UTC()
		if err != nil {
			j.status.Err = err.Error()
			return
		}
		done := *cfg
		done.parse = cfg.indexReg
		s.search.CompareAndSwap(cfg, &done)
	}()
	return j, nil
}
