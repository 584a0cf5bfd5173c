-- Search: every resource gets an integer key (rid, the seq of its first
-- version, stable for its lifetime) and the index tables below, keyed by rid
-- and by a small integer per (resource type, search parameter). Each index
-- table has a b-tree on its lookup key and one on (rid, pid), which serves
-- replacing a resource's entries and testing one resource's values.
ALTER TABLE resources ADD COLUMN rid BIGINT;
UPDATE resources r SET rid = v.seq FROM resource_versions v
    WHERE v.res_type = r.res_type AND v.res_id = r.res_id AND v.version_id = 1;
ALTER TABLE resources ALTER COLUMN rid SET NOT NULL;
CREATE UNIQUE INDEX resources_rid ON resources (rid);
-- Lists resources of a type in key order.
CREATE INDEX resources_type ON resources (res_type, rid);

-- The entries of the old token and reference tables are rebuilt by a
-- reindex (search_state.reindex_from = 0 asks for it).
DROP TABLE res_token;
DROP TABLE res_ref;

-- Search parameters in use, each (resource type, code) numbered once.
CREATE TABLE search_params (
    pid      SERIAL PRIMARY KEY,
    res_type TEXT NOT NULL,
    code     TEXT NOT NULL,
    UNIQUE (res_type, code)
);

-- Reindex progress: rows with rid >= reindex_from still need their entries
-- (-1 when nothing is pending).
CREATE TABLE search_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    reindex_from BIGINT NOT NULL
);
INSERT INTO search_state (id, reindex_from) SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM resources) THEN 0 ELSE -1 END;

-- string: value is normalized (case and accents folded); exact is as written.
CREATE TABLE idx_string (
    pid   INTEGER NOT NULL,
    value TEXT    COLLATE "C" NOT NULL,
    rid   BIGINT  NOT NULL,
    exact TEXT    COLLATE "C" NOT NULL,
    PRIMARY KEY (pid, value, rid, exact)
);
CREATE INDEX idx_string_rid ON idx_string (rid, pid);

CREATE TABLE idx_token (
    pid    INTEGER NOT NULL,
    code   TEXT    COLLATE "C" NOT NULL,
    system TEXT    COLLATE "C" NOT NULL,
    rid    BIGINT  NOT NULL,
    PRIMARY KEY (pid, code, system, rid)
);
CREATE INDEX idx_token_rid ON idx_token (rid, pid);

-- reference: a local target (type, id), or type '' and the absolute URL or
-- canonical as id.
CREATE TABLE idx_ref (
    pid         INTEGER NOT NULL,
    target_id   TEXT    COLLATE "C" NOT NULL,
    target_type TEXT    COLLATE "C" NOT NULL,
    rid         BIGINT  NOT NULL,
    PRIMARY KEY (pid, target_id, target_type, rid)
);
CREATE INDEX idx_ref_rid ON idx_ref (rid, pid);

-- date: the range [lo, hi] in Unix microseconds UTC that the value covers.
CREATE TABLE idx_date (
    pid INTEGER NOT NULL,
    lo  BIGINT  NOT NULL,
    hi  BIGINT  NOT NULL,
    rid BIGINT  NOT NULL,
    PRIMARY KEY (pid, lo, hi, rid)
);
CREATE INDEX idx_date_rid ON idx_date (rid, pid);

CREATE TABLE idx_number (
    pid   INTEGER NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    rid   BIGINT  NOT NULL,
    PRIMARY KEY (pid, value, rid)
);
CREATE INDEX idx_number_rid ON idx_number (rid, pid);

-- quantity: one row as recorded and, for UCUM units with a canonical form,
-- one more in canonical units.
CREATE TABLE idx_quantity (
    pid    INTEGER NOT NULL,
    code   TEXT    COLLATE "C" NOT NULL,
    system TEXT    COLLATE "C" NOT NULL,
    value  DOUBLE PRECISION NOT NULL,
    rid    BIGINT  NOT NULL,
    PRIMARY KEY (pid, code, system, value, rid)
);
CREATE INDEX idx_quantity_rid ON idx_quantity (rid, pid);

CREATE TABLE idx_uri (
    pid INTEGER NOT NULL,
    uri TEXT    COLLATE "C" NOT NULL,
    rid BIGINT  NOT NULL,
    PRIMARY KEY (pid, uri, rid)
);
CREATE INDEX idx_uri_rid ON idx_uri (rid, pid);
