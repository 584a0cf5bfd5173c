package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/config"
	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/fhir/validate"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/rest"
	"github.com/yitong-health/yitong/signing"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/postgres"
	"github.com/yitong-health/yitong/store/sqlite"
)

// openStore opens the backend that --database and --data select.
func openStore(ctx context.Context, database, data string) (store.Store, config.Backend, error) {
	b := config.ResolveBackend(database, data)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var st store.Store
	var err error
	switch b.Kind {
	case "postgres":
		st, err = postgres.Open(ctx, b.URL, nil)
	default:
		st, err = sqlite.Open(ctx, b.Path, nil)
	}
	if err != nil {
		return nil, b, err
	}
	return st, b, nil
}

// describe names a backend for logs, without secrets.
func describe(b config.Backend) string {
	if b.Kind == "postgres" {
		return "postgres " + config.Redact(b.URL)
	}
	return "sqlite " + b.Path
}

// platform is what every command that serves or writes data runs on: the
// resources service, and the audit log that records each of its acts with
// the log's background writer running.
type platform struct {
	svc   *resources.Service
	audit *audit.Log
	id    *identity.Service
	// sign is the signing service and idt the id token signer; nil until
	// openSigning.
	sign *signing.Service
	idt  *identity.IDTokenSigner
	// data is the data folder of commands that know it.
	data string
	// ctx lives until Close; stop ends it.
	ctx  context.Context
	stop context.CancelFunc
	done chan struct{}
	// pruned closes when the retention run (runRetention) has stopped;
	// nil when none was started.
	pruned chan struct{}
	// keepKeys is how long idempotency keys are kept (zero: the API's
	// default); log is the process logger.
	keepKeys time.Duration
	log      *slog.Logger
}

// openPlatform opens the audit log of st (creating its signing key on
// first use, encrypted under the master key of data), starts its writer,
// and builds the resources service with the R4 validator. Close stops the writer after it has written and sequenced
// every entry.
func openPlatform(ctx context.Context, st store.Store, log *slog.Logger, data string) (*platform, error) {
	spool := ""
	if data != "" {
		spool = filepath.Join(data, spoolFile)
	}
	return openPlatformSpool(ctx, st, log, data, spool)
}

// spoolFile is the audit log's spool in the data folder (audit.Config.Spool).
const spoolFile = "audit.spool"

// openPlatformSpool is openPlatform with the audit log's spool at spool
// ("": none).
func openPlatformSpool(ctx context.Context, st store.Store, log *slog.Logger, data, spool string) (*platform, error) {
	l, err := openLog(ctx, st, data, spool, log)
	if err != nil {
		return nil, err
	}
	rctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	p := &platform{audit: l, ctx: rctx, stop: stop, done: make(chan struct{}), log: log}
	go func() { defer close(p.done); l.Run(rctx) }()
	p.svc = resources.New(st, resources.Options{
		Validate:       validate.Resource,
		IsResourceType: spec.IsResourceType,
		Audit:          l,
	})
	p.id = identity.New(st, identity.Options{Audit: l})
	return p, nil
}

// openLog opens the audit log of st, its checkpoint key encrypted with the
// master key of the data folder (see masterKey), its recorded entries
// spooled at spool ("": none); data "" (benchmarks only) keeps the key in
// the clear.
func openLog(ctx context.Context, st store.Store, data, spool string, log *slog.Logger) (*audit.Log, error) {
	cfg := audit.Config{Store: st, Logger: log, Spool: spool}
	if data != "" {
		mk, err := platformMasterKey(ctx, st, data)
		if err != nil {
			return nil, err
		}
		if cfg.KeyCipher, err = signing.NewMasterCipher(mk); err != nil {
			return nil, err
		}
	}
	l, err := audit.Open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return l, nil
}

// openSigning opens the signing CA and the OpenID Connect id token key
// with the master key of the data folder (see masterKey), creating each
// on first use.
func (p *platform) openSigning(ctx context.Context, st store.Store, data string) error {
	mk, err := platformMasterKey(ctx, st, data)
	if err != nil {
		return err
	}
	if p.sign, err = signing.Open(ctx, signing.Options{Store: st, Audit: p.audit, MasterKey: mk}); err != nil {
		return err
	}
	mc, err := signing.NewMasterCipher(mk)
	if err != nil {
		return err
	}
	p.idt, err = identity.OpenIDTokenSigner(ctx, st, mc)
	return err
}

// platformMasterKey returns the master key of data (see masterKey),
// finishing a rotation that stopped between re-encrypting the keys and
// renaming master.key.next over master.key: whichever key opens the
// stored keys is the one in force.
func platformMasterKey(ctx context.Context, st store.Store, data string) ([]byte, error) {
	mk, err := masterKey(data)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	nextPath := filepath.Join(data, nextKeyFile)
	next, err := readKeyFile(nextPath)
	if errors.Is(err, os.ErrNotExist) || os.Getenv("YITONG_MASTER_KEY") != "" {
		return mk, nil
	} else if err != nil {
		return nil, err
	}
	if ok, err := signing.Opens(ctx, st, mk); err != nil || ok {
		// The rotation has not committed (or is still running): the next
		// key is not in force. The file is left for the rotation itself.
		return mk, err
	}
	if ok, err := signing.Opens(ctx, st, next); err != nil || !ok {
		return nil, errors.Join(err, errors.New("master key: neither master.key nor master.key.next opens the platform keys"))
	}
	if err := os.Rename(nextPath, filepath.Join(data, "master.key")); err != nil {
		return nil, err
	}
	return next, syncDir(data)
}

// runRetention prunes the audit log a minute after it starts and then
// daily (audit.Log.RunRetention) until Close. Pruning takes the audit
// sequencer's lock and the store's tree lock, so it never races the
// writer. It also deletes expired idempotency keys, a minute after the
// start and then hourly (rest.RunIdempotencyPruning).
func (p *platform) runRetention() {
	p.pruned = make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.audit.RunRetention(p.ctx, time.Minute, 24*time.Hour)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		rest.RunIdempotencyPruning(p.ctx, p.svc.Store(), p.log, time.Minute, time.Hour)
	}()
	go func() {
		wg.Wait()
		close(p.pruned)
	}()
}

// Close stops the retention run and the audit writer once everything
// recorded is written.
func (p *platform) Close() {
	p.stop()
	if p.pruned != nil {
		<-p.pruned
	}
	<-p.done
}

// benchService opens a platform for a benchmark run (bench.IngestOptions).
func benchService(ctx context.Context, st store.Store) (*resources.Service, func(), error) {
	p, err := openPlatform(ctx, st, slog.New(slog.NewTextHandler(io.Discard, nil)), "")
	if err != nil {
		return nil, nil, err
	}
	return p.svc, p.Close, nil
}

// finishReindex rebuilds the index entries a migration or an interrupted
// reindex left pending, before the store serves searches or conditional
// writes that rely on them. It logs progress every batch.
func finishReindex(ctx context.Context, svc *resources.Service, log *slog.Logger) error {
	from, err := svc.PrepareSearch(ctx)
	if err != nil || from < 0 {
		return err
	}
	log.Info("rebuilding search indexes", "from", from)
	start := time.Now()
	err = svc.Reindex(ctx, from, func(p resources.ReindexProgress) {
		log.Info("rebuilding search indexes", "resources", p.Done)
	})
	if err != nil {
		return fmt.Errorf("rebuild search indexes: %w", err)
	}
	log.Info("search indexes rebuilt", "seconds", time.Since(start).Seconds())
	return nil
}

// newLogger returns the process logger in the chosen format.
func newLogger(format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, nil))
}

// storeFlags are the flags every command that opens the database takes.
func storeFlags() []config.Option { return []config.Option{config.Data, config.Database} }

func getAll(set *config.Set, opts ...config.Option) ([]string, error) {
	out := make([]string, len(opts))
	for i, o := range opts {
		v, err := set.Get(o)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
