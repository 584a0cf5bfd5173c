-- Observation?subject=http://example.org/fhir/Patient/1&performer:Practitioner=9&subject:identifier=urn:x|1
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid FROM (SELECT DISTINCT x2.rid AS rid FROM idx_ref x2
  WHERE x2.pid = ? AND ((x2.target_id = ? AND x2.target_type = ?))) m1 CROSS JOIN resources r ON r.rid = m1.rid JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0 AND EXISTS (SELECT 1 FROM idx_ref x3
  WHERE x3.rid = r.rid AND x3.pid = ? AND ((x3.target_id = ? AND x3.target_type = ''))) AND EXISTS (SELECT 1 FROM idx_token x4
  WHERE x4.rid = r.rid AND x4.pid = ? AND ((x4.code = ? AND x4.system = ?)))
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [23 9 Practitioner Observation 6 http://example.org/fhir/Patient/1 24 1 urn:x 21]
