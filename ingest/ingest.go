// Package ingest loads files of FHIR data into the store: Bundles
// (transactions and batches are processed as such; other bundles and single
// resources as their resources) and NDJSON (gzip too). It is the engine of
// `yitong import` and of the ingest benchmark.
//
// Resources from NDJSON and non-transaction bundles are written in chunks,
// each chunk one store transaction: a resource with an id is stored under
// that id (update-as-create, as a bulk export round trip requires), one
// without gets a new id. A chunk that fails is retried resource by resource
// so that each bad resource is reported with its file and line and the good
// ones still land. Nothing is counted as imported before its transaction has
// committed.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/yitong-health/yitong/bulk"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
)

// Importer imports files through a resources.Service.
type Importer struct {
	Service *resources.Service
	// ChunkSize is the number of resources per transaction for NDJSON and
	// non-transaction bundles (default 500).
	ChunkSize int
	// Progress, when set, is told of bytes read and resources committed.
	Progress *bulk.Progress
	// MaxErrors bounds the errors kept in the summary (default 1000).
	MaxErrors int
	// Concurrency is how many independent transaction bundles (only plain
	// POST entries) may be in flight at once (default 2; 1 is strictly
	// sequential).
	Concurrency int
	// GroupSize is how many independent transaction bundles are written
	// together in one store transaction (default 4; 1 writes each bundle in
	// its own). Each bundle stays all-or-nothing with its own audit entry:
	// when a group fails, its bundles are run again one by one.
	GroupSize int
	// GroupEntries closes a group early once its bundles hold this many
	// entries (default 4000), bounding the memory and the transaction.
	GroupEntries int
}

// Problem is one failure reported by an import, with its place.
type Problem struct {
	File string
	Line int
	Err  error
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", p.File, p.Line, p.Err)
	}
	return fmt.Sprintf("%s: %v", p.File, p.Err)
}

// Summary reports what an import did.
type Summary struct {
	Files     int
	Bundles   int
	Resources int // resources written (created or updated) and committed
	Failed    int // resources or bundles that failed
	Problems  []Problem
	Dropped   int // problems not kept because MaxErrors was reached
	Duration  time.Duration
}

// Rate is resources per second.
func (s Summary) Rate() float64 {
	if s.Duration <= 0 {
		return 0
	}
	return float64(s.Resources) / s.Duration.Seconds()
}

type unit struct {
	file  string
	item  bulk.Item
	err   *bulk.LineError
	flush bool // end of file: write the pending chunk
}

// Import imports the files and folders in paths (see bulk.Walk for the
// order). It returns an error only when it could not go on (a missing path,
// a cancelled context, a database failure); problems with the data itself
// are in the summary.
func (im *Importer) Import(ctx context.Context, paths []string) (Summary, error) {
	start := time.Now()
	var files []string
	if err := bulk.Walk(paths, func(p string) error { files = append(files, p); return nil }); err != nil {
		return Summary{}, err
	}
	r := &run{im: im, sum: Summary{Files: len(files)}}
	if im.ChunkSize <= 0 {
		im.ChunkSize = 500
	}
	if im.MaxErrors <= 0 {
		im.MaxErrors = 1000
	}
	if im.Concurrency <= 0 {
		im.Concurrency = 2
	}
	if im.GroupSize <= 0 {
		im.GroupSize = 4
	}
	if im.GroupEntries <= 0 {
		im.GroupEntries = 4000
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	units := make(chan unit, 4)
	var readErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(units)
		readErr = im.read(ctx, files, units)
	}()
	var err error
	for u := range units {
		if err == nil {
			err = r.handle(ctx, u)
			if err != nil {
				cancel()
			}
		}
	}
	wg.Wait()
	if err == nil {
		err = r.flush(ctx)
	}
	if err == nil {
		err = r.barrier(ctx)
	} else {
		r.wg.Wait() // let bundles in flight finish before reporting
	}
	if err == nil && readErr != nil && !errors.Is(readErr, context.Canceled) {
		err = readErr
	}
	r.sum.Duration = time.Since(start)
	if err == nil && r.sum.Resources > 0 {
		// Fresh planner statistics for the new data (not counted in the
		// rate, which measures loading).
		err = im.Service.Store().Analyze(ctx)
	}
	if im.Progress != nil {
		im.Progress.Done()
	}
	return r.sum, err
}

// readAhead is how many files are decoded concurrently ahead of the writer.
var readAhead = max(2, runtime.GOMAXPROCS(0))

// read decodes files ahead of the writer, several at a time, and hands their
// units to out in file order, so parsing overlaps with writing and uses
// every core. Each file streams through its own bounded channel.
func (im *Importer) read(ctx context.Context, files []string, out chan<- unit) error {
	chans := make([]chan unit, len(files))
	for i := range chans {
		chans[i] = make(chan unit, 16)
	}
	sem := make(chan struct{}, readAhead)
	errs := make([]error, len(files))
	go func() {
		for i, f := range files {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				for _, c := range chans[i:] {
					close(c)
				}
				return
			}
			go func() {
				defer close(chans[i])
				errs[i] = im.readFile(ctx, f, chans[i])
			}()
		}
	}()
	for i, c := range chans {
		for u := range c {
			select {
			case out <- u:
			case <-ctx.Done():
				for range c {
				}
			}
		}
		<-sem
		if errs[i] != nil {
			return errs[i]
		}
	}
	return ctx.Err()
}

// readFile decodes one file into units, ending with a flush unit.
func (im *Importer) readFile(ctx context.Context, f string, out chan<- unit) error {
	send := func(u unit) error {
		select {
		case out <- u:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	lim := bulk.Limits{
		MaxDepth: im.Service.Limits().MaxDepth,
		Progress: im.Progress,
		OnError:  func(le *bulk.LineError) error { return send(unit{file: f, err: le}) },
	}
	err := bulk.ReadFile(f, lim, func(it bulk.Item) error { return send(unit{file: f, item: it}) })
	if err != nil {
		var le *bulk.LineError
		if !errors.As(err, &le) || ctx.Err() != nil {
			return err
		}
		// An I/O failure (a truncated gzip stream): report it and go on.
		if err := send(unit{file: f, err: le}); err != nil {
			return err
		}
	}
	return send(unit{file: f, flush: true})
}

// TotalBytes returns the summed size of the files under paths (for a
// progress bar).
func TotalBytes(paths []string) (int64, error) {
	var n int64
	err := bulk.Walk(paths, func(p string) error {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		n += st.Size()
		return nil
	})
	return n, err
}

var entryIndex = regexp.MustCompile(`Bundle\.entry\[(\d+)\]`)

// failedEntry returns the index of the bundle entry an error names, or -1.
func failedEntry(err error) int {
	fe, ok := fhir.AsError(err)
	if !ok || len(fe.Issues) == 0 {
		return -1
	}
	m := entryIndex.FindStringSubmatch(fe.Issues[0].Diagnostics)
	if m == nil && len(fe.Issues[0].Expression) > 0 {
		m = entryIndex.FindStringSubmatch(fe.Issues[0].Expression[0])
	}
	if m == nil {
		return -1
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return -1
	}
	return n
}
