-- Search: every resource gets an integer key (rid, the seq of its first
-- version, stable for its lifetime) and the index tables below, keyed by rid
-- and by a small integer per (resource type, search parameter). Each index
-- table is clustered on its lookup key; a second index on rid serves
-- replacing a resource's entries.
CREATE TABLE resources_new (
    rid          INTEGER PRIMARY KEY,
    res_type     TEXT    NOT NULL,
    res_id       TEXT    NOT NULL,
    version_id   INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    last_updated INTEGER NOT NULL,
    deleted      INTEGER NOT NULL,
    UNIQUE (res_type, res_id)
);
INSERT INTO resources_new (rid, res_type, res_id, version_id, seq, last_updated, deleted)
    SELECT (SELECT v.seq FROM resource_versions v WHERE v.res_type = r.res_type AND v.res_id = r.res_id AND v.version_id = 1),
           r.res_type, r.res_id, r.version_id, r.seq, r.last_updated, r.deleted
    FROM resources r;
DROP TABLE resources;
ALTER TABLE resources_new RENAME TO resources;
-- Lists resources of a type in key order (SQLite appends the rowid, rid).
CREATE INDEX resources_type ON resources (res_type);

-- The entries of the old token and reference tables are rebuilt by a
-- reindex (search_state.reindex_from = 0 asks for it).
DROP TABLE res_token;
DROP TABLE res_ref;

-- Search parameters in use, each (resource type, code) numbered once.
CREATE TABLE search_params (
    pid      INTEGER PRIMARY KEY,
    res_type TEXT NOT NULL,
    code     TEXT NOT NULL,
    UNIQUE (res_type, code)
);

-- Reindex progress: rows with rid >= reindex_from still need their entries
-- (-1 when nothing is pending).
CREATE TABLE search_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    reindex_from INTEGER NOT NULL
);
INSERT INTO search_state (id, reindex_from) SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM resources) THEN 0 ELSE -1 END;

-- string: value is normalized (case and accents folded); exact is as written.
CREATE TABLE idx_string (
    pid   INTEGER NOT NULL,
    value TEXT    NOT NULL,
    rid   INTEGER NOT NULL,
    exact TEXT    NOT NULL,
    PRIMARY KEY (pid, value, rid, exact)
) WITHOUT ROWID;
CREATE INDEX idx_string_rid ON idx_string (rid);

CREATE TABLE idx_token (
    pid    INTEGER NOT NULL,
    code   TEXT    NOT NULL,
    system TEXT    NOT NULL,
    rid    INTEGER NOT NULL,
    PRIMARY KEY (pid, code, system, rid)
) WITHOUT ROWID;
CREATE INDEX idx_token_rid ON idx_token (rid);

-- reference: a local target (type, id), or type '' and the absolute URL or
-- canonical as id.
CREATE TABLE idx_ref (
    pid         INTEGER NOT NULL,
    target_id   TEXT    NOT NULL,
    target_type TEXT    NOT NULL,
    rid         INTEGER NOT NULL,
    PRIMARY KEY (pid, target_id, target_type, rid)
) WITHOUT ROWID;
CREATE INDEX idx_ref_rid ON idx_ref (rid);

-- date: the range [lo, hi] in Unix microseconds UTC that the value covers.
CREATE TABLE idx_date (
    pid INTEGER NOT NULL,
    lo  INTEGER NOT NULL,
    hi  INTEGER NOT NULL,
    rid INTEGER NOT NULL,
    PRIMARY KEY (pid, lo, hi, rid)
) WITHOUT ROWID;
CREATE INDEX idx_date_rid ON idx_date (rid);

CREATE TABLE idx_number (
    pid   INTEGER NOT NULL,
    value REAL    NOT NULL,
    rid   INTEGER NOT NULL,
    PRIMARY KEY (pid, value, rid)
) WITHOUT ROWID;
CREATE INDEX idx_number_rid ON idx_number (rid);

-- quantity: one row as recorded and, for UCUM units with a canonical form,
-- one more in canonical units.
CREATE TABLE idx_quantity (
    pid    INTEGER NOT NULL,
    code   TEXT    NOT NULL,
    system TEXT    NOT NULL,
    value  REAL    NOT NULL,
    rid    INTEGER NOT NULL,
    PRIMARY KEY (pid, code, system, value, rid)
) WITHOUT ROWID;
CREATE INDEX idx_quantity_rid ON idx_quantity (rid);

CREATE TABLE idx_uri (
    pid INTEGER NOT NULL,
    uri TEXT    NOT NULL,
    rid INTEGER NOT NULL,
    PRIMARY KEY (pid, uri, rid)
) WITHOUT ROWID;
CREATE INDEX idx_uri_rid ON idx_uri (rid);
