package resources

import (
	"strconv"
	"time"

	"github.com/yitong-health/yitong/fhir"
)

// instantFormat is how Yitong writes FHIR instants: UTC, microseconds.
const instantFormat = "2006-01-02T15:04:05.000000Z07:00"

// FormatInstant formats t as a FHIR instant in UTC.
func FormatInstant(t time.Time) string { return t.UTC().Format(instantFormat) }

// stamp sets id, meta.versionId and meta.lastUpdated on res, keeping the
// caller's other meta elements (profile, tag, security, source).
func stamp(res map[string]any, id string, vid int64, at time.Time) {
	res["id"] = id
	meta, _ := res["meta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		res["meta"] = meta
	}
	meta["versionId"] = strconv.FormatInt(vid, 10)
	meta["lastUpdated"] = FormatInstant(at)
}

// typeOf returns res.resourceType, checked against the known types.
func (s *Service) typeOf(res map[string]any) (string, error) {
	rt, ok := res["resourceType"].(string)
	if !ok || rt == "" {
		return "", fhir.ErrorAt(fhir.IssueRequired, "resourceType", "the resource has no resourceType")
	}
	if !s.opts.IsResourceType(rt) {
		return "", fhir.ErrorAt(fhir.IssueNotSupported, "resourceType", "%q is not a FHIR R4 resource type", rt)
	}
	return rt, nil
}

// validate runs the validator and returns an *Error when it reports errors;
// warnings are returned to be passed on.
func (s *Service) validate(res map[string]any) ([]fhir.Issue, error) {
	issues := s.opts.Validate(res)
	if fhir.HasErrors(issues) {
		return nil, &fhir.Error{Issues: issues}
	}
	return issues, nil
}
