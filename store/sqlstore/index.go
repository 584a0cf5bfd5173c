package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
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

// newRows returns an empty set of rows for t with room for n rows.
func newRows(t *indexTable, n int) *rows {
	r := &rows{t: t}
	r.ints = make([][]int64, len(t.cols))
	r.texts = make([][]string, len(t.cols))
	r.floats = make([][]float64, len(t.cols))
	for i, k := range t.kind {
		switch k {
		case colInt:
			r.ints[i] = make([]int64, 0, n)
		case colText:
			r.texts[i] = make([]string, 0, n)
		default:
			r.floats[i] = make([]float64, 0, n)
		}
	}
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
	slices.SortFunc(order, func(ka, kb int) int {
		for i, kind := range r.t.kind {
			var c int
			switch kind {
			case colInt:
				c = cmp.Compare(r.ints[i][ka], r.ints[i][kb])
			case colText:
				c = strings.Compare(r.texts[i][ka], r.texts[i][kb])
			default:
				c = cmp.Compare(r.floats[i][ka], r.floats[i][kb])
			}
			if c != 0 {
				return c
			}
		}
		return 0
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
	// Counted first, so that each column is allocated once
	// (idx_patient_code's pairs, not counted, grow by appending).
	counts := make(map[*indexTable]int, len(indexTables))
	for _, it := range items {
		x := &it.idx
		counts[tableString] += len(x.Strings)
		counts[tableToken] += len(x.Tokens)
		counts[tableRef] += len(x.Refs)
		counts[tableDate] += len(x.Dates)
		counts[tableNumber] += len(x.Numbers)
		counts[tableQuantity] += len(x.Quantities)
		counts[tableURI] += len(x.URIs)
		counts[tableComp] += len(x.Composites)
	}
	sets := make(map[*indexTable]*rows, len(indexTables))
	set := func(tb *indexTable) *rows {
		r := sets[tb]
		if r == nil {
			r = newRows(tb, counts[tb])
			sets[tb] = r
		}
		return r
	}
	// The rows of a flush are known to be distinct when each resource's
	// entries are (rids differ between resources): PostgreSQL then skips
	// ON CONFLICT, whose speculative insertion costs the server CPU.
	noConflicts := t.d.BatchWrites && distinctItems(items)
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
		if err := t.insertIndexRows(ctx, r, noConflicts); err != nil {
			return fmt.Errorf("index %s: %w", tb.name, err)
		}
	}
	return nil
}

// distinctItems reports whether the rows of items are certainly distinct:
// no rid appears twice, no entry of a resource equals another of its kind
// (entries map one to one onto rows, Param onto pid within a type), and no
// float is NaN (NaN != NaN in Go, but one NaN equals another in a
// PostgreSQL index).
func distinctItems(items []indexed) bool {
	rids := make(map[int64]bool, len(items))
	for _, it := range items {
		if rids[it.rid] {
			return false
		}
		rids[it.rid] = true
		x := &it.idx
		if !distinct(x.Strings) || !distinct(x.Tokens) || !distinct(x.Refs) || !distinct(x.Dates) ||
			!distinct(x.Numbers) || !distinct(x.Quantities) || !distinct(x.URIs) || !distinct(x.Composites) {
			return false
		}
		for _, e := range x.Numbers {
			if math.IsNaN(e.Value) {
				return false
			}
		}
		for _, e := range x.Quantities {
			if math.IsNaN(e.Value) {
				return false
			}
		}
		for _, e := range x.Composites {
			if math.IsNaN(e.Num) || math.IsNaN(e.Num2) {
				return false
			}
		}
	}
	return true
}

// distinct reports whether no two of xs are equal (pairwise for the few
// entries of one resource, with a map beyond that).
func distinct[T comparable](xs []T) bool {
	if len(xs) > 64 {
		seen := make(map[T]bool, len(xs))
		for _, x := range xs {
			if seen[x] {
				return false
			}
			seen[x] = true
		}
		return true
	}
	for i := 1; i < len(xs); i++ {
		for j := 0; j < i; j++ {
			if xs[i] == xs[j] {
				return false
			}
		}
	}
	return true
}

// insertIndexRows inserts rows, skipping rows already present (a value
// extracted twice) unless noConflicts says there can be none. PostgreSQL gets
// one statement with an array per column; others get multi-row VALUES
// statements in chunks, whose statements for full chunks are cached, so a
// bulk load prepares a handful of statements.
func (t *tx) insertIndexRows(ctx context.Context, r *rows, noConflicts bool) error {
	tb := r.t
	into := tb.name + " (" + strings.Join(tb.cols, ", ") + ")"
	if t.d.BatchWrites {
		casts := make([]string, len(tb.cols))
		args := make([]any, len(tb.cols))
		for i, k := range tb.kind {
			casts[i] = "?::" + [...]string{"bigint[]", "text[]", "float8[]"}[k]
			args[i] = r.column(i)
		}
		q := "INSERT INTO " + into + " SELECT * FROM unnest(" + strings.Join(casts, ", ") + ")"
		if !noConflicts {
			q += " ON CONFLICT DO NOTHING"
		}
		_, err := t.exec(ctx, q, args...)
		return err
	}
	width := len(tb.cols)
	order := r.sorted()
	args := make([]any, 0, min(chunk, r.n)*width)
	for start := 0; start < r.n; start += chunk {
		end := min(start+chunk, r.n)
		args = args[:0]
		for _, k := range order[start:end] {
			for i := 0; i < width; i++ {
				args = append(args, r.value(i, k))
			}
		}
		q := chunkInsert[tb]
		if end-start < chunk {
			q = multiInsert(into, width, end-start)
		}
		if _, err := t.exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// chunk is the number of rows per multi-row INSERT statement.
const chunk = 32

// chunkInsert holds each table's statement for a full chunk of rows, built
// once rather than for every chunk.
var chunkInsert = func() map[*indexTable]string {
	m := make(map[*indexTable]string, len(indexTables))
	for _, tb := range indexTables {
		m[tb] = multiInsert(tb.name+" ("+strings.Join(tb.cols, ", ")+")", len(tb.cols), chunk)
	}
	return m
}()

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
