-- Observation?subject:Patient.organization.name=Clinic
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid
  FROM resources r JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  AND r.rid IN (SELECT x1.rid FROM idx_ref x1
  WHERE x1.pid = ? AND ((x1.target_type = ? AND x1.target_id IN (SELECT r2.res_id FROM resources r2
  WHERE r2.res_type = ? AND r2.deleted = 0 AND r2.rid IN (SELECT x3.rid FROM idx_ref x3
  WHERE x3.pid = ? AND ((x3.target_type = ? AND x3.target_id IN (SELECT r4.res_id FROM resources r4
  WHERE r4.res_type = ? AND r4.deleted = 0 AND r4.rid IN (SELECT x5.rid FROM idx_string x5
  WHERE x5.pid = ? AND (x5.value >= ? AND x5.value < ?))))))))))
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [Observation 7 Patient Patient 11 Organization Organization 12 clinic clinic􏿿 21]
