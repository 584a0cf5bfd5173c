package rest

import (
	"mime"
	"net/http"
	"net/url"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
)

// search serves type-level search (GET and POST _search) with the basic
// criteria the resources service understands. Unknown parameters are a 400
// under the default Prefer: handling=strict; with handling=lenient they are
// ignored and reported in an OperationOutcome entry.
func (h *Handler) search(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		if ct := r.Header.Get("Content-Type"); ct != "" && !isForm(ct) {
			return fhir.Errorf(fhir.IssueNotSupported, "POST _search takes application/x-www-form-urlencoded, not %s", ct).WithStatus(http.StatusUnsupportedMediaType)
		}
		if err := r.ParseForm(); err != nil {
			if tl := tooLarge(err); tl != nil {
				return tl
			}
			return fhir.Errorf(fhir.IssueInvalid, "the search form cannot be read: %v", err)
		}
		for k, vs := range r.PostForm {
			q[k] = append(q[k], vs...)
		}
	}
	count, err := resources.ParseCount(q.Get("_count"))
	if err != nil {
		return err
	}
	after := q.Get("_after")
	crit := url.Values{}
	var ignored []fhir.Issue
	lenient := preferHandling(r) == "lenient"
	for k, vs := range q {
		switch k {
		case "_count", "_after", "_format", "_pretty":
		case "_id", "identifier":
			crit[k] = vs
		default:
			if !lenient {
				return fhir.Errorf(fhir.IssueNotSupported, "search parameter %q is not supported on %s (supported: _id, identifier, _count); send Prefer: handling=lenient to ignore it", k, c.typ)
			}
			ignored = append(ignored, fhir.Issue{Severity: fhir.SeverityWarning, Code: fhir.IssueNotSupported, Diagnostics: "search parameter " + k + " was ignored"})
		}
	}
	page, err := h.cfg.Service.Search(r.Context(), c.typ, crit, after, count)
	if err != nil {
		return err
	}
	base := baseURL(r)
	self := url.Values{}
	for k, vs := range crit {
		self[k] = vs
	}
	if count > 0 {
		self.Set("_count", q.Get("_count"))
	}
	links := []any{map[string]any{"relation": "self", "url": base + "/" + c.typ + queryString(withAfter(self, after))}}
	if page.After != "" {
		links = append(links, map[string]any{"relation": "next", "url": base + "/" + c.typ + queryString(withAfter(self, page.After))})
	}
	entries := make([]any, 0, len(page.Resources)+1)
	for _, v := range page.Resources {
		res, err := fhir.Decode(v.Body, 0)
		if err != nil {
			return err
		}
		entries = append(entries, map[string]any{
			"fullUrl":  base + "/" + v.Type + "/" + v.ID,
			"resource": res,
			"search":   map[string]any{"mode": "match"},
		})
	}
	if len(ignored) > 0 {
		entries = append(entries, map[string]any{"resource": fhir.OperationOutcome(ignored), "search": map[string]any{"mode": "outcome"}})
	}
	bundle := map[string]any{"resourceType": "Bundle", "type": "searchset", "link": links}
	if len(entries) > 0 {
		bundle["entry"] = entries
	}
	writeJSON(w, c.fmt, http.StatusOK, bundle)
	return nil
}

func withAfter(q url.Values, after string) url.Values {
	if after == "" {
		return q
	}
	out := url.Values{}
	for k, vs := range q {
		out[k] = vs
	}
	out.Set("_after", after)
	return out
}

// preferHandling reads Prefer: handling=strict|lenient (default strict).
func preferHandling(r *http.Request) string {
	for _, v := range r.Header.Values("Prefer") {
		for _, p := range splitComma(v) {
			if p == "handling=lenient" {
				return "lenient"
			}
		}
	}
	return "strict"
}

// isForm reports whether a Content-Type is a URL-encoded form (parameters
// such as charset=UTF-8 allowed).
func isForm(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/x-www-form-urlencoded"
}
