package resources

// undoLog records changes made in place to the caller's resource maps so
// that they can be reverted: a transaction that fails, or that the store
// runs again after a transient conflict, starts from (and leaves) the
// caller's resources as they were.
type undoLog []undoEntry

type undoEntry struct {
	m   map[string]any
	key string
	old any
	had bool
}

// save records the current value of m[key]; revert restores it.
func (l *undoLog) save(m map[string]any, key string) {
	old, had := m[key]
	*l = append(*l, undoEntry{m: m, key: key, old: old, had: had})
}

// set records m[key] and then sets it to v.
func (l *undoLog) set(m map[string]any, key string, v any) {
	l.save(m, key)
	m[key] = v
}

// saveStamp records the elements stamp (and a conditional update's id
// assignment) change in res: id, meta, meta.versionId and meta.lastUpdated.
func (l *undoLog) saveStamp(res map[string]any) {
	l.save(res, "id")
	l.save(res, "meta")
	if meta, ok := res["meta"].(map[string]any); ok {
		l.save(meta, "versionId")
		l.save(meta, "lastUpdated")
	}
}

// revert undoes the recorded changes, newest first, and empties the log.
func (l *undoLog) revert() {
	for i := len(*l) - 1; i >= 0; i-- {
		e := (*l)[i]
		if e.had {
			e.m[e.key] = e.old
		} else {
			delete(e.m, e.key)
		}
	}
	*l = (*l)[:0]
}
