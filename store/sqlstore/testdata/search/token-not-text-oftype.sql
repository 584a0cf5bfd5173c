-- Patient?gender:not=male&language:text=chin&identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|123
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid
  FROM resources r JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  AND r.rid NOT IN (SELECT x1.rid FROM idx_token x1
  WHERE x1.pid = ? AND (x1.code = ?))
  AND r.rid IN (SELECT x2.rid FROM idx_token x2
  WHERE x2.pid = ? AND ((x2.code = ? AND x2.system = ?)))
  AND r.rid IN (SELECT x3.rid FROM idx_string x3
  WHERE x3.pid = ? AND (x3.value >= ? AND x3.value < ?))
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [Patient 15 male 16 MR http://terminology.hl7.org/CodeSystem/v2-0203 17 chin chin􏿿 21]
