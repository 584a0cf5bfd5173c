-- Observation?subject=http://example.org/fhir/Patient/1&performer:Practitioner=9&subject:identifier=urn:x|1
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid
  FROM resources r JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  AND r.rid IN (SELECT x1.rid FROM idx_ref x1
  WHERE x1.pid = ? AND ((x1.target_id = ? AND x1.target_type = ?)))
  AND r.rid IN (SELECT x2.rid FROM idx_ref x2
  WHERE x2.pid = ? AND (((x2.target_id = ? AND x2.target_type = '') OR (x2.target_id = ? AND x2.target_type = ?))))
  AND r.rid IN (SELECT x3.rid FROM idx_token x3
  WHERE x3.pid = ? AND ((x3.code = ? AND x3.system = ?)))
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [Observation 23 9 Practitioner 7 http://example.org/fhir/Patient/1 1 Patient 24 1 urn:x 21]
