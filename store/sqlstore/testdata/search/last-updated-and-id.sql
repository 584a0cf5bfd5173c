-- Patient?_lastUpdated=sa2026-01-01T00:00:00Z&_id=a,b
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid
  FROM resources r JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  AND r.res_id IN (?, ?) AND (r.last_updated > ?)
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [Patient a b 1767225600999999 21]
