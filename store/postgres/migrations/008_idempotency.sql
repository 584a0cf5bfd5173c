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
    request_hash BYTEA   NOT NULL,
    request_id   TEXT    NOT NULL,
    status       BIGINT  NOT NULL,
    header       BYTEA   NOT NULL,
    body         BYTEA   NOT NULL,
    created      BIGINT  NOT NULL,
    expires      BIGINT  NOT NULL,
    PRIMARY KEY (agent, key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires);
