-- Idempotency keys of retryable writes (store.IdempotencyTx): each row is
-- written in the transaction of the act it guards, so a key exists exactly
-- when its act does. The primary key (agent, key) is the ground truth of
-- "one effect per key": of two concurrent acts with one key, the second
-- insert fails. request_hash is the SM3 hash of the request; status,
-- header (JSON) and body (gzip) are the answer a repeat gets. created and
-- expires are Unix microseconds (UTC); expired rows are pruned.
CREATE TABLE idempotency_keys (
    agent        TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    method       TEXT    NOT NULL,
    path         TEXT    NOT NULL,
    request_hash BLOB   NOT NULL,
    request_id   TEXT    NOT NULL,
    status       INTEGER NOT NULL,
    header       BLOB   NOT NULL,
    body         BLOB   NOT NULL,
    created      INTEGER NOT NULL,
    expires      INTEGER NOT NULL,
    PRIMARY KEY (agent, key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires);
