package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/yitong-health/yitong/bulk"
	"github.com/yitong-health/yitong/config"
	"github.com/yitong-health/yitong/ingest"
)

type importCmd struct{ stdout, stderr io.Writer }

func (c *importCmd) Summary() string {
	return "load FHIR Bundles and NDJSON files (gzip too) into the database"
}

func (c *importCmd) Run(ctx context.Context, args []string) (err error) {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, "usage: yitong import [--data DIR | --database URL] PATH...\n\nPATH is a .json, .json.gz, .ndjson or .ndjson.gz file or a folder of them.")
		fs.PrintDefaults()
	}
	set := config.Bind(fs, storeFlags()...)
	chunk := fs.Int("chunk", 500, "resources per transaction for NDJSON and non-transaction bundles")
	concurrency := fs.Int("concurrency", 2, "independent transaction bundles (only POST entries) in flight at once; 1 is strictly sequential")
	group := fs.Int("group", 4, "independent transaction bundles written together in one store transaction, each still all-or-nothing with its own audit entry (1: one by one)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitCode(2)
	}
	v, err := getAll(set, config.Data, config.Database)
	if err != nil {
		return err
	}
	total, err := ingest.TotalBytes(fs.Args())
	if err != nil {
		return err
	}
	st, backend, err := openStore(ctx, v[1], v[0])
	if err != nil {
		return err
	}
	defer func() {
		if cerr := st.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close database: %w", cerr)
		}
	}()
	p, err := openPlatform(ctx, st, slog.New(slog.NewTextHandler(c.stderr, nil)), v[0])
	if err != nil {
		return err
	}
	defer p.Close() // before the store closes: the audit writer's last flush needs it
	svc := p.svc
	if err := finishReindex(ctx, svc, slog.New(slog.NewTextHandler(c.stderr, nil))); err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "importing into %s\n", describe(backend))
	progress := bulk.NewProgress(c.stderr, total, bulk.IsTerminal(os.Stderr))
	im := &ingest.Importer{Service: svc, ChunkSize: *chunk, Concurrency: *concurrency, GroupSize: *group, Progress: progress}
	sum, err := im.Import(ctx, fs.Args())
	printSummary(c.stdout, sum)
	if err != nil {
		return err
	}
	if sum.Failed > 0 {
		return exitCode(1)
	}
	return nil
}

func printSummary(w io.Writer, s ingest.Summary) {
	fmt.Fprintf(w, "files: %d  bundles: %d  resources: %d  failed: %d  time: %.1fs  rate: %.0f resources/s\n",
		s.Files, s.Bundles, s.Resources, s.Failed, s.Duration.Seconds(), s.Rate())
	for _, p := range s.Problems {
		fmt.Fprintln(w, "error:", p.String())
	}
	if s.Dropped > 0 {
		fmt.Fprintf(w, "… and %d more errors\n", s.Dropped)
	}
}
