package rest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/auth"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
)

// statusWriter records the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// newRequestID returns a fresh request id: 12 hex digits of the Unix time
// in milliseconds, then 8 random hex digits. Ids made later sort after
// earlier ones, so the audit log's request index grows at its end instead
// of taking a write at a random page for every entry.
func newRequestID() string {
	var b [10]byte
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	if _, err := rand.Read(b[6:]); err != nil {
		return strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	return hex.EncodeToString(b[:])
}

// wrap is the chain every FHIR route passes: request id, panic recovery,
// format negotiation, body limit, resource type check, the policy decision,
// the idempotency key (a recorded one is answered from its record), then
// the handler; errors become OperationOutcomes; every request is logged
// and counted.
func (h *Handler) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		c := &call{typ: r.PathValue("type"), id: r.PathValue("id"), reqID: r.Header.Get("X-Request-Id")}
		if c.reqID == "" || len(c.reqID) > 64 {
			c.reqID = newRequestID()
		}
		sw.Header().Set("X-Request-Id", c.reqID)
		if rt.interaction != "capabilities" {
			// Answers hold patients' data: no cache may keep them, and a
			// browser that reused one would read without the server (and
			// the audit log) knowing. Clients still revalidate with ETags.
			sw.Header().Set("Cache-Control", "no-store")
		}
		if rt.types != nil && c.typ == "" {
			c.typ = rt.types[0]
		}
		var auditErr error
		p, authErr := h.cfg.Policy.Authenticate(r)
		c.access = access{p: p, r: r}
		ev := h.auditEvent(r, rt, c)
		r = r.WithContext(audit.WithEvent(auth.WithPrincipal(r.Context(), p), ev))
		defer func() {
			if p := recover(); p != nil {
				h.cfg.Logger.Error("panic", "request_id", c.reqID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					h.writeError(sw, r, errors.New("panic"))
				}
			}
			d := time.Since(start)
			h.audit(ev, rt, c, sw.status, auditErr)
			observe(rt.interaction, r.Method, sw.status, d)
			h.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("request_id", c.reqID), slog.String("method", r.Method),
				slog.String("route", rt.pattern), slog.String("type", c.typ),
				slog.Int("status", sw.status), slog.Int64("bytes", sw.bytes),
				slog.Duration("duration", d))
		}()
		err := authErr
		if err == nil {
			err = h.prepare(r, rt, c)
		}
		if c.access.granted.BreakGlass {
			ev.BreakGlass, ev.Purpose, ev.Reason = true, "BTG", c.access.p.BreakGlass
		}
		if err == nil {
			r = r.WithContext(h.withGuard(r.Context(), c))
			r.Body = http.MaxBytesReader(sw, r.Body, h.cfg.Limits.MaxBodyBytes)
			var replayed bool
			if replayed, err = h.idempotency(sw, r, rt, c); err == nil && !replayed {
				err = rt.fn(sw, r, c)
				if err != nil && c.idem != nil && c.idem.taken {
					// A concurrent request with the key committed its
					// act first: this one answers with its answer.
					err = h.replayRecorded(sw, r, c)
				}
			}
		}
		if err != nil {
			if fhir.CodeOf(err) == fhir.IssueException {
				h.cfg.Logger.Error("internal error", "request_id", c.reqID, "route", rt.pattern, "error", err.Error())
			}
			h.writeErrorFmt(sw, r, c.fmt, err)
			auditErr = err
		}
	})
}

func (h *Handler) prepare(r *http.Request, rt route, c *call) error {
	f, err := negotiate(r)
	c.fmt = f
	if err != nil && !(rt.interaction == "$export-file" && acceptsNDJSON(r)) {
		return err
	}
	if c.typ != "" && !h.cfg.Service.IsResourceType(c.typ) {
		return fhir.Errorf(fhir.IssueNotSupported, "%q is not a FHIR R4 resource type", c.typ).WithStatus(http.StatusNotFound)
	}
	if c.id != "" && !resources.ValidID(c.id) {
		switch {
		case c.id == "_history" || c.id == "_search":
			// e.g. PATCH /fhir/Patient/_history: the path names a type-level
			// route that does not take this method.
			return methodNotAllowed(r)
		case strings.HasPrefix(c.id, "$"):
			return fhir.Errorf(fhir.IssueNotSupported, "operation %s is not supported on %s", c.id, c.typ).WithStatus(http.StatusNotFound)
		}
		return fhir.Errorf(fhir.IssueInvalid, "%q is not a valid resource id (1-64 of A-Z a-z 0-9 - .)", c.id)
	}
	acc, err := h.cfg.Policy.Decide(r.Context(), c.access.p, Request{Interaction: rt.interaction, Type: c.typ, ID: c.id, HTTP: r})
	c.access.granted = acc
	perm := auth.PermOf(rt.interaction)
	c.access.reads = err == nil && (perm == 'r' || perm == 's')
	return err
}
