-- Patient?_has:Observation:patient:code=8480-6
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid FROM (SELECT r2.rid AS rid FROM resources r2
  WHERE r2.res_type = ? AND r2.res_id IN (SELECT p3.target_id FROM idx_patient_code p3
  WHERE p3.pid = ? AND (p3.code = ?) AND p3.ref_pid = ? AND p3.target_type IN (?))
  ORDER BY r2.rid) m1 CROSS JOIN resources r ON r.rid = m1.rid JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  ORDER BY m1.rid ASC
  LIMIT ?;
-- args: [Patient 7 8480-6 10 Patient Patient 21]
