package rest

import (
	"net/http"
	"strings"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// route is one entry of the route table.
type route struct {
	pattern string // http.ServeMux pattern
	// interaction is the CapabilityStatement code (read, vread, …), or the
	// operation name with a leading '$'.
	interaction string
	// level: "instance", "type" or "system"; type-level routes apply to
	// every resource type unless types is set.
	level string
	types []string
	fn    func(w http.ResponseWriter, r *http.Request, c *call) error
}

// routeTable declares every route of the API.
func (h *Handler) routeTable() []route {
	rs := []route{
		{"GET /fhir/metadata", "capabilities", "system", nil, h.metadata},
		{"POST /fhir", "transaction", "system", nil, h.bundle},
		{"POST /fhir/{$}", "transaction", "system", nil, h.bundle},
		{"GET /fhir/_history", "history-system", "system", nil, h.history},
		{"GET /fhir", "search-system", "system", nil, h.search},
		{"GET /fhir/{$}", "search-system", "system", nil, h.search},
		{"POST /fhir/_search", "search-system", "system", nil, h.search},
		{"POST /fhir/$reindex", "$reindex", "system", nil, h.reindexStart},
		{"GET /fhir/$reindex", "$reindex-status", "system", nil, h.reindexStatus},
		{"POST /fhir/{type}", "create", "type", nil, h.create},
		{"GET /fhir/{type}", "search-type", "type", nil, h.search},
		{"POST /fhir/{type}/_search", "search-type", "type", nil, h.search},
		{"PUT /fhir/{type}", "conditional-update", "type", nil, h.conditionalUpdate},
		{"PATCH /fhir/{type}", "conditional-patch", "type", nil, h.conditionalPatch},
		{"DELETE /fhir/{type}", "conditional-delete", "type", nil, h.conditionalDelete},
		{"GET /fhir/{type}/_history", "history-type", "type", nil, h.history},
		{"GET /fhir/{type}/{id}", "read", "instance", nil, h.read},
		{"PUT /fhir/{type}/{id}", "update", "instance", nil, h.update},
		{"PATCH /fhir/{type}/{id}", "patch", "instance", nil, h.patch},
		{"DELETE /fhir/{type}/{id}", "delete", "instance", nil, h.delete},
		{"GET /fhir/{type}/{id}/_history", "history-instance", "instance", nil, h.history},
		{"GET /fhir/{type}/{id}/_history/{vid}", "vread", "instance", nil, h.vread},
		{"GET /fhir/Patient/{id}/$everything", "$everything", "instance", []string{"Patient"}, h.everything},
	}
	rs = append(rs, h.auditRoutes()...)
	if h.cfg.Prescribing != nil {
		rs = append(rs,
			route{"POST /fhir/MedicationRequest/{id}/$sign", "$sign", "instance", []string{"MedicationRequest"}, h.sign},
			route{"GET /fhir/MedicationRequest/{id}/$verify", "$verify", "instance", []string{"MedicationRequest"}, h.verify},
		)
	}
	if h.cfg.Exports != nil {
		rs = append(rs,
			route{"GET /fhir/$export", "$export", "system", nil, h.exportKickoff},
			route{"GET /fhir/Patient/$export", "$export", "type", []string{"Patient"}, h.exportKickoff},
			// The job and file are query parameters (_jobId, _file), not
			// path segments: "/fhir/$export-poll-status/{job}" would
			// conflict with "/fhir/{type}/_history" in http.ServeMux
			// (neither is more specific) and make New panic.
			route{"GET /fhir/$export-poll-status", "$export-poll-status", "system", nil, h.exportStatus},
			route{"DELETE /fhir/$export-poll-status", "$export-poll-status", "system", nil, h.exportCancel},
			route{"GET /fhir/$export-file", "$export-file", "system", nil, h.exportFile},
		)
	}
	return rs
}

// call carries what the wrapper established for a handler.
type call struct {
	typ, id string
	reqID   string
	fmt     format
	// disclosed are the versions the answer discloses, for the audit
	// entry of a read (see Handler.audit).
	disclosed []store.Version
	// query holds a search's parameters (for the audit entry, which
	// names them without their values).
	query map[string][]string
	// access is the caller and what the policy granted.
	access access
	// idem is the request's idempotency key, nil without one.
	idem *idemCall
}

// disclose records versions the answer will disclose.
func (c *call) disclose(vs ...store.Version) { c.disclosed = append(c.disclosed, vs...) }

// notFoundRoute answers requests no route matches.
func notFoundRoute(r *http.Request) error {
	p := strings.TrimPrefix(r.URL.Path, "/fhir/")
	first, _, _ := strings.Cut(p, "/")
	if strings.HasPrefix(first, "$") {
		return fhir.Errorf(fhir.IssueNotSupported, "operation %s is not supported here", first).WithStatus(http.StatusNotFound)
	}
	return fhir.Errorf(fhir.IssueNotSupported, "%s %s is not a FHIR interaction this server offers", r.Method, r.URL.Path).WithStatus(http.StatusNotFound)
}

func methodNotAllowed(r *http.Request) error {
	return fhir.Errorf(fhir.IssueNotSupported, "%s is not allowed on %s", r.Method, r.URL.Path).WithStatus(http.StatusMethodNotAllowed)
}
