package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// idempotencyTx implements store.IdempotencyTx on a transaction.
type idempotencyTx struct{ t *tx }

// Idempotency implements store.Tx.
func (t *tx) Idempotency() store.IdempotencyTx { return idempotencyTx{t} }

func checkIdempotencyKey(agent, key string) error {
	if agent == "" || key == "" || len(agent) > store.MaxIdempotencyKey || len(key) > store.MaxIdempotencyKey {
		return fhir.Errorf(fhir.IssueInvalid, "an idempotency agent and key must be 1-%d bytes", store.MaxIdempotencyKey)
	}
	return nil
}

func (r idempotencyTx) Lock(ctx context.Context, agent, key string) error {
	if !r.t.write {
		return errors.New("lock idempotency key: read-only transaction")
	}
	if err := checkIdempotencyKey(agent, key); err != nil {
		return err
	}
	if r.t.d.LockSQL == "" {
		return nil // SQLite: write transactions are serialised already
	}
	if _, err := r.t.exec(ctx, r.t.d.LockSQL, "idempotency:"+agent+"\n"+key); err != nil {
		return fmt.Errorf("lock idempotency key: %w", err)
	}
	return nil
}

func (r idempotencyTx) Get(ctx context.Context, agent, key string) (store.IdempotencyRecord, error) {
	rows, err := r.t.query(ctx, `SELECT method, path, request_hash, request_id, status, header, body, created, expires
FROM idempotency_keys WHERE agent = ? AND key = ? AND expires > ?`, agent, key, r.t.now.UnixMicro())
	if err != nil {
		return store.IdempotencyRecord{}, fmt.Errorf("idempotency key: %w", err)
	}
	rec := store.IdempotencyRecord{Agent: agent, Key: key}
	found := rows.Next()
	if found {
		var status, created, expires int64
		err = rows.Scan(&rec.Method, &rec.Path, &rec.RequestHash, &rec.RequestID, &status, &rec.Header, &rec.Body, &created, &expires)
		rec.Status = int(status)
		rec.Created, rec.Expires = time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC()
	}
	if err = errors.Join(err, rows.Err(), rows.Close()); err != nil {
		return store.IdempotencyRecord{}, fmt.Errorf("idempotency key: %w", err)
	}
	if !found {
		return store.IdempotencyRecord{}, fhir.Errorf(fhir.IssueNotFound, "no record of that idempotency key")
	}
	return rec, nil
}

func (r idempotencyTx) Insert(ctx context.Context, rec store.IdempotencyRecord) error {
	if !r.t.write {
		return errors.New("insert idempotency key: read-only transaction")
	}
	if err := checkIdempotencyKey(rec.Agent, rec.Key); err != nil {
		return err
	}
	if rec.Expires.IsZero() {
		return errors.New("insert idempotency key: no expiry")
	}
	// An expired row with the key is replaced; a live one is kept and the
	// statement changes no row. On PostgreSQL a concurrent insert of the
	// key waits here for the other transaction to end.
	res, err := r.t.exec(ctx, `INSERT INTO idempotency_keys (agent, key, method, path, request_hash, request_id, status, header, body, created, expires)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (agent, key) DO UPDATE SET method = excluded.method, path = excluded.path, request_hash = excluded.request_hash,
request_id = excluded.request_id, status = excluded.status, header = excluded.header, body = excluded.body,
created = excluded.created, expires = excluded.expires
WHERE idempotency_keys.expires <= ?`,
		rec.Agent, rec.Key, rec.Method, rec.Path, nonNil(rec.RequestHash), rec.RequestID, int64(rec.Status),
		nonNil(rec.Header), nonNil(rec.Body), micros(rec.Created), micros(rec.Expires), r.t.now.UnixMicro())
	if err != nil {
		return fmt.Errorf("insert idempotency key: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("insert idempotency key: %w", err)
	}
	if n == 0 {
		return fhir.Errorf(fhir.IssueConflict, "the idempotency key is already recorded")
	}
	return nil
}

func (r idempotencyTx) Purge(ctx context.Context, t time.Time) (int64, error) {
	if !r.t.write {
		return 0, errors.New("purge idempotency keys: read-only transaction")
	}
	res, err := r.t.exec(ctx, `DELETE FROM idempotency_keys WHERE expires <= ?`, t.UTC().UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return res.RowsAffected()
}
