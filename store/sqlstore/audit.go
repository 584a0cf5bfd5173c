package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// auditTx implements store.AuditTx on a transaction.
type auditTx struct{ t *tx }

// Audit implements store.Tx.
func (t *tx) Audit() store.AuditTx { return auditTx{t} }

func (a auditTx) Append(ctx context.Context, recs []store.AuditRecord) error {
	t := a.t
	if !t.write {
		return errors.New("audit append: read-only transaction")
	}
	// Multi-row statements: an entry costs a fraction of a statement, not
	// one per row (a statement is several microseconds through cgo).
	const cols = 8
	var placed []seqRun
	start := 0
	for _, n := range statementRows(len(recs), t.d.MaxParams/cols) {
		part := recs[start : start+n]
		start += n
		seqs, err := a.insertEntries(ctx, part)
		if err != nil {
			return fmt.Errorf("audit append: %w", err)
		}
		for i, r := range part {
			if r.Index >= 0 {
				placed = addSeq(placed, seqs[i])
			}
		}
	}
	if err := a.copyTerms(ctx, placed); err != nil {
		return fmt.Errorf("audit append: %w", err)
	}
	return nil
}

// seqRun is a run of consecutive entry seqs, from and to included.
type seqRun struct{ from, to int64 }

// addSeq adds seq to runs, extending the last run when seq follows it.
func addSeq(runs []seqRun, seq int64) []seqRun {
	if n := len(runs); n > 0 && runs[n-1].to+1 == seq {
		runs[n-1].to = seq
		return runs
	}
	return append(runs, seqRun{seq, seq})
}

// copyTerms inserts the audit_terms rows of the entries in runs from the
// terms their rows keep (encodeTerms), one statement a run: no value
// passes through the driver, whose binding of three values a term was a
// third of the writer's time on SQLite. Every entry in runs must be
// placed and its terms not yet copied.
func (a auditTx) copyTerms(ctx context.Context, runs []seqRun) error {
	q := `INSERT INTO audit_terms (kind, value, seq) SELECT j.value ->> 0, j.value ->> 1, e.seq FROM audit_entries e, ` +
		fmt.Sprintf(a.t.d.JSONElements, "e.terms") + ` WHERE e.seq >= ? AND e.seq <= ?`
	for _, r := range runs {
		if _, err := a.t.exec(ctx, q, r.from, r.to); err != nil {
			return fmt.Errorf("insert audit_terms: %w", err)
		}
	}
	return nil
}

// encodeTerms is how an entry keeps its terms in its row: a JSON array of
// its distinct [kind, value] pairs (audit_terms' key is (kind, value,
// seq)), nil for none (NULL). An entry waiting for the sequencer is found
// by them once placed (Sequence copies them to audit_terms); a placed one
// keeps them so that Prune can delete its term rows by their key.
func encodeTerms(terms []store.AuditTerm) any {
	if len(terms) == 0 {
		return nil
	}
	var seen map[store.AuditTerm]bool // for the entries of large acts
	if len(terms) > 16 {
		seen = make(map[store.AuditTerm]bool, len(terms))
	}
	pairs := make([][2]string, 0, len(terms))
	for i, t := range terms {
		if seen != nil {
			if seen[t] {
				continue
			}
			seen[t] = true
		} else if slices.Contains(terms[:i], t) {
			continue
		}
		pairs = append(pairs, [2]string{t.Kind, t.Value})
	}
	b, err := json.Marshal(pairs)
	if err != nil {
		panic(err) // strings always encode
	}
	return string(b)
}

// insertRows inserts rows of width values each (flattened in args) with
// multi-row statements.
func (a auditTx) insertRows(ctx context.Context, into string, width int, args []any) error {
	start := 0
	for _, n := range statementRows(len(args)/width, a.t.d.MaxParams/width) {
		part := args[start : start+n*width]
		start += n * width
		if _, err := a.t.exec(ctx, multiInsert(into, width, n), part...); err != nil {
			return fmt.Errorf("insert %s: %w", into, err)
		}
	}
	return nil
}

// statementRows splits n rows into the row counts of multi-row statements:
// as many of the largest size as fit, then smaller ones, the sizes being
// powers of four up to 256 (and at most limit). A table's inserts then
// take at most five statement shapes, which stay in the statement cache,
// instead of one shape per row count, which overflowed it and made every
// transaction prepare its own.
func statementRows(n, limit int) []int {
	var out []int
	for size := 256; size >= 1; size /= 4 {
		if size > limit && size > 1 {
			continue
		}
		for ; n >= size; n -= size {
			out = append(out, size)
		}
	}
	return out
}

// insertEntries inserts entry rows with one statement and returns their
// seqs in order. SQLite gives the rows of one INSERT consecutive rowids
// (one writer; each new rowid is the largest plus one), so the last one
// gives them all; PostgreSQL returns them.
func (a auditTx) insertEntries(ctx context.Context, recs []store.AuditRecord) ([]int64, error) {
	t := a.t
	var b strings.Builder
	b.WriteString(`INSERT INTO audit_entries (tree_index, recorded, action, act, outcome, leaf_hash, body, terms) VALUES `)
	args := make([]any, 0, 8*len(recs))
	for i, r := range recs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
		var index any // NULL: waiting for the sequencer
		if r.Index >= 0 {
			index = r.Index
		}
		args = append(args, index, r.Recorded.UTC().UnixMicro(), r.Action, r.Act, r.Outcome, r.LeafHash, r.Body, encodeTerms(r.Terms))
	}
	seqs := make([]int64, 0, len(recs))
	if t.d.LastInsertID {
		res, err := t.exec(ctx, b.String(), args...)
		if err != nil {
			return nil, err
		}
		last, err := res.LastInsertId()
		if err != nil {
			return nil, err
		}
		for i := range recs {
			seqs = append(seqs, last-int64(len(recs)-1-i))
		}
		return seqs, nil
	}
	b.WriteString(` RETURNING seq`)
	rows, err := t.query(ctx, b.String(), args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var seq int64
		if err = rows.Scan(&seq); err != nil {
			break
		}
		seqs = append(seqs, seq)
	}
	if err = errors.Join(err, rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	if len(seqs) != len(recs) {
		return nil, fmt.Errorf("%d entries inserted, %d seqs returned", len(recs), len(seqs))
	}
	return seqs, nil
}

func (a auditTx) State(ctx context.Context) (store.AuditState, error) {
	t := a.t
	if t.write && t.d.LockSQL != "" {
		if _, err := t.exec(ctx, t.d.LockSQL, "audit:tree"); err != nil {
			return store.AuditState{}, fmt.Errorf("audit lock: %w", err)
		}
	}
	rows, err := t.query(ctx, `SELECT tree_size, hash_alg, pruned_before FROM audit_state WHERE id = 1`)
	if err != nil {
		return store.AuditState{}, fmt.Errorf("audit state: %w", err)
	}
	var st store.AuditState
	if rows.Next() {
		err = rows.Scan(&st.Size, &st.HashAlg, &st.PrunedBefore)
	}
	return st, errors.Join(err, rows.Err(), rows.Close())
}

func (a auditTx) Pending(ctx context.Context, n int) ([]store.AuditRecord, error) {
	q := `SELECT seq, recorded, leaf_hash FROM audit_entries WHERE tree_index IS NULL ORDER BY seq LIMIT ?`
	if a.t.d.SeqsInCommitOrder {
		// Entries are placed in seq order and new ones get larger seqs
		// than any row, so none waits at or before the last one placed:
		// a scan of the rows since then (and those the writer appended
		// placed meanwhile) replaces an index of waiting entries.
		q = `SELECT seq, recorded, leaf_hash FROM audit_entries WHERE seq > COALESCE((SELECT placed_through FROM audit_state WHERE id = 1), 0) AND tree_index IS NULL ORDER BY seq LIMIT ?`
	}
	rows, err := a.t.query(ctx, q, n)
	if err != nil {
		return nil, fmt.Errorf("audit pending: %w", err)
	}
	var out []store.AuditRecord
	for rows.Next() {
		r := store.AuditRecord{Index: -1}
		var rec int64
		if err = rows.Scan(&r.Seq, &rec, &r.LeafHash); err != nil {
			break
		}
		r.Recorded = time.UnixMicro(rec).UTC()
		out = append(out, r)
	}
	return out, errors.Join(err, rows.Err(), rows.Close())
}

// placedThrough is the SQL of audit_state.placed_through after a step:
// just before the first entry waiting after %s, or the last row when none
// waits (0 for an empty log).
const placedThrough = `COALESCE(
	(SELECT MIN(seq) - 1 FROM audit_entries WHERE seq > %s AND tree_index IS NULL),
	(SELECT MAX(seq) FROM audit_entries), 0)`

func (a auditTx) Sequence(ctx context.Context, placed []store.AuditRecord, nodes []store.AuditNode, st store.AuditState) error {
	t := a.t
	var runs []seqRun
	for _, r := range placed {
		if r.Index < 0 || r.Index >= st.Size {
			return fmt.Errorf("audit sequence: position %d is outside a tree of size %d", r.Index, st.Size)
		}
		runs = addSeq(runs, r.Seq)
	}
	// Runs of consecutive seqs at consecutive positions (the rule on
	// SQLite, common on PostgreSQL) take one UPDATE each.
	for i := 0; i < len(placed); {
		j := i + 1
		for j < len(placed) && placed[j].Seq == placed[j-1].Seq+1 && placed[j].Index == placed[j-1].Index+1 {
			j++
		}
		if _, err := t.exec(ctx, `UPDATE audit_entries SET tree_index = seq + ? WHERE seq >= ? AND seq <= ?`,
			placed[i].Index-placed[i].Seq, placed[i].Seq, placed[j-1].Seq); err != nil {
			return fmt.Errorf("audit sequence: %w", err)
		}
		i = j
	}
	if err := a.copyTerms(ctx, runs); err != nil {
		return fmt.Errorf("audit sequence: %w", err)
	}
	args := make([]any, 0, 3*len(nodes))
	for _, n := range nodes {
		args = append(args, int64(n.Level), int64(n.Index), n.Hash)
	}
	if err := a.insertRows(ctx, "audit_nodes (level, idx, hash)", 3, args); err != nil {
		return fmt.Errorf("audit nodes: %w", err)
	}
	// No entry waits at or before placed_through: it moves to just before
	// the first entry still waiting, or to the last row when none does
	// (entries appended placed move it too, or Pending would scan them
	// again and again). The scan reads the rows since the last step.
	res, err := t.exec(ctx, `UPDATE audit_state SET tree_size = ?, hash_alg = ?, placed_through = `+
		fmt.Sprintf(placedThrough, "audit_state.placed_through")+` WHERE id = 1`, st.Size, st.HashAlg)
	if err != nil {
		return fmt.Errorf("audit state: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("audit state: %w", err)
	} else if n == 0 {
		if _, err := t.exec(ctx, `INSERT INTO audit_state (id, tree_size, hash_alg, placed_through) VALUES (1, ?, ?, `+
			fmt.Sprintf(placedThrough, "0")+`)`, st.Size, st.HashAlg); err != nil {
			return fmt.Errorf("audit state: %w", err)
		}
	}
	return nil
}

const auditCols = `seq, tree_index, recorded, leaf_hash, body`

func scanAudit(rows *sql.Rows) ([]store.AuditRecord, error) {
	var out []store.AuditRecord
	var err error
	for rows.Next() {
		var r store.AuditRecord
		var idx sql.NullInt64
		var rec int64
		if err = rows.Scan(&r.Seq, &idx, &rec, &r.LeafHash, &r.Body); err != nil {
			break
		}
		r.Index = -1
		if idx.Valid {
			r.Index = idx.Int64
		}
		r.Recorded = time.UnixMicro(rec).UTC()
		out = append(out, r)
	}
	return out, errors.Join(err, rows.Err(), rows.Close())
}

func (a auditTx) Leaves(ctx context.Context, from int64, n int) ([]store.AuditRecord, error) {
	rows, err := a.t.query(ctx, `SELECT `+auditCols+` FROM audit_entries WHERE tree_index >= ? ORDER BY tree_index LIMIT ?`, from, n)
	if err != nil {
		return nil, fmt.Errorf("audit leaves: %w", err)
	}
	return scanAudit(rows)
}

func (a auditTx) Nodes(ctx context.Context, ids []store.AuditNode) ([][]byte, error) {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		var q string
		var args []any
		if id.Level == 0 {
			q, args = `SELECT leaf_hash FROM audit_entries WHERE tree_index = ?`, []any{int64(id.Index)}
		} else {
			q, args = `SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?`, []any{int64(id.Level), int64(id.Index)}
		}
		rows, err := a.t.query(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("audit node: %w", err)
		}
		found := rows.Next()
		if found {
			err = rows.Scan(&out[i])
		}
		if err = errors.Join(err, rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("audit node: %w", err)
		}
		if !found {
			return nil, fhir.Errorf(fhir.IssueNotFound, "audit tree node %d/%d is not stored", id.Level, id.Index)
		}
	}
	return out, nil
}

func (a auditTx) NodeRange(ctx context.Context, level uint, from, to uint64) ([]store.AuditNode, error) {
	rows, err := a.t.query(ctx, `SELECT idx, hash FROM audit_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx`, int64(level), int64(from), int64(to))
	if err != nil {
		return nil, fmt.Errorf("audit nodes: %w", err)
	}
	var out []store.AuditNode
	for rows.Next() {
		n := store.AuditNode{Level: level}
		var idx int64
		if err = rows.Scan(&idx, &n.Hash); err != nil {
			break
		}
		n.Index = uint64(idx)
		out = append(out, n)
	}
	return out, errors.Join(err, rows.Err(), rows.Close())
}

func (a auditTx) Find(ctx context.Context, q store.AuditQuery) ([]store.AuditRecord, error) {
	var where []string
	var args []any
	for _, term := range q.Terms {
		where = append(where, `EXISTS (SELECT 1 FROM audit_terms x WHERE x.kind = ? AND x.value = ? AND x.seq = e.seq)`)
		args = append(args, term.Kind, term.Value)
	}
	for _, c := range []struct{ col, v string }{{"action", q.Action}, {"act", q.Act}, {"outcome", q.Outcome}} {
		if c.v != "" {
			where = append(where, `e.`+c.col+` = ?`)
			args = append(args, c.v)
		}
	}
	if !q.From.IsZero() {
		where = append(where, `e.recorded >= ?`)
		args = append(args, q.From.UTC().UnixMicro())
	}
	if !q.To.IsZero() {
		where = append(where, `e.recorded < ?`)
		args = append(args, q.To.UTC().UnixMicro())
	}
	// Pruned entries have no body, no time (recorded 0) and no terms left;
	// the time is the column the database can test without reading bodies.
	// Only placed entries are found (the time index holds only those).
	where = append(where, `e.recorded > 0`, `e.tree_index IS NOT NULL`)
	if q.Before > 0 {
		where = append(where, `e.seq < ?`)
		args = append(args, q.Before)
	}
	var from string
	if len(q.Terms) > 0 {
		// The first term drives: its rows are read newest first from the
		// terms table's key, the other conditions test each candidate.
		from = `audit_terms d ` + a.t.d.joinKeyword() + ` audit_entries e ON e.seq = d.seq`
		where = append([]string{`d.kind = ? AND d.value = ?`}, where[1:]...)
		args = append([]any{q.Terms[0].Kind, q.Terms[0].Value}, args[2:]...)
	} else {
		from = `audit_entries e`
	}
	sqlq := `SELECT e.seq, e.tree_index, e.recorded, e.leaf_hash, e.body FROM ` + from
	if len(where) > 0 {
		sqlq += ` WHERE ` + strings.Join(where, ` AND `)
	}
	sqlq += ` ORDER BY e.seq DESC LIMIT ?`
	args = append(args, q.Count)
	rows, err := a.t.queryOnce(ctx, sqlq, args...)
	if err != nil {
		return nil, fmt.Errorf("audit find: %w", err)
	}
	return scanAudit(rows)
}

func (a auditTx) BySeq(ctx context.Context, seq int64) (store.AuditRecord, error) {
	rows, err := a.t.query(ctx, `SELECT `+auditCols+` FROM audit_entries WHERE seq = ?`, seq)
	if err != nil {
		return store.AuditRecord{}, fmt.Errorf("audit entry: %w", err)
	}
	recs, err := scanAudit(rows)
	if err != nil {
		return store.AuditRecord{}, fmt.Errorf("audit entry: %w", err)
	}
	if len(recs) == 0 {
		return store.AuditRecord{}, fhir.Errorf(fhir.IssueNotFound, "audit entry %d does not exist", seq)
	}
	if len(recs[0].Body) == 0 {
		return store.AuditRecord{}, fhir.Errorf(fhir.IssueNotFound, "audit entry %d was pruned under the retention period", seq)
	}
	return recs[0], nil
}

func (a auditTx) Prune(ctx context.Context, before int64) (int64, error) {
	t := a.t
	if !t.write {
		return 0, errors.New("audit prune: read-only transaction")
	}
	st, err := a.State(ctx)
	if err != nil {
		return 0, err
	}
	if before > st.Size {
		return 0, fmt.Errorf("audit prune: position %d is beyond the tree's size %d", before, st.Size)
	}
	if before <= st.PrunedBefore {
		return 0, nil
	}
	from := st.PrunedBefore
	// An entry keeps its terms in its row, so its term rows are deleted by
	// their key (no index on seq to keep up on every append).
	if _, err := t.exec(ctx, `DELETE FROM audit_terms WHERE (kind, value, seq) IN (SELECT j.value ->> 0, j.value ->> 1, e.seq FROM audit_entries e, `+
		fmt.Sprintf(t.d.JSONElements, "e.terms")+` WHERE e.tree_index >= ? AND e.tree_index < ?)`, from, before); err != nil {
		return 0, fmt.Errorf("audit prune terms: %w", err)
	}
	res, err := t.exec(ctx, `UPDATE audit_entries SET body = ?, recorded = 0, action = '', act = '', outcome = '', terms = NULL WHERE tree_index >= ? AND tree_index < ?`, []byte{}, from, before)
	if err != nil {
		return 0, fmt.Errorf("audit prune: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("audit prune: %w", err)
	}
	if n != before-from {
		return 0, fmt.Errorf("audit prune: %d entries at positions [%d, %d), want %d", n, from, before, before-from)
	}
	if _, err := t.exec(ctx, `UPDATE audit_state SET pruned_before = ? WHERE id = 1`, before); err != nil {
		return 0, fmt.Errorf("audit prune: %w", err)
	}
	return n, nil
}

func (a auditTx) CheckpointAt(ctx context.Context, at time.Time) (store.AuditCheckpoint, error) {
	rows, err := a.t.query(ctx, `SELECT `+checkpointCols+` FROM audit_checkpoints WHERE recorded <= ? ORDER BY tree_size DESC LIMIT 1`, at.UTC().UnixMicro())
	if err != nil {
		return store.AuditCheckpoint{}, fmt.Errorf("audit checkpoints: %w", err)
	}
	cs, err := scanCheckpoints(rows)
	if err != nil {
		return store.AuditCheckpoint{}, fmt.Errorf("audit checkpoints: %w", err)
	}
	if len(cs) == 0 {
		return store.AuditCheckpoint{}, fhir.Errorf(fhir.IssueNotFound, "no audit checkpoint was recorded at or before %s", at.UTC().Format(time.RFC3339))
	}
	return cs[0], nil
}

func (a auditTx) AddCheckpoint(ctx context.Context, c store.AuditCheckpoint) error {
	rows, err := a.t.query(ctx, `SELECT 1 FROM audit_checkpoints WHERE tree_size = ?`, c.Size)
	if err != nil {
		return fmt.Errorf("audit checkpoint: %w", err)
	}
	exists := rows.Next()
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("audit checkpoint: %w", err)
	}
	if exists {
		return fhir.Errorf(fhir.IssueConflict, "a checkpoint of tree size %d exists", c.Size)
	}
	_, err = a.t.exec(ctx, `INSERT INTO audit_checkpoints (tree_size, recorded, root, note, signature, key_id) VALUES (?, ?, ?, ?, ?, ?)`,
		c.Size, c.Recorded.UTC().UnixMicro(), c.Root, c.Note, c.Signature, c.KeyID)
	if err != nil {
		return fmt.Errorf("audit checkpoint: %w", err)
	}
	return nil
}

func scanCheckpoints(rows *sql.Rows) ([]store.AuditCheckpoint, error) {
	var out []store.AuditCheckpoint
	var err error
	for rows.Next() {
		var c store.AuditCheckpoint
		var rec int64
		if err = rows.Scan(&c.Size, &rec, &c.Root, &c.Note, &c.Signature, &c.KeyID); err != nil {
			break
		}
		c.Recorded = time.UnixMicro(rec).UTC()
		out = append(out, c)
	}
	return out, errors.Join(err, rows.Err(), rows.Close())
}

const checkpointCols = `tree_size, recorded, root, note, signature, key_id`

func (a auditTx) Checkpoints(ctx context.Context, from int64, n int) ([]store.AuditCheckpoint, error) {
	rows, err := a.t.query(ctx, `SELECT `+checkpointCols+` FROM audit_checkpoints WHERE tree_size >= ? ORDER BY tree_size LIMIT ?`, from, n)
	if err != nil {
		return nil, fmt.Errorf("audit checkpoints: %w", err)
	}
	return scanCheckpoints(rows)
}

func (a auditTx) LatestCheckpoint(ctx context.Context) (store.AuditCheckpoint, error) {
	rows, err := a.t.query(ctx, `SELECT `+checkpointCols+` FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1`)
	if err != nil {
		return store.AuditCheckpoint{}, fmt.Errorf("audit checkpoints: %w", err)
	}
	cs, err := scanCheckpoints(rows)
	if err != nil {
		return store.AuditCheckpoint{}, fmt.Errorf("audit checkpoints: %w", err)
	}
	if len(cs) == 0 {
		return store.AuditCheckpoint{}, fhir.Errorf(fhir.IssueNotFound, "no audit checkpoint exists")
	}
	return cs[0], nil
}

func (a auditTx) Key(ctx context.Context, name string) (store.PlatformKey, error) {
	rows, err := a.t.query(ctx, `SELECT name, algorithm, private_key, public_key, created FROM platform_keys WHERE name = ?`, name)
	if err != nil {
		return store.PlatformKey{}, fmt.Errorf("platform key: %w", err)
	}
	var k store.PlatformKey
	found := rows.Next()
	if found {
		var created int64
		err = rows.Scan(&k.Name, &k.Algorithm, &k.PrivateKey, &k.PublicKey, &created)
		k.Created = time.UnixMicro(created).UTC()
	}
	if err = errors.Join(err, rows.Err(), rows.Close()); err != nil {
		return store.PlatformKey{}, fmt.Errorf("platform key: %w", err)
	}
	if !found {
		return store.PlatformKey{}, fhir.Errorf(fhir.IssueNotFound, "platform key %q does not exist", name)
	}
	return k, nil
}

func (a auditTx) PutKey(ctx context.Context, k store.PlatformKey) error {
	if _, err := a.Key(ctx, k.Name); err == nil {
		return fhir.Errorf(fhir.IssueConflict, "platform key %q exists", k.Name)
	} else if fhir.CodeOf(err) != fhir.IssueNotFound {
		return err
	}
	_, err := a.t.exec(ctx, `INSERT INTO platform_keys (name, algorithm, private_key, public_key, created) VALUES (?, ?, ?, ?, ?)`,
		k.Name, k.Algorithm, k.PrivateKey, k.PublicKey, k.Created.UTC().UnixMicro())
	if err != nil {
		return fmt.Errorf("platform key: %w", err)
	}
	return nil
}

func (a auditTx) SealKey(ctx context.Context, name string, sealed []byte) error {
	return a.changeKey(ctx, name, `UPDATE platform_keys SET private_key = ? WHERE name = ?`, sealed, name)
}

func (a auditTx) DeleteKey(ctx context.Context, name string) error {
	return a.changeKey(ctx, name, `DELETE FROM platform_keys WHERE name = ?`, name)
}

// changeKey runs a statement on platform key name's row: not-found when
// there is no such key.
func (a auditTx) changeKey(ctx context.Context, name, q string, args ...any) error {
	res, err := a.t.exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("platform key: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("platform key: %w", err)
	}
	if n == 0 {
		return fhir.Errorf(fhir.IssueNotFound, "platform key %q does not exist", name)
	}
	return nil
}

func (a auditTx) SpoolMark(ctx context.Context, id string) (int64, error) {
	rows, err := a.t.query(ctx, `SELECT written FROM audit_spools WHERE id = ?`, id)
	if err != nil {
		return 0, fmt.Errorf("audit spool mark: %w", err)
	}
	var n int64
	if rows.Next() {
		err = rows.Scan(&n)
	}
	if err = errors.Join(err, rows.Err(), rows.Close()); err != nil {
		return 0, fmt.Errorf("audit spool mark: %w", err)
	}
	return n, nil
}

func (a auditTx) SetSpoolMark(ctx context.Context, id string, n int64) error {
	if !a.t.write {
		return errors.New("audit spool mark: read-only transaction")
	}
	if _, err := a.t.exec(ctx, `INSERT INTO audit_spools (id, written) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET written = excluded.written`, id, n); err != nil {
		return fmt.Errorf("audit spool mark: %w", err)
	}
	return nil
}
