-- Observation?subject=Patient/p1&code=http://loinc.org|8480-6&date=ge2020-01-01&date=lt2021&_sort=-date
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, (SELECT MAX(o.hi) FROM idx_date o
  WHERE o.rid = r.rid AND o.pid = ?), r.rid FROM (SELECT x2.rid AS rid FROM idx_ref x2
  WHERE x2.pid = ? AND ((x2.target_id = ? AND x2.target_type = ?))) m1 CROSS JOIN resources r ON r.rid = m1.rid JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0 AND EXISTS (SELECT 1 FROM idx_token x3
  WHERE x3.rid = r.rid AND x3.pid = ? AND ((x3.code = ? AND x3.system = ?))) AND EXISTS (SELECT 1 FROM idx_date x4
  WHERE x4.rid = r.rid AND x4.pid = ? AND ((x4.hi > ? OR (x4.lo >= ? AND x4.hi <= ?)))) AND EXISTS (SELECT 1 FROM idx_date x5
  WHERE x5.rid = r.rid AND x5.pid = ? AND (x5.lo < ?))
  ORDER BY (SELECT MAX(o.hi) FROM idx_date o
  WHERE o.rid = r.rid AND o.pid = ?) DESC NULLS LAST, m1.rid ASC
  LIMIT ?;
-- args: [5 6 p1 Patient Observation 7 8480-6 http://loinc.org 5 1577894399999999 1577808000000000 1577894399999999 5 1609430400000000 5 21]
