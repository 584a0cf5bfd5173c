package crashtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir"
)

// Identifier systems of the test's resources.
const (
	writeSystem  = "http://crashtest.yitong/write"  // one value per single write
	bundleSystem = "http://crashtest.yitong/bundle" // one value per transaction
)

// ack is a write the server acknowledged with a 2xx: afterwards the version
// must exist for ever with exactly this content.
type ack struct {
	cycle   int
	op      string // "create", "update", "delete" or "transaction"
	typ, id string
	version int64
	deleted bool
	hash    [32]byte // of the canonical JSON of the stored resource
}

func (a ack) String() string {
	return fmt.Sprintf("%s of %s/%s version %d in cycle %d", a.op, a.typ, a.id, a.version, a.cycle)
}

// bundleRec is a transaction sent: all its resources carry the marker
// identifier, so after a crash it is found wholly or not at all.
type bundleRec struct {
	cycle  int
	marker string
	size   int
	acked  bool
}

// ledger records what the writers sent and what was acknowledged.
type ledger struct {
	mu      sync.Mutex
	acks    []ack
	bundles []bundleRec
	sent    int
}

func (l *ledger) addAcks(as ...ack) {
	l.mu.Lock()
	l.acks = append(l.acks, as...)
	l.mu.Unlock()
}

func (l *ledger) addBundle(b bundleRec) {
	l.mu.Lock()
	l.bundles = append(l.bundles, b)
	l.mu.Unlock()
}

func (l *ledger) countSent() {
	l.mu.Lock()
	l.sent++
	l.mu.Unlock()
}

// client talks FHIR JSON to one server.
type client struct {
	base, token string
	http        *http.Client
}

func newClient(s *server) *client {
	return &client{base: s.base + "/fhir", token: s.token, http: &http.Client{Timeout: 30 * time.Second}}
}

// reply is a complete HTTP response.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request and reads the whole response; an error means no
// complete response arrived.
func (c *client) do(ctx context.Context, method, path string, body any, header ...string) (reply, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(fhir.Marshal(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Accept", "application/fhir+json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// hashOf hashes the canonical JSON of a resource.
func hashOf(res map[string]any) [32]byte { return sha256.Sum256(fhir.Marshal(res)) }

// decodeBody decodes a reply's body as a FHIR resource.
func decodeBody(r reply) (map[string]any, error) {
	return fhir.Decode(r.body, 0)
}

// stored reads type, id, version and hash of a resource as the server
// returned it.
func stored(op string, cycle int, res map[string]any) (ack, error) {
	a := ack{cycle: cycle, op: op}
	a.typ, _ = res["resourceType"].(string)
	a.id, _ = res["id"].(string)
	meta, _ := res["meta"].(map[string]any)
	vid, _ := meta["versionId"].(string)
	v, err := strconv.ParseInt(vid, 10, 64)
	if a.typ == "" || a.id == "" || err != nil {
		return a, fmt.Errorf("the server returned a resource without type, id or version: %s", fhir.Marshal(res))
	}
	a.version = v
	a.hash = hashOf(res)
	return a, nil
}

// writer sends mixed writes until ctx ends or the server stops answering.
// It owns the resources it creates, so its updates and deletes see no
// concurrent changes: any answer but a 2xx is a failure of the server.
type writer struct {
	t     testing.TB
	cycle int
	c     *client
	l     *ledger
	rnd   *rand.Rand
	live  []ack // current version of each resource this writer owns
}

func (w *writer) run(ctx context.Context) {
	for ctx.Err() == nil {
		var err error
		switch n := w.rnd.IntN(100); {
		case n < 35 || len(w.live) == 0:
			err = w.create(ctx)
		case n < 65:
			err = w.update(ctx)
		case n < 75:
			err = w.delete(ctx)
		default:
			err = w.transaction(ctx)
		}
		if err != nil {
			// The server was killed (or failed, which was reported).
			return
		}
	}
}

// send sends a write; the reply is returned only for the expected status.
// Another status while the server runs fails the test.
func (w *writer) send(ctx context.Context, want int, method, path string, body any, header ...string) (reply, bool, error) {
	w.l.countSent()
	r, err := w.c.do(ctx, method, path, body, header...)
	if err != nil {
		return r, false, err
	}
	if r.status != want {
		w.t.Errorf("cycle %d: %s %s answered %d, want %d: %s", w.cycle, method, path, r.status, want, r.body)
		return r, false, fmt.Errorf("status %d", r.status)
	}
	return r, true, nil
}

func (w *writer) patient(system, value string) map[string]any {
	return map[string]any{
		"resourceType": "Patient",
		"identifier":   []any{map[string]any{"system": system, "value": value}},
		"name":         []any{map[string]any{"family": fmt.Sprintf("F%d", w.rnd.IntN(1e6)), "given": []any{"Crash"}}},
		"birthDate":    fmt.Sprintf("19%02d-0%d-1%d", w.rnd.IntN(100), 1+w.rnd.IntN(9), w.rnd.IntN(10)),
		"active":       w.rnd.IntN(2) == 0,
	}
}

func (w *writer) uid() string { return fmt.Sprintf("%016x%016x", w.rnd.Uint64(), w.rnd.Uint64()) }

func (w *writer) create(ctx context.Context) error {
	r, ok, err := w.send(ctx, http.StatusCreated, http.MethodPost, "/Patient", w.patient(writeSystem, w.uid()))
	if !ok {
		return orStatus(err)
	}
	return w.acked("create", r)
}

func (w *writer) update(ctx context.Context) error {
	i := w.rnd.IntN(len(w.live))
	cur := w.live[i]
	body := w.patient(writeSystem, w.uid())
	body["id"] = cur.id
	r, ok, err := w.send(ctx, http.StatusOK, http.MethodPut, "/Patient/"+cur.id, body, "If-Match", fmt.Sprintf(`W/"%d"`, cur.version))
	if !ok {
		return orStatus(err)
	}
	w.live = append(w.live[:i], w.live[i+1:]...)
	return w.acked("update", r)
}

func (w *writer) delete(ctx context.Context) error {
	i := w.rnd.IntN(len(w.live))
	cur := w.live[i]
	r, ok, err := w.send(ctx, http.StatusNoContent, http.MethodDelete, "/Patient/"+cur.id, nil, "If-Match", fmt.Sprintf(`W/"%d"`, cur.version))
	if !ok {
		return orStatus(err)
	}
	w.live = append(w.live[:i], w.live[i+1:]...)
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(r.header.Get("ETag"), "W/"), `"`), 10, 64)
	if err != nil || v != cur.version+1 {
		w.t.Errorf("cycle %d: delete of Patient/%s v%d answered ETag %q", w.cycle, cur.id, cur.version, r.header.Get("ETag"))
		return fmt.Errorf("bad ETag")
	}
	w.l.addAcks(ack{cycle: w.cycle, op: "delete", typ: "Patient", id: cur.id, version: v, deleted: true})
	return nil
}

// transaction sends a Patient and 2–4 Observations about it, linked by a
// urn:uuid reference and all carrying one marker identifier.
func (w *writer) transaction(ctx context.Context) error {
	marker := w.uid()
	pURL := "urn:uuid:" + uuidOf(w.uid())
	entries := []any{map[string]any{
		"fullUrl":  pURL,
		"resource": w.patient(bundleSystem, marker),
		"request":  map[string]any{"method": "POST", "url": "Patient"},
	}}
	for range 2 + w.rnd.IntN(3) {
		entries = append(entries, map[string]any{
			"fullUrl": "urn:uuid:" + uuidOf(w.uid()),
			"resource": map[string]any{
				"resourceType":  "Observation",
				"status":        "final",
				"identifier":    []any{map[string]any{"system": bundleSystem, "value": marker}},
				"code":          map[string]any{"text": "crash test reading"},
				"subject":       map[string]any{"reference": pURL},
				"valueQuantity": map[string]any{"value": json.Number(strconv.Itoa(w.rnd.IntN(200))), "unit": "mmHg"},
			},
			"request": map[string]any{"method": "POST", "url": "Observation"},
		})
	}
	rec := bundleRec{cycle: w.cycle, marker: marker, size: len(entries)}
	bundle := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": entries}
	r, ok, err := w.send(ctx, http.StatusOK, http.MethodPost, "", bundle, "Prefer", "return=representation")
	if !ok {
		w.l.addBundle(rec)
		return orStatus(err)
	}
	out, err := decodeBody(r)
	if err != nil {
		w.t.Errorf("cycle %d: transaction response: %v", w.cycle, err)
		return err
	}
	got, _ := out["entry"].([]any)
	if len(got) != len(entries) {
		w.t.Errorf("cycle %d: transaction response has %d entries for %d", w.cycle, len(got), len(entries))
		return fmt.Errorf("bad response")
	}
	var as []ack
	for i, e := range got {
		res, _ := e.(map[string]any)["resource"].(map[string]any)
		a, err := stored("transaction", w.cycle, res)
		if err != nil {
			w.t.Errorf("cycle %d: transaction entry %d: %v", w.cycle, i, err)
			return err
		}
		as = append(as, a)
	}
	rec.acked = true
	w.l.addBundle(rec)
	w.l.addAcks(as...)
	return nil
}

// acked records the resource a create or update returned.
func (w *writer) acked(op string, r reply) error {
	res, err := decodeBody(r)
	if err == nil {
		var a ack
		if a, err = stored(op, w.cycle, res); err == nil {
			w.l.addAcks(a)
			w.live = append(w.live, a)
			return nil
		}
	}
	w.t.Errorf("cycle %d: %s: %v", w.cycle, op, err)
	return err
}

// orStatus turns a refused status (already reported) into an error.
func orStatus(err error) error {
	if err == nil {
		return fmt.Errorf("unexpected status")
	}
	return err
}

// uuidOf formats 32 hex digits as a UUID.
func uuidOf(h string) string {
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
}
