package rest

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
)

// everything serves Patient/$everything: the patient's whole record as a
// searchset Bundle, narrowed by _type and _since.
func (h *Handler) everything(w http.ResponseWriter, r *http.Request, c *call) error {
	var opts resources.EverythingOptions
	for k, vs := range r.URL.Query() {
		v := strings.Join(vs, ",")
		switch k {
		case "_type":
			types, err := h.parseTypes(v)
			if err != nil {
				return err
			}
			opts.Types = append(opts.Types, types...)
		case "_since":
			t, err := parseInstant("_since", v)
			if err != nil {
				return err
			}
			opts.Since = t
		case "_format", "_pretty":
		default:
			return fhir.Errorf(fhir.IssueNotSupported, "$everything parameter %q is not supported (supported: _type, _since)", k)
		}
	}
	if ok, err := c.access.granted.Reaches(r.Context(), []string{c.id}); err != nil || !ok {
		return denyUnless(err)
	}
	vs, err := h.cfg.Service.Everything(r.Context(), c.id, opts)
	if err != nil {
		return err
	}
	if vs, err = h.visible(r.Context(), c, vs); err != nil {
		return err
	}
	c.disclose(vs...)
	base := baseURL(r)
	entries := make([]any, 0, len(vs))
	for _, v := range vs {
		// Stored bodies are canonical JSON: sent as they are.
		entries = append(entries, map[string]any{"fullUrl": base + "/" + v.Type + "/" + v.ID, "resource": json.RawMessage(v.Body), "search": map[string]any{"mode": "match"}})
	}
	bundle := map[string]any{
		"resourceType": "Bundle", "type": "searchset", "total": len(entries),
		"link": []any{map[string]any{"relation": "self", "url": base + strings.TrimPrefix(r.URL.RequestURI(), "/fhir")}},
	}
	if len(entries) > 0 {
		bundle["entry"] = entries
	}
	writeJSON(w, c.fmt, http.StatusOK, bundle)
	return nil
}
