package search

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/yitong-health/yitong/fhir"
)

// maxEcho is the most bytes of a user's value or parameter name that an
// error message repeats.
const maxEcho = 100

// clip returns s quoted for a message, cut to maxEcho bytes (at a rune
// boundary) with "..." appended when it was longer.
func clip(s string) string {
	if len(s) <= maxEcho {
		return strconv.Quote(s)
	}
	return strconv.Quote(truncate(s)) + "..."
}

// truncate cuts s to at most maxEcho bytes at a rune boundary.
func truncate(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	n := maxEcho
	for i := 0; i < utf8.UTFMax-1 && !utf8.RuneStart(s[n]); i++ {
		n--
	}
	return s[:n]
}

// paramError returns an *fhir.Error of the given code whose diagnostics name
// the parameter: `parameter "birthdate": <message>`.
func paramError(code fhir.IssueType, name string, format string, args ...any) *fhir.Error {
	return fhir.Errorf(code, "parameter %s: %s", clip(name), fmt.Sprintf(format, args...))
}

// invalid is paramError with fhir.IssueInvalid.
func invalid(name string, format string, args ...any) *fhir.Error {
	return paramError(fhir.IssueInvalid, name, format, args...)
}
