-- Observation?value-quantity=gt5.4|http://unitsofmeasure.org|mg&_sort=value-quantity
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, (SELECT MIN(o.value) FROM idx_quantity o
  WHERE o.rid = r.rid AND o.pid = ?), r.rid
  FROM resources r JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  AND r.rid IN (SELECT x1.rid FROM idx_quantity x1
  WHERE x1.pid = ? AND (x1.system = ? AND x1.code = ? AND x1.value > ?))
  ORDER BY (SELECT MIN(o.value) FROM idx_quantity o
  WHERE o.rid = r.rid AND o.pid = ?) ASC NULLS LAST, r.rid ASC
  LIMIT ?;
-- args: [18 Observation 18 http://unitsofmeasure.org mg 5.4 18 21]
