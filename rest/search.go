package rest

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
)

// search serves type-level and system-level search (GET, and POST _search
// with a form body). Parameters are those of package search; unknown ones
// are a 400 under the default Prefer: handling=strict, and ignored and
// reported in an OperationOutcome entry under handling=lenient. Paging
// links carry an opaque _cursor.
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
	cursor := q.Get("_cursor")
	params := url.Values{}
	for k, vs := range q {
		switch k {
		case "_cursor", "_format", "_pretty":
		default:
			params[k] = vs
		}
	}
	c.query = params
	restricted := url.Values{}
	for k, vs := range params {
		restricted[k] = slices.Clone(vs)
	}
	if err := restrictSearch(c, restricted); err != nil {
		return err
	}
	res, err := h.cfg.Service.Search(r.Context(), c.typ, restricted, resources.SearchOptions{
		Lenient: preferHandling(r) == "lenient",
		Cursor:  cursor,
	})
	if err != nil {
		return err
	}
	if res.Page.Included, err = h.visible(r.Context(), c, res.Page.Included); err != nil {
		return err
	}
	if !c.access.granted.All {
		// The restriction already limits matches; this is the second lock
		// (and, for a filter, the only one).
		n := len(res.Page.Matches)
		if res.Page.Matches, err = h.visible(r.Context(), c, res.Page.Matches); err != nil {
			return err
		}
		if c.access.granted.Filter != nil && (len(res.Page.Matches) < n || res.Page.Total != n) {
			// The total would count what the caller may not see (also
			// under _summary=count).
			res.Page.Total = -1
		}
	}
	c.disclose(res.Page.Matches...)
	c.disclose(res.Page.Included...)
	writeJSON(w, c.fmt, http.StatusOK, searchBundle(baseURL(r), c.typ, params, cursor, res))
	return nil
}

// searchBundle renders a search result as a searchset Bundle.
func searchBundle(base, typ string, params url.Values, cursor string, res *resources.SearchResult) map[string]any {
	page := res.Page
	path := base
	if typ != "" {
		path += "/" + typ
	}
	link := func(rel, cur string) map[string]any {
		v := url.Values{}
		for k, vs := range params {
			v[k] = vs
		}
		if cur != "" {
			v.Set("_cursor", cur)
		}
		return map[string]any{"relation": rel, "url": path + queryString(v)}
	}
	links := []any{link("self", cursor)}
	if page.Next != "" {
		links = append(links, link("next", page.Next))
	}
	if page.Prev != "" {
		links = append(links, link("previous", page.Prev))
	}
	entries := make([]any, 0, len(page.Matches)+len(page.Included)+1)
	subset := resources.Subsets(res.Query)
	add := func(vs []store.Version, mode string) {
		for _, v := range vs {
			var body any = json.RawMessage(v.Body) // stored bodies are canonical JSON
			if subset {
				r, err := fhir.Decode(v.Body, 0)
				if err != nil {
					// Stored bodies were encoded by us; one that does not
					// decode is corrupt storage, reported, not hidden.
					entries = append(entries, map[string]any{"resource": fhir.OperationOutcome([]fhir.Issue{{Severity: fhir.SeverityError, Code: fhir.IssueException, Diagnostics: "a stored resource could not be read"}}), "search": map[string]any{"mode": "outcome"}})
					continue
				}
				body = resources.Subset(r, res.Query)
			}
			entries = append(entries, map[string]any{
				"fullUrl":  base + "/" + v.Type + "/" + v.ID,
				"resource": body,
				"search":   map[string]any{"mode": mode},
			})
		}
	}
	add(page.Matches, "match")
	add(page.Included, "include")
	if len(res.Query.Ignored) > 0 {
		var issues []fhir.Issue
		for _, ig := range res.Query.Ignored {
			issues = append(issues, fhir.Issue{Severity: fhir.SeverityWarning, Code: fhir.IssueNotSupported, Diagnostics: "search parameter " + ig.Name + " was ignored: " + ig.Reason})
		}
		entries = append(entries, map[string]any{"resource": fhir.OperationOutcome(issues), "search": map[string]any{"mode": "outcome"}})
	}
	bundle := map[string]any{"resourceType": "Bundle", "type": "searchset", "link": links}
	if page.Total >= 0 {
		bundle["total"] = page.Total
	}
	if len(entries) > 0 {
		bundle["entry"] = entries
	}
	return bundle
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
