package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// recordsTx implements store.RecordsTx on a transaction.
type recordsTx struct{ t *tx }

// Records implements store.Tx.
func (t *tx) Records() store.RecordsTx { return recordsTx{t} }

// maxRecordKey bounds kinds and keys.
const maxRecordKey = 200

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UTC().UnixMicro()
}

func checkRecordKey(kind, key string) error {
	if kind == "" || len(kind) > maxRecordKey || len(key) > maxRecordKey {
		return fhir.Errorf(fhir.IssueInvalid, "record kind and key must be 1-%d and 0-%d bytes", maxRecordKey, maxRecordKey)
	}
	return nil
}

func (r recordsTx) Get(ctx context.Context, kind, key string) (store.Record, error) {
	q := `SELECT value, expires FROM records WHERE kind = ? AND key = ? AND (expires = 0 OR expires > ?)`
	if r.t.write && r.t.d.Name == "postgres" {
		q += ` FOR UPDATE`
	}
	rows, err := r.t.query(ctx, q, kind, key, r.t.now.UnixMicro())
	if err != nil {
		return store.Record{}, fmt.Errorf("record %s: %w", kind, err)
	}
	rec := store.Record{Kind: kind, Key: key}
	found := rows.Next()
	if found {
		var exp int64
		err = rows.Scan(&rec.Value, &exp)
		if exp != 0 {
			rec.Expires = time.UnixMicro(exp).UTC()
		}
	}
	if err = errors.Join(err, rows.Err(), rows.Close()); err != nil {
		return store.Record{}, fmt.Errorf("record %s: %w", kind, err)
	}
	if !found {
		return store.Record{}, fhir.Errorf(fhir.IssueNotFound, "no %s record with that key", kind)
	}
	return rec, nil
}

func (r recordsTx) Put(ctx context.Context, rec store.Record) error {
	if err := r.writable(rec.Kind, rec.Key); err != nil {
		return err
	}
	_, err := r.t.exec(ctx, `INSERT INTO records (kind, key, value, expires) VALUES (?, ?, ?, ?)
ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, expires = excluded.expires`,
		rec.Kind, rec.Key, nonNil(rec.Value), micros(rec.Expires))
	if err != nil {
		return fmt.Errorf("put %s record: %w", rec.Kind, err)
	}
	return nil
}

func (r recordsTx) Insert(ctx context.Context, rec store.Record) error {
	if err := r.writable(rec.Kind, rec.Key); err != nil {
		return err
	}
	// An expired record with the key is replaced; a live one is kept and
	// the statement changes no row.
	res, err := r.t.exec(ctx, `INSERT INTO records (kind, key, value, expires) VALUES (?, ?, ?, ?)
ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, expires = excluded.expires
WHERE records.expires <> 0 AND records.expires <= ?`,
		rec.Kind, rec.Key, nonNil(rec.Value), micros(rec.Expires), r.t.now.UnixMicro())
	if err != nil {
		return fmt.Errorf("insert %s record: %w", rec.Kind, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("insert %s record: %w", rec.Kind, err)
	}
	if n == 0 {
		return fhir.Errorf(fhir.IssueConflict, "a %s record with that key exists", rec.Kind)
	}
	return nil
}

func (r recordsTx) Delete(ctx context.Context, kind, key string) error {
	if err := r.writable(kind, key); err != nil {
		return err
	}
	if _, err := r.t.exec(ctx, `DELETE FROM records WHERE kind = ? AND key = ?`, kind, key); err != nil {
		return fmt.Errorf("delete %s record: %w", kind, err)
	}
	return nil
}

func (r recordsTx) List(ctx context.Context, kind, after string, n int) ([]store.Record, error) {
	if n <= 0 {
		return nil, nil
	}
	rows, err := r.t.query(ctx, `SELECT key, value, expires FROM records WHERE kind = ? AND key > ? AND (expires = 0 OR expires > ?) ORDER BY key LIMIT ?`,
		kind, after, r.t.now.UnixMicro(), n)
	if err != nil {
		return nil, fmt.Errorf("list %s records: %w", kind, err)
	}
	var out []store.Record
	for rows.Next() {
		rec := store.Record{Kind: kind}
		var exp int64
		if err = rows.Scan(&rec.Key, &rec.Value, &exp); err != nil {
			break
		}
		if exp != 0 {
			rec.Expires = time.UnixMicro(exp).UTC()
		}
		out = append(out, rec)
	}
	if err = errors.Join(err, rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("list %s records: %w", kind, err)
	}
	return out, nil
}

func (r recordsTx) Purge(ctx context.Context, t time.Time) (int64, error) {
	if !r.t.write {
		return 0, errors.New("purge records: read-only transaction")
	}
	res, err := r.t.exec(ctx, `DELETE FROM records WHERE expires <> 0 AND expires <= ?`, t.UTC().UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("purge records: %w", err)
	}
	return res.RowsAffected()
}

func (r recordsTx) writable(kind, key string) error {
	if !r.t.write {
		return fmt.Errorf("write %s record: read-only transaction", kind)
	}
	return checkRecordKey(kind, key)
}

// nonNil keeps an empty value from being stored as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
