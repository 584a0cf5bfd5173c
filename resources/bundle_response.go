package resources

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/yitong-health/yitong/fhir"
)

// Location returns "Type/id/_history/v" for a result.
func Location(r Result) string {
	return fmt.Sprintf("%s/%s/_history/%d", r.Version.Type, r.Version.ID, r.Version.VersionID)
}

// ETag returns the weak ETag of a version.
func ETag(vid int64) string { return `W/"` + strconv.FormatInt(vid, 10) + `"` }

// StatusLine returns the status of a bundle response entry, e.g. "201 Created".
func StatusLine(code int) string { return strconv.Itoa(code) + " " + http.StatusText(code) }

// WriteStatus is the HTTP status of a successful interaction's result.
func WriteStatus(method string, r Result) int {
	switch {
	case method == "DELETE":
		return http.StatusNoContent
	case r.Created:
		return http.StatusCreated
	}
	return http.StatusOK
}

func responseBundle(kind string, ops []*op, ret Return, errs map[*op]error) map[string]any {
	entries := make([]any, len(ops))
	for i, o := range ops {
		if err, failed := errs[o]; failed {
			entries[i] = map[string]any{"response": map[string]any{
				"status":  StatusLine(StatusOf(err)),
				"outcome": fhir.OperationOutcome(PublicIssues(err)),
			}}
			continue
		}
		r := o.result
		resp := map[string]any{"status": StatusLine(WriteStatus(o.method, r))}
		if r.Version.VersionID > 0 && !(o.method == "DELETE" && r.Version.Deleted && r.Unchanged) {
			resp["location"] = Location(r)
			resp["etag"] = ETag(r.Version.VersionID)
			resp["lastModified"] = FormatInstant(r.Version.LastUpdated)
		}
		entry := map[string]any{"response": resp}
		if o.fullURL != "" && o.method == "POST" {
			entry["fullUrl"] = o.fullURL
		}
		switch {
		case o.method == "GET" || o.method == "HEAD":
			if r.Resource != nil && o.method == "GET" {
				entry["resource"] = r.Resource
			}
		case ret == ReturnRepresentation && r.Resource != nil:
			entry["resource"] = r.Resource
		case ret == ReturnOperationOutcome || len(r.Issues) > 0:
			resp["outcome"] = fhir.OperationOutcome(r.Issues)
		}
		entries[i] = entry
	}
	return map[string]any{"resourceType": "Bundle", "type": kind, "entry": entries}
}
