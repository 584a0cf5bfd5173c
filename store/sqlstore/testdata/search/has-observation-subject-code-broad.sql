-- Patient?_has:Observation:subject:code=http://loinc.org|8480-6
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid
  FROM resources r JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0 AND EXISTS (SELECT 1 FROM idx_ref x1
  WHERE x1.pid = ? AND x1.target_id = r.res_id AND x1.target_type = r.res_type AND (x1.rid IN (SELECT x2.rid FROM idx_token x2
  WHERE x2.pid = ? AND ((x2.code = ? AND x2.system = ?))) OR 1 = 0))
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [Patient 6 7 8480-6 http://loinc.org 21]
