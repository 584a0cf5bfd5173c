-- Patient?_has:Observation:patient:code=8480-6
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid
  FROM resources r JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0 AND EXISTS (SELECT 1 FROM idx_patient_code p1
  WHERE p1.pid = ? AND (p1.code = ?) AND p1.ref_pid = ? AND p1.target_type = r.res_type AND p1.target_id = r.res_id)
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [Patient 7 8480-6 10 21]
