-- Patient?family=Wang&given=Fang&birthdate=1990-03-07
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid
  FROM resources r JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  AND r.rid IN (SELECT x1.rid FROM idx_date x1
  WHERE x1.pid = ? AND ((x1.lo >= ? AND x1.hi <= ?)))
  AND r.rid IN (SELECT x2.rid FROM idx_string x2
  WHERE x2.pid = ? AND (x2.value >= ? AND x2.value < ?))
  AND r.rid IN (SELECT x3.rid FROM idx_string x3
  WHERE x3.pid = ? AND (x3.value >= ? AND x3.value < ?))
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [Patient 2 636739200000000 636825599999999 3 wang wang􏿿 4 fang fang􏿿 21]
