-- An entry keeps its search terms in its row (terms, a JSON array of
-- [kind, value] pairs) after the sequencer has placed it, so that Prune
-- deletes its audit_terms rows by their key: the index on audit_terms.seq,
-- one more B-tree insert for every term of every entry, goes. Placed
-- entries of earlier versions get their terms back from audit_terms.
UPDATE audit_entries e SET terms = (
    SELECT json_agg(json_build_array(t.kind, t.value))::text FROM audit_terms t WHERE t.seq = e.seq)
WHERE e.terms IS NULL AND EXISTS (SELECT 1 FROM audit_terms t WHERE t.seq = e.seq);
DROP INDEX audit_terms_seq;
