-- The sequencer finds the entries waiting for it after the last one it
-- placed (placed_through, a seq): SQLite gives rows increasing seqs in
-- commit order and audit rows are never deleted, so no entry waits at or
-- before it. The index of waiting entries, one more page written by every
-- act's transaction, goes.
ALTER TABLE audit_state ADD COLUMN placed_through INTEGER NOT NULL DEFAULT 0;
UPDATE audit_state SET placed_through = COALESCE(
    (SELECT MIN(seq) - 1 FROM audit_entries WHERE tree_index IS NULL),
    (SELECT MAX(seq) FROM audit_entries), 0);
DROP INDEX audit_entries_pending;
