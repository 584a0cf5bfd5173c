package rest

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
)

// writeJSON writes a FHIR JSON body with status.
func writeJSON(w http.ResponseWriter, f format, status int, v any) {
	var body []byte
	if f.pretty {
		body = fhir.MarshalIndent(v)
	} else {
		body = fhir.Marshal(v)
	}
	ct := f.contentType
	if ct == "" {
		ct = fhirJSON
	}
	w.Header().Set("Content-Type", ct+"; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body) // a failed write means the client went away; nothing to do
}

// writeError renders err as an OperationOutcome with its status.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	f, _ := negotiate(r)
	h.writeErrorFmt(w, r, f, err)
}

func (h *Handler) writeErrorFmt(w http.ResponseWriter, r *http.Request, f format, err error) {
	if tl := tooLarge(err); tl != nil {
		err = tl
	}
	status := resources.StatusOf(err)
	if status == http.StatusUnauthorized {
		// RFC 6750: tell the client how to authenticate.
		challenge := `Bearer realm="yitong"`
		if r.Header.Get("Authorization") != "" {
			challenge += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
	}
	writeJSON(w, f, status, fhir.OperationOutcome(resources.PublicIssues(err)))
}

// tooLarge returns the 413 error for a body that exceeded the limit (an
// *http.MaxBytesError inside err), or nil.
func tooLarge(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fhir.Errorf(fhir.IssueTooLong, "the request body exceeds the limit of %d bytes", mbe.Limit).WithStatus(http.StatusRequestEntityTooLarge)
	}
	return nil
}

// readBody reads the (size-limited) request body. A body over the limit is
// a too-long error (413), not an internal one.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		if tl := tooLarge(err); tl != nil {
			return nil, tl
		}
		return nil, fhir.Errorf(fhir.IssueStructure, "the request body could not be read: %v", err)
	}
	if len(b) == 0 {
		return nil, fhir.Errorf(fhir.IssueStructure, "the request body is empty")
	}
	return b, nil
}

// readResource reads and decodes a FHIR JSON request body.
func (h *Handler) readResource(r *http.Request) (map[string]any, error) {
	if err := checkContentType(r, bodyResource); err != nil {
		return nil, err
	}
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	return fhir.Decode(b, h.cfg.Service.Limits().MaxDepth)
}

// writeResult answers a successful interaction: status, ETag,
// Last-Modified, Location for writes, and the body Prefer asks for.
func (h *Handler) writeResult(w http.ResponseWriter, r *http.Request, c *call, status int, res resources.Result, location bool) {
	v := res.Version
	if v.VersionID > 0 {
		w.Header().Set("ETag", resources.ETag(v.VersionID))
		w.Header().Set("Last-Modified", v.LastUpdated.UTC().Format(http.TimeFormat))
	}
	if location && v.VersionID > 0 {
		w.Header().Set("Location", baseURL(r)+"/"+resources.Location(res))
	}
	switch preferReturn(r, "representation") {
	case "minimal":
		w.WriteHeader(status)
	case "OperationOutcome":
		issues := res.Issues
		if len(issues) == 0 {
			issues = []fhir.Issue{{Severity: fhir.SeverityInformation, Code: fhir.IssueInformation, Diagnostics: "ok: " + resources.Location(res)}}
		}
		writeJSON(w, c.fmt, status, fhir.OperationOutcome(issues))
	default:
		if res.Resource == nil {
			w.WriteHeader(status)
			return
		}
		writeJSON(w, c.fmt, status, res.Resource)
	}
}

// baseURL is the FHIR base URL of this request, e.g. http://host/fhir.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/fhir"
}
