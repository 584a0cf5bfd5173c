-- Observation?subject:Patient.organization.name=Clinic
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid FROM (SELECT DISTINCT x2.rid AS rid FROM idx_ref x2
  WHERE x2.pid = ? AND ((x2.target_type = ? AND x2.target_id IN (SELECT r3.res_id FROM (SELECT DISTINCT x5.rid AS rid FROM idx_ref x5
  WHERE x5.pid = ? AND ((x5.target_type = ? AND x5.target_id IN (SELECT r6.res_id FROM (SELECT DISTINCT x8.rid AS rid FROM idx_string x8
  WHERE x8.pid = ? AND (x8.value >= ? AND x8.value < ?)) m7 CROSS JOIN resources r6 ON r6.rid = m7.rid
  WHERE r6.res_type = ? AND r6.deleted = 0)))) m4 CROSS JOIN resources r3 ON r3.rid = m4.rid
  WHERE r3.res_type = ? AND r3.deleted = 0)))) m1 CROSS JOIN resources r ON r.rid = m1.rid JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [6 Patient 11 Organization 12 clinic clinic􏿿 Organization Patient Observation 21]
