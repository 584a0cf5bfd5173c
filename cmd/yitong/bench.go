package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"github.com/yitong-health/yitong/identity"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/yitong-health/yitong/bench"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/postgres"
	"github.com/yitong-health/yitong/store/sqlite"
)

type benchCmd struct{ stdout, stderr io.Writer }

func (c *benchCmd) Summary() string { return "run a benchmark scenario (ingest, search, audit)" }

func (c *benchCmd) Run(ctx context.Context, args []string) error {
	scenarios := map[string]func(context.Context, []string) error{
		"ingest": c.ingest,
		"search": c.search,
		"audit":  c.audit,
	}
	return dispatch(ctx, c.stderr, "bench", "SCENARIO", scenarios, args)
}

// dispatch runs the sub-command args[0] of command cmd (a word such as
// SCENARIO names it in the usage), or prints the usage for none, -h or
// --help (exit status 2 for none).
func dispatch(ctx context.Context, stderr io.Writer, cmd, word string, subs map[string]func(context.Context, []string) error, args []string) error {
	names := make([]string, 0, len(subs))
	for n := range subs {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(stderr, "usage: yitong %s %s [flags]\n\n%ss: %s\n'yitong %s %s -h' lists its flags.\n",
			cmd, word, strings.ToLower(word), strings.Join(names, ", "), cmd, word)
		if len(args) == 0 {
			return exitCode(2)
		}
		return nil
	}
	fn, ok := subs[args[0]]
	if !ok {
		return fmt.Errorf("%s: unknown %s %q (have %s)", cmd, strings.ToLower(word), args[0], strings.Join(names, ", "))
	}
	return fn(ctx, args[1:])
}

func (c *benchCmd) ingest(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench ingest", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	dir := fs.String("dir", "../shared/testdata/synthea-r4", "folder of Bundles or NDJSON to load")
	backends := fs.String("backend", "sqlite,postgres", "backends to measure, comma-separated")
	pg := fs.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server; each run uses a fresh database on it")
	runs := fs.Int("runs", 3, "runs per backend (the median is reported)")
	concurrency := fs.Int("concurrency", 0, "independent bundles in flight (0: the importer's default)")
	group := fs.Int("group", 0, "independent bundles per store transaction (0: the importer's default; 1: no group commit)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole scenario to this file")
	memprofile := fs.String("memprofile", "", "write a heap profile (allocations of the whole scenario, and what is live at its end) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *memprofile != "" {
		defer func() {
			if err := writeHeapProfile(*memprofile); err != nil {
				fmt.Fprintln(c.stderr, "memprofile:", err)
			}
		}()
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for _, b := range strings.Split(*backends, ",") {
		res, err := bench.Ingest(ctx, bench.IngestOptions{
			Backend: strings.TrimSpace(b), Dir: *dir, Runs: *runs, Concurrency: *concurrency, GroupSize: *group,
			Open: freshStore(*pg), NewService: benchService, Log: c.stderr,
		})
		if err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, res.String())
	}
	return nil
}

func (c *benchCmd) search(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench search", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	dir := fs.String("dir", "../shared/testdata/synthea-r4", "folder of Synthea transaction Bundles to load")
	copies := fs.Int("copies", 11, "times the patient bundles are loaded (11 copies of the Synthea set are about 1,000,000 resources)")
	backends := fs.String("backend", "sqlite,postgres", "backends to measure, comma-separated (fresh databases, dropped afterwards)")
	pg := fs.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server for fresh databases")
	target := fs.String("db", "", "measure this database instead (sqlite:PATH, or the postgres:// URL of an existing database); it is loaded first if empty, and kept")
	samples := fs.Int("samples", 200, "timed searches per query shape")
	clients := fs.Int("clients", 8, "concurrent clients in the throughput phase")
	duration := fs.Duration("duration", 10*time.Second, "length of the throughput phase")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the searches (not of loading) to this file")
	keys := fs.String("keys", "", "folder of the master key that seals a kept --db's signing keys (default: PATH.keys beside an SQLite file, a folder in the system's temporary folder for PostgreSQL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	type db struct {
		name string
		open func() (store.Store, func() error, error)
		keys string // "": a temporary folder, removed after the run
	}
	var dbs []db
	if *target != "" {
		dbs = append(dbs, db{*target, func() (store.Store, func() error, error) {
			if !strings.HasPrefix(*target, "sqlite:") && !strings.HasPrefix(*target, "postgres") {
				return nil, nil, fmt.Errorf("--db %q: give sqlite:PATH or a postgres:// URL", *target)
			}
			st, _, err := openStore(ctx, *target, "")
			if err != nil {
				return nil, nil, err
			}
			return st, st.Close, nil
		}, keptKeys(*target, *keys)})
	} else {
		for _, b := range strings.Split(*backends, ",") {
			b = strings.TrimSpace(b)
			dbs = append(dbs, db{b, func() (store.Store, func() error, error) { return freshStore(*pg)(ctx, b) }, ""})
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, d := range dbs {
		st, closeFn, err := d.open()
		if err != nil {
			return err
		}
		res, err := c.searchOne(ctx, st, d.name, d.keys, *dir, *copies, bench.SearchOptions{Samples: *samples, Clients: *clients, Duration: *duration, Log: c.stderr, CPUProfile: *cpuprofile}, log)
		if err = errors.Join(err, closeFn()); err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, res.String())
	}
	return nil
}

// keptKeys returns the folder of the master key of a kept database: the
// signing keys the first run seals in it must open again on the next.
func keptKeys(target, keys string) string {
	if keys != "" {
		return keys
	}
	if path, ok := strings.CutPrefix(target, "sqlite:"); ok {
		return path + ".keys"
	}
	name := "db"
	if u, err := url.Parse(target); err == nil && strings.Trim(u.Path, "/") != "" {
		name = strings.Trim(u.Path, "/")
	}
	return filepath.Join(os.TempDir(), "yitong-bench-keys-"+filepath.Base(name))
}

// searchOne loads the population into st when it is empty, then runs the
// search scenario on it. keys is the folder of the master key sealing the
// platform's signing keys ("": a temporary one, removed afterwards).
func (c *benchCmd) searchOne(ctx context.Context, st store.Store, name, keys, dir string, copies int, o bench.SearchOptions, log *slog.Logger) (_ bench.SearchResult, err error) {
	// The audit log spools recorded entries as `yitong serve` does.
	tmp, err := os.MkdirTemp("", "yitong-bench-spool-")
	if err != nil {
		return bench.SearchResult{}, err
	}
	defer func() { err = errors.Join(err, os.RemoveAll(tmp)) }()
	p, err := openPlatformSpool(ctx, st, log, "", filepath.Join(tmp, spoolFile))
	if err != nil {
		return bench.SearchResult{}, err
	}
	defer p.Close()
	svc := p.svc
	if err := finishReindex(ctx, svc, log); err != nil {
		return bench.SearchResult{}, err
	}
	var empty bool
	if err := st.View(ctx, func(tx store.Tx) error {
		vs, err := tx.ListCurrent(ctx, store.CurrentQuery{Count: 1})
		empty = len(vs) == 0
		return err
	}); err != nil {
		return bench.SearchResult{}, err
	}
	if empty {
		start := time.Now()
		n, err := bench.LoadPopulation(ctx, svc, dir, copies, 2, c.stderr)
		if err != nil {
			return bench.SearchResult{}, err
		}
		fmt.Fprintf(c.stderr, "population: %d resources in %.0fs (%.0f/s)\n", n, time.Since(start).Seconds(), float64(n)/time.Since(start).Seconds())
	} else {
		// A kept database may have changed since its statistics were
		// taken (migrations, earlier runs' writes): refresh them, as the
		// load does, or PostgreSQL plans on stale ones (observations p99
		// 28.5 ms before, 6.1 ms after, on the 1M database).
		if err := st.Analyze(ctx); err != nil {
			return bench.SearchResult{}, fmt.Errorf("refresh planner statistics: %w", err)
		}
	}
	cleanup := func() error { return nil }
	if keys == "" {
		tmp, err := os.MkdirTemp("", "yitong-bench-data-")
		if err != nil {
			return bench.SearchResult{}, err
		}
		keys, cleanup = tmp, func() error { return os.RemoveAll(tmp) }
	}
	if o.Token, err = benchToken(ctx, p); err != nil {
		return bench.SearchResult{}, errors.Join(err, cleanup())
	}
	// The server needs the id token key, kept under the master key in keys.
	if err := p.openSigning(ctx, st, keys); err != nil {
		return bench.SearchResult{}, errors.Join(fmt.Errorf("signing keys (master key in %s): %w", keys, err), cleanup())
	}
	o.Backend, o.Handler, o.Store = name, newServer(p, keys, log), st
	res, err := bench.Search(ctx, o)
	return res, errors.Join(err, cleanup())
}

// freshStore opens empty stores for benchmark runs: an SQLite file in a
// temporary folder, or a new database on the PostgreSQL server at pgAdmin.
func freshStore(pgAdmin string) func(ctx context.Context, backend string) (store.Store, func() error, error) {
	return func(ctx context.Context, backend string) (store.Store, func() error, error) {
		switch backend {
		case "sqlite":
			dir, err := os.MkdirTemp("", "yitong-bench-")
			if err != nil {
				return nil, nil, err
			}
			st, err := sqlite.Open(ctx, filepath.Join(dir, "bench.db"), nil)
			if err != nil {
				return nil, nil, errors.Join(err, os.RemoveAll(dir))
			}
			return st, func() error { return errors.Join(st.Close(), os.RemoveAll(dir)) }, nil
		case "postgres":
			var b [6]byte
			if _, err := rand.Read(b[:]); err != nil {
				return nil, nil, err
			}
			name := "yitong_bench_" + hex.EncodeToString(b[:])
			u, err := postgres.CreateDatabase(ctx, pgAdmin, name)
			if err != nil {
				return nil, nil, err
			}
			st, err := postgres.Open(ctx, u, nil)
			if err != nil {
				return nil, nil, errors.Join(err, postgres.DropDatabase(context.Background(), pgAdmin, name))
			}
			return st, func() error {
				return errors.Join(st.Close(), postgres.DropDatabase(context.Background(), pgAdmin, name))
			}, nil
		}
		return nil, nil, fmt.Errorf("unknown backend %q (sqlite, postgres)", backend)
	}
}

// audit builds a large audit log on a fresh database and times its
// verification and inclusion proofs.
func (c *benchCmd) audit(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench audit", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	entries := fs.Int("entries", 10000000, "entries in the log")
	proofs := fs.Int("proofs", 1000, "inclusion proofs timed")
	backends := fs.String("backend", "sqlite", "backends to measure, comma-separated (fresh databases, dropped afterwards)")
	pg := fs.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server for fresh databases")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, b := range strings.Split(*backends, ",") {
		b = strings.TrimSpace(b)
		st, closeFn, err := freshStore(*pg)(ctx, b)
		if err != nil {
			return err
		}
		res, err := bench.Audit(ctx, bench.AuditOptions{Store: st, Backend: b, Entries: *entries, Proofs: *proofs, Log: c.stderr})
		if err = errors.Join(err, closeFn()); err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, res.String())
	}
	return nil
}

// benchToken registers a system client that may read everything and
// returns an access token of it: the benchmark's searches pass
// authentication and the policy decision like any client's.
func benchToken(ctx context.Context, p *platform) (string, error) {
	c, _, err := p.id.CreateClient(ctx, identity.Client{Name: "yitong bench", Scope: "system/*.rs"}, true)
	if err != nil {
		return "", err
	}
	tok, err := p.id.ClientCredentials(ctx, c, "")
	return tok.Access, err
}

// writeHeapProfile writes the heap profile (allocation counts since the
// start of the process and the live heap) to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC() // so that the live-heap figures are up to date
	if err := pprof.WriteHeapProfile(f); err != nil {
		return errors.Join(err, f.Close())
	}
	return f.Close()
}
