-- Observation?value-quantity=gt5.4|http://unitsofmeasure.org|mg&_sort=value-quantity
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, (SELECT MIN(o.value) FROM idx_quantity o
  WHERE o.rid = r.rid AND o.pid = ?), r.rid FROM (SELECT DISTINCT x2.rid AS rid FROM idx_quantity x2
  WHERE x2.pid = ? AND (x2.system = ? AND x2.code = ? AND x2.value > ?)) m1 CROSS JOIN resources r ON r.rid = m1.rid JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  ORDER BY (SELECT MIN(o.value) FROM idx_quantity o
  WHERE o.rid = r.rid AND o.pid = ?) ASC NULLS LAST, r.rid ASC
  LIMIT ?;
-- args: [18 18 http://unitsofmeasure.org mg 5.4 Observation 18 21]
