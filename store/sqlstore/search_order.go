package sqlstore

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/search"
)

// sortKey is one ORDER BY expression of a search with its direction.
type sortKey struct {
	expr string
	args []any
	desc bool
	kind colKind
}

// sortKeys returns the ORDER BY expressions of q on resource row alias r
// (without the final rid tie-breaker). A parameter with several values sorts
// by its lowest value ascending and its highest descending; resources
// without a value sort last in either direction.
func (s *sqlBuilder) sortKeys(r string, types []string, q *search.Query) ([]sortKey, error) {
	var keys []sortKey
	for _, k := range q.Sort {
		p := k.Param
		switch p.Code {
		case "_id":
			keys = append(keys, sortKey{expr: r + ".res_id", desc: k.Descending, kind: colText})
			continue
		case "_lastUpdated":
			keys = append(keys, sortKey{expr: r + ".last_updated", desc: k.Descending, kind: colInt})
			continue
		}
		tb, err := tableFor(p)
		if err != nil {
			return nil, err
		}
		col, kind := "value", colText
		switch tb {
		case tableToken:
			col = "code"
		case tableRef:
			col = "target_id"
		case tableURI:
			col = "uri"
		case tableDate:
			col, kind = "lo", colInt
			if k.Descending {
				col = "hi"
			}
		case tableNumber, tableQuantity:
			kind = colReal
		}
		agg := "MIN"
		if k.Descending {
			agg = "MAX"
		}
		sub := &sqlBuilder{pid: s.pid, lookup: s.lookup, join: s.join}
		sub.w("(SELECT ", agg, "(o.", col, ") FROM ", tb.name, " o WHERE o.rid = ", r, ".rid AND ")
		if err := sub.pidCond("o.pid", types, p.Code); err != nil {
			return nil, err
		}
		sub.w(")")
		keys = append(keys, sortKey{expr: sub.b.String(), args: sub.args, desc: k.Descending, kind: kind})
	}
	return keys, nil
}

// orderBy writes the ORDER BY clause; backward reverses every direction (for
// a previous page, read in reverse and then flipped).
func (s *sqlBuilder) orderBy(r string, keys []sortKey, backward bool) {
	s.w(" ORDER BY ")
	for _, k := range keys {
		s.w(k.expr)
		s.args = append(s.args, k.args...)
		desc := k.desc != backward
		if desc {
			s.w(" DESC")
		} else {
			s.w(" ASC")
		}
		if backward {
			s.w(" NULLS FIRST, ")
		} else {
			s.w(" NULLS LAST, ")
		}
	}
	if backward {
		s.w(r, ".rid DESC")
	} else {
		s.w(r, ".rid ASC")
	}
}

// cursor is the position of a row in a search's order: its sort values
// (nil for none) and rid, and whether the page it starts reads backward.
type cursor struct {
	Vals     []any `json:"v,omitempty"`
	RID      int64 `json:"r"`
	Backward bool  `json:"b,omitempty"`
}

func (c cursor) encode() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // only numbers, strings and nil: cannot fail
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses a cursor made by encode for a query with keys.
func decodeCursor(s string, keys []sortKey) (cursor, error) {
	bad := fhir.Errorf(fhir.IssueInvalid, "the paging cursor is not valid for this search; start again from the first page")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	var c struct {
		Vals     []json.RawMessage `json:"v"`
		RID      int64             `json:"r"`
		Backward bool              `json:"b"`
	}
	if err := json.Unmarshal(raw, &c); err != nil || len(c.Vals) != len(keys) {
		return cursor{}, bad
	}
	out := cursor{RID: c.RID, Backward: c.Backward, Vals: make([]any, len(keys))}
	for i, v := range c.Vals {
		if string(v) == "null" {
			continue
		}
		var dst any
		switch keys[i].kind {
		case colInt:
			var n int64
			err = json.Unmarshal(v, &n)
			dst = n
		case colReal:
			var f float64
			err = json.Unmarshal(v, &f)
			dst = f
		default:
			var s string
			err = json.Unmarshal(v, &s)
			dst = s
		}
		if err != nil {
			return cursor{}, bad
		}
		out.Vals[i] = dst
	}
	return out, nil
}

// keyset writes the condition that a row comes after c in the search order
// (c.Backward: before it), with NULLs last in the forward order.
func (s *sqlBuilder) keyset(r string, keys []sortKey, c cursor) {
	s.w(" AND ")
	s.keysetFrom(r, keys, c, 0)
}

func (s *sqlBuilder) keysetFrom(r string, keys []sortKey, c cursor, i int) {
	if i == len(keys) {
		if c.Backward {
			s.w(r, ".rid < ")
		} else {
			s.w(r, ".rid > ")
		}
		s.arg(c.RID)
		return
	}
	k, v := keys[i], c.Vals[i]
	expr := func() {
		s.w(k.expr)
		s.args = append(s.args, k.args...)
	}
	s.w("(")
	switch {
	case v == nil && !c.Backward: // after a NULL: only NULLs follow
		expr()
		s.w(" IS NULL AND ")
		s.keysetFrom(r, keys, c, i+1)
	case v == nil: // before a NULL: every non-NULL, or NULLs before it
		expr()
		s.w(" IS NOT NULL OR (")
		expr()
		s.w(" IS NULL AND ")
		s.keysetFrom(r, keys, c, i+1)
		s.w(")")
	default:
		op := ">"
		if k.desc != c.Backward {
			op = "<"
		}
		expr()
		s.w(" ", op, " ")
		s.arg(v)
		if !c.Backward {
			s.w(" OR ")
			expr()
			s.w(" IS NULL")
		}
		s.w(" OR (")
		expr()
		s.w(" = ")
		s.arg(v)
		s.w(" AND ")
		s.keysetFrom(r, keys, c, i+1)
		s.w(")")
	}
	s.w(")")
}

// scanSortVals converts sort values scanned from the database to the types
// a cursor holds.
func scanSortVal(v any, kind colKind) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch kind {
	case colInt:
		switch n := v.(type) {
		case int64:
			return n, nil
		case float64:
			return int64(n), nil
		}
	case colReal:
		switch n := v.(type) {
		case float64:
			return n, nil
		case int64:
			return float64(n), nil
		}
	default:
		switch s := v.(type) {
		case string:
			return s, nil
		case []byte:
			return string(s), nil
		}
	}
	return nil, fmt.Errorf("sort value %T for kind %d", v, kind)
}
