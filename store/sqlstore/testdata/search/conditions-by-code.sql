-- Condition?code=http://snomed.info/sct|44054006,http://snomed.info/sct|73211009
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid FROM (SELECT DISTINCT x2.rid AS rid FROM idx_token x2
  WHERE x2.pid = ? AND ((x2.code = ? AND x2.system = ?) OR (x2.code = ? AND x2.system = ?))) m1 CROSS JOIN resources r ON r.rid = m1.rid JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [9 44054006 http://snomed.info/sct 73211009 http://snomed.info/sct Condition 21]
