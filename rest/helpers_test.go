package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/yitong-health/yitong/auth"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/export"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/fhir/validate"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/prescribing"
	"github.com/yitong-health/yitong/registry"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/rest"
	"github.com/yitong-health/yitong/signing"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

// env is the FHIR API served over HTTP on one fresh store.
type env struct {
	backend string
	st      store.Store
	srv     *httptest.Server
	base    string // the FHIR base URL: srv.URL + "/fhir"
	client  *http.Client
	logs    *syncBuffer // the server's log
}

// config adjusts the handler an env serves.
type config struct {
	rest     rest.Config
	limits   resources.Limits
	noExport bool
	noAudit  bool
	infoLog  bool
	// gate, when set, receives the identity service of the real access
	// policy (bearer tokens, roles, care relationships) the env runs.
	gate **identity.Service
	// signer, when set, receives the signing service behind $sign.
	signer **signing.Service
	// faultyProvenance makes every write of a Provenance fail (after the
	// signature), for the atomicity of $sign.
	faultyProvenance bool
	// auditLog, when set, receives the env's audit log.
	auditLog **audit.Log
	// auditSpool spools recorded entries as `yitong serve` does.
	auditSpool bool
}

type option func(*config)

// withBodyLimit sets rest.Config.Limits.MaxBodyBytes.
func withBodyLimit(n int64) option { return func(c *config) { c.rest.Limits.MaxBodyBytes = n } }

// withLimits sets the resources service limits.
func withLimits(l resources.Limits) option { return func(c *config) { c.limits = l } }

// withPolicy sets the access policy (allowAll by default).
func withPolicy(p rest.Policy) option { return func(c *config) { c.rest.Policy = p } }

// withGate runs the platform's access policy instead of allowAll and
// hands out its identity service, to issue tokens with.
func withGate(id **identity.Service) option { return func(c *config) { c.gate = id } }

// withSigning hands out the signing service of the env (to issue
// certificates with).
func withSigning(s **signing.Service) option { return func(c *config) { c.signer = s } }

// withFaultyProvenance makes the store refuse every Provenance version.
func withFaultyProvenance() option { return func(c *config) { c.faultyProvenance = true } }

// withoutExport leaves the export manager (and so $export) out.
func withoutExport() option { return func(c *config) { c.noExport = true } }

// withInfoLog keeps the server's log from level info on (one line per
// request), not only warnings.
func withInfoLog() option { return func(c *config) { c.infoLog = true } }

// withoutAudit leaves the audit log out (for measuring what it costs).
func withoutAudit() option { return func(c *config) { c.noAudit = true } }

// withAuditLog hands out the env's audit log (to flush it).
func withAuditLog(l **audit.Log) option { return func(c *config) { c.auditLog = l } }

// withAuditSpool spools the entries of reads as `yitong serve` does
// (audit.Config.Spool, in a temporary folder): they reach the store every
// WriteEvery or at a Flush.
func withAuditSpool() option { return func(c *config) { c.auditSpool = true } }

// eachBackend runs fn as a subtest on SQLite and PostgreSQL, each with a
// fresh store behind a fresh HTTP server.
func eachBackend(t *testing.T, fn func(t *testing.T, e *env), opts ...option) {
	t.Helper()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, newEnv(t, b, opts...))
		})
	}
}

// newHandler builds the API handler as `yitong serve` does.
func newHandler(t testing.TB, st store.Store, log *slog.Logger, opts ...option) *rest.Handler {
	var c config
	for _, o := range opts {
		o(&c)
	}
	// Every request is audited, as under `yitong serve`.
	var al *audit.Log
	var auditor resources.Auditor
	if !c.noAudit {
		spool := ""
		if c.auditSpool {
			spool = filepath.Join(t.TempDir(), "audit.spool")
		}
		al = openTestAudit(t, st, log, spool)
		auditor = al
		if c.auditLog != nil {
			*c.auditLog = al
		}
	}
	if c.faultyProvenance {
		st = faultyStore{st}
	}
	svc := resources.New(st, resources.Options{
		Validate:       validate.Resource,
		IsResourceType: spec.IsResourceType,
		Limits:         c.limits,
		Audit:          auditor,
	})
	cfg := c.rest
	cfg.Audit = al
	cfg.Service = svc
	// Every handler signs prescriptions, as under `yitong serve`.
	sopts := signing.Options{Store: st, MasterKey: []byte("0123456789abcdef")}
	if al != nil {
		sopts.Audit = al
	}
	signer, err := signing.Open(context.Background(), sopts)
	if err != nil {
		t.Fatal(err)
	}
	if c.signer != nil {
		*c.signer = signer
	}
	cfg.Prescribing = prescribing.New(svc, signer, nil)
	if c.gate != nil {
		opts := identity.Options{}
		if al != nil {
			opts.Audit = al
		}
		id := identity.New(st, opts)
		*c.gate = id
		care := &auth.Care{Service: svc}
		cfg.Policy = rest.GatePolicy{Gate: &auth.Gate{Tokens: id, Policy: &auth.Policy{Care: care, Consents: care, Regions: auth.Regions{Service: svc}, Registry: &registry.Registry{Service: svc}}}}
	}
	if cfg.Policy == nil {
		cfg.Policy = allowAll{}
	}
	cfg.Logger = log
	cfg.ResourceTypes = spec.ResourceTypes()
	cfg.Software, cfg.Version = "Yitong", "test"
	if !c.noExport {
		cfg.Exports = export.NewManager(st, filepath.Join(t.TempDir(), "exports"), log)
	}
	return rest.New(cfg)
}

// newEnv serves the API over a fresh store of backend b, mounted as
// `yitong serve` mounts it. Any error in the server log (an internal error,
// a recovered panic, a failed export) fails the test; warnings are passed to
// t.Log.
func newEnv(t testing.TB, b storetest.Backend, opts ...option) *env {
	t.Helper()
	st := b.Open(t, nil)
	logs := &syncBuffer{}
	var c config
	for _, o := range opts {
		o(&c)
	}
	level := slog.LevelWarn
	if c.infoLog {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: level}))
	api := newHandler(t, st, log, opts...)
	mux := http.NewServeMux()
	mux.Handle("/fhir/", api)
	mux.Handle("/fhir", api)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			switch {
			case line == "", strings.Contains(line, "level=INFO"):
			case strings.Contains(line, "level=ERROR"):
				t.Errorf("the server failed: %s", line)
			default:
				t.Logf("server log: %s", line)
			}
		}
	})
	client := srv.Client()
	// Redirects are answers to check, not to follow.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &env{backend: b.Name, st: st, srv: srv, base: srv.URL + "/fhir", client: client, logs: logs}
}

// allowAll lets every request through as an unnamed caller with access to
// everything (tests of other concerns than access).
type allowAll struct{}

func (allowAll) Authenticate(*http.Request) (*auth.Principal, error) { return nil, nil }

func (allowAll) Decide(context.Context, *auth.Principal, rest.Request) (auth.Access, error) {
	return auth.Access{All: true}, nil
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (the logger).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// response is a received HTTP response with its whole body.
type response struct {
	Method, URL string
	Status      int
	Header      http.Header
	Body        []byte
}

func (r response) String() string {
	body := string(r.Body)
	if len(body) > 2000 {
		body = body[:2000] + "…"
	}
	return fmt.Sprintf("%s %s → %d %s", r.Method, r.URL, r.Status, body)
}

// JSON decodes the body as a JSON object (numbers kept as json.Number).
func (r response) JSON(t testing.TB) map[string]any {
	t.Helper()
	m, err := fhir.Decode(r.Body, 1000)
	if err != nil {
		t.Fatalf("%s: the body is not a JSON object: %v", r, err)
	}
	return m
}

// url resolves a path relative to the FHIR base ("/Patient/1"), or returns
// an absolute URL unchanged.
func (e *env) url(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return e.base + path
}

// do sends a request. path is relative to the FHIR base (or absolute). body
// is nil, a string, []byte, or a value sent as JSON; a body is sent as
// application/fhir+json unless header sets Content-Type (to "" to send
// none). header holds name, value pairs.
func (e *env) do(t testing.TB, method, path string, body any, header ...string) response {
	t.Helper()
	var rd io.Reader
	hasBody := true
	switch b := body.(type) {
	case nil:
		hasBody = false
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.url(path), rd)
	if err != nil {
		t.Fatal(err)
	}
	if hasBody {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	if len(header)%2 != 0 {
		t.Fatalf("header needs name, value pairs: %q", header)
	}
	for i := 0; i < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return response{Method: method, URL: req.URL.String(), Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// wantStatus fails the test unless r has one of the statuses.
func wantStatus(t testing.TB, r response, statuses ...int) {
	t.Helper()
	for _, s := range statuses {
		if r.Status == s {
			return
		}
	}
	t.Fatalf("want status %v: %s", statuses, r)
}

// wantOutcome checks that r has one of the statuses and carries an
// OperationOutcome whose first error issue has a code and useful
// diagnostics; it returns the diagnostics.
func wantOutcome(t testing.TB, r response, statuses ...int) string {
	t.Helper()
	wantStatus(t, r, statuses...)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
		t.Errorf("%s: Content-Type %q, want application/fhir+json", r, ct)
	}
	oo := r.JSON(t)
	if oo["resourceType"] != "OperationOutcome" {
		t.Fatalf("want an OperationOutcome: %s", r)
	}
	issues, _ := oo["issue"].([]any)
	if len(issues) == 0 {
		t.Fatalf("an OperationOutcome without issues: %s", r)
	}
	for _, x := range issues {
		is := x.(map[string]any)
		if sev := is["severity"]; sev != "error" && sev != "fatal" {
			continue
		}
		d, _ := is["diagnostics"].(string)
		if len(d) < 10 {
			t.Errorf("the issue has no useful diagnostics: %s", r)
		}
		if is["code"] == "" || is["code"] == nil {
			t.Errorf("the issue has no code: %s", r)
		}
		return d
	}
	t.Fatalf("the OperationOutcome has no error issue: %s", r)
	return ""
}

// any4xx lists every client error status, for wantStatus and wantOutcome.
var any4xx = func() []int {
	var s []int
	for c := 400; c < 500; c++ {
		s = append(s, c)
	}
	return s
}()

// get walks m along keys (string for objects, int for arrays).
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// str is get as a string ("" when absent or not a string).
func str(v any, path ...any) string {
	s, _ := get(v, path...).(string)
	return s
}

// num is get as an int (-1 when absent or not a number).
func num(v any, path ...any) int {
	switch n := get(v, path...).(type) {
	case json.Number:
		i, err := strconv.Atoi(string(n))
		if err == nil {
			return i
		}
	case float64:
		return int(n)
	}
	return -1
}

// list is get as an array.
func list(v any, path ...any) []any {
	a, _ := get(v, path...).([]any)
	return a
}

// patient returns a Patient with an identifier sys|val and a family name.
func patient(sys, val string) map[string]any {
	return map[string]any{
		"resourceType": "Patient",
		"identifier":   []any{map[string]any{"system": sys, "value": val}},
		"name":         []any{map[string]any{"family": "Wang", "given": []any{"Fang"}}},
		"active":       true,
	}
}

// observation returns an Observation about subject ("" for none).
func observation(subject string) map[string]any {
	o := map[string]any{
		"resourceType": "Observation",
		"status":       "final",
		"code":         map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "8867-4", "display": "Heart rate"}}},
		"valueQuantity": map[string]any{
			"value": 72, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min",
		},
	}
	if subject != "" {
		o["subject"] = map[string]any{"reference": subject}
	}
	return o
}

// create posts res and returns the new id (requiring 201).
func (e *env) create(t testing.TB, res map[string]any, header ...string) string {
	t.Helper()
	typ := res["resourceType"].(string)
	r := e.do(t, "POST", "/"+typ, res, header...)
	wantStatus(t, r, http.StatusCreated)
	id := str(r.JSON(t), "id")
	if id == "" {
		t.Fatalf("no id in %s", r)
	}
	return id
}

// read gets Type/id (requiring 200) and returns the resource.
func (e *env) read(t testing.TB, typ, id string) map[string]any {
	t.Helper()
	r := e.do(t, "GET", "/"+typ+"/"+id, nil)
	wantStatus(t, r, http.StatusOK)
	return r.JSON(t)
}

// search runs GET /Type?query and returns the ids of the matches (one page).
func (e *env) search(t testing.TB, typ, query string) []string {
	t.Helper()
	r := e.do(t, "GET", "/"+typ+"?"+query, nil)
	wantStatus(t, r, http.StatusOK)
	b := r.JSON(t)
	if b["type"] != "searchset" {
		t.Fatalf("not a searchset: %s", r)
	}
	var ids []string
	for _, x := range list(b, "entry") {
		if str(x, "search", "mode") == "match" {
			ids = append(ids, str(x, "resource", "id"))
		}
	}
	return ids
}

// systemTotal returns the number of versions in the whole store, from
// system history.
func (e *env) systemTotal(t testing.TB) int {
	t.Helper()
	r := e.do(t, "GET", "/_history?_count=1", nil)
	wantStatus(t, r, http.StatusOK)
	n := num(r.JSON(t), "total")
	if n < 0 {
		t.Fatalf("history without total: %s", r)
	}
	return n
}

// wantUnchanged checks that the store holds total versions (nothing was
// written since total was taken).
func (e *env) wantUnchanged(t testing.TB, total int) {
	t.Helper()
	if n := e.systemTotal(t); n != total {
		t.Errorf("the store holds %d versions, want %d: something was written", n, total)
	}
}

// query builds an escaped query string from name, value pairs.
func query(kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	return q.Encode()
}

// clone deep-copies a JSON value.
func clone(v map[string]any) map[string]any {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		panic(err)
	}
	return out
}

// wantRecent checks that the header is an HTTP date close to now.
func wantRecent(t testing.TB, r response, header string) {
	t.Helper()
	v := r.Header.Get(header)
	at, err := http.ParseTime(v)
	if err != nil {
		t.Errorf("%s: %s %q is not an HTTP date: %v", r, header, v, err)
		return
	}
	if d := time.Since(at); d < -time.Minute || d > 10*time.Minute {
		t.Errorf("%s: %s %q is not recent", r, header, v)
	}
}

// openTestAudit opens the audit log of st with its writer running until the
// test ends (before st closes), then checks that the whole log verifies:
// every test of the API is also a test that its acts were audited.
func openTestAudit(t testing.TB, st store.Store, log *slog.Logger, spool string) *audit.Log {
	t.Helper()
	ctx := context.Background()
	l, err := audit.Open(ctx, audit.Config{Store: st, Logger: log, Spool: spool})
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); l.Run(rctx) }()
	t.Cleanup(func() {
		stop()
		<-done
		if _, err := audit.Verify(ctx, st, audit.VerifyOptions{}); err != nil {
			t.Errorf("the audit log does not verify after the test: %v", err)
		}
	})
	return l
}

// faultyStore fails every write of a Provenance: an act that writes one
// must roll back whole.
type faultyStore struct{ store.Store }

func (s faultyStore) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.Store.Update(ctx, func(tx store.Tx) error { return fn(faultyTx{tx}) })
}

type faultyTx struct{ store.Tx }

func (t faultyTx) Put(ctx context.Context, v store.Version, idx store.Index) (store.Version, error) {
	if v.Type == "Provenance" {
		// Not an internal error: those fail the test through the log.
		return store.Version{}, fhir.Errorf(fhir.IssueProcessing, "injected fault: a Provenance cannot be written").WithStatus(http.StatusServiceUnavailable)
	}
	return t.Tx.Put(ctx, v, idx)
}
