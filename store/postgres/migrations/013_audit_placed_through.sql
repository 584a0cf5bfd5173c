-- The last waiting entry the sequencer placed (a seq). PostgreSQL's
-- sequences are not in commit order, so its sequencer keeps finding
-- waiting entries by their index; the column is kept for one schema.
ALTER TABLE audit_state ADD COLUMN placed_through BIGINT NOT NULL DEFAULT 0;
UPDATE audit_state SET placed_through = COALESCE(
    (SELECT MIN(seq) - 1 FROM audit_entries WHERE tree_index IS NULL),
    (SELECT MAX(seq) FROM audit_entries), 0);
