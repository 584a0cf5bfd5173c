package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// batch holds the writes of a transaction not yet sent to a dialect with
// BatchWrites (PostgreSQL). Put queues; flush sends every table's rows as one
// INSERT … SELECT FROM unnest(array parameters), so a bundle of a thousand
// resources costs a handful of round trips instead of thousands. A flush
// runs before every read in the transaction and before commit, so reads see
// the transaction's own writes and conflicts surface before commit.
type batch struct {
	versions []store.Version
	idx      []store.Index
	keys     map[[2]string]bool
}

func (b *batch) empty() bool { return b == nil || len(b.versions) == 0 }

func (t *tx) queue(v store.Version, idx store.Index) {
	if t.pending == nil {
		t.pending = &batch{keys: map[[2]string]bool{}}
	}
	t.pending.versions = append(t.pending.versions, v)
	t.pending.idx = append(t.pending.idx, idx)
	t.pending.keys[[2]string{v.Type, v.ID}] = true
}

// flush sends the queued writes. Any conflict fails the flush (and so the
// transaction) with a conflict error naming the resource.
func (t *tx) flush(ctx context.Context) error {
	b := t.pending
	if b.empty() {
		return nil
	}
	t.pending = nil
	n := len(b.versions)
	types, ids := make([]string, n), make([]string, n)
	vids, lus := make([]int64, n), make([]int64, n)
	methods, dels := make([]string, n), make([]int16, n)
	bodies := make([][]byte, n)
	for i, v := range b.versions {
		types[i], ids[i], vids[i], lus[i], methods[i], bodies[i] = v.Type, v.ID, v.VersionID, v.LastUpdated.UTC().UnixMicro(), string(v.Method), v.Body
		if v.Deleted {
			dels[i] = 1
		}
	}
	inserted, err := t.count(ctx, `WITH ins AS (INSERT INTO resource_versions (res_type, res_id, version_id, last_updated, method, deleted, body)
		SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::smallint[], ?::bytea[])
		ON CONFLICT (res_type, res_id, version_id) DO NOTHING RETURNING 1) SELECT COUNT(*) FROM ins`,
		types, ids, vids, lus, methods, dels, bodies)
	if err != nil {
		return fmt.Errorf("insert versions: %w", err)
	}
	if inserted != n {
		return t.conflictIn(ctx, b)
	}
	// New resources, then updated ones; each must match exactly.
	var newIdx, oldIdx []int
	for i, v := range b.versions {
		if v.VersionID == 1 {
			newIdx = append(newIdx, i)
		} else {
			oldIdx = append(oldIdx, i)
		}
	}
	rids := make(map[[2]string]int64, n)
	if len(newIdx) > 0 {
		c, err := t.keyedRids(ctx, rids, `INSERT INTO resources (rid, res_type, res_id, version_id, seq, last_updated, deleted)
			SELECT v.seq, u.t, u.i, 1, v.seq, u.lu, u.d FROM unnest(?::text[], ?::text[], ?::bigint[], ?::smallint[]) AS u(t, i, lu, d)
			JOIN resource_versions v ON v.res_type = u.t AND v.res_id = u.i AND v.version_id = 1
			ON CONFLICT (res_type, res_id) DO NOTHING RETURNING res_type, res_id, rid`,
			pick(types, newIdx), pick(ids, newIdx), pick(lus, newIdx), pick(dels, newIdx))
		if err != nil {
			return fmt.Errorf("insert current: %w", err)
		}
		if c != len(newIdx) {
			return t.conflictIn(ctx, b)
		}
	}
	if len(oldIdx) > 0 {
		c, err := t.keyedRids(ctx, rids, `UPDATE resources r SET version_id = u.vid, seq = v.seq, last_updated = u.lu, deleted = u.d
			FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::smallint[]) AS u(t, i, vid, lu, d)
			JOIN resource_versions v ON v.res_type = u.t AND v.res_id = u.i AND v.version_id = u.vid
			WHERE r.res_type = u.t AND r.res_id = u.i AND r.version_id = u.vid - 1 RETURNING r.res_type, r.res_id, r.rid`,
			pick(types, oldIdx), pick(ids, oldIdx), pick(vids, oldIdx), pick(lus, oldIdx), pick(dels, oldIdx))
		if err != nil {
			return fmt.Errorf("update current: %w", err)
		}
		if c != len(oldIdx) {
			return t.conflictIn(ctx, b)
		}
		old := make([]int64, len(oldIdx))
		for k, i := range oldIdx {
			old[k] = rids[[2]string{types[i], ids[i]}]
		}
		if err := t.clearIndexes(ctx, old); err != nil {
			return err
		}
	}
	items := make([]indexed, 0, n)
	for i, v := range b.versions {
		if !v.Deleted {
			items = append(items, indexed{v.Type, rids[[2]string{v.Type, v.ID}], b.idx[i]})
		}
	}
	return t.writeIndexed(ctx, items)
}

// keyedRids runs a statement returning (res_type, res_id, rid) rows, records
// each rid in rids and returns the number of rows.
func (t *tx) keyedRids(ctx context.Context, rids map[[2]string]int64, q string, args ...any) (int, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n := 0
	for rows.Next() {
		var typ, id string
		var rid int64
		if err = rows.Scan(&typ, &id, &rid); err != nil {
			break
		}
		rids[[2]string{typ, id}] = rid
		n++
	}
	return n, errors.Join(err, rows.Err(), rows.Close())
}

// conflictIn names a resource of the failed batch in a conflict error.
func (t *tx) conflictIn(ctx context.Context, b *batch) error {
	names := make([]string, 0, 3)
	for i, v := range b.versions {
		if i == 3 {
			names = append(names, "…")
			break
		}
		names = append(names, fmt.Sprintf("%s/%s version %d", v.Type, v.ID, v.VersionID))
	}
	return fhir.Errorf(fhir.IssueConflict, "a resource was changed concurrently; the versions written (%s) are no longer the next versions", strings.Join(names, ", "))
}

func (t *tx) count(ctx context.Context, q string, args ...any) (int, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	var n int
	if rows.Next() {
		err = rows.Scan(&n)
	}
	return n, errors.Join(err, rows.Err(), rows.Close())
}

func pick[T any](all []T, idx []int) []T {
	out := make([]T, len(idx))
	for k, i := range idx {
		out[k] = all[i]
	}
	return out
}
