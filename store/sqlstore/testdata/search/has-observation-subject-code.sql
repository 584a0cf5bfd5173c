-- Patient?_has:Observation:subject:code=http://loinc.org|8480-6
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid FROM (SELECT r2.rid AS rid FROM resources r2
  WHERE r2.res_type = ? AND r2.res_id IN (SELECT x3.target_id FROM idx_token x4 CROSS JOIN idx_ref x3 ON x3.rid = x4.rid
  WHERE x4.pid = ? AND ((x4.code = ? AND x4.system = ?)) AND x3.pid = ? AND x3.target_type IN (?))
  ORDER BY r2.rid) m1 CROSS JOIN resources r ON r.rid = m1.rid JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  ORDER BY m1.rid ASC
  LIMIT ?;
-- args: [Patient 7 8480-6 http://loinc.org 6 Patient Patient 21]
