-- The audit log (package audit). Every act appends an entry in the same
-- transaction as the act; a sequencer later gives each entry its position in
-- the Merkle tree (tree_index), in commit order. body is the entry's
-- canonical bytes (the tree's leaf data) and leaf_hash their leaf hash.
CREATE TABLE audit_entries (
    seq        INTEGER PRIMARY KEY,
    tree_index INTEGER UNIQUE,
    recorded   INTEGER NOT NULL, -- Unix microseconds, UTC
    action     TEXT    NOT NULL, -- the entry's action, act code (C R U D E)
    act        TEXT    NOT NULL, -- and outcome, copied out of body for
    outcome    TEXT    NOT NULL, -- filtering
    leaf_hash  BLOB    NOT NULL,
    body       BLOB    NOT NULL
);
-- Entries waiting for the sequencer.
CREATE INDEX audit_entries_pending ON audit_entries (seq) WHERE tree_index IS NULL;
CREATE INDEX audit_entries_recorded ON audit_entries (recorded);

-- Who and what an entry is about, for finding entries (patient, agent, org,
-- request): one row per (kind, value) of an entry.
CREATE TABLE audit_terms (
    kind  TEXT    NOT NULL,
    value TEXT    NOT NULL,
    seq   INTEGER NOT NULL,
    PRIMARY KEY (kind, value, seq)
) WITHOUT ROWID;

-- Hashes of the tree's perfect subtrees above the leaves (level >= 1).
CREATE TABLE audit_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- The tree: its size and the hash algorithm chosen when the log began.
CREATE TABLE audit_state (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    tree_size INTEGER NOT NULL,
    hash_alg  TEXT    NOT NULL
);

-- Signed checkpoints: the signed note (size, root, time) and its signature.
CREATE TABLE audit_checkpoints (
    tree_size INTEGER PRIMARY KEY,
    recorded  INTEGER NOT NULL,
    root      BLOB    NOT NULL,
    note      BLOB    NOT NULL,
    signature BLOB    NOT NULL,
    key_id    TEXT    NOT NULL
);

-- The platform's own keys (the audit checkpoint signing key first).
CREATE TABLE platform_keys (
    name        TEXT PRIMARY KEY,
    algorithm   TEXT    NOT NULL,
    private_key BLOB    NOT NULL,
    public_key  BLOB    NOT NULL,
    created     INTEGER NOT NULL
);
