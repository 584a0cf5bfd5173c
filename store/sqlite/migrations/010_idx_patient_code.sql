-- Reverse chains from a code to patients ("Patient?_has:Observation:patient:code=x"):
-- for every resource, each value of its "code" token parameter paired with
-- each target of its "patient" reference parameter, keyed so that the
-- distinct patients of one code are read in one index range and one
-- patient's rows for a code in one seek. pid is the token parameter's
-- number and ref_pid the reference parameter's (both of the resource's
-- type). Written with the other index rows (package sqlstore) and, for the
-- resources already indexed, filled here from idx_token and idx_ref.
CREATE TABLE idx_patient_code (
    pid         INTEGER NOT NULL,
    code        TEXT    NOT NULL,
    ref_pid     INTEGER NOT NULL,
    target_type TEXT    NOT NULL,
    target_id   TEXT    NOT NULL,
    system      TEXT    NOT NULL,
    rid         INTEGER NOT NULL,
    PRIMARY KEY (pid, code, ref_pid, target_type, target_id, system, rid)
) WITHOUT ROWID;
CREATE INDEX idx_patient_code_rid ON idx_patient_code (rid);
INSERT OR IGNORE INTO idx_patient_code (pid, code, ref_pid, target_type, target_id, system, rid)
    SELECT t.pid, t.code, x.pid, x.target_type, x.target_id, t.system, t.rid
    FROM search_params pt
    JOIN search_params pr ON pr.res_type = pt.res_type AND pr.code = 'patient'
    JOIN idx_token t ON t.pid = pt.pid
    JOIN idx_ref x ON x.rid = t.rid AND x.pid = pr.pid
    WHERE pt.code = 'code';
