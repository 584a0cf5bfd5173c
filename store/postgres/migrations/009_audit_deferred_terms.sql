-- An act's transaction writes its audit entry as one row (package audit):
-- the entry's search terms wait in the row (terms, a JSON array of
-- [kind, value] pairs) until the sequencer places the entry in the tree and
-- moves them to audit_terms, in batches. The tree position's and the time's
-- indexes hold placed entries only (entries are found once placed).
ALTER TABLE audit_entries ADD COLUMN terms TEXT;
ALTER TABLE audit_entries DROP CONSTRAINT audit_entries_tree_index_key;
CREATE UNIQUE INDEX audit_entries_tree ON audit_entries (tree_index) WHERE tree_index IS NOT NULL;
DROP INDEX audit_entries_recorded;
CREATE INDEX audit_entries_recorded ON audit_entries (recorded) WHERE tree_index IS NOT NULL;
