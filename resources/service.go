// Package resources implements the FHIR RESTful interactions on top of the
// store: create, read, vread, update (also create-on-update), patch, delete,
// history, the conditional variants, and batch and transaction bundles. It
// validates every write, assigns ids and versions, maintains the index
// entries, and keeps each interaction — or a whole transaction bundle — in
// one store transaction. It does not serve HTTP, but FHIR bundle responses
// carry HTTP statuses, so the one mapping from issue codes to statuses
// (StatusOf, in status.go) lives here and the rest package uses it too.
package resources

import (
	"sync"
	"sync/atomic"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/index"
	"github.com/yitong-health/yitong/store"
)

// Limits are the named bounds on input. Exceeding one is a 4xx.
type Limits struct {
	// MaxBundleEntries bounds the entries of a batch or transaction.
	MaxBundleEntries int
	// MaxDepth bounds JSON nesting.
	MaxDepth int
	// MaxHistoryCount bounds _count of history.
	MaxHistoryCount int
	// DefaultHistoryCount is the page size of history when _count is absent.
	DefaultHistoryCount int
}

// DefaultLimits are the limits used when Options leave them zero.
var DefaultLimits = Limits{
	MaxBundleEntries:    20000,
	MaxDepth:            64,
	MaxHistoryCount:     1000,
	DefaultHistoryCount: 50,
}

// Options configure a Service.
type Options struct {
	// Validate checks a resource and returns its issues; any error or fatal
	// issue rejects the write. Required.
	Validate func(res map[string]any) []fhir.Issue
	// IsResourceType reports whether a name is a known resource type. Required.
	IsResourceType func(name string) bool
	// Index extracts the search index entries of a resource about to be
	// stored; an error fails the write. Default: the extractor of the
	// search configuration in force (see PrepareSearch, StartReindex).
	Index  func(res map[string]any) (store.Index, error)
	Limits Limits
	// NewID returns a fresh resource id (default: fhir.NewID, a
	// time-ordered UUID).
	NewID func() string
	// Audit, when set, records every act that writes in the write's own
	// transaction.
	Audit Auditor
}

// Service performs FHIR interactions against a store.
type Service struct {
	st     store.Store
	opts   Options
	limits Limits
	search atomic.Pointer[searchConfig]
	// reindex is the latest reindex job (see StartReindex).
	reindexMu sync.Mutex
	reindex   *ReindexJob
}

// New returns a Service over st.
func New(st store.Store, opts Options) *Service {
	l := opts.Limits
	d := DefaultLimits
	if l.MaxBundleEntries <= 0 {
		l.MaxBundleEntries = d.MaxBundleEntries
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxHistoryCount <= 0 {
		l.MaxHistoryCount = d.MaxHistoryCount
	}
	if l.DefaultHistoryCount <= 0 {
		l.DefaultHistoryCount = d.DefaultHistoryCount
	}
	if opts.NewID == nil {
		opts.NewID = fhir.NewID
	}

	svc := &Service{st: st, opts: opts, limits: l}
	svc.search.Store(&searchConfig{parse: search.DefaultRegistry(), indexReg: search.DefaultRegistry(), extractor: index.Default()})
	if svc.opts.Index == nil {
		svc.opts.Index = svc.indexResource
	}
	return svc
}

// Store returns the underlying store.
func (s *Service) Store() store.Store { return s.st }

// Limits returns the limits in force.
func (s *Service) Limits() Limits { return s.limits }

// IsResourceType reports whether name is a known resource type.
func (s *Service) IsResourceType(name string) bool { return s.opts.IsResourceType(name) }

// Result is the outcome of a successful interaction.
type Result struct {
	// Version is the stored version concerned (for a conditional create that
	// matched, the existing current version).
	Version store.Version
	// Resource is the resource as stored (with id and meta), or nil for a
	// deletion.
	Resource map[string]any
	// Created is true when a new resource came to be (HTTP 201).
	Created bool
	// Unchanged is true when nothing was written: a conditional create that
	// matched an existing resource, or a delete of an already deleted one.
	Unchanged bool
	// Issues are warnings worth returning to the caller.
	Issues []fhir.Issue
}
