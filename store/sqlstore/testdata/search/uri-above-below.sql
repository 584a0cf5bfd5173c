-- ValueSet?url:below=http://hl7.org/fhir/ValueSet&reference:above=http://hl7.org/fhir/ValueSet/x/y
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid FROM (SELECT DISTINCT x2.rid AS rid FROM idx_uri x2
  WHERE x2.pid = ? AND (x2.uri >= ? AND x2.uri < ?)) m1 CROSS JOIN resources r ON r.rid = m1.rid JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0 AND EXISTS (SELECT 1 FROM idx_uri x3
  WHERE x3.rid = r.rid AND x3.pid = ? AND (x3.uri IN (?, ?, ?, ?, ?)))
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [19 http://hl7.org/fhir/ValueSet http://hl7.org/fhir/ValueSet􏿿 ValueSet 20 http://hl7.org/fhir/ValueSet/x/y http://hl7.org/fhir/ValueSet/x http://hl7.org/fhir/ValueSet http://hl7.org/fhir http://hl7.org 21]
