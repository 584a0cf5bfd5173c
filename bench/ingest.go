// Package bench holds Yitong's whole-system benchmark scenarios, run by
// `yitong bench SCENARIO`. Each reports the median of several runs on fresh
// databases together with the machine it ran on.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/yitong-health/yitong/ingest"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
)

// IngestOptions configure the ingest scenario.
type IngestOptions struct {
	Backend string // "sqlite" or "postgres"
	Dir     string
	Runs    int
	// Concurrency is passed to the importer (0: its default).
	Concurrency int
	// GroupSize is passed to the importer (0: its default).
	GroupSize int
	// Open opens a fresh, empty store of the backend; close drops it.
	Open func(ctx context.Context, backend string) (st store.Store, close func() error, err error)
	// NewService builds the service of a run (with its audit log); done
	// is called after the run, once the clock has stopped.
	NewService func(ctx context.Context, st store.Store) (svc *resources.Service, done func(), err error)
	Log        io.Writer
}

// IngestResult is the outcome of the ingest scenario on one backend.
type IngestResult struct {
	Backend   string
	Resources int
	Bundles   int
	Rates     []float64 // resources/s per run, sorted
	Durations []time.Duration
	PeakRSS   int64 // bytes (the process high-water mark)
}

// Median returns the median rate.
func (r IngestResult) Median() float64 {
	if len(r.Rates) == 0 {
		return 0
	}
	return r.Rates[len(r.Rates)/2]
}

func (r IngestResult) String() string {
	rates := make([]string, len(r.Rates))
	for i, x := range r.Rates {
		rates[i] = fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("ingest %-8s resources=%d bundles=%d median=%.0f/s runs=[%s] peak_rss=%dMiB cpus=%d go=%s",
		r.Backend, r.Resources, r.Bundles, r.Median(), strings.Join(rates, " "), r.PeakRSS>>20, runtime.NumCPU(), runtime.Version())
}

// Ingest loads every file under Dir into a fresh store Runs times, with
// validation and version history on, exactly as `yitong import` does.
func Ingest(ctx context.Context, o IngestOptions) (IngestResult, error) {
	if o.Runs <= 0 {
		o.Runs = 3
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	res := IngestResult{Backend: o.Backend}
	for i := 0; i < o.Runs; i++ {
		st, closeFn, err := o.Open(ctx, o.Backend)
		if err != nil {
			return res, fmt.Errorf("bench ingest %s: %w", o.Backend, err)
		}
		svc, done, err := o.NewService(ctx, st)
		if err != nil {
			return res, errors.Join(fmt.Errorf("bench ingest %s: %w", o.Backend, err), closeFn())
		}
		im := &ingest.Importer{Service: svc, Concurrency: o.Concurrency, GroupSize: o.GroupSize}
		sum, err := im.Import(ctx, []string{o.Dir})
		done()
		cerr := closeFn()
		if err != nil {
			return res, fmt.Errorf("bench ingest %s: %w", o.Backend, err)
		}
		if cerr != nil {
			return res, fmt.Errorf("bench ingest %s: close: %w", o.Backend, cerr)
		}
		if sum.Failed > 0 {
			return res, fmt.Errorf("bench ingest %s: %d failures, first: %v", o.Backend, sum.Failed, sum.Problems[0])
		}
		res.Resources, res.Bundles = sum.Resources, sum.Bundles
		res.Rates = append(res.Rates, sum.Rate())
		res.Durations = append(res.Durations, sum.Duration)
		fmt.Fprintf(o.Log, "ingest %s run %d: %d resources in %.2fs = %.0f/s\n", o.Backend, i+1, sum.Resources, sum.Duration.Seconds(), sum.Rate())
	}
	sort.Float64s(res.Rates)
	res.PeakRSS = peakRSS()
	return res, nil
}

// peakRSS reads the process's resident-set high-water mark (Linux).
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				if err == nil {
					return kb << 10
				}
			}
		}
	}
	return 0
}
