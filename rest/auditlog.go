package rest

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
)

// auditRoutes serve the audit log: its AuditEvent view, checkpoints and
// proofs. They pass the one policy decision like every route (the identity
// work limits them to regulators and audit administrators).
func (h *Handler) auditRoutes() []route {
	if h.cfg.Audit == nil {
		return nil
	}
	return []route{
		{"GET /fhir/$audit-events", "$audit-events", "system", nil, h.auditEvents},
		{"GET /fhir/$audit-checkpoint", "$audit-checkpoint", "system", nil, h.auditCheckpoint},
		{"POST /fhir/$audit-checkpoint", "$audit-checkpoint", "system", nil, h.auditCheckpoint},
		{"GET /fhir/$audit-proof", "$audit-proof", "system", nil, h.auditProof},
	}
}

// auditQueryParams are the parameters of $audit-events.
const auditQueryParams = "patient, agent, org, action, subtype, outcome, request, date, _count, _cursor"

// parseAuditQuery reads $audit-events' parameters.
func parseAuditQuery(q url.Values) (store.AuditQuery, error) {
	out := store.AuditQuery{Count: 50}
	term := func(kind, v string) { out.Terms = append(out.Terms, store.AuditTerm{Kind: kind, Value: v}) }
	for k, vs := range q {
		for _, v := range vs {
			if v == "" {
				return out, fhir.Errorf(fhir.IssueInvalid, "$audit-events: %s has no value", k)
			}
			switch k {
			case "patient":
				term("patient", strings.TrimPrefix(v, "Patient/"))
			case "agent":
				term("agent", v)
			case "org":
				term("org", v)
			case "request":
				term("request", v)
			case "subtype":
				if out.Action != "" && out.Action != v {
					return out, fhir.Errorf(fhir.IssueInvalid, "$audit-events: subtype takes one value")
				}
				out.Action = v
			case "action":
				if !strings.Contains("CRUDE", v) || len(v) != 1 {
					return out, fhir.Errorf(fhir.IssueInvalid, "$audit-events: action %q is not one of C, R, U, D, E", v)
				}
				if out.Act != "" && out.Act != v {
					return out, fhir.Errorf(fhir.IssueInvalid, "$audit-events: action takes one value")
				}
				out.Act = v
			case "outcome":
				o := audit.OutcomeFromCode(v)
				if o == "" {
					return out, fhir.Errorf(fhir.IssueInvalid, "$audit-events: outcome %q is not one of 0, 4, 8, 12", v)
				}
				if out.Outcome != "" && out.Outcome != o {
					return out, fhir.Errorf(fhir.IssueInvalid, "$audit-events: outcome takes one value")
				}
				out.Outcome = o
			case "date":
				if err := auditDate(&out, v); err != nil {
					return out, err
				}
			case "_count":
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 || n > 1000 {
					return out, fhir.Errorf(fhir.IssueInvalid, "$audit-events: _count %q is not between 1 and 1000", v)
				}
				out.Count = n
			case "_cursor":
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < 1 {
					return out, fhir.Errorf(fhir.IssueInvalid, "$audit-events: _cursor %q is not a cursor of this server", v)
				}
				out.Before = n
			case "_format", "_pretty":
			default:
				return out, fhir.Errorf(fhir.IssueNotSupported, "$audit-events: parameter %q is not supported (supported: %s)", k, auditQueryParams)
			}
		}
	}
	return out, nil
}

// auditDate narrows q by a date parameter: ge, gt, le, lt or eq (the
// default) and a date or instant; a date covers its whole day in
// Asia/Shanghai.
func auditDate(q *store.AuditQuery, v string) error {
	prefix := "eq"
	if len(v) > 2 && strings.Contains("ge gt le lt eq", v[:2]) && v[0] >= 'a' {
		prefix, v = v[:2], v[2:]
	}
	var lo, hi time.Time
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		lo, hi = t, t.Add(time.Microsecond)
	} else if d, err := time.ParseInLocation("2006-01-02", v, shanghai); err == nil {
		lo, hi = d, d.AddDate(0, 0, 1)
	} else {
		return fhir.Errorf(fhir.IssueInvalid, "$audit-events: date %q is not a date (YYYY-MM-DD) or an instant with a time zone", v)
	}
	narrowFrom := func(t time.Time) {
		if q.From.IsZero() || t.After(q.From) {
			q.From = t
		}
	}
	narrowTo := func(t time.Time) {
		if q.To.IsZero() || t.Before(q.To) {
			q.To = t
		}
	}
	switch prefix {
	case "eq":
		narrowFrom(lo)
		narrowTo(hi)
	case "ge":
		narrowFrom(lo)
	case "gt":
		narrowFrom(hi)
	case "le":
		narrowTo(hi)
	case "lt":
		narrowTo(lo)
	}
	return nil
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err) // time/tzdata is embedded by package search
	}
	return l
}()

// auditEvents serves the AuditEvent view of the log as a searchset Bundle,
// newest first, paged by a _cursor.
func (h *Handler) auditEvents(w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := parseAuditQuery(r.URL.Query())
	if err != nil {
		return err
	}
	page := q
	page.Count++ // one more tells whether there is a next page
	recs, err := h.cfg.Audit.Find(r.Context(), page)
	if err != nil {
		return err
	}
	more := len(recs) > q.Count
	if more {
		recs = recs[:q.Count]
	}
	base := baseURL(r)
	entries := make([]any, 0, len(recs))
	acc := c.access.granted
	for _, rec := range recs {
		e, err := audit.ParseEntry(rec.Body)
		if err != nil {
			return err
		}
		if !acc.All {
			// A regional regulator sees acts on patients of the region
			// (the page may come out short; the next link still pages).
			if ok, err := acc.Reaches(r.Context(), e.Patients); err != nil {
				return err
			} else if !ok {
				continue
			}
		}
		entries = append(entries, map[string]any{"resource": e.AuditEvent(rec.Seq, rec.Index), "search": map[string]any{"mode": "match"}})
	}
	self := r.URL.Query()
	links := []any{map[string]any{"relation": "self", "url": base + "/$audit-events" + queryString(self)}}
	if more {
		next := r.URL.Query()
		next.Set("_cursor", strconv.FormatInt(recs[len(recs)-1].Seq, 10))
		links = append(links, map[string]any{"relation": "next", "url": base + "/$audit-events" + queryString(next)})
	}
	writeJSON(w, c.fmt, http.StatusOK, map[string]any{
		"resourceType": "Bundle", "type": "searchset", "timestamp": resources.FormatInstant(h.cfg.Now()),
		"link": links, "entry": entries,
	})
	return nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// auditCheckpoint answers the latest signed checkpoint (GET) or signs one
// now (POST), as Parameters: size, rootHash, time, note, signature, keyId,
// publicKey (PKIX DER) and hashAlgorithm.
func (h *Handler) auditCheckpoint(w http.ResponseWriter, r *http.Request, c *call) error {
	l := h.cfg.Audit
	var cp audit.Checkpoint
	var err error
	if r.Method == http.MethodPost {
		cp, err = l.Checkpoint(r.Context())
	} else {
		cp, err = l.Latest(r.Context())
	}
	if err != nil {
		return err
	}
	writeJSON(w, c.fmt, http.StatusOK, parameters(
		"size", "valueDecimal", cp.Size,
		"rootHash", "valueBase64Binary", b64(cp.Root),
		"time", "valueInstant", resources.FormatInstant(cp.Time),
		"note", "valueString", string(cp.Note),
		"signature", "valueBase64Binary", b64(cp.Signature),
		"keyId", "valueString", cp.KeyID,
		"publicKey", "valueBase64Binary", b64(l.PublicKey().PublicKeyDER),
		"signatureAlgorithm", "valueString", l.PublicKey().Algorithm(),
		"hashAlgorithm", "valueString", l.Hasher().Algorithm(),
	))
	return nil
}

// auditProof answers an inclusion proof (index, and size: default the
// latest checkpoint's) or, given size1 and size2, a consistency proof, as
// Parameters with the proof's hashes in order.
func (h *Handler) auditProof(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	num := func(name string, required bool) (int64, error) {
		v := q.Get(name)
		if v == "" && !required {
			return 0, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, fhir.Errorf(fhir.IssueInvalid, "$audit-proof: %s=%q is not a non-negative integer", name, v)
		}
		return n, nil
	}
	for k := range q {
		switch k {
		case "index", "size", "size1", "size2", "_format", "_pretty":
		default:
			return fhir.Errorf(fhir.IssueNotSupported, "$audit-proof: parameter %q is not supported (index and size, or size1 and size2)", k)
		}
	}
	var out []any
	if q.Has("size1") || q.Has("size2") {
		s1, err := num("size1", true)
		if err != nil {
			return err
		}
		s2, err := num("size2", true)
		if err != nil {
			return err
		}
		p, err := h.cfg.Audit.ConsistencyProof(r.Context(), s1, s2)
		if err != nil {
			return err
		}
		out = []any{"size1", "valueDecimal", p.Size1, "size2", "valueDecimal", p.Size2}
		for _, hh := range p.Hashes {
			out = append(out, "hash", "valueBase64Binary", b64(hh))
		}
	} else {
		idx, err := num("index", true)
		if err != nil {
			return err
		}
		size, err := num("size", false)
		if err != nil {
			return err
		}
		p, err := h.cfg.Audit.InclusionProof(r.Context(), idx, size)
		if err != nil {
			return err
		}
		out = []any{"index", "valueDecimal", p.Index, "size", "valueDecimal", p.Size, "leafHash", "valueBase64Binary", b64(p.LeafHash)}
		for _, hh := range p.Hashes {
			out = append(out, "hash", "valueBase64Binary", b64(hh))
		}
	}
	writeJSON(w, c.fmt, http.StatusOK, parameters(out...))
	return nil
}

// parameters builds a Parameters resource from name, value[x] key, value
// triples.
func parameters(kv ...any) map[string]any {
	var ps []any
	for i := 0; i+2 < len(kv); i += 3 {
		ps = append(ps, map[string]any{"name": kv[i], kv[i+1].(string): kv[i+2]})
	}
	return map[string]any{"resourceType": "Parameters", "parameter": ps}
}
