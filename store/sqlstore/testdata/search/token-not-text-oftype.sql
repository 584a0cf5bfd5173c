-- Patient?gender:not=male&language:text=chin&identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|123
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid FROM (SELECT DISTINCT x2.rid AS rid FROM idx_token x2
  WHERE x2.pid = ? AND ((x2.code = ? AND x2.system = ?))) m1 CROSS JOIN resources r ON r.rid = m1.rid JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0 AND NOT EXISTS (SELECT 1 FROM idx_token x3
  WHERE x3.rid = r.rid AND x3.pid = ? AND (x3.code = ?)) AND EXISTS (SELECT 1 FROM idx_string x4
  WHERE x4.rid = r.rid AND x4.pid = ? AND (x4.value >= ? AND x4.value < ?))
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [15 123 http://terminology.hl7.org/CodeSystem/v2-0203|MR Patient 16 male 17 chin chin􏿿 21]
