-- An act's transaction writes its audit entry as one row (package audit):
-- the entry's search terms wait in the row (terms, a JSON array of
-- [kind, value] pairs) until the sequencer places the entry in the tree and
-- moves them to audit_terms, in batches. The tree position's and the time's
-- indexes hold placed entries only (entries are found once placed). The
-- table is rebuilt because SQLite cannot drop a column's UNIQUE constraint.
CREATE TABLE audit_entries_new (
    seq        INTEGER PRIMARY KEY,
    tree_index INTEGER,
    recorded   INTEGER NOT NULL, -- Unix microseconds, UTC
    action     TEXT    NOT NULL, -- the entry's action, act code (C R U D E)
    act        TEXT    NOT NULL, -- and outcome, copied out of body for
    outcome    TEXT    NOT NULL, -- filtering
    leaf_hash  BLOB    NOT NULL,
    body       BLOB    NOT NULL,
    terms      TEXT              -- NULL once the entry is placed
);
INSERT INTO audit_entries_new (seq, tree_index, recorded, action, act, outcome, leaf_hash, body)
    SELECT seq, tree_index, recorded, action, act, outcome, leaf_hash, body FROM audit_entries;
DROP TABLE audit_entries;
ALTER TABLE audit_entries_new RENAME TO audit_entries;
CREATE UNIQUE INDEX audit_entries_tree ON audit_entries (tree_index) WHERE tree_index IS NOT NULL;
CREATE INDEX audit_entries_pending ON audit_entries (seq) WHERE tree_index IS NULL;
CREATE INDEX audit_entries_recorded ON audit_entries (recorded) WHERE tree_index IS NOT NULL;
