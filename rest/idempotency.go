package rest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/yitong-health/yitong/auth"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
)

// Idempotency keys (the Idempotency-Key header of retryable writes; see
// docs/FHIR-API.md). A key is scoped to the authenticated agent. Its record
// — the request's method, path and SM3 hash, and the answer — is written in
// the store transaction of the act it guards (resources.Idempotent), so it
// exists exactly when the act does. A repeat of the request (same agent,
// key, method, path and hash) gets the recorded answer with
// Idempotent-Replayed: true and changes nothing; the same key with another
// request is a 422 (business-rule). Only a successful act records its key:
// a request that fails may be fixed and sent again with the same key.
const (
	// IdempotencyKeyHeader is the request header that carries a key.
	IdempotencyKeyHeader = "Idempotency-Key"
	// ReplayedHeader marks an answer that is the replay of a recorded one.
	ReplayedHeader = "Idempotent-Replayed"
	// DefaultIdempotencyRetention is how long a key is kept when
	// Config.IdempotencyRetention is zero.
	DefaultIdempotencyRetention = 24 * time.Hour
	// DefaultMaxReplayBytes bounds a recorded answer's body (compressed)
	// when Limits.MaxReplayBytes is zero.
	DefaultMaxReplayBytes = 8 << 20
)

// idempotentInteractions are the routes that take a key: every write of
// the FHIR API. A batch takes none (the service refuses it: its entries
// commit one by one).
var idempotentInteractions = map[string]bool{
	"create": true, "update": true, "patch": true, "delete": true,
	"conditional-update": true, "conditional-patch": true, "conditional-delete": true,
	"transaction": true, "$sign": true,
}

// replayedHeaders are the response headers a recorded answer keeps.
var replayedHeaders = []string{"Content-Type", "Location", "ETag", "Last-Modified"}

// idemCall is the idempotency key of one request; it is the request's
// resources.Idempotent.
type idemCall struct {
	h           *Handler
	agent, key  string
	method      string
	path        string
	hash        []byte
	reqID       string
	render      func(w http.ResponseWriter, result any) error
	answer      *recorder // the answer recorded in the act's transaction
	taken       bool      // Begin or Answer found the key recorded
	replayedReq string    // for a replay: the request id of the act
}

// errKeyTaken aborts an act whose key a concurrent request recorded first;
// the request then gets that request's answer (or a 422).
var errKeyTaken = fhir.Errorf(fhir.IssueConflict, "the idempotency key was used by a concurrent request")

// checkIdempotencyKey checks a key: 1-255 printable ASCII characters.
func checkIdempotencyKey(k string) error {
	if k == "" || len(k) > store.MaxIdempotencyKey {
		return fhir.Errorf(fhir.IssueInvalid, "%s must be 1-%d printable ASCII characters", IdempotencyKeyHeader, store.MaxIdempotencyKey)
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return fhir.Errorf(fhir.IssueInvalid, "%s must be 1-%d printable ASCII characters; it has a byte 0x%02x at %d", IdempotencyKeyHeader, store.MaxIdempotencyKey, k[i], i)
		}
	}
	return nil
}

// requestHash is the SM3 hash of what decides an act: method, path,
// query, the conditional headers and the body, each length-prefixed.
func requestHash(r *http.Request, body []byte) []byte {
	h := sm3.New()
	var n [8]byte
	for _, part := range [][]byte{
		[]byte(r.Method), []byte(r.URL.Path), []byte(r.URL.RawQuery),
		[]byte(r.Header.Get("If-Match")), []byte(r.Header.Get("If-None-Exist")), body,
	} {
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	return h.Sum(nil)
}

// agentScope names the principal a key belongs to.
func agentScope(p *auth.Principal) string {
	if p == nil {
		return anonymous.Kind + ":" + anonymous.ID
	}
	a := p.Agent()
	return a.Kind + ":" + a.ID
}

// idempotency prepares the key of a request that carries one: it checks
// the key, reads and hashes the body (which the handler then reads again)
// and, when the key is recorded already, answers the request from the
// record (replayed true) or refuses it (422). Otherwise c.idem is set and
// the handler runs the act under the key. Requests without a key, and
// reads (a key is ignored there: reading twice has no effect), are left
// alone.
func (h *Handler) idempotency(w http.ResponseWriter, r *http.Request, rt route, c *call) (replayed bool, err error) {
	vals := r.Header.Values(IdempotencyKeyHeader)
	if len(vals) == 0 {
		return false, nil
	}
	if !idempotentInteractions[rt.interaction] {
		if p := auth.PermOf(rt.interaction); p == 'r' || p == 's' || r.Method == http.MethodGet || r.Method == http.MethodHead {
			return false, nil
		}
		return false, fhir.Errorf(fhir.IssueNotSupported, "%s is not supported on %s %s (only on create, update, patch, delete, transaction and $sign)", IdempotencyKeyHeader, r.Method, r.URL.Path)
	}
	if len(vals) > 1 {
		return false, fhir.Errorf(fhir.IssueInvalid, "%s may be given once", IdempotencyKeyHeader)
	}
	if err := checkIdempotencyKey(vals[0]); err != nil {
		return false, err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if tl := tooLarge(err); tl != nil {
			return false, tl
		}
		return false, fhir.Errorf(fhir.IssueStructure, "the request body could not be read: %v", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	c.idem = &idemCall{
		h: h, agent: agentScope(c.access.p), key: vals[0], method: r.Method, path: r.URL.Path,
		hash: requestHash(r, body), reqID: c.reqID,
	}
	var rec store.IdempotencyRecord
	err = h.cfg.Service.Store().View(r.Context(), func(tx store.Tx) error {
		var err error
		rec, err = tx.Idempotency().Get(r.Context(), c.idem.agent, c.idem.key)
		return err
	})
	switch {
	case fhir.CodeOf(err) == fhir.IssueNotFound:
		return false, nil
	case err != nil:
		return false, err
	}
	return true, c.idem.replay(w, c, rec)
}

// replayRecorded answers a request whose act lost the race for its key
// (errKeyTaken) from the winner's record.
func (h *Handler) replayRecorded(w http.ResponseWriter, r *http.Request, c *call) error {
	var rec store.IdempotencyRecord
	err := h.cfg.Service.Store().View(r.Context(), func(tx store.Tx) error {
		var err error
		rec, err = tx.Idempotency().Get(r.Context(), c.idem.agent, c.idem.key)
		return err
	})
	if err != nil {
		return fmt.Errorf("idempotency key taken but not readable: %w", err)
	}
	return c.idem.replay(w, c, rec)
}

// replay writes the answer rec recorded, or refuses a request that is not
// the one rec recorded.
func (k *idemCall) replay(w http.ResponseWriter, c *call, rec store.IdempotencyRecord) error {
	if rec.Method != k.method || rec.Path != k.path || !bytes.Equal(rec.RequestHash, k.hash) {
		return fhir.Errorf(fhir.IssueBusinessRule, "%s was used for another request (%s %s, another body or conditions); a key stands for one request", IdempotencyKeyHeader, rec.Method, rec.Path).WithStatus(http.StatusUnprocessableEntity)
	}
	ans, err := decodeAnswer(rec)
	if err != nil {
		return err
	}
	k.replayedReq = rec.RequestID
	discloseAnswer(c, ans)
	w.Header().Set(ReplayedHeader, "true")
	ans.writeTo(w)
	return nil
}

// discloseAnswer lists in the replay's audit entry what its answer shows:
// the resource it carries (or, without a body, the one its Location
// names), or the resources of a transaction-response Bundle.
func discloseAnswer(c *call, ans *recorder) {
	version := func(res map[string]any) store.Version {
		typ, _ := res["resourceType"].(string)
		id, _ := res["id"].(string)
		meta, _ := res["meta"].(map[string]any)
		v, _ := meta["versionId"].(string)
		vid, _ := strconv.ParseInt(v, 10, 64)
		return store.Version{Type: typ, ID: id, VersionID: vid, Body: fhir.Marshal(res)}
	}
	if ans.body.Len() > 0 {
		res, err := fhir.Decode(ans.body.Bytes(), 0)
		if err != nil {
			return
		}
		switch res["resourceType"] {
		case "OperationOutcome":
		case "Bundle":
			for _, e := range fhir.Objects(res["entry"]) {
				if r, ok := e["resource"].(map[string]any); ok {
					c.disclose(version(r))
				}
			}
		default:
			c.disclose(version(res))
			return
		}
	}
	// Type/id/_history/vid at the end of the Location.
	parts := strings.Split(ans.header.Get("Location"), "/")
	if n := len(parts); n >= 4 && parts[n-2] == "_history" {
		vid, _ := strconv.ParseInt(parts[n-1], 10, 64)
		c.disclose(store.Version{Type: parts[n-4], ID: parts[n-3], VersionID: vid})
	}
}

// Begin implements resources.Idempotent: it locks the key in the act's
// transaction and aborts the act when the key is recorded already (a
// concurrent request with the key committed first; this one then replays
// its answer).
func (k *idemCall) Begin(ctx context.Context, tx store.Tx) error {
	it := tx.Idempotency()
	if err := it.Lock(ctx, k.agent, k.key); err != nil {
		return err
	}
	_, err := it.Get(ctx, k.agent, k.key)
	switch {
	case err == nil:
		k.taken = true
		return errKeyTaken
	case fhir.CodeOf(err) == fhir.IssueNotFound:
		return nil
	}
	return err
}

// Answer implements resources.Idempotent: it renders the act's answer and
// records it with the key, in the act's transaction.
func (k *idemCall) Answer(ctx context.Context, tx store.Tx, result any) error {
	if k.render == nil {
		return errors.New("idempotency: the handler set no answer")
	}
	rec := newRecorder()
	if err := k.render(rec, result); err != nil {
		return err
	}
	header := map[string]string{}
	for _, name := range replayedHeaders {
		if v := rec.header.Get(name); v != "" {
			header[name] = v
		}
	}
	hb, err := json.Marshal(header)
	if err != nil {
		return err
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	if err != nil {
		return err
	}
	if _, err := zw.Write(rec.body.Bytes()); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if max := k.h.cfg.Limits.MaxReplayBytes; int64(gz.Len()) > max {
		return fhir.Errorf(fhir.IssueTooCostly, "the answer (%d bytes compressed) is over the %d bytes kept for an %s; ask for less (Prefer: return=minimal), split the bundle, or send without a key", gz.Len(), max, IdempotencyKeyHeader).WithStatus(http.StatusRequestEntityTooLarge)
	}
	now := tx.Now()
	err = tx.Idempotency().Insert(ctx, store.IdempotencyRecord{
		Agent: k.agent, Key: k.key, Method: k.method, Path: k.path, RequestHash: k.hash, RequestID: k.reqID,
		Status: rec.status, Header: hb, Body: gz.Bytes(), Created: now, Expires: now.Add(k.h.cfg.IdempotencyRetention),
	})
	if fhir.CodeOf(err) == fhir.IssueConflict {
		k.taken = true
		return errKeyTaken
	}
	if err != nil {
		return err
	}
	k.answer = rec
	return nil
}

// answering returns ctx for the act of a request with a key: the answer
// is rendered by render inside the act's transaction and recorded with the
// key. Without a key it returns ctx unchanged.
func answering[T any](ctx context.Context, c *call, render func(w http.ResponseWriter, result T)) context.Context {
	if c.idem == nil {
		return ctx
	}
	c.idem.render = func(w http.ResponseWriter, v any) error {
		t, ok := v.(T)
		if !ok {
			return fmt.Errorf("idempotency: an answer of type %T where %T was expected", v, *new(T))
		}
		render(w, t)
		return nil
	}
	return resources.WithIdempotent(ctx, c.idem)
}

// respond writes the answer of a successful act: the one recorded with
// its key (the same bytes a replay gets), or render's.
func respond[T any](w http.ResponseWriter, c *call, result T, render func(w http.ResponseWriter, result T)) {
	if c.idem != nil && c.idem.answer != nil {
		c.idem.answer.writeTo(w)
		return
	}
	if c.idem != nil {
		// A programming error: the act did not hand its result to
		// resources.Idempotent, so its key was not recorded.
		c.idem.h.cfg.Logger.Error("an act under an idempotency key recorded no answer", "request_id", c.reqID)
	}
	render(w, result)
}

// recorder is an http.ResponseWriter that keeps the answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// writeTo writes the recorded answer to w.
func (r *recorder) writeTo(w http.ResponseWriter) {
	for _, name := range replayedHeaders {
		if v := r.header.Get(name); v != "" {
			w.Header().Set(name, v)
		}
	}
	if r.body.Len() > 0 {
		w.Header().Set("Content-Length", strconv.Itoa(r.body.Len()))
	}
	status := r.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(r.body.Bytes()) // a failed write means the client went away
}

// decodeAnswer returns the answer a record keeps.
func decodeAnswer(rec store.IdempotencyRecord) (*recorder, error) {
	ans := newRecorder()
	ans.status = rec.Status
	var header map[string]string
	if err := json.Unmarshal(rec.Header, &header); err != nil {
		return nil, fmt.Errorf("idempotency record header: %w", err)
	}
	for k, v := range header {
		ans.header.Set(k, v)
	}
	zr, err := gzip.NewReader(bytes.NewReader(rec.Body))
	if err != nil {
		return nil, fmt.Errorf("idempotency record body: %w", err)
	}
	if _, err := io.Copy(&ans.body, zr); err != nil {
		return nil, fmt.Errorf("idempotency record body: %w", err)
	}
	return ans, nil
}

// PruneIdempotencyKeys deletes the idempotency keys that have expired and
// returns how many.
func PruneIdempotencyKeys(ctx context.Context, st store.Store) (int64, error) {
	var n int64
	err := st.Update(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.Idempotency().Purge(ctx, tx.Now())
		return err
	})
	return n, err
}

// RunIdempotencyPruning prunes expired idempotency keys (see
// PruneIdempotencyKeys) after first and then every every, until ctx is
// done. Failures are logged and retried at the next run.
func RunIdempotencyPruning(ctx context.Context, st store.Store, log *slog.Logger, first, every time.Duration) {
	t := time.NewTimer(first)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := PruneIdempotencyKeys(ctx, st)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("prune idempotency keys", "error", err.Error())
		case err == nil && n > 0:
			log.Info("pruned expired idempotency keys", "keys", n)
		}
		t.Reset(every)
	}
}
