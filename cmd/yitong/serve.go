package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/yitong-health/yitong/auth"
	"github.com/yitong-health/yitong/config"
	"github.com/yitong-health/yitong/export"
	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/oauth"
	"github.com/yitong-health/yitong/prescribing"
	"github.com/yitong-health/yitong/registry"
	"github.com/yitong-health/yitong/rest"
	"github.com/yitong-health/yitong/web"
)

type serveCmd struct{ stderr io.Writer }

func (c *serveCmd) Summary() string { return "serve the web pages at / and the FHIR API at /fhir" }

func (c *serveCmd) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	set := config.Bind(fs, config.Listen, config.Data, config.Database, config.LogFormat, config.IdempotencyRetention)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected arguments %v", fs.Args())
	}
	v, err := getAll(set, config.Listen, config.Data, config.Database, config.LogFormat, config.IdempotencyRetention)
	if err != nil {
		return err
	}
	listen, data, database, logFormat := v[0], v[1], v[2], v[3]
	keep, err := config.Duration(v[4])
	if err != nil {
		return err
	}
	log := newLogger(logFormat)
	st, backend, err := openStore(ctx, database, data)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("close store", "error", err.Error())
		}
	}()
	p, err := openPlatform(ctx, st, log, data)
	if err != nil {
		return err
	}
	defer p.Close() // before the store closes: the audit writer's last flush needs it
	if err := p.openSigning(ctx, st, data); err != nil {
		return err
	}
	if err := finishReindex(ctx, p.svc, log); err != nil {
		return err
	}
	p.keepKeys = keep
	p.runRetention()
	handler := newServer(p, data, log)
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	log.Info("yitong serving", "version", version, "address", "http://"+ln.Addr().String(), "fhir", "http://"+ln.Addr().String()+"/fhir", "store", describe(backend))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newServer assembles the HTTP handler: pages, the FHIR API, metrics and
// health endpoints.
func newServer(p *platform, data string, log *slog.Logger) http.Handler {
	svc := p.svc
	st := svc.Store()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(rest.Collectors()...)
	practitioners := &registry.Registry{Service: svc}
	care := &auth.Care{Service: svc, TTL: 30 * time.Second}
	gate := &auth.Gate{Tokens: p.id, Policy: &auth.Policy{
		Care:     care,
		Consents: care,
		Regions:  auth.Regions{Service: svc},
		Registry: &auth.CachedRegistrations{Registry: practitioners, TTL: 30 * time.Second},
	}}
	rx := prescribing.New(svc, p.sign, nil)
	api := rest.New(rest.Config{
		Service:       svc,
		Policy:        rest.GatePolicy{Gate: gate},
		Logger:        log,
		ResourceTypes: spec.ResourceTypes(),
		Software:      "Yitong",
		Version:       version,
		Exports:       export.NewManager(st, filepath.Join(data, "exports"), log),
		Audit:         p.audit,
		Prescribing:   rx,
		// Idempotency keys are kept this long (zero: the default);
		// runRetention prunes them.
		IdempotencyRetention: p.keepKeys,
	})
	oa := oauth.New(p.id, p.idt, log)
	mux := http.NewServeMux()
	mux.Handle("/fhir/", rest.CORS(api))
	mux.Handle("/fhir", rest.CORS(api))
	mux.Handle("/fhir/.well-known/smart-configuration", rest.CORS(oa))
	mux.Handle("/fhir/.well-known/openid-configuration", rest.CORS(oa))
	mux.Handle("/oauth/jwks", rest.CORS(oa))
	mux.Handle("/oauth/token", rest.CORS(oa))
	mux.Handle("/oauth/revoke", rest.CORS(oa))
	mux.Handle("POST /oauth/introspect", oa)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n")) // nothing to do if the client went away
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := st.Ping(ctx); err != nil {
			log.Warn("readyz: store not ready", "error", err.Error())
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("database unavailable\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("/", web.New(web.Config{Version: version, Dialect: st.Dialect(), Identity: p.id, Signing: p.sign,
		Policy: gate.Policy, Registry: practitioners, Resources: svc, Audit: p.audit, Prescribing: rx, Logger: log}))
	return mux
}
