-- Every version of every resource. seq orders system history.
CREATE TABLE resource_versions (
    seq          INTEGER PRIMARY KEY, -- rowid; versions are never deleted, so it only grows
    res_type     TEXT    NOT NULL,
    res_id       TEXT    NOT NULL,
    version_id   INTEGER NOT NULL,
    last_updated INTEGER NOT NULL, -- Unix microseconds, UTC
    method       TEXT    NOT NULL,
    deleted      INTEGER NOT NULL,
    body         BLOB,
    UNIQUE (res_type, res_id, version_id)
);
CREATE INDEX resource_versions_type_seq ON resource_versions (res_type, seq);

-- The current version of each resource.
CREATE TABLE resources (
    res_type     TEXT    NOT NULL,
    res_id       TEXT    NOT NULL,
    version_id   INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    last_updated INTEGER NOT NULL,
    deleted      INTEGER NOT NULL,
    PRIMARY KEY (res_type, res_id)
) WITHOUT ROWID;

-- Token index of current resources (identifiers for conditional operations).
-- Clustered by owner, so replacing a resource's entries needs no extra index.
CREATE TABLE res_token (
    res_type TEXT NOT NULL,
    res_id   TEXT NOT NULL,
    param    TEXT NOT NULL,
    system   TEXT NOT NULL,
    code     TEXT NOT NULL,
    PRIMARY KEY (res_type, res_id, param, system, code)
) WITHOUT ROWID;
CREATE INDEX res_token_lookup ON res_token (res_type, param, code, system);

-- References held by current resources.
CREATE TABLE res_ref (
    res_type    TEXT NOT NULL,
    res_id      TEXT NOT NULL,
    path        TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    PRIMARY KEY (res_type, res_id, path, target_type, target_id)
) WITHOUT ROWID;
CREATE INDEX res_ref_target ON res_ref (target_type, target_id);
