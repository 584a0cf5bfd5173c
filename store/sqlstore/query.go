package sqlstore

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/yitong-health/yitong/store"
)

// historyWhere builds the WHERE clause shared by History and HistoryCount.
func historyWhere(q store.HistoryQuery, paging bool) (string, []any) {
	var conds []string
	var args []any
	if q.Type != "" {
		conds = append(conds, "v.res_type = ?")
		args = append(args, q.Type)
	}
	if q.ID != "" {
		conds = append(conds, "v.res_id = ?")
		args = append(args, q.ID)
	}
	if !q.Since.IsZero() {
		conds = append(conds, "v.last_updated >= ?")
		args = append(args, q.Since.UTC().UnixMicro())
	}
	if paging && q.Before > 0 {
		conds = append(conds, "v.seq < ?")
		args = append(args, q.Before)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func (t *tx) History(ctx context.Context, q store.HistoryQuery) ([]store.Version, error) {
	if q.Count <= 0 {
		return nil, fmt.Errorf("history: count must be positive")
	}
	where, args := historyWhere(q, true)
	args = append(args, q.Count)
	return t.versions(ctx, `SELECT `+versionCols+` FROM resource_versions v`+where+` ORDER BY v.seq DESC LIMIT ?`, args...)
}

func (t *tx) HistoryCount(ctx context.Context, q store.HistoryQuery) (int, error) {
	where, args := historyWhere(q, false)
	n, err := t.count(ctx, `SELECT COUNT(*) FROM resource_versions v`+where, args...)
	if err != nil {
		return 0, fmt.Errorf("history count: %w", err)
	}
	return n, nil
}

func (t *tx) versions(ctx context.Context, q string, args ...any) ([]store.Version, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	var out []store.Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	return out, nil
}

func (t *tx) FindTokens(ctx context.Context, typ string, all [][]store.TokenMatch, limit int) ([]string, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("find tokens: limit must be positive")
	}
	var b strings.Builder
	args := []any{typ}
	b.WriteString(`SELECT r.res_id FROM resources r WHERE r.res_type = ? AND r.deleted = 0`)
	for _, anyOf := range all {
		if len(anyOf) == 0 {
			continue
		}
		b.WriteString(` AND EXISTS (SELECT 1 FROM res_token k WHERE k.res_type = r.res_type AND k.res_id = r.res_id AND (`)
		for i, m := range anyOf {
			if i > 0 {
				b.WriteString(" OR ")
			}
			b.WriteString("(k.param = ? AND k.code = ?")
			args = append(args, m.Param, m.Code)
			if m.System != nil {
				b.WriteString(" AND k.system = ?")
				args = append(args, *m.System)
			}
			b.WriteString(")")
		}
		b.WriteString("))")
	}
	b.WriteString(` ORDER BY r.res_id LIMIT ?`)
	args = append(args, limit)
	rows, err := t.query(ctx, b.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("find tokens: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find tokens: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find tokens: %w", err)
	}
	return ids, nil
}

func (t *tx) ListCurrent(ctx context.Context, q store.CurrentQuery) ([]store.Version, error) {
	if q.Count <= 0 {
		return nil, fmt.Errorf("list current: count must be positive")
	}
	var b strings.Builder
	var args []any
	b.WriteString(`SELECT ` + versionCols + ` FROM resources r JOIN resource_versions v ON v.seq = r.seq WHERE r.deleted = 0`)
	if len(q.Types) > 0 {
		b.WriteString(" AND r.res_type IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(q.Types)), ", ") + ")")
		for _, ty := range q.Types {
			args = append(args, ty)
		}
	}
	if !q.Since.IsZero() {
		b.WriteString(" AND r.last_updated >= ?")
		args = append(args, q.Since.UTC().UnixMicro())
	}
	if q.AfterType != "" {
		b.WriteString(" AND (r.res_type > ? OR (r.res_type = ? AND r.res_id > ?))")
		args = append(args, q.AfterType, q.AfterType, q.AfterID)
	}
	b.WriteString(" ORDER BY r.res_type, r.res_id LIMIT ?")
	args = append(args, q.Count)
	return t.versions(ctx, b.String(), args...)
}

func (t *tx) Referencing(ctx context.Context, targetType, targetID string, paths map[string][]string) ([]store.Version, error) {
	var b strings.Builder
	args := []any{targetType, targetID}
	b.WriteString(`SELECT ` + versionCols + ` FROM resources r JOIN resource_versions v ON v.seq = r.seq
		WHERE r.deleted = 0 AND EXISTS (SELECT 1 FROM res_ref f WHERE f.res_type = r.res_type AND f.res_id = r.res_id
		AND f.target_type = ? AND f.target_id = ?`)
	if paths != nil {
		types := make([]string, 0, len(paths))
		for ty := range paths {
			types = append(types, ty)
		}
		sort.Strings(types)
		var alts []string
		for _, ty := range types {
			ps := paths[ty]
			if len(ps) == 0 {
				continue
			}
			alts = append(alts, "(f.res_type = ? AND f.path IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(ps)), ", ")+"))")
			args = append(args, ty)
			for _, p := range ps {
				args = append(args, p)
			}
		}
		if len(alts) == 0 {
			return nil, nil
		}
		b.WriteString(" AND (" + strings.Join(alts, " OR ") + ")")
	}
	b.WriteString(") ORDER BY r.res_type, r.res_id")
	// This query's text depends on paths; do not cache it beyond the tx.
	return t.versions(ctx, b.String(), args...)
}
