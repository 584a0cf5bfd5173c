package rest

import (
	"net/http"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
)

// reindexStart serves POST /fhir/$reindex: it applies the active
// SearchParameter resources and rebuilds every index in the background,
// answering 202 with the job's status (and the status URL in
// Content-Location). A reindex already running is 409.
func (h *Handler) reindexStart(w http.ResponseWriter, r *http.Request, c *call) error {
	job, err := h.cfg.Service.StartReindex(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Location", baseURL(r)+"/$reindex")
	writeJSON(w, c.fmt, http.StatusAccepted, reindexParameters(job.Status()))
	return nil
}

// reindexStatus serves GET /fhir/$reindex: the latest job's status as
// Parameters, or 404 when none ran since the server started.
func (h *Handler) reindexStatus(w http.ResponseWriter, r *http.Request, c *call) error {
	job := h.cfg.Service.CurrentReindex()
	if job == nil {
		return fhir.Errorf(fhir.IssueNotFound, "no reindex has run since the server started").WithStatus(http.StatusNotFound)
	}
	writeJSON(w, c.fmt, http.StatusOK, reindexParameters(job.Status()))
	return nil
}

// reindexParameters renders a job's status: state (running, completed,
// failed), started, finished, processed, the search parameters applied,
// and the error of a failed job.
func reindexParameters(st resources.ReindexStatus) map[string]any {
	state := "running"
	switch {
	case st.Err != "":
		state = "failed"
	case !st.Finished.IsZero():
		state = "completed"
	}
	params := []any{
		map[string]any{"name": "state", "valueCode": state},
		map[string]any{"name": "started", "valueInstant": st.Started.Format(time.RFC3339Nano)},
		map[string]any{"name": "processed", "valueInteger": st.Done},
	}
	if !st.Finished.IsZero() {
		params = append(params, map[string]any{"name": "finished", "valueInstant": st.Finished.Format(time.RFC3339Nano)})
	}
	for _, p := range st.Params {
		params = append(params, map[string]any{"name": "searchParameter", "valueReference": map[string]any{"reference": p}})
	}
	if st.Err != "" {
		params = append(params, map[string]any{"name": "error", "valueString": "the reindex stopped; see the server log"})
	}
	return map[string]any{"resourceType": "Parameters", "parameter": params}
}
