package rest

import (
	"github.com/yitong-health/yitong/auth"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
)

// parseInstant reads a FHIR instant or dateTime with time zone (for _since).
func parseInstant(name, v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fhir.Errorf(fhir.IssueInvalid, "%s=%q is not an instant such as 2026-01-02T03:04:05Z", name, v)
}

// history serves history at instance, type and system level. Paging is by
// keyset: the next link carries _before, the sequence number to continue
// below, so pages stay correct while new versions are written.
func (h *Handler) history(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "_since", "_count", "_before", "_format", "_pretty":
		default:
			return fhir.Errorf(fhir.IssueNotSupported, "history parameter %q is not supported (supported: _since, _count)", k)
		}
	}
	var since time.Time
	if v := q.Get("_since"); v != "" {
		t, err := parseInstant("_since", v)
		if err != nil {
			return err
		}
		since = t
	}
	count := 0
	if v := q.Get("_count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fhir.Errorf(fhir.IssueInvalid, "_count=%q must be a positive integer", v)
		}
		count = n
	}
	var before int64
	if v := q.Get("_before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return fhir.Errorf(fhir.IssueInvalid, "_before=%q is not a paging cursor of this server", v)
		}
		before = n
	}
	page, err := h.cfg.Service.History(r.Context(), c.typ, c.id, since, before, count)
	if err != nil {
		return err
	}
	if !c.access.granted.All {
		n := len(page.Versions)
		if page.Versions, err = h.visible(r.Context(), c, page.Versions); err != nil {
			return err
		}
		if c.id != "" && n > 0 && len(page.Versions) == 0 {
			// A resource's history is the resource: refused like a read.
			return auth.Deny(auth.ReasonPatient)
		}
		if c.id == "" || len(page.Versions) < n {
			// The total counts versions the caller may not see: left out.
			page.Total = -1
		}
	}
	c.disclose(page.Versions...)
	base := baseURL(r)
	bundle := map[string]any{
		"resourceType": "Bundle",
		"type":         "history",
		"link":         []any{map[string]any{"relation": "self", "url": base + r.URL.Path[len("/fhir"):] + queryString(q)}},
	}
	if page.Total >= 0 {
		bundle["total"] = page.Total
	}
	if page.Next > 0 {
		nq := url.Values{}
		for k, vs := range q {
			nq[k] = vs
		}
		nq.Set("_before", strconv.FormatInt(page.Next, 10))
		bundle["link"] = append(bundle["link"].([]any), map[string]any{"relation": "next", "url": base + r.URL.Path[len("/fhir"):] + queryString(nq)})
	}
	entries := make([]any, 0, len(page.Versions))
	for _, v := range page.Versions {
		e, err := historyEntry(base, v)
		if err != nil {
			return err
		}
		entries = append(entries, e)
	}
	if len(entries) > 0 {
		bundle["entry"] = entries
	}
	writeJSON(w, c.fmt, http.StatusOK, bundle)
	return nil
}

func queryString(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func historyEntry(base string, v store.Version) (map[string]any, error) {
	e := map[string]any{"fullUrl": base + "/" + v.Type + "/" + v.ID}
	req := map[string]any{"method": string(v.Method)}
	status := http.StatusOK
	switch v.Method {
	case store.MethodCreate:
		req["url"] = v.Type
		status = http.StatusCreated
	case store.MethodDelete:
		req["url"] = v.Type + "/" + v.ID
		status = http.StatusNoContent
	default:
		req["url"] = v.Type + "/" + v.ID
		if v.VersionID == 1 {
			status = http.StatusCreated
		}
	}
	e["request"] = req
	e["response"] = map[string]any{
		"status":       resources.StatusLine(status),
		"etag":         resources.ETag(v.VersionID),
		"lastModified": resources.FormatInstant(v.LastUpdated),
	}
	if !v.Deleted {
		res, err := fhir.Decode(v.Body, 0)
		if err != nil {
			return nil, err
		}
		e["resource"] = res
	}
	return e, nil
}
