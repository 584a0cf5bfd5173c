package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/identity"
)

// auditSettingsView is what /audit/settings shows: the retention period,
// the legal minimum, the pruned range and the prune runs.
type auditSettingsView struct {
	Months, MinMonths     int
	Default, CanEdit      bool
	Changed, By           string
	Rule, Source          string
	Size, PrunedBefore    int64
	LastRun, LastPrune    string
	LastPruned            int64
	LastCutoff            string
	MaxMonths, PrunedLast int64
}

// canReadAuditSettings: audit administrators (who change them) and
// regulators (who read them).
func canReadAuditSettings(s *signedIn) bool {
	return s.account.Role == identity.RoleAuditAdmin || s.account.Role == identity.RoleRegulator
}

func (h *Handler) auditSettingsPage(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r)
	if s == nil {
		return
	}
	if !canReadAuditSettings(s) {
		h.refuse(w, r, s, http.StatusForbidden, "auditsettings.forbidden")
		return
	}
	h.renderAuditSettings(w, r, s, http.StatusOK, func(p *page) { p.Done = r.URL.Query().Get("saved") == "1" })
}

func (h *Handler) renderAuditSettings(w http.ResponseWriter, r *http.Request, s *signedIn, status int, fill func(*page)) {
	set, err := h.cfg.Audit.Settings(r.Context())
	if err != nil {
		h.fail(w, err)
		return
	}
	const when = "2006-01-02 15:04:05"
	v := &auditSettingsView{Months: set.Retention.Months, Default: set.Default, MinMonths: set.Rule.MinMonths,
		Rule: set.Rule.String(), Source: set.Rule.Source, Size: set.Size, PrunedBefore: set.PrunedBefore,
		PrunedLast: set.PrunedBefore - 1, MaxMonths: audit.MaxRetentionMonths, By: set.Retention.By,
		CanEdit: s.account.Role == identity.RoleAuditAdmin}
	if !set.Retention.Changed.IsZero() {
		v.Changed = set.Retention.Changed.In(shanghai).Format(when)
	}
	if set.LastRun != nil {
		v.LastRun = set.LastRun.Time.In(shanghai).Format(when)
	}
	if set.LastPrune != nil {
		v.LastPrune, v.LastPruned = set.LastPrune.Time.In(shanghai).Format(when), set.LastPrune.Pruned
		v.LastCutoff = set.LastPrune.Cutoff.In(shanghai).Format(when)
	}
	p := newPage(r, "auditsettings.title", s)
	p.AuditSettings = v
	fill(p)
	h.render(w, r, status, "auditsettings.html", p)
}

// setAuditSettings changes the retention period. Whoever posts, the audit
// log decides and audits the attempt (audit.Log.SetRetention): only audit
// administrators succeed; a period outside the allowed range is refused
// with nothing changed.
func (h *Handler) setAuditSettings(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r)
	if s == nil {
		return
	}
	if !bounded(w, r) || !checkCSRF(r, s.session.CSRF) {
		h.refuse(w, r, s, http.StatusBadRequest, "identity.csrf")
		return
	}
	admin := s.account.Role == identity.RoleAuditAdmin
	months, perr := strconv.Atoi(strings.TrimSpace(r.PostFormValue("months")))
	if perr != nil && admin {
		h.renderAuditSettings(w, r, s, http.StatusBadRequest, func(p *page) { p.Error = "auditsettings.invalid" })
		return
	}
	// Anyone else is refused (and audited) whatever the value.
	err := h.cfg.Audit.SetRetention(actContext(r, s), months)
	switch fhir.CodeOf(err) {
	case fhir.IssueForbidden:
		h.refuse(w, r, s, http.StatusForbidden, "auditsettings.refused")
	case fhir.IssueInvalid:
		h.renderAuditSettings(w, r, s, http.StatusBadRequest, func(p *page) { p.Error = "auditsettings.invalid" })
	default:
		if err != nil {
			h.fail(w, err)
			return
		}
		http.Redirect(w, r, "/audit/settings?saved=1", http.StatusSeeOther)
	}
}
