package rest

import (
	"mime"
	"net/http"
	"strings"

	"github.com/yitong-health/yitong/fhir"
)

// format is how a response is rendered.
type format struct {
	pretty bool
	// contentType answered: application/fhir+json unless the client asked
	// for application/json.
	contentType string
}

const fhirJSON = "application/fhir+json"

// negotiate reads _format, _pretty and Accept. FHIR JSON is the only format:
// XML and anything else the client insists on is answered with 406.
func negotiate(r *http.Request) (format, error) {
	f := format{contentType: fhirJSON}
	q := r.URL.Query()
	f.pretty = q.Get("_pretty") == "true"
	if v := q.Get("_format"); v != "" {
		switch strings.TrimSpace(strings.Split(v, ";")[0]) {
		case "json", fhirJSON, "application/json":
			if v == "application/json" {
				f.contentType = "application/json"
			}
			return f, nil
		case "xml", "text/xml", "application/xml", "application/fhir+xml":
			return f, fhir.Errorf(fhir.IssueNotSupported, "_format=%s: this server speaks FHIR JSON only; use _format=json", v).WithStatus(http.StatusNotAcceptable)
		default:
			return f, fhir.Errorf(fhir.IssueNotSupported, "_format=%s is not a format this server offers (json)", v).WithStatus(http.StatusNotAcceptable)
		}
	}
	accept := r.Header.Get("Accept")
	if accept == "" {
		return f, nil
	}
	ok := false
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if params["q"] == "0" {
			continue
		}
		switch mt {
		case fhirJSON, "*/*", "application/*", "application/json-patch+json":
			ok = true
		case "application/json":
			if !ok {
				f.contentType = "application/json"
			}
			ok = true
		}
	}
	if !ok {
		return f, fhir.Errorf(fhir.IssueNotSupported, "Accept: %s — this server answers application/fhir+json (or application/json) only", accept).WithStatus(http.StatusNotAcceptable)
	}
	return f, nil
}

// acceptsNDJSON reports whether the Accept header admits NDJSON, the
// format of bulk export files (Bulk Data clients send
// Accept: application/fhir+ndjson when they download them).
func acceptsNDJSON(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || params["q"] == "0" {
			continue
		}
		switch mt {
		case "application/fhir+ndjson", "application/ndjson", "application/x-ndjson":
			return true
		}
	}
	return false
}

// bodyKind is what a request body is.
type bodyKind int

const (
	bodyResource bodyKind = iota
	bodyJSONPatch
)

// checkContentType checks a write's Content-Type against what it may be.
// A missing Content-Type is read as FHIR JSON.
func checkContentType(r *http.Request, want bodyKind) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		if want == bodyJSONPatch {
			return fhir.Errorf(fhir.IssueNotSupported, "PATCH needs Content-Type: application/json-patch+json").WithStatus(http.StatusUnsupportedMediaType)
		}
		return nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fhir.Errorf(fhir.IssueNotSupported, "Content-Type %q cannot be parsed", ct).WithStatus(http.StatusUnsupportedMediaType)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return fhir.Errorf(fhir.IssueNotSupported, "charset %q: FHIR JSON is UTF-8", cs).WithStatus(http.StatusUnsupportedMediaType)
	}
	switch want {
	case bodyJSONPatch:
		if mt == "application/json-patch+json" {
			return nil
		}
		if mt == "application/fhir+xml" || strings.HasSuffix(mt, "/xml") {
			return fhir.Errorf(fhir.IssueNotSupported, "Content-Type %s: XML is not supported; patches are JSON Patch (application/json-patch+json)", mt).WithStatus(http.StatusUnsupportedMediaType)
		}
		return fhir.Errorf(fhir.IssueNotSupported, "Content-Type %s: patches are JSON Patch (application/json-patch+json)", mt).WithStatus(http.StatusUnsupportedMediaType)
	default:
		switch mt {
		case fhirJSON, "application/json":
			return nil
		case "application/fhir+xml", "application/xml", "text/xml":
			return fhir.Errorf(fhir.IssueNotSupported, "Content-Type %s: this server accepts FHIR JSON only (application/fhir+json)", mt).WithStatus(http.StatusUnsupportedMediaType)
		}
		return fhir.Errorf(fhir.IssueNotSupported, "Content-Type %s is not accepted; send application/fhir+json", mt).WithStatus(http.StatusUnsupportedMediaType)
	}
}

// preferReturn reads Prefer: return=…; the default is representation.
func preferReturn(r *http.Request, def string) string {
	for _, p := range strings.Split(r.Header.Get("Prefer"), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.TrimSpace(k) == "return" {
			switch v = strings.Trim(strings.TrimSpace(v), `"`); v {
			case "minimal", "representation", "OperationOutcome":
				return v
			}
		}
	}
	return def
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
