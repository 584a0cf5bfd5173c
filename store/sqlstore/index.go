package sqlstore

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/yitong-health/yitong/store"
)

// colKind is the SQL type of an index table column.
type colKind uint8

const (
	colInt colKind = iota
	colText
	colReal
)

// indexTable describes one search index table. Every table starts with pid
// and ends with rid; the columns between hold the value.
type indexTable struct {
	name string
	cols []string
	kind []colKind
}

var (
	tableString   = &indexTable{"idx_string", []string{"pid", "value", "exact", "rid"}, []colKind{colInt, colText, colText, colInt}}
	tableToken    = &indexTable{"idx_token", []string{"pid", "code", "system", "rid"}, []colKind{colInt, colText, colText, colInt}}
	tableRef      = &indexTable{"idx_ref", []string{"pid", "target_id", "target_type", "rid"}, []colKind{colInt, colText, colText, colInt}}
	tableDate     = &indexTable{"idx_date", []string{"pid", "lo", "hi", "rid"}, []colKind{colInt, colInt, colInt, colInt}}
	tableNumber   = &indexTable{"idx_number", []string{"pid", "value", "rid"}, []colKind{colInt, colReal, colInt}}
	tableQuantity = &indexTable{"idx_quantity", []string{"pid", "code", "system", "value", "rid"}, []colKind{colInt, colText, colText, colReal, colInt}}
	tableURI      = &indexTable{"idx_uri", []string{"pid", "uri", "rid"}, []colKind{colInt, colText, colInt}}
	// tablePatientCode pairs each "code" token of a resource with each
	// "patient" reference of it (see patientCodeRows): pid and the token's
	// code and system, ref_pid and the reference's target.
	tablePatientCode = &indexTable{"idx_patient_code", []string{"pid", "code", "ref_pid", "target_type", "target_id", "system", "rid"},
		[]colKind{colInt, colText, colInt, colText, colText, colText, colInt}}
	tableComp = &indexTable{"idx_composite", []string{"pid", "a_code", "a_system", "b_code", "b_system", "num", "num2", "lo", "hi", "rid"},
		[]colKind{colInt, colText, colText, colText, colText, colReal, colReal, colInt, colInt, colInt}}

	indexTables = []*indexTable{tableString, tableToken, tableRef, tableDate, tableNumber, tableQuantity, tableURI, tableComp, tablePatientCode}
)

// rows collects rows for one index table column by column, in the Go types
// the drivers bind (PostgreSQL binds each column as one array).
type rows struct {
	t      *indexTable
	ints   [][]int64
	texts  [][]string
	floats [][]float64
	n      int
}

func newRows(t *indexTable) *rows {
	r := &rows{t: t}
	r.ints = make([][]int64, len(t.cols))
	r.texts = make([][]string, len(t.cols))
	r.floats = make([][]float64, len(t.cols))
	return r
}

// add appends one row; vals holds int64, string or float64 values in column
// order.
func (r *rows) add(vals ...any) {
	for i, v := range vals {
		switch r.t.kind[i] {
		case colInt:
			r.ints[i] = append(r.ints[i], v.(int64))
		case colText:
			r.texts[i] = append(r.texts[i], v.(string))
		case colReal:
			r.floats[i] = append(r.floats[i], v.(float64))
		}
	}
	r.n++
}

// column returns column i as a slice for an array parameter.
func (r *rows) column(i int) any {
	switch r.t.kind[i] {
	case colInt:
		return r.ints[i]
	case colText:
		return r.texts[i]
	default:
		return r.floats[i]
	}
}

// value returns the value of column i in row k.
func (r *rows) value(i, k int) any {
	switch r.t.kind[i] {
	case colInt:
		return r.ints[i][k]
	case colText:
		return r.texts[i][k]
	default:
		return r.floats[i][k]
	}
}

// sorted returns the row numbers in the order of the table's key (its
// columns in order), so that consecutive inserts land in the same B-tree
// pages.
func (r *rows) sorted() []int {
	order := make([]int, r.n)
	for k := range order {
		order[k] = k
	}
	sort.Slice(order, func(a, b int) bool {
		ka, kb := order[a], order[b]
		for i, kind := range r.t.kind {
			switch kind {
			case colInt:
				if x, y := r.ints[i][ka], r.ints[i][kb]; x != y {
					return x < y
				}
			case colText:
				if x, y := r.texts[i][ka], r.texts[i][kb]; x != y {
					return x < y
				}
			default:
				if x, y := r.floats[i][ka], r.floats[i][kb]; x != y {
					return x < y
				}
			}
		}
		return false
	})
	return order
}

// indexed is one resource's entries to write.
type indexed struct {
	typ string
	rid int64
	idx store.Index
}

// writeIndexed inserts the entries of the given resources, which must have
// none yet. Parameters are numbered on first use (see pid).
func (t *tx) writeIndexed(ctx context.Context, items []indexed) error {
	sets := make(map[*indexTable]*rows, len(indexTables))
	set := func(tb *indexTable) *rows {
		r := sets[tb]
		if r == nil {
			r = newRows(tb)
			sets[tb] = r
		}
		return r
	}
	for _, it := range items {
		x := it.idx
		pid := func(code string) (int64, error) { return t.pid(ctx, it.typ, code, true) }
		for _, e := range x.Strings {
			p, err := pid(e.Param)
			if err != nil {
				return err
			}
			set(tableString).add(p, e.Norm, e.Exact, it.rid)
		}
		for _, e := range x.Tokens {
			p, err := pid(e.Param)
			if err != nil {
				return err
			}
			set(tableToken).add(p, e.Code, e.System, it.rid)
		}
		for _, e := range x.Refs {
			p, err := pid(e.Param)
			if err != nil {
				return err
			}
			set(tableRef).add(p, e.TargetID, e.TargetType, it.rid)
		}
		for _, e := range x.Dates {
			p, err := pid(e.Param)
			if err != nil {
				return err
			}
			set(tableDate).add(p, e.Lo, e.Hi, it.rid)
		}
		for _, e := range x.Numbers {
			p, err := pid(e.Param)
			if err != nil {
				return err
			}
			set(tableNumber).add(p, e.Value, it.rid)
		}
		for _, e := range x.Quantities {
			p, err := pid(e.Param)
			if err != nil {
				return err
			}
			set(tableQuantity).add(p, e.Code, e.System, e.Value, it.rid)
		}
		for _, e := range x.URIs {
			p, err := pid(e.Param)
			if err != nil {
				return err
			}
			set(tableURI).add(p, e.URI, it.rid)
		}
		for _, e := range x.Composites {
			p, err := pid(e.Param)
			if err != nil {
				return err
			}
			set(tableComp).add(p, e.ACode, e.ASystem, e.BCode, e.BSystem, e.Num, e.Num2, e.Lo, e.Hi, it.rid)
		}
		if err := patientCodeRows(x, it.rid, pid, set); err != nil {
			return err
		}
	}
	for _, tb := range indexTables {
		r := sets[tb]
		if r == nil || r.n == 0 {
			continue
		}
		if err := t.insertIndexRows(ctx, r); err != nil {
			return fmt.Errorf("index %s: %w", tb.name, err)
		}
	}
	return nil
}

// insertIndexRows inserts rows, skipping rows already present (a value
// extracted twice). PostgreSQL gets one statement with an array per column;
// others get multi-row VALUES statements in chunks, whose statements for
// full chunks are cached, so a bulk load prepares a handful of statements.
func (t *tx) insertIndexRows(ctx context.Context, r *rows) error {
	tb := r.t
	into := tb.name + " (" + strings.Join(tb.cols, ", ") + ")"
	if t.d.BatchWrites {
		casts := make([]string, len(tb.cols))
		args := make([]any, len(tb.cols))
		for i, k := range tb.kind {
			casts[i] = "?::" + [...]string{"bigint[]", "text[]", "float8[]"}[k]
			args[i] = r.column(i)
		}
		_, err := t.exec(ctx, "INSERT INTO "+into+" SELECT * FROM unnest("+strings.Join(casts, ", ")+") ON CONFLICT DO NOTHING", args...)
		return err
	}
	const chunk = 32
	width := len(tb.cols)
	order := r.sorted()
	for start := 0; start < r.n; start += chunk {
		end := min(start+chunk, r.n)
		args := make([]any, 0, (end-start)*width)
		for _, k := range order[start:end] {
			for i := 0; i < width; i++ {
				args = append(args, r.value(i, k))
			}
		}
		if _, err := t.exec(ctx, multiInsert(into, width, end-start), args...); err != nil {
			return err
		}
	}
	return nil
}

func multiInsert(into string, width, rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(into)
	b.WriteString(" VALUES ")
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	b.WriteString(" ON CONFLICT DO NOTHING")
	return b.String()
}

// clearIndex deletes every index entry of the resource rid.
func (t *tx) clearIndex(ctx context.Context, rid int64) error {
	for _, tb := range indexTables {
		if _, err := t.exec(ctx, `DELETE FROM `+tb.name+` WHERE rid = ?`, rid); err != nil {
			return fmt.Errorf("clear %s: %w", tb.name, err)
		}
	}
	return nil
}

// clearIndexes deletes every index entry of the resources rids in one
// statement per table (array parameter; PostgreSQL).
func (t *tx) clearIndexes(ctx context.Context, rids []int64) error {
	for _, tb := range indexTables {
		if _, err := t.exec(ctx, `DELETE FROM `+tb.name+` WHERE rid = ANY(?::bigint[])`, rids); err != nil {
			return fmt.Errorf("clear %s: %w", tb.name, err)
		}
	}
	return nil
}

// Parameter codes paired in idx_patient_code: a reverse chain
// "_has:T:patient:code=x" finds the patients of a code there in one index
// range, or tests one patient in one seek, instead of joining the code's
// token rows to their resources' references row by row.
const (
	patientCodeRef   = "patient"
	patientCodeToken = "code"
)

// patientCodeRows adds to set's idx_patient_code rows one row per pair of
// a "code" token and a "patient" reference of one resource (rid), numbering
// parameters with pid.
func patientCodeRows(x store.Index, rid int64, pid func(string) (int64, error), set func(*indexTable) *rows) error {
	var refs []store.Ref
	for _, e := range x.Refs {
		if e.Param == patientCodeRef {
			refs = append(refs, e)
		}
	}
	if len(refs) == 0 {
		return nil
	}
	var refPid, tokPid int64
	numbered := false
	for _, e := range x.Tokens {
		if e.Param != patientCodeToken {
			continue
		}
		if !numbered {
			var err error
			if tokPid, err = pid(patientCodeToken); err != nil {
				return err
			}
			if refPid, err = pid(patientCodeRef); err != nil {
				return err
			}
			numbered = true
		}
		for _, r := range refs {
			set(tablePatientCode).add(tokPid, e.Code, refPid, r.TargetType, r.TargetID, e.System, rid)
		}
	}
	return nil
}
