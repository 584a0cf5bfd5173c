package resources

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// op is one parsed entry of a batch or transaction bundle.
type op struct {
	index       int
	method      string // GET, HEAD, POST, PUT, PATCH, DELETE
	typ         string
	id          string // from the URL (read, vread, update, patch, delete)
	vid         string // vread
	history     bool   // GET …/_history
	query       string // conditional criteria from the URL
	fullURL     string
	resource    map[string]any
	patch       []byte
	ifMatch     int64
	ifNoneExist string

	// Filled in while processing a transaction.
	newID  string        // id assigned to a POST entry
	prev   store.Version // a PUT target's current version, read before any write
	target string        // "Type/id" the entry's write resolves to
	skip   bool          // conditional create matched an existing resource
	issues []fhir.Issue  // the validator's warnings (POST and PUT)
	prep   *prepared     // a POST or PUT entry made ready for writing
	result Result
}

func entryErr(i int, err error) error {
	fe, ok := fhir.AsError(err)
	if !ok {
		return err
	}
	out := &fhir.Error{Status: fe.Status}
	for _, is := range fe.Issues {
		is.Diagnostics = fmt.Sprintf("Bundle.entry[%d]: %s", i, is.Diagnostics)
		if len(is.Expression) > 0 {
			// A new slice: the issue's own is shared with err.
			ex := make([]string, len(is.Expression))
			for k, e := range is.Expression {
				ex[k] = fmt.Sprintf("Bundle.entry[%d].resource.%s", i, e)
			}
			is.Expression = ex
		}
		out.Issues = append(out.Issues, is)
	}
	return out
}

// parseEntries checks the bundle's shape and parses its entries.
func (s *Service) parseEntries(bundle map[string]any, kind string) ([]*op, error) {
	if rt, _ := bundle["resourceType"].(string); rt != "Bundle" {
		return nil, fhir.ErrorAt(fhir.IssueInvalid, "resourceType", "a %s must be a Bundle, not %q", kind, rt)
	}
	if t, _ := bundle["type"].(string); t != kind {
		return nil, fhir.ErrorAt(fhir.IssueInvalid, "Bundle.type", "Bundle.type is %q; expected %q", t, kind)
	}
	var raw []any
	if e, ok := bundle["entry"]; ok {
		if raw, ok = e.([]any); !ok {
			return nil, fhir.ErrorAt(fhir.IssueStructure, "Bundle.entry", "Bundle.entry must be an array")
		}
	}
	if len(raw) > s.limits.MaxBundleEntries {
		return nil, fhir.Errorf(fhir.IssueTooCostly, "the bundle has %d entries; the limit is %d", len(raw), s.limits.MaxBundleEntries).WithStatus(413)
	}
	ops := make([]*op, 0, len(raw))
	for i, x := range raw {
		o, err := s.parseEntry(i, x)
		if err != nil {
			return nil, err
		}
		ops = append(ops, o)
	}
	return ops, nil
}

func (s *Service) parseEntry(i int, x any) (*op, error) {
	at := func(el string) string { return fmt.Sprintf("Bundle.entry[%d].%s", i, el) }
	e, ok := x.(map[string]any)
	if !ok {
		return nil, fhir.ErrorAt(fhir.IssueStructure, at(""), "entry %d is not an object", i)
	}
	req, ok := e["request"].(map[string]any)
	if !ok {
		return nil, fhir.ErrorAt(fhir.IssueRequired, at("request"), "entry %d has no request", i)
	}
	o := &op{index: i}
	o.method, _ = req["method"].(string)
	rawURL, _ := req["url"].(string)
	o.fullURL, _ = e["fullUrl"].(string)
	if rawURL == "" {
		return nil, fhir.ErrorAt(fhir.IssueRequired, at("request.url"), "entry %d has no request.url", i)
	}
	if res, ok := e["resource"]; ok {
		if o.resource, ok = res.(map[string]any); !ok {
			return nil, fhir.ErrorAt(fhir.IssueStructure, at("resource"), "entry %d: resource must be an object", i)
		}
	}
	if v, ok := req["ifMatch"].(string); ok {
		n, err := ParseETag(v)
		if err != nil {
			return nil, fhir.ErrorAt(fhir.IssueInvalid, at("request.ifMatch"), "entry %d: %v", i, err)
		}
		o.ifMatch = n
	}
	o.ifNoneExist, _ = req["ifNoneExist"].(string)
	if err := s.parseEntryURL(o, rawURL); err != nil {
		return nil, entryErr(i, err)
	}
	switch o.method {
	case "POST", "PUT":
		if o.resource == nil {
			return nil, fhir.ErrorAt(fhir.IssueRequired, at("resource"), "entry %d: %s needs a resource", i, o.method)
		}
		if rt, _ := o.resource["resourceType"].(string); rt != o.typ {
			return nil, fhir.ErrorAt(fhir.IssueInvalid, at("resource.resourceType"), "entry %d: the resource is a %q but request.url names %s", i, rt, o.typ)
		}
		if o.method == "POST" && (o.id != "" || o.query != "") {
			return nil, fhir.ErrorAt(fhir.IssueInvalid, at("request.url"), "entry %d: POST goes to the type (%q)", i, rawURL)
		}
		if o.method == "PUT" && o.id == "" && o.query == "" {
			return nil, fhir.ErrorAt(fhir.IssueInvalid, at("request.url"), "entry %d: PUT needs Type/id or Type?criteria (%q)", i, rawURL)
		}
	case "PATCH":
		p, err := patchFromBinary(o.resource)
		if err != nil {
			return nil, fhir.ErrorAt(fhir.IssueInvalid, at("resource"), "entry %d: %v", i, err)
		}
		o.patch = p
		if o.id == "" && o.query == "" {
			return nil, fhir.ErrorAt(fhir.IssueInvalid, at("request.url"), "entry %d: PATCH needs Type/id or Type?criteria", i)
		}
	case "DELETE":
		if o.id == "" && o.query == "" {
			return nil, fhir.ErrorAt(fhir.IssueNotSupported, at("request.url"), "entry %d: DELETE needs Type/id or Type?criteria", i)
		}
	case "GET", "HEAD":
		if o.query != "" || (o.id == "" && !o.history) {
			return nil, fhir.ErrorAt(fhir.IssueNotSupported, at("request.url"), "entry %d: searches inside bundles are not supported yet; use read, vread or history (%q)", i, rawURL)
		}
	default:
		return nil, fhir.ErrorAt(fhir.IssueInvalid, at("request.method"), "entry %d: request.method %q is not GET, HEAD, POST, PUT, PATCH or DELETE", i, o.method)
	}
	return o, nil
}

// parseEntryURL reads request.url: Type, Type/id, Type/id/_history[/vid],
// _history, Type/_history, or Type?criteria.
func (s *Service) parseEntryURL(o *op, raw string) error {
	path, query, _ := strings.Cut(raw, "?")
	if strings.Contains(path, "://") {
		return fhir.Errorf(fhir.IssueNotSupported, "request.url must be relative to the server base (%q)", raw)
	}
	path = strings.Trim(path, "/")
	o.query = query
	parts := strings.Split(path, "/")
	if len(parts) == 1 && parts[0] == "_history" {
		o.history = true
		return nil
	}
	o.typ = parts[0]
	if !s.opts.IsResourceType(o.typ) {
		return fhir.Errorf(fhir.IssueNotSupported, "request.url names %q, which is not a FHIR R4 resource type", o.typ)
	}
	switch {
	case len(parts) == 1:
	case len(parts) == 2 && parts[1] == "_history":
		o.history = true
	case len(parts) == 2:
		o.id = parts[1]
	case len(parts) == 3 && parts[2] == "_history":
		o.id, o.history = parts[1], true
	case len(parts) == 4 && parts[2] == "_history":
		o.id, o.vid = parts[1], parts[3]
	default:
		return fhir.Errorf(fhir.IssueInvalid, "request.url %q is not understood", raw)
	}
	if o.id != "" && !ValidID(o.id) {
		return fhir.Errorf(fhir.IssueInvalid, "request.url %q: %q is not a valid id", raw, o.id)
	}
	if query != "" {
		if _, err := url.ParseQuery(query); err != nil {
			return fhir.Errorf(fhir.IssueInvalid, "request.url %q: bad query: %v", raw, err)
		}
	}
	return nil
}

// patchFromBinary extracts a JSON Patch from the Binary a bundle carries for
// a PATCH entry.
func patchFromBinary(res map[string]any) ([]byte, error) {
	if res == nil {
		return nil, fmt.Errorf("PATCH needs a Binary resource holding the JSON Patch")
	}
	if rt, _ := res["resourceType"].(string); rt != "Binary" {
		return nil, fmt.Errorf("PATCH entries carry a Binary with contentType application/json-patch+json (got %q)", rt)
	}
	if ct, _ := res["contentType"].(string); ct != "application/json-patch+json" {
		return nil, fmt.Errorf("the Binary's contentType must be application/json-patch+json (got %q)", ct)
	}
	data, _ := res["data"].(string)
	p, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, fmt.Errorf("the Binary's data is not base64: %v", err)
	}
	return p, nil
}

// ParseETag reads a version from an ETag or If-Match value: W/"3", "3" or 3.
func ParseETag(v string) (int64, error) {
	s := strings.TrimSpace(v)
	s = strings.TrimPrefix(s, "W/")
	s = strings.Trim(s, `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%q is not a version ETag such as W/\"3\"", v)
	}
	return n, nil
}
