-- Patient?identifier=urn:oid:1.2.156|110101199003077777
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid
  FROM resources r JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  AND r.rid IN (SELECT x1.rid FROM idx_token x1
  WHERE x1.pid = ? AND ((x1.code = ? AND x1.system = ?)))
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [Patient 1 110101199003077777 urn:oid:1.2.156 21]
