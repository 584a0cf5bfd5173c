-- ?_type=Patient,Practitioner&_tag=urn:t|x
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid
  FROM resources r JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type IN (?, ?)
  AND r.deleted = 0
  AND r.rid IN (SELECT x1.rid FROM idx_token x1
  WHERE x1.pid IN (?, ?) AND ((x1.code = ? AND x1.system = ?)))
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [Patient Practitioner 21 22 x urn:t 21]
