-- Patient?_has:Encounter:subject:_has:Observation:encounter:code=8480-6
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid FROM (SELECT r2.rid AS rid FROM resources r2
  WHERE r2.res_type = ? AND r2.res_id IN (SELECT x3.target_id FROM (SELECT r4.rid AS rid FROM (SELECT r7.rid AS rid FROM resources r7
  WHERE r7.res_type = ? AND r7.res_id IN (SELECT x8.target_id FROM idx_token x9 CROSS JOIN idx_ref x8 ON x8.rid = x9.rid
  WHERE x9.pid = ? AND (x9.code = ?) AND x8.pid = ? AND x8.target_type IN (?))) m6 CROSS JOIN resources r4 ON r4.rid = m6.rid
  WHERE r4.res_type = ? AND r4.deleted = 0) m5 CROSS JOIN idx_ref x3 ON x3.rid = m5.rid
  WHERE x3.pid = ? AND x3.target_type IN (?))
  ORDER BY r2.rid) m1 CROSS JOIN resources r ON r.rid = m1.rid JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  ORDER BY m1.rid ASC
  LIMIT ?;
-- args: [Patient Encounter 7 8480-6 27 Encounter Encounter 28 Patient Patient 21]
