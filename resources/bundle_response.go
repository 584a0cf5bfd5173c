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

// BundleResponse is the outcome of a batch or transaction.
type BundleResponse struct {
	kind string
	ops  []*op
	errs map[*op]error
}

// Written counts the entries that stored a new version (creates, updates,
// patches and deletes; not reads, matched conditional creates or deletes of
// deleted resources).
func (b *BundleResponse) Written() int {
	n := 0
	for _, o := range b.ops {
		if _, failed := b.errs[o]; failed || o.method == "GET" || o.method == "HEAD" || o.result.Unchanged || o.result.Version.VersionID == 0 {
			continue
		}
		n++
	}
	return n
}

// Failure is a failed entry of a batch.
type Failure struct {
	Index int
	Err   error
}

// Failures lists the failed entries of a batch, in entry order.
func (b *BundleResponse) Failures() []Failure {
	var out []Failure
	for _, o := range b.ops {
		if err, failed := b.errs[o]; failed {
			out = append(out, Failure{Index: o.index, Err: err})
		}
	}
	return out
}

// Bundle renders the response Bundle. ret says whether the entries of
// writes carry the stored resources (representation) or an OperationOutcome
// (OperationOutcome) or neither (minimal); warnings are given in
// response.outcome whatever ret says. GET entries always carry the resource
// read; failed batch entries carry the error's OperationOutcome.
func (b *BundleResponse) Bundle(ret Return) map[string]any {
	entries := make([]any, len(b.ops))
	for i, o := range b.ops {
		if err, failed := b.errs[o]; failed {
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
		read := o.method == "GET" || o.method == "HEAD"
		switch {
		case read:
			if r.Resource != nil && o.method == "GET" {
				entry["resource"] = r.Resource
			}
		case ret == ReturnRepresentation && r.Resource != nil:
			entry["resource"] = r.Resource
		}
		if !read && (ret == ReturnOperationOutcome || len(r.Issues) > 0) {
			resp["outcome"] = fhir.OperationOutcome(r.Issues)
		}
		entries[i] = entry
	}
	return map[string]any{"resourceType": "Bundle", "type": b.kind, "entry": entries}
}
