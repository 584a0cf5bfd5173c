-- The platform's keyed state that is not FHIR data (store.RecordsTx):
-- accounts, OAuth clients, tokens and codes, login throttles, used nonces.
-- expires is Unix microseconds (UTC), 0 for never.
CREATE TABLE records (
    kind    TEXT    NOT NULL,
    key     TEXT    NOT NULL,
    value   BLOB    NOT NULL,
    expires INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE INDEX records_expires ON records (expires) WHERE expires <> 0;
