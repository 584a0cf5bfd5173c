-- Observation?subject=Patient/p1&code=http://loinc.org|8480-6&date=ge2020-01-01&date=lt2021&_sort=-date
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, (SELECT MAX(o.hi) FROM idx_date o
  WHERE o.rid = r.rid AND o.pid = ?), r.rid
  FROM resources r JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  AND r.rid IN (SELECT x1.rid FROM idx_token x1
  WHERE x1.pid = ? AND ((x1.code = ? AND x1.system = ?)))
  AND r.rid IN (SELECT x2.rid FROM idx_date x2
  WHERE x2.pid = ? AND ((x2.hi > ? OR (x2.lo >= ? AND x2.hi <= ?))))
  AND r.rid IN (SELECT x3.rid FROM idx_date x3
  WHERE x3.pid = ? AND (x3.lo < ?))
  AND r.rid IN (SELECT x4.rid FROM idx_ref x4
  WHERE x4.pid = ? AND ((x4.target_id = ? AND x4.target_type = ?)))
  ORDER BY (SELECT MAX(o.hi) FROM idx_date o
  WHERE o.rid = r.rid AND o.pid = ?) DESC NULLS LAST, r.rid ASC
  LIMIT ?;
-- args: [5 Observation 6 8480-6 http://loinc.org 5 1577894399999999 1577808000000000 1577894399999999 5 1609430400000000 7 p1 Patient 5 21]
