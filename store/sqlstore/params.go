package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// paramKey names a search parameter of one resource type.
type paramKey struct{ typ, code string }

// paramIDs caches the numbers of search parameters (table search_params).
// A number read from the database is committed and never changes, so it is
// cached for the life of the Store; a number a transaction assigns is kept
// in that transaction (tx.newPids) and cached only after it commits, since a
// rollback takes the row back.
type paramIDs struct {
	mu  sync.RWMutex
	ids map[paramKey]int64
}

func (p *paramIDs) get(k paramKey) (int64, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	id, ok := p.ids[k]
	return id, ok
}

func (p *paramIDs) put(m map[paramKey]int64) {
	if len(m) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ids == nil {
		p.ids = make(map[paramKey]int64, len(m))
	}
	for k, v := range m {
		p.ids[k] = v
	}
}

// noParam is the number used for a parameter that has never been indexed in
// a read: it matches no index row.
const noParam = -1

// pid returns the number of search parameter code of resource type typ.
// When the parameter has none yet, create assigns one (write transactions
// only); otherwise pid returns noParam.
func (t *tx) pid(ctx context.Context, typ, code string, create bool) (int64, error) {
	k := paramKey{typ, code}
	if id, ok := t.params.get(k); ok {
		return id, nil
	}
	if id, ok := t.newPids[k]; ok {
		return id, nil
	}
	id, found, err := t.readPid(ctx, k)
	if err != nil {
		return 0, err
	}
	if found {
		t.params.put(map[paramKey]int64{k: id})
		return id, nil
	}
	if !create || !t.write {
		return noParam, nil
	}
	if _, err := t.exec(ctx, `INSERT INTO search_params (res_type, code) VALUES (?, ?) ON CONFLICT (res_type, code) DO NOTHING`, typ, code); err != nil {
		return 0, fmt.Errorf("number search parameter %s.%s: %w", typ, code, err)
	}
	id, found, err = t.readPid(ctx, k)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, fmt.Errorf("number search parameter %s.%s: row missing after insert", typ, code)
	}
	if t.newPids == nil {
		t.newPids = make(map[paramKey]int64)
	}
	t.newPids[k] = id
	return id, nil
}

func (t *tx) readPid(ctx context.Context, k paramKey) (int64, bool, error) {
	rows, err := t.query(ctx, `SELECT pid FROM search_params WHERE res_type = ? AND code = ?`, k.typ, k.code)
	if err != nil {
		return 0, false, fmt.Errorf("search parameter %s.%s: %w", k.typ, k.code, err)
	}
	var id int64
	found := rows.Next()
	if found {
		err = rows.Scan(&id)
	}
	if err := errors.Join(err, rows.Err(), rows.Close()); err != nil {
		return 0, false, fmt.Errorf("search parameter %s.%s: %w", k.typ, k.code, err)
	}
	return id, found, nil
}
