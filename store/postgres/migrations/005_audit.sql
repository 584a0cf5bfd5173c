-- The audit log (package audit). Every act appends an entry in the same
-- transaction as the act; a sequencer later gives each entry its position in
-- the Merkle tree (tree_index), in commit order. body is the entry's
-- canonical bytes (the tree's leaf data) and leaf_hash their leaf hash.
CREATE TABLE audit_entries (
    seq        BIGSERIAL PRIMARY KEY,
    tree_index BIGINT UNIQUE,
    recorded   BIGINT NOT NULL, -- Unix microseconds, UTC
    action     TEXT    NOT NULL, -- the entry's action, act code (C R U D E)
    act        TEXT    NOT NULL, -- and outcome, copied out of body for
    outcome    TEXT    NOT NULL, -- filtering
    leaf_hash  BYTEA    NOT NULL,
    body       BYTEA    NOT NULL
);
-- Entries waiting for the sequencer.
CREATE INDEX audit_entries_pending ON audit_entries (seq) WHERE tree_index IS NULL;
CREATE INDEX audit_entries_recorded ON audit_entries (recorded);

-- Who and what an entry is about, for finding entries (patient, agent, org,
-- request): one row per (kind, value) of an entry.
CREATE TABLE audit_terms (
    kind  TEXT    COLLATE "C" NOT NULL,
    value TEXT    COLLATE "C" NOT NULL,
    seq   BIGINT NOT NULL,
    PRIMARY KEY (kind, value, seq)
);

-- Hashes of the tree's perfect subtrees above the leaves (level >= 1).
CREATE TABLE audit_nodes (
    level BIGINT NOT NULL,
    idx   BIGINT NOT NULL,
    hash  BYTEA    NOT NULL,
    PRIMARY KEY (level, idx)
);

-- The tree: its size and the hash algorithm chosen when the log began.
CREATE TABLE audit_state (
    id        SMALLINT PRIMARY KEY CHECK (id = 1),
    tree_size BIGINT NOT NULL,
    hash_alg  TEXT    NOT NULL
);

-- Signed checkpoints: the signed note (size, root, time) and its signature.
CREATE TABLE audit_checkpoints (
    tree_size BIGINT PRIMARY KEY,
    recorded  BIGINT NOT NULL,
    root      BYTEA    NOT NULL,
    note      BYTEA    NOT NULL,
    signature BYTEA    NOT NULL,
    key_id    TEXT    NOT NULL
);

-- The platform's own keys (the audit checkpoint signing key first).
CREATE TABLE platform_keys (
    name        TEXT PRIMARY KEY,
    algorithm   TEXT    NOT NULL,
    private_key BYTEA    NOT NULL,
    public_key  BYTEA    NOT NULL,
    created     BIGINT NOT NULL
);
