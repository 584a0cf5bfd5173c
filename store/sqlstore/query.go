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
		// A row-value comparison, which both databases answer from the
		// (res_type, res_id) index; the equivalent OR made PostgreSQL sort
		// every resource for each page.
		b.WriteString(" AND (r.res_type, r.res_id) > (?, ?)")
		args = append(args, q.AfterType, q.AfterID)
	}
	b.WriteString(" ORDER BY r.res_type, r.res_id LIMIT ?")
	args = append(args, q.Count)
	return t.versions(ctx, b.String(), args...)
}

func (t *tx) Referencing(ctx context.Context, targetType, targetID string, params map[string][]string) ([]store.Version, error) {
	var b strings.Builder
	args := []any{targetID, targetType}
	b.WriteString(`SELECT ` + versionCols + ` FROM resources r JOIN resource_versions v ON v.seq = r.seq
		WHERE r.deleted = 0 AND r.rid IN (SELECT f.rid FROM idx_ref f WHERE f.target_id = ? AND f.target_type = ?`)
	if params != nil {
		types := make([]string, 0, len(params))
		for ty := range params {
			types = append(types, ty)
		}
		sort.Strings(types)
		var pids []any
		for _, ty := range types {
			for _, code := range params[ty] {
				pid, err := t.pid(ctx, ty, code, false)
				if err != nil {
					return nil, err
				}
				if pid != noParam {
					pids = append(pids, pid)
				}
			}
		}
		if len(pids) == 0 {
			return nil, nil
		}
		b.WriteString(" AND f.pid IN (" + placeholders(len(pids)) + ")")
		args = append(args, pids...)
	}
	b.WriteString(") ORDER BY r.res_type, r.res_id")
	return t.versions(ctx, b.String(), args...)
}

// placeholders returns n comma-separated placeholders.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
