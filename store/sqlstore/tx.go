package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// tx implements store.Tx. Prepared statements are cached for the life of the
// transaction, which pays off in bulk loads of thousands of resources, and
// with Dialect.CacheStatements across transactions (stmtCache).
type tx struct {
	d     *Dialect
	tx    *sql.Tx
	now   time.Time
	write bool
	stmts map[string]*sql.Stmt
	// cache is the Store's statement cache for this transaction's DB (nil
	// when the dialect keeps none); missed lists the rebound queries this
	// transaction prepared itself, to be added once it has ended.
	cache  *stmtCache
	missed []string
	// pending holds queued writes for dialects with BatchWrites.
	pending *batch
	// params is the Store's cache of search parameter numbers; newPids
	// holds the numbers this transaction assigned (cached after commit).
	params  *paramIDs
	newPids map[paramKey]int64
	// idxQueue holds index entries of this transaction's writes not yet
	// inserted (dialects without BatchWrites): they go out together, in
	// multi-row statements, before the next read and before commit.
	idxQueue []indexed
}

func (t *tx) Now() time.Time { return t.now }

func (t *tx) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if s, ok := t.stmts[q]; ok {
		return s, nil
	}
	rq := t.d.rebind(q)
	var s *sql.Stmt
	if shared := t.cachedStmt(rq); shared != nil {
		// Reuses the statement prepared on this transaction's connection,
		// or prepares it there (and keeps it with the shared statement).
		s = t.tx.StmtContext(ctx, shared)
	} else {
		var err error
		if s, err = t.tx.PrepareContext(ctx, rq); err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
		if t.cache != nil {
			t.missed = append(t.missed, rq)
		}
	}
	if t.stmts == nil {
		t.stmts = make(map[string]*sql.Stmt)
	}
	t.stmts[q] = s
	return s, nil
}

func (t *tx) cachedStmt(rq string) *sql.Stmt {
	if t.cache == nil {
		return nil
	}
	return t.cache.get(rq)
}

func (t *tx) closeStmts() {
	for _, s := range t.stmts {
		_ = s.Close() // closing a statement of a finished transaction cannot fail in a way we act on
	}
	t.stmts = nil
}

// stmtContext returns the context a statement runs under. For dialects with
// DetachContext the statement cannot be interrupted once started, but a
// cancelled context still stops the next statement.
func (t *tx) stmtContext(ctx context.Context) (context.Context, error) {
	if !t.d.DetachContext {
		return ctx, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return context.WithoutCancel(ctx), nil
}

func (t *tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	ctx, err := t.stmtContext(ctx)
	if err != nil {
		return nil, err
	}
	if t.d.DriverPrepares {
		return t.tx.ExecContext(ctx, t.d.rebind(q), args...)
	}
	s, err := t.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// sendQueued sends the transaction's queued writes, so that a read sees
// them.
func (t *tx) sendQueued(ctx context.Context) error {
	if !t.pending.empty() {
		if err := t.flush(ctx); err != nil {
			return err
		}
	}
	if len(t.idxQueue) > 0 {
		return t.flushIndexQueue(ctx)
	}
	return nil
}

func (t *tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := t.sendQueued(ctx); err != nil {
		return nil, err
	}
	ctx, err := t.stmtContext(ctx)
	if err != nil {
		return nil, err
	}
	if t.d.DriverPrepares {
		return t.tx.QueryContext(ctx, t.d.rebind(q), args...)
	}
	s, err := t.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// queryOnce runs a statement that is unlikely to run again in this
// transaction (a search's SQL depends on its parameters) without preparing
// it first: on PostgreSQL a prepared statement costs a round trip of its
// own.
func (t *tx) queryOnce(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := t.sendQueued(ctx); err != nil {
		return nil, err
	}
	ctx, err := t.stmtContext(ctx)
	if err != nil {
		return nil, err
	}
	return t.tx.QueryContext(ctx, t.d.rebind(q), args...)
}

// countOnce runs a COUNT statement with queryOnce.
func (t *tx) countOnce(ctx context.Context, q string, args ...any) (int, error) {
	rows, err := t.queryOnce(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	var n int
	if rows.Next() {
		err = rows.Scan(&n)
	}
	return n, errors.Join(err, rows.Err(), rows.Close())
}

const versionCols = `v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body`

func scanVersion(sc interface{ Scan(...any) error }) (store.Version, error) {
	return scanVersionAnd(sc)
}

// scanVersionAnd scans the versionCols of a row and then the row's further
// columns into extra.
func scanVersionAnd(sc interface{ Scan(...any) error }, extra ...any) (store.Version, error) {
	var v store.Version
	var lu int64
	var deleted int
	var method string
	dest := append([]any{&v.Seq, &v.Type, &v.ID, &v.VersionID, &lu, &method, &deleted, &v.Body}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return v, err
	}
	v.LastUpdated = time.UnixMicro(lu).UTC()
	v.Method = store.Method(method)
	v.Deleted = deleted != 0
	return v, nil
}

func (t *tx) one(ctx context.Context, notFound string, q string, args ...any) (store.Version, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return store.Version{}, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return store.Version{}, fmt.Errorf("query: %w", err)
		}
		return store.Version{}, fhir.Errorf(fhir.IssueNotFound, "%s", notFound)
	}
	v, err := scanVersion(rows)
	if err != nil {
		return v, fmt.Errorf("scan: %w", err)
	}
	return v, rows.Close()
}

func (t *tx) Current(ctx context.Context, typ, id string) (store.Version, error) {
	if t.write && t.d.LockRowSQL != "" {
		// Lock the resource's row first, in a statement of its own, so that
		// the read below (a fresh snapshot under READ COMMITTED) sees the
		// version that any concurrent writer committed before us.
		rows, err := t.query(ctx, t.d.LockRowSQL, typ, id)
		if err != nil {
			return store.Version{}, fmt.Errorf("lock %s/%s: %w", typ, id, err)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return store.Version{}, fmt.Errorf("lock %s/%s: %w", typ, id, err)
		}
	}
	return t.one(ctx, fmt.Sprintf("resource %s/%s is not known", typ, id),
		`SELECT `+versionCols+` FROM resources r JOIN resource_versions v ON v.seq = r.seq WHERE r.res_type = ? AND r.res_id = ?`, typ, id)
}

func (t *tx) Version(ctx context.Context, typ, id string, vid int64) (store.Version, error) {
	return t.one(ctx, fmt.Sprintf("version %d of %s/%s is not known", vid, typ, id),
		`SELECT `+versionCols+` FROM resource_versions v WHERE v.res_type = ? AND v.res_id = ? AND v.version_id = ?`, typ, id, vid)
}

func (t *tx) Put(ctx context.Context, v store.Version, idx store.Index) (store.Version, error) {
	if !t.write {
		return v, errors.New("put in a read-only transaction")
	}
	if v.VersionID < 1 {
		return v, fmt.Errorf("put %s/%s: version %d", v.Type, v.ID, v.VersionID)
	}
	conflict := func() error {
		return fhir.Errorf(fhir.IssueConflict, "%s/%s was changed concurrently: version %d is no longer the next version", v.Type, v.ID, v.VersionID)
	}
	deleted := 0
	if v.Deleted {
		deleted = 1
	}
	if t.d.BatchWrites {
		if t.pending != nil && t.pending.keys[[2]string{v.Type, v.ID}] {
			if err := t.flush(ctx); err != nil {
				return v, err
			}
		}
		t.queue(v, idx)
		return v, nil
	}
	lu := v.LastUpdated.UTC().UnixMicro()
	seq, inserted, err := t.insertVersion(ctx, v, lu, deleted)
	if err != nil {
		return v, fmt.Errorf("insert version: %w", err)
	}
	if !inserted {
		return v, conflict()
	}
	v.Seq = seq
	rid := seq
	if v.VersionID == 1 {
		res, err := t.exec(ctx, `INSERT INTO resources (rid, res_type, res_id, version_id, seq, last_updated, deleted)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (res_type, res_id) DO NOTHING`, rid, v.Type, v.ID, v.VersionID, v.Seq, lu, deleted)
		if err != nil {
			return v, fmt.Errorf("write current: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return v, fmt.Errorf("write current: %w", err)
		} else if n != 1 {
			return v, conflict()
		}
	} else {
		rows, err := t.query(ctx, `UPDATE resources SET version_id = ?, seq = ?, last_updated = ?, deleted = ?
			WHERE res_type = ? AND res_id = ? AND version_id = ? RETURNING rid`, v.VersionID, v.Seq, lu, deleted, v.Type, v.ID, v.VersionID-1)
		if err != nil {
			return v, fmt.Errorf("write current: %w", err)
		}
		got := rows.Next()
		if got {
			err = rows.Scan(&rid)
		}
		if err := errors.Join(err, rows.Err(), rows.Close()); err != nil {
			return v, fmt.Errorf("write current: %w", err)
		}
		if !got {
			return v, conflict()
		}
		if err := t.clearIndex(ctx, rid); err != nil {
			return v, err
		}
	}
	if v.Deleted {
		return v, nil
	}
	// An update above read through t.query, which sent the queue, so the
	// entries cleared there cannot be queued ones.
	t.idxQueue = append(t.idxQueue, indexed{v.Type, rid, idx})
	if len(t.idxQueue) >= maxIndexQueue {
		if err := t.flushIndexQueue(ctx); err != nil {
			return v, err
		}
	}
	return v, nil
}

// maxIndexQueue bounds the resources whose entries wait in idxQueue.
const maxIndexQueue = 256

// flushIndexQueue inserts the queued index entries.
func (t *tx) flushIndexQueue(ctx context.Context) error {
	items := t.idxQueue
	t.idxQueue = nil // pid lookups below read through t.query
	return t.writeIndexed(ctx, items)
}

const insertVersionSQL = `INSERT INTO resource_versions (res_type, res_id, version_id, last_updated, method, deleted, body)
	VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (res_type, res_id, version_id) DO NOTHING`

// insertVersion inserts a version row unless that version exists, and
// returns its sequence number. SQLite reports the rowid directly, which is
// cheaper than reading a RETURNING row; PostgreSQL returns the sequence.
func (t *tx) insertVersion(ctx context.Context, v store.Version, lu int64, deleted int) (int64, bool, error) {
	args := []any{v.Type, v.ID, v.VersionID, lu, string(v.Method), deleted, v.Body}
	if t.d.LastInsertID {
		res, err := t.exec(ctx, insertVersionSQL, args...)
		if err != nil {
			return 0, false, err
		}
		n, err := res.RowsAffected()
		if err != nil || n == 0 {
			return 0, false, err
		}
		seq, err := res.LastInsertId()
		return seq, err == nil, err
	}
	rows, err := t.query(ctx, insertVersionSQL+` RETURNING seq`, args...)
	if err != nil {
		return 0, false, err
	}
	var seq int64
	got := rows.Next()
	if got {
		err = rows.Scan(&seq)
	}
	if err = errors.Join(err, rows.Err(), rows.Close()); err != nil {
		return 0, false, err
	}
	return seq, got, nil
}

func (t *tx) LockType(ctx context.Context, typ string) error {
	if t.d.LockSQL == "" {
		return nil
	}
	if _, err := t.exec(ctx, t.d.LockSQL, "type:"+typ); err != nil {
		return fmt.Errorf("lock %s: %w", typ, err)
	}
	return nil
}
