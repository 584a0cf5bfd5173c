-- Encounter?patient=p1&_include=Encounter:participant:Practitioner
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid
  FROM resources r JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  AND r.rid IN (SELECT x1.rid FROM idx_ref x1
  WHERE x1.pid = ? AND ((x1.target_id = ? AND x1.target_type <> '')))
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [Encounter 8 p1 21]
