-- Patient?_text=高血压,fever&_content=50%25_x&gender=female
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid FROM (SELECT DISTINCT x2.rid AS rid FROM idx_token x2
  WHERE x2.pid = ? AND (x2.code = ?)) m1 CROSS JOIN resources r ON r.rid = m1.rid JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0 AND EXISTS (SELECT 1 FROM idx_string x3
  WHERE x3.rid = r.rid AND x3.pid IN (?, ?) AND (x3.value LIKE ? ESCAPE '\')) AND EXISTS (SELECT 1 FROM idx_string x4
  WHERE x4.rid = r.rid AND x4.pid = ? AND (x4.value LIKE ? ESCAPE '\' OR x4.value LIKE ? ESCAPE '\'))
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [16 female Patient 25 26 %50\%\_x% 26 %高血压% %fever% 21]
