-- composite: one row per combination of component values of one composite
-- node. a_* hold the first component (a token's code and system, or a
-- reference's id and type); b_* the second when it is a token, a quantity's
-- unit or a normalized string; num and num2 numbers (a quantity's value);
-- lo and hi a date range (inclusive Unix microseconds). Unused columns
-- hold '' or 0.
CREATE TABLE idx_composite (
    pid      INTEGER NOT NULL,
    a_code   TEXT    COLLATE "C" NOT NULL,
    a_system TEXT    COLLATE "C" NOT NULL,
    b_code   TEXT    COLLATE "C" NOT NULL,
    b_system TEXT    COLLATE "C" NOT NULL,
    num      DOUBLE PRECISION NOT NULL,
    num2     DOUBLE PRECISION NOT NULL,
    lo       BIGINT  NOT NULL,
    hi       BIGINT  NOT NULL,
    rid      BIGINT  NOT NULL,
    PRIMARY KEY (pid, a_code, a_system, b_code, b_system, num, num2, lo, hi, rid)
);
CREATE INDEX idx_composite_rid ON idx_composite (rid, pid);
UPDATE search_state SET reindex_from = 0 WHERE EXISTS (SELECT 1 FROM resources);
