package bench

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
)

// LoadPopulation loads the transaction Bundles in dir copies times through
// svc (validation, references and every search index as in production).
// Information bundles (names containing "Information": practitioners and
// organizations, created conditionally) load once; each copy of a patient
// bundle gets fresh server-assigned ids and, from the second copy on,
// identifier values suffixed with "-k", so that every patient stays
// findable by a unique identifier. It returns the number of resources
// written.
func LoadPopulation(ctx context.Context, svc *resources.Service, dir string, copies, workers int, log io.Writer) (int, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json*"))
	if err != nil {
		return 0, err
	}
	sort.Strings(names)
	var info, patients []string
	for _, n := range names {
		if strings.Contains(filepath.Base(n), "Information") {
			info = append(info, n)
		} else {
			patients = append(patients, n)
		}
	}
	if len(patients) == 0 {
		return 0, fmt.Errorf("no patient bundles in %s", dir)
	}
	var total atomic.Int64
	load := func(path string, copy int) error {
		b, err := readBundle(path)
		if err != nil {
			return err
		}
		if copy > 0 {
			suffixIdentifiers(b, fmt.Sprintf("-%d", copy))
		}
		run := svc.Transaction
		if b["type"] == "batch" {
			run = svc.Batch
		}
		out, err := run(ctx, b)
		if err != nil {
			return fmt.Errorf("%s (copy %d): %w", filepath.Base(path), copy, err)
		}
		total.Add(int64(out.Written()))
		return nil
	}
	for _, p := range info {
		if err := load(p, 0); err != nil {
			return 0, err
		}
	}
	type job struct {
		path string
		copy int
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	var firstErr error
	var once sync.Once
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := 0; w < max(workers, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := load(j.path, j.copy); err != nil {
					once.Do(func() { firstErr = err; cancel() })
				}
			}
		}()
	}
feed:
	for c := 0; c < copies; c++ {
		for _, p := range patients {
			select {
			case jobs <- job{p, c}:
			case <-ctx.Done():
				break feed
			}
		}
		fmt.Fprintf(log, "population: copy %d of %d loaded (%d resources)\n", c+1, copies, total.Load())
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return int(total.Load()), firstErr
	}
	if err := ctx.Err(); err != nil {
		return int(total.Load()), err
	}
	return int(total.Load()), svc.Store().Analyze(ctx)
}

// readBundle reads a JSON (optionally gzipped) Bundle.
func readBundle(path string) (map[string]any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	b, err := fhir.Decode(data, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// suffixIdentifiers appends suffix to the identifier values of the
// bundle's Patients.
func suffixIdentifiers(b map[string]any, suffix string) {
	entries, _ := b["entry"].([]any)
	for _, e := range entries {
		em, _ := e.(map[string]any)
		res, _ := em["resource"].(map[string]any)
		if res["resourceType"] != "Patient" {
			continue
		}
		ids, _ := res["identifier"].([]any)
		for _, id := range ids {
			if m, ok := id.(map[string]any); ok {
				if v, ok := m["value"].(string); ok {
					m["value"] = v + suffix
				}
			}
		}
	}
}
