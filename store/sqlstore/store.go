package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/yitong-health/yitong/store"
)

// maxAttempts bounds how often Update reruns a transaction that failed with
// a transient conflict.
const maxAttempts = 5

// Store implements store.Store over database/sql.
type Store struct {
	d      *Dialect
	writer *sql.DB
	reader *sql.DB
	now    func() time.Time
	params paramIDs
	// writerStmts and readerStmts cache prepared statements when the
	// dialect asks for it (nil otherwise; the same cache when writer and
	// reader are one DB).
	writerStmts, readerStmts *stmtCache
}

var _ store.Store = (*Store)(nil)

// New returns a Store that writes through writer and reads through reader
// (they may be the same *sql.DB). now is the clock (time.Now when nil). The
// schema must already be migrated (see Migrate).
func New(d *Dialect, writer, reader *sql.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	s := &Store{d: d, writer: writer, reader: reader, now: now}
	if d.CacheStatements {
		s.writerStmts = newStmtCache(writer)
		s.readerStmts = s.writerStmts
		if reader != writer {
			s.readerStmts = newStmtCache(reader)
		}
	}
	return s
}

// Dialect implements store.Store.
func (s *Store) Dialect() string { return s.d.Name }

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

// Analyze implements store.Store.
func (s *Store) Analyze(ctx context.Context) error {
	if s.d.AnalyzeSQL == "" {
		return nil
	}
	if _, err := s.writer.ExecContext(ctx, s.d.AnalyzeSQL); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

// Now implements store.Store.
func (s *Store) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Close implements store.Store.
func (s *Store) Close() error {
	var err error
	if s.writerStmts != nil {
		err = s.writerStmts.close()
		if s.readerStmts != s.writerStmts {
			err = errors.Join(err, s.readerStmts.close())
		}
	}
	err = errors.Join(err, s.writer.Close())
	if s.reader != s.writer {
		err = errors.Join(err, s.reader.Close())
	}
	return err
}

// View implements store.Store.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	return s.run(ctx, s.reader, s.readerStmts, s.d.ReadTx, false, fn)
}

// Update implements store.Store. A transaction that fails with a transient
// database conflict is run again, up to maxAttempts times; fn must therefore
// not have effects outside the transaction.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = s.run(ctx, s.writer, s.writerStmts, s.d.WriteTx, true, fn)
		if err == nil || s.d.IsRetryable == nil || !s.d.IsRetryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt*attempt) * time.Millisecond):
		}
	}
	return err
}

// run runs fn in a transaction on db; cache, when not nil, is db's
// statement cache.
func (s *Store) run(ctx context.Context, db *sql.DB, cache *stmtCache, opts *sql.TxOptions, write bool, fn func(store.Tx) error) (err error) {
	sqltx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &tx{d: s.d, tx: sqltx, now: s.Now(), write: write, params: &s.params, cache: cache}
	defer func() {
		t.closeStmts()
		if err != nil {
			_ = sqltx.Rollback() // the error that made us roll back is the one to report
		}
		// The transaction's connection is free again: the statements
		// it prepared for itself can now be prepared on the DB.
		if len(t.missed) > 0 {
			cache.add(ctx, t.missed)
		}
	}()
	if s.d.AfterBegin != nil {
		if err = s.d.AfterBegin(ctx, sqltx, write); err != nil {
			return fmt.Errorf("begin: %w", err)
		}
	}
	if err = fn(t); err != nil {
		return err
	}
	if err = t.sendQueued(ctx); err != nil {
		return err
	}
	if err = sqltx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.params.put(t.newPids)
	return nil
}
