package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStatements bounds a stmtCache. The package's statements are a
// fixed set plus multi-row variants (up to one per row count), a few
// hundred in all; a search's SQL never goes through the cache (queryOnce).
const maxCachedStatements = 1024

// stmtCache keeps statements prepared on a *sql.DB for the life of the
// store, so that a transaction reuses what an earlier transaction on the
// same connection prepared (database/sql prepares a DB-level statement on
// each connection once, and Tx.StmtContext finds it). For SQLite, whose
// statements are compiled in process, preparing anew in every transaction
// was 16% of the CPU of an audited read.
//
// A statement is not prepared on the DB while a transaction holds a
// connection: with one writer connection (SQLite) that would wait for the
// transaction itself. A transaction records the statements it had to
// prepare itself (missed), and they are added after it has ended.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: make(map[string]*sql.Stmt)}
}

// get returns the cached statement for the rebound query q, or nil.
func (c *stmtCache) get(q string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[q]
}

// add prepares the rebound queries qs on the DB and keeps them. It must
// not be called while the caller holds a transaction on c.db. A query that
// fails to prepare is left out: the next transaction prepares it itself
// and reports the error where it can be acted on.
func (c *stmtCache) add(ctx context.Context, qs []string) {
	for _, q := range qs {
		c.mu.RLock()
		_, ok := c.m[q]
		full := len(c.m) >= maxCachedStatements
		c.mu.RUnlock()
		if ok || full {
			continue
		}
		s, err := c.db.PrepareContext(context.WithoutCancel(ctx), q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, ok := c.m[q]; ok || len(c.m) >= maxCachedStatements {
			c.mu.Unlock()
			_ = s.Close() // a duplicate of a statement another transaction added
			continue
		}
		c.m[q] = s
		c.mu.Unlock()
	}
}

// close closes the cached statements.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	for q, s := range c.m {
		if err := s.Close(); err != nil && first == nil {
			first = err
		}
		delete(c.m, q)
	}
	return first
}
