package resources

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// Return says what a bundle response entry carries besides its status
// (the Prefer: return= header).
type Return string

// Return values.
const (
	ReturnMinimal          Return = "minimal"
	ReturnRepresentation   Return = "representation"
	ReturnOperationOutcome Return = "OperationOutcome"
)

// Transaction processes a transaction bundle all-or-nothing in one store
// transaction: DELETE entries first, then POST, then PUT and PATCH, then
// GET, as the spec orders them. Entry fullUrls (urn:uuid:…, urn:oid:… or
// absolute URLs) and conditional references are resolved to the resources'
// final ids before anything is validated or written. Two entries acting on
// the same resource (also once conditional criteria are resolved) fail the
// bundle, as the spec requires. Any failure fails the whole bundle with an
// error naming the entry; nothing is written.
//
// The entries' resources are changed in place: on success they hold what
// was stored (id, meta.versionId and meta.lastUpdated set, references
// rewritten) and the response shares them, so the caller must not change
// them while it uses the response. On failure they are restored to what the
// caller passed, so a failed bundle can be retried or split into smaller
// ones. The bundle must not be used by other goroutines during the call.
func (s *Service) Transaction(ctx context.Context, bundle map[string]any) (*BundleResponse, error) {
	ops, err := s.parseEntries(bundle, "transaction")
	if err != nil {
		return nil, err
	}
	if err := checkDistinctTargets(ops); err != nil {
		return nil, err
	}
	for _, o := range ops {
		if err := authorize(ctx, o); err != nil {
			return nil, entryErr(o.index, err)
		}
	}
	out := &BundleResponse{kind: "transaction-response", ops: ops}
	if err := s.runAtomically(ctx, ops, func(tx store.Tx) error { return answered(ctx, tx, out, nil) }); err != nil {
		return nil, err
	}
	return out, nil
}

// runAtomically runs ops in one store transaction, then done (when not
// nil) in it. Every run, including one the store repeats after a transient
// conflict, starts from the caller's resources; when the transaction fails
// they are restored.
func (s *Service) runAtomically(ctx context.Context, ops []*op, done func(tx store.Tx) error) error {
	if err := s.validateEntries(ops); err != nil {
		return err
	}
	assignIDs(s, ops)
	var undo undoLog
	err := s.update(ctx, func(tx store.Tx) error {
		undo.revert()
		for _, o := range ops {
			o.result, o.skip, o.target, o.prev, o.prep = Result{}, false, "", store.Version{}, nil
		}
		if err := s.runTransaction(ctx, tx, ops, &undo); err != nil {
			return err
		}
		if done != nil {
			return done(tx)
		}
		return nil
	})
	if err != nil {
		undo.revert()
	}
	return err
}

// assignIDs gives every POST entry its new id once, before the store
// transaction starts, so that a retried transaction rewrites references to
// the same ids.
func assignIDs(s *Service, ops []*op) {
	for _, o := range ops {
		if o.method == "POST" && o.newID == "" {
			o.newID = s.opts.NewID()
		}
	}
}

// checkDistinctTargets refuses bundles in which two entries write the same
// Type/id or share a fullUrl.
func checkDistinctTargets(ops []*op) error {
	seen := map[string]int{}
	urls := map[string]int{}
	for _, o := range ops {
		if o.fullURL != "" && o.method != "GET" && o.method != "HEAD" {
			if j, dup := urls[o.fullURL]; dup {
				return fhir.ErrorAt(fhir.IssueInvalid, fmt.Sprintf("Bundle.entry[%d].fullUrl", o.index), "entries %d and %d have the same fullUrl %q", j, o.index, o.fullURL)
			}
			urls[o.fullURL] = o.index
		}
		if o.id == "" || o.method == "GET" || o.method == "HEAD" {
			continue
		}
		key := o.typ + "/" + o.id
		if j, dup := seen[key]; dup {
			return fhir.ErrorAt(fhir.IssueInvalid, fmt.Sprintf("Bundle.entry[%d].request.url", o.index), "entries %d and %d both change %s", j, o.index, key)
		}
		seen[key] = o.index
	}
	return nil
}

// runTransaction performs ops inside tx, recording in undo every change it
// makes to the entries' resources.
func (s *Service) runTransaction(ctx context.Context, tx store.Tx, ops []*op, undo *undoLog) error {
	for _, o := range ops {
		if o.resource != nil && (o.method == "POST" || o.method == "PUT") {
			undo.saveStamp(o.resource)
		}
	}
	// 1. Resolve targets: ids for creates, matches for conditional writes.
	byURL := map[string]string{}
	var writes []*op
	for _, o := range ops {
		if err := s.resolveTarget(ctx, tx, o); err != nil {
			return entryErr(o.index, err)
		}
		if o.fullURL != "" && o.target != "" {
			byURL[o.fullURL] = o.target
		}
		if (o.method == "POST" || o.method == "PUT") && !o.skip {
			writes = append(writes, o)
		}
	}
	if err := checkResolvedTargets(ops); err != nil {
		return err
	}
	// 2. Rewrite references in the resources to be written.
	rr := &refResolver{s: s, tx: tx, byURL: byURL, inBundle: writes, undo: undo}
	for _, o := range writes {
		if err := rr.rewrite(ctx, o.resource, o.typ); err != nil {
			return entryErr(o.index, err)
		}
	}
	// 3. Check, validate, stamp, encode and index them, in parallel.
	if err := s.prepareAll(writes, tx.Now()); err != nil {
		return err
	}
	// 4. Write in the spec's order.
	for _, phase := range [][]string{{"DELETE"}, {"POST"}, {"PUT", "PATCH"}, {"GET", "HEAD"}} {
		for _, o := range ops {
			if !contains(phase, o.method) {
				continue
			}
			if err := s.execute(ctx, tx, o); err != nil {
				return entryErr(o.index, err)
			}
		}
	}
	return nil
}

// checkResolvedTargets refuses a bundle in which two writing entries
// resolved to the same resource (for instance a conditional update matching
// the resource another entry deletes).
func checkResolvedTargets(ops []*op) error {
	seen := make(map[string]int, len(ops))
	for _, o := range ops {
		if o.target == "" {
			continue
		}
		if j, dup := seen[o.target]; dup {
			return entryErr(o.index, fhir.Errorf(fhir.IssueInvalid, "entries %d and %d both act on %s", j, o.index, o.target))
		}
		seen[o.target] = o.index
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// resolveTarget decides which resource an entry writes: a new id for POST
// (or the existing match of a conditional create), the URL id or the
// criteria's match for PUT, PATCH and DELETE. It also reads a PUT target's
// current version now, before anything is written: no other entry may
// write that resource, and a store that queues writes (PostgreSQL) would
// otherwise send them before each such read.
func (s *Service) resolveTarget(ctx context.Context, tx store.Tx, o *op) error {
	switch o.method {
	case "POST":
		if o.ifNoneExist != "" {
			r, found, err := s.matchExisting(ctx, tx, o.typ, o.ifNoneExist)
			if err != nil {
				return err
			}
			if found {
				o.skip, o.result = true, r
				o.target = o.typ + "/" + r.Version.ID
				return nil
			}
		}
		if o.newID == "" {
			o.newID = s.opts.NewID()
		}
		o.target = o.typ + "/" + o.newID
	case "PUT", "PATCH", "DELETE":
		id := o.id
		if o.query != "" {
			var err error
			if id, err = s.resolveConditional(ctx, tx, o.typ, o.query, strings.ToLower(o.method)); err != nil {
				return err
			}
			if id == "" && o.method != "PUT" {
				return fhir.Errorf(fhir.IssueNotFound, "conditional %s: no %s matches %q", strings.ToLower(o.method), o.typ, o.query)
			}
			if id == "" {
				if bid, ok := o.resource["id"].(string); ok {
					id = bid
				} else {
					id = s.opts.NewID()
				}
			}
			o.id = id
		}
		if o.method == "PUT" {
			if bid, ok := o.resource["id"].(string); o.query != "" && (!ok || bid != id) {
				if ok {
					return fhir.ErrorAt(fhir.IssueInvalid, o.typ+".id", "the id in the body (%q) differs from the resource matching the criteria (%q)", bid, id)
				}
				o.resource["id"] = id
			}
			if err := s.checkTypeID(o.typ, id); err != nil {
				return err
			}
			prev, err := current(ctx, tx, o.typ, id)
			if err != nil {
				return err
			}
			o.prev = prev
		}
		o.target = o.typ + "/" + id
	}
	return nil
}

// validateEntries validates the resources of POST and PUT entries using all
// cores, before the store transaction begins: validity does not depend on
// how references are resolved (the validator accepts urn:uuid: and
// conditional references as well as the Type/id they become), so a bundle
// can be validated while another one writes. The first entry (in bundle
// order) with errors fails.
func (s *Service) validateEntries(ops []*op) error {
	var todo []*op
	for _, o := range ops {
		if o.resource != nil && (o.method == "POST" || o.method == "PUT") {
			todo = append(todo, o)
		}
	}
	parallel(todo, func(o *op) { o.issues = s.opts.Validate(o.resource) })
	for _, o := range todo {
		if fhir.HasErrors(o.issues) {
			return entryErr(o.index, &fhir.Error{Issues: o.issues})
		}
	}
	return nil
}

// parallel calls fn for every op, on all cores.
func parallel(ops []*op, fn func(*op)) {
	workers := min(runtime.GOMAXPROCS(0), len(ops))
	var wg sync.WaitGroup
	next := make(chan *op, len(ops))
	for _, o := range ops {
		next <- o
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range next {
				fn(o)
			}
		}()
	}
	wg.Wait()
}

// prepared is a write made ready outside the writer's critical path:
// checked, validated, stamped, encoded and indexed.
type prepared struct {
	issues []fhir.Issue // the validator's warnings
	err    error
	body   []byte
	idx    store.Index
	vid    int64
}

// prepareAll readies the (validated) resources of POST and PUT entries
// using all cores: for each it checks the body against the URL and If-Match
// (PUT), stamps id, version and time, encodes it and extracts its index
// entries. Only tx.Put is left for the writer. The first entry (in bundle
// order) that fails fails the transaction.
func (s *Service) prepareAll(writes []*op, now time.Time) error {
	parallel(writes, func(o *op) { o.prep = s.prepare(o, now) })
	for _, o := range writes {
		if o.prep.err != nil {
			return entryErr(o.index, o.prep.err)
		}
	}
	return nil
}

func (s *Service) prepare(o *op, now time.Time) *prepared {
	p := &prepared{}
	if o.method == "PUT" {
		if err := checkBody(o.resource, o.typ, o.id); err != nil {
			p.err = err
			return p
		}
		if err := checkIfMatch(o.prev, o.ifMatch, o.typ, o.id); err != nil {
			p.err = err
			return p
		}
	}
	p.issues = o.issues
	_, id, _ := strings.Cut(o.target, "/")
	p.vid = o.prev.VersionID + 1
	stamp(o.resource, id, p.vid, now)
	p.body = fhir.Marshal(o.resource)
	if p.idx, p.err = s.opts.Index(o.resource); p.err != nil {
		return p
	}
	return p
}

// execute performs one entry inside tx; POST and PUT entries have been
// prepared already.
func (s *Service) execute(ctx context.Context, tx store.Tx, o *op) error {
	var err error
	switch o.method {
	case "POST":
		if o.skip {
			return nil
		}
		o.result, err = s.putPrepared(ctx, tx, o, store.MethodCreate)
	case "PUT":
		o.result, err = s.putPrepared(ctx, tx, o, store.MethodUpdate)
	case "PATCH":
		o.result, err = s.patchTx(ctx, tx, o.typ, o.id, o.patch, o.ifMatch)
	case "DELETE":
		o.result, err = s.deleteTx(ctx, tx, o.typ, o.id, o.ifMatch)
	case "GET", "HEAD":
		o.result, err = s.readTx(ctx, tx, o)
	}
	return err
}

// putPrepared stores a prepared entry.
func (s *Service) putPrepared(ctx context.Context, tx store.Tx, o *op, method store.Method) (Result, error) {
	_, id, _ := strings.Cut(o.target, "/")
	p := o.prep
	v, err := tx.Put(ctx, store.Version{
		Type: o.typ, ID: id, VersionID: p.vid, LastUpdated: tx.Now(), Method: method, Body: p.body,
	}, p.idx)
	if err != nil {
		return Result{}, err
	}
	return Result{Version: v, Resource: o.resource, Created: o.prev.VersionID == 0 || o.prev.Deleted, Issues: p.issues}, nil
}

// readTx performs a GET entry: read or vread (history inside bundles is
// answered with not-supported by the parser).
func (s *Service) readTx(ctx context.Context, tx store.Tx, o *op) (Result, error) {
	if o.history {
		return Result{}, fhir.Errorf(fhir.IssueNotSupported, "history inside a bundle is not supported")
	}
	var v store.Version
	var err error
	if o.vid != "" {
		n, perr := strconv.ParseInt(o.vid, 10, 64)
		if perr != nil {
			return Result{}, fhir.Errorf(fhir.IssueNotFound, "version %q is not known", o.vid)
		}
		v, err = tx.Version(ctx, o.typ, o.id, n)
	} else {
		v, err = tx.Current(ctx, o.typ, o.id)
	}
	if err != nil {
		return Result{}, notFoundAs(err, o.typ, o.id)
	}
	if v.Deleted {
		return Result{Version: v}, fhir.Errorf(fhir.IssueDeleted, "%s/%s was deleted", o.typ, o.id)
	}
	if g := guardFrom(ctx); g != nil {
		patients, err := s.PatientsOf(v)
		if err != nil {
			return Result{}, err
		}
		if err := g.Read(ctx, v, patients); err != nil {
			return Result{}, err
		}
	}
	res, err := decodeVersion(v)
	return Result{Version: v, Resource: res}, err
}

// Batch processes a batch bundle: each entry on its own, in its own store
// transaction; a failing entry gets an error response and the others go on.
// References between entries are not allowed in a batch (the spec forbids
// interdependencies): a urn:uuid reference fails its entry. Resources are
// changed in place as in Transaction: those of successful entries hold what
// was stored, those of failed entries are left as the caller passed them.
//
// A batch cannot be guarded by one idempotency key (its entries commit one
// by one): with an Idempotent in ctx it fails with an invalid error.
func (s *Service) Batch(ctx context.Context, bundle map[string]any) (*BundleResponse, error) {
	if idempotentFrom(ctx) != nil {
		return nil, fhir.Errorf(fhir.IssueInvalid, "a batch cannot be guarded by one idempotency key: its entries commit one by one; send a transaction, or each entry as a request of its own with its own key")
	}
	ops, err := s.parseBatchEntries(bundle)
	if err != nil {
		return nil, err
	}
	errs := make(map[*op]error)
	for _, o := range ops {
		if o.parseErr != nil {
			errs[o.op] = o.parseErr
			continue
		}
		if err := authorize(ctx, o.op); err != nil {
			errs[o.op] = err
			continue
		}
		if err := s.runAtomically(ctx, []*op{o.op}, nil); err != nil {
			errs[o.op] = err
		}
	}
	plain := make([]*op, len(ops))
	for i, o := range ops {
		plain[i] = o.op
	}
	return &BundleResponse{kind: "batch-response", ops: plain, errs: errs}, nil
}

type batchOp struct {
	op       *op
	parseErr error
}

// parseBatchEntries parses entries one by one so that a malformed entry
// fails alone.
func (s *Service) parseBatchEntries(bundle map[string]any) ([]batchOp, error) {
	if rt, _ := bundle["resourceType"].(string); rt != "Bundle" {
		return nil, fhir.ErrorAt(fhir.IssueInvalid, "resourceType", "a batch must be a Bundle, not %q", rt)
	}
	if t, _ := bundle["type"].(string); t != "batch" {
		return nil, fhir.ErrorAt(fhir.IssueInvalid, "Bundle.type", "Bundle.type is %q; expected \"batch\"", t)
	}
	raw, _ := bundle["entry"].([]any)
	if _, ok := bundle["entry"]; ok && raw == nil {
		return nil, fhir.ErrorAt(fhir.IssueStructure, "Bundle.entry", "Bundle.entry must be an array")
	}
	if len(raw) > s.limits.MaxBundleEntries {
		return nil, fhir.Errorf(fhir.IssueTooCostly, "the bundle has %d entries; the limit is %d", len(raw), s.limits.MaxBundleEntries).WithStatus(413)
	}
	out := make([]batchOp, len(raw))
	for i, x := range raw {
		o, err := s.parseEntry(i, x)
		if err != nil {
			out[i] = batchOp{op: &op{index: i}, parseErr: err}
			continue
		}
		out[i] = batchOp{op: o}
	}
	return out, nil
}
