package resources

import (
	"net/http"

	"github.com/yitong-health/yitong/fhir"
)

// StatusOf maps an error to the HTTP status the REST API answers with; it is
// the one place where issue codes become statuses.
func StatusOf(err error) int {
	fe, ok := fhir.AsError(err)
	if !ok {
		return http.StatusInternalServerError
	}
	if fe.Status != 0 {
		return fe.Status
	}
	switch fe.Code() {
	case fhir.IssueNotFound:
		return http.StatusNotFound
	case fhir.IssueDeleted:
		return http.StatusGone
	case fhir.IssueConflict:
		return http.StatusConflict
	case fhir.IssueDuplicate, fhir.IssueMultiple:
		return http.StatusPreconditionFailed
	case fhir.IssueTooLong:
		return http.StatusRequestEntityTooLarge
	case fhir.IssueForbidden:
		return http.StatusForbidden
	case fhir.IssueSecurity:
		return http.StatusUnauthorized
	case fhir.IssueException:
		return http.StatusInternalServerError
	case fhir.IssueInvariant, fhir.IssueValue, fhir.IssueRequired, fhir.IssueStructure, fhir.IssueInvalid, fhir.IssueCodeInvalid:
		return http.StatusBadRequest
	}
	return http.StatusBadRequest
}

// PublicIssues returns the issues to show for err: its own for an *Error,
// a generic internal error otherwise (details are logged, never leaked).
func PublicIssues(err error) []fhir.Issue {
	if fe, ok := fhir.AsError(err); ok {
		return fe.Issues
	}
	return []fhir.Issue{{Severity: fhir.SeverityError, Code: fhir.IssueException, Diagnostics: "internal error; the server log has the details under this request's id"}}
}
