-- Every version of every resource. seq orders system history.
CREATE TABLE resource_versions (
    seq          BIGSERIAL PRIMARY KEY,
    res_type     TEXT    NOT NULL,
    res_id       TEXT    NOT NULL,
    version_id   BIGINT  NOT NULL,
    last_updated BIGINT  NOT NULL, -- Unix microseconds, UTC
    method       TEXT    NOT NULL,
    deleted      SMALLINT NOT NULL,
    body         BYTEA,
    UNIQUE (res_type, res_id, version_id)
);
CREATE INDEX resource_versions_type_seq ON resource_versions (res_type, seq);

-- The current version of each resource.
CREATE TABLE resources (
    res_type     TEXT    COLLATE "C" NOT NULL,
    res_id       TEXT    COLLATE "C" NOT NULL,
    version_id   BIGINT  NOT NULL,
    seq          BIGINT  NOT NULL,
    last_updated BIGINT  NOT NULL,
    deleted      SMALLINT NOT NULL,
    PRIMARY KEY (res_type, res_id)
);

-- Token index of current resources (identifiers for conditional operations).
-- The primary key serves replacing a resource's entries.
CREATE TABLE res_token (
    res_type TEXT NOT NULL,
    res_id   TEXT NOT NULL,
    param    TEXT NOT NULL,
    system   TEXT NOT NULL,
    code     TEXT NOT NULL,
    PRIMARY KEY (res_type, res_id, param, system, code)
);
CREATE INDEX res_token_lookup ON res_token (res_type, param, code, system);

-- References held by current resources.
CREATE TABLE res_ref (
    res_type    TEXT NOT NULL,
    res_id      TEXT NOT NULL,
    path        TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    PRIMARY KEY (res_type, res_id, path, target_type, target_id)
);
CREATE INDEX res_ref_target ON res_ref (target_type, target_id);
