-- ValueSet?url:below=http://hl7.org/fhir/ValueSet&reference:above=http://hl7.org/fhir/ValueSet/x/y
SELECT v.seq, v.res_type, v.res_id, v.version_id, v.last_updated, v.method, v.deleted, v.body, r.rid
  FROM resources r JOIN resource_versions v ON v.seq = r.seq
  WHERE r.res_type = ?
  AND r.deleted = 0
  AND r.rid IN (SELECT x1.rid FROM idx_uri x1
  WHERE x1.pid = ? AND (x1.uri IN (?, ?, ?, ?, ?)))
  AND r.rid IN (SELECT x2.rid FROM idx_uri x2
  WHERE x2.pid = ? AND (x2.uri >= ? AND x2.uri < ?))
  ORDER BY r.rid ASC
  LIMIT ?;
-- args: [ValueSet 19 http://hl7.org/fhir/ValueSet/x/y http://hl7.org/fhir/ValueSet/x http://hl7.org/fhir/ValueSet http://hl7.org/fhir http://hl7.org 20 http://hl7.org/fhir/ValueSet http://hl7.org/fhir/ValueSet􏿿 21]
