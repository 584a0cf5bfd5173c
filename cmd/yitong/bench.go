package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"runtime/pprof"

	"flag"
	"fmt"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/postgres"
	"github.com/yitong-health/yitong/store/sqlite"
	"io"
	"sort"
	"strings"

	"github.com/yitong-health/yitong/bench"
)

type benchCmd struct{ stdout, stderr io.Writer }

func (c *benchCmd) Summary() string { return "run a benchmark scenario (ingest)" }

func (c *benchCmd) Run(ctx context.Context, args []string) error {
	scenarios := map[string]func(context.Context, []string) error{
		"ingest": c.ingest,
	}
	names := make([]string, 0, len(scenarios))
	for n := range scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(c.stderr, "usage: yitong bench SCENARIO [flags]\n\nscenarios: %s\n'yitong bench SCENARIO -h' lists its flags.\n", strings.Join(names, ", "))
		if len(args) == 0 {
			return exitCode(2)
		}
		return nil
	}
	fn, ok := scenarios[args[0]]
	if !ok {
		return fmt.Errorf("bench: unknown scenario %q (have %s)", args[0], strings.Join(names, ", "))
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
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole scenario to this file")
	if err := fs.Parse(args); err != nil {
		return err
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
			Backend: strings.TrimSpace(b), Dir: *dir, Runs: *runs, Concurrency: *concurrency,
			Open: freshStore(*pg), NewService: newService, Log: c.stderr,
		})
		if err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, res.String())
	}
	return nil
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
