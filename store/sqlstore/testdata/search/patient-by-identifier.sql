-- Patient?identifier=urn:oid:1.2.156|110101199003077777
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid FROM (SELECT x2.rid AS rid FROM idx_token x2
  WHERE x2.pid = ? AND ((x2.code = ? AND x2.system = ?))) m1 CROSS JOIN resources r ON r.rid = m1.rid JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  ORDER BY m1.rid ASC
  LIMIT ?;
-- args: [1 110101199003077777 urn:oid:1.2.156 Patient 21]
