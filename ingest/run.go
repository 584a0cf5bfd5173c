package ingest

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/yitong-health/yitong/bulk"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
)

// run is the writer side of one Import. Independent transaction bundles
// (every entry a plain POST) run up to Concurrency at a time, so one
// bundle's validation overlaps another's writes; everything else waits for
// them (barrier) and runs in file order.
type run struct {
	im      *Importer
	sum     Summary
	pending []bulk.Item

	mu    sync.Mutex // guards sum, retry and fatal while bundles run concurrently
	wg    sync.WaitGroup
	slots chan struct{}
	seq   int
	retry []seqItem // bundles that failed while running concurrently
	fatal error
	// group holds independent bundles not yet started: they are written
	// together, in one store transaction (group commit).
	group        []seqItem
	groupEntries int
}

type seqItem struct {
	seq int
	it  bulk.Item
}

func (r *run) problem(file string, line int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sum.Failed++
	if len(r.sum.Problems) >= r.im.MaxErrors {
		r.sum.Dropped++
		return
	}
	r.sum.Problems = append(r.sum.Problems, Problem{File: file, Line: line, Err: err})
}

// isFatal reports whether err is not the data's fault (the database failed
// or the context ended): the import stops.
func isFatal(ctx context.Context, err error) bool {
	return ctx.Err() != nil || fhir.CodeOf(err) == fhir.IssueException
}

func (r *run) handle(ctx context.Context, u unit) error {
	switch {
	case u.err != nil:
		r.problem(u.err.File, u.err.Line, u.err.Err)
		return nil
	case u.flush:
		return r.flush(ctx)
	}
	res := u.item.Resource
	if rt, _ := res["resourceType"].(string); rt == "Bundle" {
		switch t, _ := res["type"].(string); t {
		case "transaction":
			if independent(res) {
				return r.concurrentTransaction(ctx, u.item)
			}
			if err := r.barrier(ctx); err != nil {
				return err
			}
			return r.transaction(ctx, u.item)
		case "batch":
			if err := r.barrier(ctx); err != nil {
				return err
			}
			return r.batch(ctx, u.item)
		default:
			// Other bundles (collection, searchset, document…) are imported
			// as their resources.
			r.countBundle()
			entries, _ := res["entry"].([]any)
			for _, e := range entries {
				em, _ := e.(map[string]any)
				if er, ok := em["resource"].(map[string]any); ok {
					if err := r.add(ctx, bulk.Item{File: u.item.File, Line: u.item.Line, Resource: er}); err != nil {
						return err
					}
				}
			}
			return nil
		}
	}
	return r.add(ctx, u.item)
}

func (r *run) transaction(ctx context.Context, it bulk.Item) error {
	if err := r.flush(ctx); err != nil {
		return err
	}
	r.countBundle()
	out, err := r.im.Service.Transaction(ctx, it.Resource)
	if err != nil {
		if isFatal(ctx, err) {
			return err
		}
		r.problem(it.File, r.entryLine(it, failedEntry(err)), err)
		return nil
	}
	r.written(out.Written())
	return nil
}

// independent reports whether a transaction bundle only creates resources
// (plain POST entries without If-None-Exist): such bundles cannot change
// each other's resources, so running them concurrently gives the same
// result as running them in file order.
func independent(bundle map[string]any) bool {
	entries, _ := bundle["entry"].([]any)
	for _, e := range entries {
		em, _ := e.(map[string]any)
		req, _ := em["request"].(map[string]any)
		if m, _ := req["method"].(string); m != "POST" {
			return false
		}
		if _, ok := req["ifNoneExist"]; ok {
			return false
		}
	}
	return true
}

// concurrentTransaction adds an independent bundle to the open group and
// starts the group once it is full (see Importer.GroupSize).
func (r *run) concurrentTransaction(ctx context.Context, it bulk.Item) error {
	if err := r.flush(ctx); err != nil {
		return err
	}
	r.seq++
	r.group = append(r.group, seqItem{seq: r.seq, it: it})
	entries, _ := it.Resource["entry"].([]any)
	r.groupEntries += len(entries)
	if len(r.group) >= r.im.GroupSize || r.groupEntries >= r.im.GroupEntries {
		return r.startGroup(ctx)
	}
	return nil
}

// startGroup starts the open group of independent bundles once a slot is
// free: all of them in one store transaction, each bundle with its own
// audit entry. If the group fails for a reason in the data, nothing of it
// is written and each of its bundles is run again on its own, in order, at
// the next barrier (a bundle may depend on one still in flight), and only
// that run's outcome is reported.
func (r *run) startGroup(ctx context.Context) error {
	group := r.group
	r.group, r.groupEntries = nil, 0
	if len(group) == 0 {
		return nil
	}
	if r.slots == nil {
		r.slots = make(chan struct{}, r.im.Concurrency)
	}
	select {
	case r.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	r.mu.Lock()
	if r.fatal != nil {
		err := r.fatal
		r.mu.Unlock()
		<-r.slots
		return err
	}
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer func() { <-r.slots }()
		bundles := make([]map[string]any, len(group))
		for i, x := range group {
			bundles[i] = x.it.Resource
		}
		var outs []*resources.BundleResponse
		var err error
		if len(bundles) == 1 {
			var out *resources.BundleResponse
			out, err = r.im.Service.Transaction(ctx, bundles[0])
			outs = []*resources.BundleResponse{out}
		} else {
			outs, _, err = r.im.Service.Transactions(ctx, bundles)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		switch {
		case err == nil:
			for _, out := range outs {
				r.sum.Bundles++
				r.sum.Resources += out.Written()
				if r.im.Progress != nil {
					r.im.Progress.Add(0, out.Written())
				}
			}
		case isFatal(ctx, err):
			if r.fatal == nil {
				r.fatal = err
			}
		default:
			r.retry = append(r.retry, group...)
		}
	}()
	return nil
}

// barrier waits for the bundles in flight, then runs the ones that failed
// again, in file order.
func (r *run) barrier(ctx context.Context) error {
	if err := r.startGroup(ctx); err != nil {
		r.wg.Wait()
		return err
	}
	r.wg.Wait()
	r.mu.Lock()
	retry, fatal := r.retry, r.fatal
	r.retry = nil
	r.mu.Unlock()
	if fatal != nil {
		return fatal
	}
	sort.Slice(retry, func(i, k int) bool { return retry[i].seq < retry[k].seq })
	for _, x := range retry {
		if err := r.transaction(ctx, x.it); err != nil {
			return err
		}
	}
	return nil
}

// countBundle counts a bundle taken up.
func (r *run) countBundle() {
	r.mu.Lock()
	r.sum.Bundles++
	r.mu.Unlock()
}

// written counts committed resources.
func (r *run) written(n int) {
	r.mu.Lock()
	r.sum.Resources += n
	r.mu.Unlock()
	r.progress(n)
}

func (r *run) batch(ctx context.Context, it bulk.Item) error {
	if err := r.flush(ctx); err != nil {
		return err
	}
	r.countBundle()
	out, err := r.im.Service.Batch(ctx, it.Resource)
	if err != nil {
		if isFatal(ctx, err) {
			return err
		}
		r.problem(it.File, it.Line, err)
		return nil
	}
	for _, f := range out.Failures() {
		if isFatal(ctx, f.Err) {
			return f.Err
		}
		r.problem(it.File, r.entryLine(it, f.Index), f.Err)
	}
	r.written(out.Written())
	return nil
}

// entryLine finds the line of entry i of a bundle file (the bundle's own
// line when that is unknown).
func (r *run) entryLine(it bulk.Item, i int) int {
	if i < 0 || it.Raw == nil {
		return it.Line
	}
	lines, err := bulk.EntryLines(it.Raw)
	if err != nil || i >= len(lines) || lines[i] == 0 {
		return it.Line
	}
	return it.Line + lines[i] - 1
}

func (r *run) progress(n int) {
	if r.im.Progress != nil {
		r.im.Progress.Add(0, n)
	}
}

// add queues a single resource; a full chunk is written.
func (r *run) add(ctx context.Context, it bulk.Item) error {
	r.pending = append(r.pending, it)
	if len(r.pending) >= r.im.ChunkSize {
		return r.flush(ctx)
	}
	return nil
}

// flush writes the pending resources as one transaction; if it fails for a
// reason in the data, each resource is written on its own so that the bad
// ones are reported with their lines and the others land.
func (r *run) flush(ctx context.Context) error {
	items := r.pending
	r.pending = nil
	if len(items) == 0 {
		return nil
	}
	if err := r.barrier(ctx); err != nil {
		return err
	}
	entries := make([]any, len(items))
	for i, it := range items {
		entries[i] = entryFor(it.Resource)
	}
	out, err := r.im.Service.Transaction(ctx, map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": entries})
	if err == nil {
		r.written(out.Written())
		return nil
	}
	if isFatal(ctx, err) {
		return err
	}
	for _, it := range items {
		out, err := r.im.Service.Transaction(ctx, map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{entryFor(it.Resource)}})
		if err != nil {
			if isFatal(ctx, err) {
				return err
			}
			r.problem(it.File, it.Line, stripEntry(err))
			continue
		}
		r.written(out.Written())
	}
	return nil
}

// entryFor makes the transaction entry that stores a loose resource: PUT
// under its id when it has a valid one, POST otherwise.
func entryFor(res map[string]any) map[string]any {
	rt, _ := res["resourceType"].(string)
	if id, ok := res["id"].(string); ok && resources.ValidID(id) {
		return map[string]any{"resource": res, "request": map[string]any{"method": "PUT", "url": rt + "/" + id}}
	}
	return map[string]any{"resource": res, "request": map[string]any{"method": "POST", "url": rt}}
}

// stripEntry removes the "Bundle.entry[0]: " prefix a one-entry
// transaction adds, since the problem is reported with its line.
func stripEntry(err error) error {
	fe, ok := fhir.AsError(err)
	if !ok {
		return err
	}
	out := &fhir.Error{Status: fe.Status}
	for _, is := range fe.Issues {
		is.Diagnostics = strings.TrimPrefix(is.Diagnostics, "Bundle.entry[0]: ")
		for k, ex := range is.Expression {
			is.Expression[k] = strings.TrimPrefix(ex, "Bundle.entry[0].resource.")
		}
		out.Issues = append(out.Issues, is)
	}
	return out
}
