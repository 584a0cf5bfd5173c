-- Patient?name:exact=Wang&address:contains=50%25&name:missing=false
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid
  FROM resources r JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  AND r.rid IN (SELECT x1.rid FROM idx_string x1
  WHERE x1.pid = ? AND (x1.value LIKE ? ESCAPE '\'))
  AND r.rid IN (SELECT x2.rid FROM idx_string x2
  WHERE x2.pid = ? AND (x2.value = ? AND x2.exact = ?))
  AND r.rid IN (SELECT x3.rid FROM idx_string x3
  WHERE x3.pid = ?)
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [Patient 13 %50\%% 14 wang Wang 14 21]
