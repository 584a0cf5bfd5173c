package fhir

import (
	"errors"
	"fmt"
	"strings"
)

// IssueType is an OperationOutcome issue code (http://hl7.org/fhir/issue-type).
// It is the one small set of error codes used across Yitong; the REST layer maps
// each to an HTTP status in exactly one place.
type IssueType string

// Issue types used by Yitong.
const (
	IssueInvalid      IssueType = "invalid"       // 400: the content is not valid
	IssueStructure    IssueType = "structure"     // 400: malformed JSON or structure
	IssueRequired     IssueType = "required"      // 400: a required element is missing
	IssueValue        IssueType = "value"         // 400: an element value is wrong
	IssueInvariant    IssueType = "invariant"     // 400: a constraint failed
	IssueCodeInvalid  IssueType = "code-invalid"  // 400: a code is not in the bound ValueSet
	IssueNotSupported IssueType = "not-supported" // 400/405/406/415 depending on context
	IssueNotFound     IssueType = "not-found"     // 404
	IssueDeleted      IssueType = "deleted"       // 410
	IssueConflict     IssueType = "conflict"      // 409 (412 when a precondition failed)
	IssueDuplicate    IssueType = "duplicate"     // 412 for multiple matches
	IssueMultiple     IssueType = "multiple-matches"
	IssueTooLong      IssueType = "too-long" // 413
	IssueTooCostly    IssueType = "too-costly"
	IssueForbidden    IssueType = "forbidden" // 403
	IssueSecurity     IssueType = "security"  // 401
	IssueProcessing   IssueType = "processing"
	IssueBusinessRule IssueType = "business-rule" // 422 where the caller sets it: a rule of the server refuses
	IssueException    IssueType = "exception"     // 500: never shown with details
	IssueInformation  IssueType = "informational"
)

// Severity is an OperationOutcome issue severity.
type Severity string

// Severities.
const (
	SeverityFatal       Severity = "fatal"
	SeverityError       Severity = "error"
	SeverityWarning     Severity = "warning"
	SeverityInformation Severity = "information"
)

// Issue is one entry of an OperationOutcome.
type Issue struct {
	Severity    Severity
	Code        IssueType
	Diagnostics string
	// Expression lists FHIRPath locations of the problem, e.g.
	// "Patient.name[0].given[1]".
	Expression []string
}

// Error is the error type returned by every layer of Yitong for a problem the
// caller can understand. Status, when non-zero, overrides the HTTP status the
// REST layer would derive from the first issue's code (for instance 412 for a
// failed If-Match precondition).
type Error struct {
	Status int
	Issues []Issue
}

// Error implements error.
func (e *Error) Error() string {
	parts := make([]string, 0, len(e.Issues))
	for _, is := range e.Issues {
		s := string(is.Code) + ": " + is.Diagnostics
		if len(is.Expression) > 0 {
			s += " (at " + strings.Join(is.Expression, ", ") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// Code returns the code of the first error issue, or IssueException.
func (e *Error) Code() IssueType {
	for _, is := range e.Issues {
		if is.Severity == SeverityError || is.Severity == SeverityFatal {
			return is.Code
		}
	}
	if len(e.Issues) > 0 {
		return e.Issues[0].Code
	}
	return IssueException
}

// Errorf returns an *Error with one error issue.
func Errorf(code IssueType, format string, args ...any) *Error {
	return &Error{Issues: []Issue{{Severity: SeverityError, Code: code, Diagnostics: fmt.Sprintf(format, args...)}}}
}

// ErrorAt returns an *Error with one error issue located at the FHIRPath expr.
func ErrorAt(code IssueType, expr string, format string, args ...any) *Error {
	e := Errorf(code, format, args...)
	e.Issues[0].Expression = []string{expr}
	return e
}

// WithStatus sets the HTTP status that overrides the default mapping and
// returns e.
func (e *Error) WithStatus(status int) *Error {
	e.Status = status
	return e
}

// AsError returns the *Error inside err, if there is one.
func AsError(err error) (*Error, bool) {
	var fe *Error
	if errors.As(err, &fe) {
		return fe, true
	}
	return nil, false
}

// CodeOf returns the issue type of err: the code of an *Error inside it, or
// IssueException for any other error (an internal fault).
func CodeOf(err error) IssueType {
	if fe, ok := AsError(err); ok {
		return fe.Code()
	}
	return IssueException
}

// HasErrors reports whether issues contain an error or fatal issue.
func HasErrors(issues []Issue) bool {
	for _, is := range issues {
		if is.Severity == SeverityError || is.Severity == SeverityFatal {
			return true
		}
	}
	return false
}

// OperationOutcome renders issues as an OperationOutcome resource.
func OperationOutcome(issues []Issue) map[string]any {
	list := make([]any, 0, len(issues))
	for _, is := range issues {
		m := map[string]any{
			"severity": string(is.Severity),
			"code":     string(is.Code),
		}
		if is.Diagnostics != "" {
			m["diagnostics"] = is.Diagnostics
		}
		if len(is.Expression) > 0 {
			ex := make([]any, len(is.Expression))
			for i, x := range is.Expression {
				ex[i] = x
			}
			m["expression"] = ex
		}
		list = append(list, m)
	}
	if len(list) == 0 {
		list = append(list, map[string]any{"severity": "information", "code": "informational", "diagnostics": "ok"})
	}
	return map[string]any{"resourceType": "OperationOutcome", "issue": list}
}
