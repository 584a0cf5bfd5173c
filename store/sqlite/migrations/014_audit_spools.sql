-- Per audit spool (a file where a process makes recorded entries durable
-- before writing them to the database), the number of its last record
-- written here, moved in the transaction that writes the records.
CREATE TABLE audit_spools (
    id      TEXT    PRIMARY KEY,
    written INTEGER NOT NULL
);
