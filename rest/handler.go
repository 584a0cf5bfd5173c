// Package rest serves the FHIR R4 RESTful API at /fhir: the interactions
// of the resources service, bundles, history, the CapabilityStatement and
// bulk export. Every route is declared once in the route table; the same
// table drives the mux and the CapabilityStatement, so what /metadata says
// is exactly what is served. Every request passes the one policy decision
// (Policy) before its handler runs.
package rest

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/auth"
	"github.com/yitong-health/yitong/export"
	"github.com/yitong-health/yitong/prescribing"
	"github.com/yitong-health/yitong/resources"
)

// Limits are the named HTTP input limits.
type Limits struct {
	// MaxBodyBytes bounds a request body (413 beyond it).
	MaxBodyBytes int64
	// MaxReplayBytes bounds the body of an answer recorded with an
	// idempotency key, gzip-compressed; an act whose answer is larger fails
	// with 413 and writes nothing.
	MaxReplayBytes int64
}

// DefaultLimits are used where Config leaves limits zero.
var DefaultLimits = Limits{MaxBodyBytes: 64 << 20, MaxReplayBytes: DefaultMaxReplayBytes}

// Request describes an interaction for the policy decision.
type Request struct {
	Interaction string // read, vread, update, create, search-type, transaction, …
	Type        string // resource type, "" at system level
	ID          string
	HTTP        *http.Request
}

// Policy is the one access decision every FHIR request passes.
type Policy interface {
	// Authenticate establishes who is asking: a nil principal (and nil
	// error) for a request without credentials, an *fhir.Error with code
	// security (401) for credentials that are not valid.
	Authenticate(r *http.Request) (*auth.Principal, error)
	// Decide returns the access p is granted for r, or an *fhir.Error
	// (forbidden 403, security 401) to refuse.
	Decide(ctx context.Context, p *auth.Principal, r Request) (auth.Access, error)
}

// Config configures the API handler.
type Config struct {
	Service *resources.Service
	Policy  Policy
	Logger  *slog.Logger
	Limits  Limits
	// ResourceTypes lists every resource type the API serves (sorted).
	ResourceTypes []string
	// Software names the server in the CapabilityStatement.
	Software, Version string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Exports runs bulk exports; nil leaves $export out of the API.
	Exports *export.Manager
	// Audit records every request in the audit log and serves the log's
	// checkpoints, proofs and AuditEvent view; nil leaves auditing out
	// (tests of other concerns only: serve always sets it).
	Audit *audit.Log
	// Prescribing signs and verifies prescriptions (MedicationRequest
	// $sign and $verify); nil leaves them out.
	Prescribing *prescribing.Service
	// IdempotencyRetention is how long an idempotency key is kept
	// (DefaultIdempotencyRetention when zero); RunIdempotencyPruning
	// deletes it afterwards.
	IdempotencyRetention time.Duration
}

// Handler is the FHIR API.
type Handler struct {
	cfg    Config
	mux    *http.ServeMux
	routes []route
	start  time.Time
}

// New returns the API handler, to be mounted at /fhir/.
func New(cfg Config) *Handler {
	if cfg.Limits.MaxBodyBytes <= 0 {
		cfg.Limits.MaxBodyBytes = DefaultLimits.MaxBodyBytes
	}
	if cfg.Limits.MaxReplayBytes <= 0 {
		cfg.Limits.MaxReplayBytes = DefaultLimits.MaxReplayBytes
	}
	if cfg.IdempotencyRetention <= 0 {
		cfg.IdempotencyRetention = DefaultIdempotencyRetention
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Policy == nil {
		panic("rest: a Policy is required")
	}
	h := &Handler{cfg: cfg, mux: http.NewServeMux(), start: cfg.Now()}
	h.routes = h.routeTable()
	for _, rt := range h.routes {
		h.mux.Handle(rt.pattern, h.wrap(rt))
	}
	h.mux.HandleFunc("/fhir/", func(w http.ResponseWriter, r *http.Request) {
		h.writeError(w, r, notFoundRoute(r))
	})
	// The base URL itself takes only POST (batch and transaction); without
	// this, http.ServeMux would redirect other methods to /fhir/.
	h.mux.HandleFunc("/fhir", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", http.MethodPost)
		h.writeError(w, r, methodNotAllowed(r))
	})
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Interactions lists the interactions and operations of every route (for
// the authorization matrix test, which must have a row for each).
func (h *Handler) Interactions() []string {
	var out []string
	for _, rt := range h.routes {
		if !slices.Contains(out, rt.interaction) {
			out = append(out, rt.interaction)
		}
	}
	slices.Sort(out)
	return out
}
