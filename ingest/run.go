package ingest

import (
	"context"
	"strings"

	"github.com/yitong-health/yitong/bulk"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
)

// run is the writer side of one Import.
type run struct {
	im      *Importer
	sum     Summary
	pending []bulk.Item
}

func (r *run) problem(file string, line int, err error) {
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
			return r.transaction(ctx, u.item)
		case "batch":
			return r.batch(ctx, u.item)
		default:
			// Other bundles (collection, searchset, document…) are imported
			// as their resources.
			r.sum.Bundles++
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
	r.sum.Bundles++
	out, err := r.im.Service.Transaction(ctx, it.Resource)
	if err != nil {
		if isFatal(ctx, err) {
			return err
		}
		r.problem(it.File, r.entryLine(it, failedEntry(err)), err)
		return nil
	}
	r.sum.Resources += out.Written()
	r.progress(out.Written())
	return nil
}

func (r *run) batch(ctx context.Context, it bulk.Item) error {
	if err := r.flush(ctx); err != nil {
		return err
	}
	r.sum.Bundles++
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
	r.sum.Resources += out.Written()
	r.progress(out.Written())
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
	entries := make([]any, len(items))
	for i, it := range items {
		entries[i] = entryFor(it.Resource)
	}
	out, err := r.im.Service.Transaction(ctx, map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": entries})
	if err == nil {
		r.sum.Resources += out.Written()
		r.progress(out.Written())
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
		r.sum.Resources += out.Written()
		r.progress(out.Written())
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
