package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/yitong-health/yitong/store"
)

// SearchState implements store.Tx.
func (t *tx) SearchState(ctx context.Context) (store.SearchState, error) {
	st := store.SearchState{ReindexFrom: -1}
	rows, err := t.query(ctx, `SELECT reindex_from, applied FROM search_state WHERE id = 1`)
	if err != nil {
		return st, fmt.Errorf("search state: %w", err)
	}
	if rows.Next() {
		err = rows.Scan(&st.ReindexFrom, &st.Applied)
	}
	if err := errors.Join(err, rows.Err(), rows.Close()); err != nil {
		return st, fmt.Errorf("search state: %w", err)
	}
	return st, nil
}

// RequestReindex implements store.Tx.
func (t *tx) RequestReindex(ctx context.Context, applied string) error {
	if !t.write {
		return errors.New("request reindex in a read-only transaction")
	}
	if _, err := t.exec(ctx, `UPDATE search_state SET applied = ?,
		reindex_from = CASE WHEN EXISTS (SELECT 1 FROM resources) THEN 0 ELSE -1 END WHERE id = 1`, applied); err != nil {
		return fmt.Errorf("request reindex: %w", err)
	}
	return nil
}

// Reindex implements store.Tx.
func (t *tx) Reindex(ctx context.Context, from int64, n int, fn func(store.Version) (store.Index, error)) (int64, error) {
	if !t.write {
		return 0, errors.New("reindex in a read-only transaction")
	}
	if n <= 0 {
		return 0, errors.New("reindex: n must be positive")
	}
	vs, rids, err := t.currentFrom(ctx, from, n+1)
	if err != nil {
		return 0, err
	}
	next := int64(-1)
	if len(vs) > n {
		next = rids[n]
		vs, rids = vs[:n], rids[:n]
	}
	items := make([]indexed, 0, len(vs))
	for i, v := range vs {
		idx, err := fn(v)
		if err != nil {
			return 0, fmt.Errorf("reindex %s/%s: %w", v.Type, v.ID, err)
		}
		items = append(items, indexed{v.Type, rids[i], idx})
	}
	if len(rids) > 0 {
		if t.d.BatchWrites {
			err = t.clearIndexes(ctx, rids)
		} else {
			for _, rid := range rids {
				if err = t.clearIndex(ctx, rid); err != nil {
					break
				}
			}
		}
		if err != nil {
			return 0, err
		}
		if err := t.writeIndexed(ctx, items); err != nil {
			return 0, err
		}
	}
	if _, err := t.exec(ctx, `UPDATE search_state SET reindex_from = ? WHERE id = 1`, next); err != nil {
		return 0, fmt.Errorf("reindex state: %w", err)
	}
	return next, nil
}

// currentFrom returns up to n current, non-deleted resources with rid >=
// from in rid order, locked for the transaction where the dialect needs it.
func (t *tx) currentFrom(ctx context.Context, from int64, n int) ([]store.Version, []int64, error) {
	rows, err := t.query(ctx, `SELECT `+versionCols+`, r.rid FROM resources r JOIN resource_versions v ON v.seq = r.seq
		WHERE r.rid >= ? AND r.deleted = 0 ORDER BY r.rid LIMIT ?`+t.d.ForUpdate, from, n)
	if err != nil {
		return nil, nil, fmt.Errorf("reindex: %w", err)
	}
	defer rows.Close()
	var vs []store.Version
	var rids []int64
	for rows.Next() {
		var rid int64
		v, err := scanVersionAnd(rows, &rid)
		if err != nil {
			return nil, nil, fmt.Errorf("reindex: %w", err)
		}
		vs = append(vs, v)
		rids = append(rids, rid)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("reindex: %w", err)
	}
	return vs, rids, nil
}
