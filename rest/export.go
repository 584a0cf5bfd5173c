package rest

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/yitong-health/yitong/auth"
	"github.com/yitong-health/yitong/export"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
)

// exportKickoff starts a bulk export (FHIR Bulk Data Access 2.0): it needs
// Prefer: respond-async, takes _type, _since and _outputFormat, and answers
// 202 with the status URL in Content-Location.
func (h *Handler) exportKickoff(w http.ResponseWriter, r *http.Request, c *call) error {
	if !preferAsync(r) {
		return fhir.Errorf(fhir.IssueInvalid, "$export runs asynchronously: send Prefer: respond-async")
	}
	q := r.URL.Query()
	req := export.Request{Level: export.System, RequestURL: baseURL(r) + strings.TrimPrefix(r.URL.RequestURI(), "/fhir")}
	if c.typ == "Patient" {
		req.Level = export.Patient
	}
	for k, vs := range q {
		v := strings.Join(vs, ",")
		switch k {
		case "_outputFormat":
			switch v {
			case "application/fhir+ndjson", "application/ndjson", "ndjson":
			default:
				return fhir.Errorf(fhir.IssueNotSupported, "_outputFormat=%s: only application/fhir+ndjson is offered", v)
			}
		case "_type":
			types, err := h.parseTypes(v)
			if err != nil {
				return err
			}
			req.Types = append(req.Types, types...)
		case "_since":
			t, err := parseInstant("_since", v)
			if err != nil {
				return err
			}
			req.Since = t
		case "_format", "_pretty":
		default:
			return fhir.Errorf(fhir.IssueNotSupported, "$export parameter %q is not supported (supported: _type, _since, _outputFormat)", k)
		}
	}
	if acc := c.access.granted; !acc.All {
		svc := h.cfg.Service
		req.Admit = func(ctx context.Context, v store.Version) (bool, error) {
			if auth.ClassOf(v.Type) != auth.ClassClinical {
				return true, nil
			}
			patients, err := svc.PatientsOf(v)
			if err != nil {
				return false, err
			}
			return acc.Reaches(ctx, patients)
		}
	}
	id, err := h.cfg.Exports.Start(req)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Location", baseURL(r)+"/$export-poll-status?_jobId="+url.QueryEscape(id))
	writeJSON(w, c.fmt, http.StatusAccepted, fhir.OperationOutcome([]fhir.Issue{{Severity: fhir.SeverityInformation, Code: fhir.IssueInformation, Diagnostics: "export started; poll the Content-Location URL"}}))
	return nil
}

func preferAsync(r *http.Request) bool {
	for _, v := range r.Header.Values("Prefer") {
		for _, p := range splitComma(v) {
			if p == "respond-async" {
				return true
			}
		}
	}
	return false
}

// exportStatus answers a poll: 202 with X-Progress while running, the
// manifest when done, or the failure as an OperationOutcome.
func (h *Handler) exportStatus(w http.ResponseWriter, r *http.Request, c *call) error {
	j, err := h.cfg.Exports.Status(r.URL.Query().Get("_jobId"))
	if err != nil {
		return err
	}
	if !j.Done {
		w.Header().Set("X-Progress", "in progress")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusAccepted)
		return nil
	}
	if j.Err != nil {
		return j.Err
	}
	base := baseURL(r)
	out := make([]any, 0, len(j.Files))
	for _, f := range j.Files {
		out = append(out, map[string]any{"type": f.Type, "url": base + "/$export-file?" + url.Values{"_jobId": {j.ID}, "_file": {f.Name}}.Encode(), "count": f.Count})
	}
	w.Header().Set("Expires", j.Started.Add(24*time.Hour).Format(http.TimeFormat))
	writeJSON(w, format{contentType: "application/json", pretty: c.fmt.pretty}, http.StatusOK, map[string]any{
		"transactionTime":     resources.FormatInstant(j.Started),
		"request":             j.Request.RequestURL,
		"requiresAccessToken": false,
		"output":              out,
		"error":               []any{},
	})
	return nil
}

func (h *Handler) exportCancel(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := h.cfg.Exports.Cancel(r.URL.Query().Get("_jobId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (h *Handler) exportFile(w http.ResponseWriter, r *http.Request, c *call) error {
	path, err := h.cfg.Exports.FilePath(r.URL.Query().Get("_jobId"), r.URL.Query().Get("_file"))
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/fhir+ndjson")
	w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	http.ServeContent(w, r, "", st.ModTime(), f)
	return nil
}

// parseTypes reads a comma-separated _type list of an operation; a name
// that is not a resource type is a 400.
func (h *Handler) parseTypes(v string) ([]string, error) {
	var out []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		if !h.cfg.Service.IsResourceType(t) {
			return nil, fhir.Errorf(fhir.IssueInvalid, "_type names %q, which is not a FHIR R4 resource type", t)
		}
		out = append(out, t)
	}
	return out, nil
}
