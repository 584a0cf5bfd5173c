-- Audit retention (package audit, Log.Prune): entries before tree position
-- pruned_before have lost their body, time and search terms; their leaf
-- hashes, the subtree hashes and the checkpoints stay, so the tree is still
-- provable. Terms are deleted by entry, hence the index on seq.
ALTER TABLE audit_state ADD COLUMN pruned_before INTEGER NOT NULL DEFAULT 0;
CREATE INDEX audit_terms_seq ON audit_terms (seq);
