package resources

import (
	"context"

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

// ReindexPending returns the key from which resources still need their
// index entries rebuilt, or -1 when none do (see store.Tx.ReindexPending).
func (s *Service) ReindexPending(ctx context.Context) (int64, error) {
	var from int64
	err := s.st.View(ctx, func(tx store.Tx) error {
		var err error
		from, err = tx.ReindexPending(ctx)
		return err
	})
	return from, err
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
