package web

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/auth"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/store"
)

// accessRow is one audit entry as the pages show it.
type accessRow struct {
	Seq, Index              int64
	Time, Who, Org, RoleKey string
	ActKey, OutcomeKey      string
	Action, Request         string
	Patients                string
	BreakGlass, Self        bool
}

// maxRows bounds the entries a page lists.
const maxRows = 100

// rows turns audit records into rows, newest first, naming institutions.
func (h *Handler) rows(r *http.Request, s *signedIn, recs []store.AuditRecord) ([]accessRow, error) {
	orgs := map[string]string{}
	orgName := func(id string) string {
		if id == "" {
			return ""
		}
		if n, ok := orgs[id]; ok {
			return n
		}
		n := "Organization/" + id
		if h.cfg.Resources != nil {
			if res, err := h.cfg.Resources.Read(r.Context(), "Organization", id); err == nil {
				if name, _ := res.Resource["name"].(string); name != "" {
					n = name
				}
			}
		}
		orgs[id] = n
		return n
	}
	slices.SortFunc(recs, func(a, b store.AuditRecord) int { return int(b.Seq - a.Seq) })
	recs = slices.CompactFunc(recs, func(a, b store.AuditRecord) bool { return a.Seq == b.Seq })
	out := make([]accessRow, 0, len(recs))
	for _, rec := range recs {
		e, err := audit.ParseEntry(rec.Body)
		if err != nil {
			return nil, err
		}
		row := accessRow{Seq: rec.Seq, Index: rec.Index, Time: e.Time.In(shanghai).Format("2006-01-02 15:04:05"),
			Who: e.Agent.Kind + "/" + e.Agent.ID, Org: orgName(e.Agent.Org), ActKey: "act." + audit.ActCode(e.Action),
			OutcomeKey: "outcome." + e.Outcome, Action: e.Action, Request: e.RequestID, BreakGlass: e.BreakGlass,
			Patients: strings.Join(e.Patients, ", "), Self: e.Agent.Kind == "user" && e.Agent.ID == s.account.ID}
		if identity.Role(e.Agent.Role).Valid() {
			row.RoleKey = "role." + e.Agent.Role
		} else if e.Agent.Kind == "client" {
			row.RoleKey = "agent.client"
		} else {
			row.RoleKey = "agent." + e.Agent.Kind
		}
		out = append(out, row)
		if len(out) == maxRows {
			break
		}
	}
	return out, nil
}

// accessLog is the resident's 「谁查看了我的健康档案」: every audited act
// on their record and their children's, newest first; break-the-glass
// stands out.
func (h *Handler) accessLog(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r)
	if s == nil {
		return
	}
	if s.account.Role != identity.RoleResident || len(s.account.Patients()) == 0 || h.cfg.Audit == nil {
		h.refuse(w, r, s, http.StatusForbidden, "access.forbidden")
		return
	}
	var recs []store.AuditRecord
	for _, pid := range s.account.Patients() {
		got, err := h.cfg.Audit.Find(r.Context(), store.AuditQuery{Terms: []store.AuditTerm{{Kind: "patient", Value: pid}}, Count: maxRows})
		if err != nil {
			h.fail(w, err)
			return
		}
		recs = append(recs, got...)
	}
	p := newPage(r, "access.title", s)
	var err error
	if p.Rows, err = h.rows(r, s, recs); err != nil {
		h.fail(w, err)
		return
	}
	h.render(w, r, http.StatusOK, "accesslog.html", p)
}

// traceKinds are what the regulator's trace searches by.
var traceKinds = []string{"patient", "agent", "org", "request"}

// mayTrace reports whether the session may read the audit log: the same
// decision as the $audit-events operation.
func (h *Handler) mayTrace(r *http.Request, s *signedIn) bool {
	return h.cfg.Audit != nil && h.allowed(r, s, "$audit-events", "")
}

// traceable keeps the records the session may trace: all for audit
// administrators, the acts on patients of their region for regulators
// (the $audit-events decision).
func (h *Handler) traceable(r *http.Request, s *signedIn, recs []store.AuditRecord) ([]store.AuditRecord, error) {
	acc, err := h.cfg.Policy.Decide(r.Context(), &auth.Principal{Account: &s.account}, "$audit-events", "")
	if err != nil || acc.All {
		return recs, err
	}
	out := recs[:0:0]
	for _, rec := range recs {
		e, err := audit.ParseEntry(rec.Body)
		if err != nil {
			return nil, err
		}
		ok, err := acc.Reaches(r.Context(), e.Patients)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, rec)
		}
	}
	return out, nil
}

// trace is the regulator's (and audit administrator's) trace of acts by
// patient, agent, institution or request id, each with its proof.
func (h *Handler) trace(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r)
	if s == nil {
		return
	}
	if !h.mayTrace(r, s) {
		h.refuse(w, r, s, http.StatusForbidden, "trace.forbidden")
		return
	}
	p := newPage(r, "trace.title", s)
	q := r.URL.Query()
	p.TraceKind, p.TraceValue = q.Get("kind"), strings.TrimSpace(q.Get("value"))
	if p.TraceKind == "" {
		p.TraceKind = "patient"
	}
	status := http.StatusOK
	switch {
	case p.TraceValue == "":
	case !slices.Contains(traceKinds, p.TraceKind) || len(p.TraceValue) > 200:
		p.Error, status = "trace.bad", http.StatusBadRequest
	default:
		recs, err := h.cfg.Audit.Find(r.Context(), store.AuditQuery{Terms: []store.AuditTerm{{Kind: p.TraceKind, Value: p.TraceValue}}, Count: maxRows})
		if err == nil {
			recs, err = h.traceable(r, s, recs)
		}
		if err != nil {
			h.fail(w, err)
			return
		}
		if p.Rows, err = h.rows(r, s, recs); err != nil {
			h.fail(w, err)
			return
		}
		p.Searched = true
	}
	h.render(w, r, status, "trace.html", p)
}

// proofFile is what the trace page's download holds: the entry, its
// inclusion proof and the signed checkpoint it is proved against, with
// the public key, so that anyone can check it offline.
type proofFile struct {
	Entry      string   `json:"entry"` // base64 of the entry's canonical bytes (the leaf data)
	LeafIndex  int64    `json:"leafIndex"`
	TreeSize   int64    `json:"treeSize"`
	LeafHash   string   `json:"leafHash"`
	Hashes     []string `json:"hashes"`
	HashAlg    string   `json:"hashAlgorithm"`
	Checkpoint string   `json:"checkpoint"` // the signed note
	Signature  string   `json:"signature"`
	KeyID      string   `json:"keyId"`
	PublicKey  string   `json:"publicKey"` // PEM
}

func (h *Handler) traceProof(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r)
	if s == nil {
		return
	}
	if !h.mayTrace(r, s) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	seq, err := strconv.ParseInt(r.URL.Query().Get("seq"), 10, 64)
	if err != nil || seq <= 0 {
		http.Error(w, "seq must be an audit entry's number", http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	rec, err := h.cfg.Audit.Entry(ctx, seq)
	if err != nil || rec.Index < 0 {
		http.Error(w, "no such entry in the tree yet (entries are placed within seconds; checkpoints every minute)", http.StatusNotFound)
		return
	}
	if mine, err := h.traceable(r, s, []store.AuditRecord{rec}); err != nil {
		h.fail(w, err)
		return
	} else if len(mine) == 0 {
		http.Error(w, "forbidden: the entry is not about a patient of your region", http.StatusForbidden)
		return
	}
	cp, err := h.cfg.Audit.Latest(ctx)
	if err != nil || cp.Size <= rec.Index {
		http.Error(w, "no checkpoint covers the entry yet; try again in a minute", http.StatusNotFound)
		return
	}
	proof, err := h.cfg.Audit.InclusionProof(ctx, rec.Index, cp.Size)
	if err != nil {
		h.fail(w, err)
		return
	}
	b64 := base64.StdEncoding.EncodeToString
	v := h.cfg.Audit.PublicKey()
	out := proofFile{Entry: b64(rec.Body), LeafIndex: proof.Index, TreeSize: proof.Size, LeafHash: b64(proof.LeafHash),
		HashAlg: h.cfg.Audit.Hasher().Algorithm(), Checkpoint: string(cp.Note), Signature: b64(cp.Signature), KeyID: cp.KeyID,
		PublicKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: v.PublicKeyDER}))}
	for _, hh := range proof.Hashes {
		out.Hashes = append(out.Hashes, b64(hh))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", "attachment; filename=\"audit-proof-"+strconv.FormatInt(seq, 10)+".json\"")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out) // a failed write means the client went away
}
