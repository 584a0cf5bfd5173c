-- Patient?family=Wang&given=Fang&birthdate=1990-03-07
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid FROM (SELECT DISTINCT x2.rid AS rid FROM idx_string x2
  WHERE x2.pid = ? AND (x2.value >= ? AND x2.value < ?)) m1 CROSS JOIN resources r ON r.rid = m1.rid JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0 AND EXISTS (SELECT 1 FROM idx_date x3
  WHERE x3.rid = r.rid AND x3.pid = ? AND ((x3.lo >= ? AND x3.hi <= ?))) AND EXISTS (SELECT 1 FROM idx_string x4
  WHERE x4.rid = r.rid AND x4.pid = ? AND (x4.value >= ? AND x4.value < ?))
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [2 wang wang􏿿 Patient 3 636739200000000 636825599999999 4 fang fang􏿿 21]
