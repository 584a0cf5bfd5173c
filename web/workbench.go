package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/auth"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/prescribing"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/signing"
	"github.com/yitong-health/yitong/store"
)

// The doctor's workbench: the doctor's own draft prescriptions, each with
// a PIN form to sign it (RULES.md B1), and the signed ones with what
// $verify says of them. Listing is audited as a read of what it shows;
// signing is the same act as MedicationRequest $sign.

// maxWorkbenchRows bounds the prescriptions the workbench lists.
const maxWorkbenchRows = 100

// rxRow is one prescription on the workbench.
type rxRow struct {
	ID, Patient, Medication, Date string
	// Version is the version shown, which the sign form names.
	Version int64
	// Signed: verified (Valid) or why not (IssueKey), and until when the
	// prescription is valid.
	Valid             bool
	IssueKey, Expires string
}

// workbenchView is the workbench's data.
type workbenchView struct {
	Drafts, Signed []rxRow
}

// mayPrescribe reports whether the session uses the workbench: a doctor
// with a Practitioner, with the services it needs.
func (h *Handler) mayPrescribe(s *signedIn) bool {
	return s.account.Role == identity.RoleDoctor && s.account.Practitioner != "" &&
		h.cfg.Prescribing != nil && h.cfg.Resources != nil && h.cfg.Policy != nil
}

func (h *Handler) workbenchPage(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r)
	if s == nil {
		return
	}
	if !h.mayPrescribe(s) {
		h.refuse(w, r, s, http.StatusForbidden, "workbench.forbidden")
		return
	}
	h.renderWorkbench(w, r, s, http.StatusOK, "", r.URL.Query().Get("signed") == "1")
}

// workbenchAccess is the policy's decision on the doctor's reading of
// prescriptions.
func (h *Handler) workbenchAccess(r *http.Request, s *signedIn) (auth.Access, error) {
	return h.cfg.Policy.Decide(r.Context(), &auth.Principal{Account: &s.account}, "search-type", "MedicationRequest")
}

func (h *Handler) renderWorkbench(w http.ResponseWriter, r *http.Request, s *signedIn, status int, errKey string, done bool) {
	p := newPage(r, "workbench.title", s)
	p.Error, p.Done = errKey, done
	v := &workbenchView{}
	acc, err := h.workbenchAccess(r, s)
	if fhir.CodeOf(err) == fhir.IssueForbidden {
		h.refuse(w, r, s, http.StatusForbidden, "workbench.forbidden")
		return
	} else if err != nil {
		h.fail(w, err)
		return
	}
	var shown []store.Version
	q := url.Values{"requester": {"Practitioner/" + s.account.Practitioner}, "status": {"draft"},
		"_sort": {"-_lastUpdated"}, "_count": {"100"}}
	res, err := h.cfg.Resources.Search(r.Context(), "MedicationRequest", q, resources.SearchOptions{})
	if err != nil {
		h.fail(w, err)
		return
	}
	for _, ver := range res.Page.Matches {
		if len(v.Drafts)+len(v.Signed) >= maxWorkbenchRows {
			break
		}
		patients, err := h.cfg.Resources.PatientsOf(ver)
		if err != nil {
			h.fail(w, err)
			return
		}
		if ok, err := acc.Reaches(r.Context(), patients); err != nil {
			h.fail(w, err)
			return
		} else if !ok {
			continue // no longer in the doctor's care
		}
		m, err := fhir.Decode(ver.Body, 0)
		if err != nil {
			h.fail(w, err)
			return
		}
		row := rxRow{ID: ver.ID, Version: ver.VersionID, Medication: medicationText(m), Date: shownTime(m["authoredOn"], ver.LastUpdated)}
		pid := strings.TrimPrefix(reference(m["subject"]), "Patient/")
		name, pv := h.patientName(r, pid)
		if row.Patient = name; name == "" {
			row.Patient = pid
		} else {
			shown = append(shown, pv)
		}
		shown = append(shown, ver)
		if !prescribing.IsSigned(m) {
			v.Drafts = append(v.Drafts, row)
			continue
		}
		vf, err := h.cfg.Prescribing.Verify(r.Context(), ver.ID)
		if err != nil {
			h.fail(w, err)
			return
		}
		row.Valid = vf.Valid
		if !vf.Valid {
			row.IssueKey = "workbench.issue." + vf.Code
		}
		if !vf.Expires.IsZero() {
			row.Expires = vf.Expires.In(shanghai).Format("2006-01-02 15:04")
		}
		shown = append(shown, vf.Disclosed...)
		v.Signed = append(v.Signed, row)
	}
	h.auditRead(r, s, "MedicationRequest", "/workbench", shown)
	p.Workbench = v
	h.render(w, r, status, "workbench.html", p)
}

// auditRead records that the page at path showed the session versions vs,
// mostly of type typ.
func (h *Handler) auditRead(r *http.Request, s *signedIn, typ, path string, vs []store.Version) {
	if h.cfg.Audit == nil {
		return
	}
	ev := audit.EventFrom(actContext(r, s))
	e := audit.Entry{Action: "search-type", Type: typ, Agent: ev.Agent, Source: ev.Source,
		Purpose: s.account.Role.Purpose(), Status: http.StatusOK, Detail: "page " + path}
	e.Disclose(vs...)
	h.cfg.Audit.Record(e)
}

// signPrescription signs one of the doctor's drafts with the PIN given.
func (h *Handler) signPrescription(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r)
	if s == nil {
		return
	}
	if !h.mayPrescribe(s) {
		h.refuse(w, r, s, http.StatusForbidden, "workbench.forbidden")
		return
	}
	if !bounded(w, r) || !checkCSRF(r, s.session.CSRF) {
		h.renderWorkbench(w, r, s, http.StatusBadRequest, "identity.csrf", false)
		return
	}
	id, pin := r.PostFormValue("id"), r.PostFormValue("pin")
	// The version shown (the form names it): a prescription changed since
	// is not signed.
	version, verr := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if !resources.ValidID(id) || pin == "" || verr != nil || version < 1 {
		h.renderWorkbench(w, r, s, http.StatusBadRequest, "workbench.bad", false)
		return
	}
	ctx := actContext(r, s)
	ev := audit.EventFrom(ctx)
	ev.Action, ev.Type, ev.Purpose = "$sign", "MedicationRequest", s.account.Role.Purpose()
	p := &auth.Principal{Account: &s.account}
	// The one policy decision: $sign, for the prescription's patient.
	err := h.maySign(r, p, id)
	if err == nil {
		_, err = h.cfg.Prescribing.Sign(ctx, p, id, pin, version)
	}
	if err == nil {
		// Post/redirect/get: reloading signs nothing twice.
		http.Redirect(w, r, "/workbench?signed=1", http.StatusSeeOther)
		return
	}
	status, key := signRefusal(err)
	if status == 0 {
		h.fail(w, err)
		return
	}
	if !signing.IsRefusal(err) && h.cfg.Audit != nil {
		// PIN refusals are audited by the signing service; these not yet.
		outcome := audit.OutcomeFailed
		if status == http.StatusForbidden {
			outcome = audit.OutcomeDenied
		}
		h.cfg.Audit.Record(audit.Entry{Action: "$sign", Type: "MedicationRequest", Agent: ev.Agent, Source: ev.Source,
			Purpose: ev.Purpose, Outcome: outcome, Status: status, Resources: []string{"MedicationRequest/" + id},
			Detail: string(fhir.CodeOf(err))})
	}
	h.renderWorkbench(w, r, s, status, key, false)
}

// maySign asks the policy whether p may sign MedicationRequest/id: $sign
// on the type, and the request's patient within reach.
func (h *Handler) maySign(r *http.Request, p *auth.Principal, id string) error {
	acc, err := h.cfg.Policy.Decide(r.Context(), p, "$sign", "MedicationRequest")
	if err != nil {
		return err
	}
	cur, err := h.cfg.Resources.Read(r.Context(), "MedicationRequest", id)
	if err != nil {
		return err
	}
	patients, err := h.cfg.Resources.PatientsOf(cur.Version)
	if err != nil {
		return err
	}
	if ok, err := acc.Reaches(r.Context(), patients); err != nil || !ok {
		if err != nil {
			return err
		}
		return auth.Deny(auth.ReasonPatient)
	}
	return nil
}

// signRefusal is the status and message of a refused signature (0 for
// an internal error).
func signRefusal(err error) (int, string) {
	switch {
	case errors.Is(err, signing.ErrBadPIN):
		return http.StatusUnprocessableEntity, "workbench.bad-pin"
	case errors.Is(err, signing.ErrLocked):
		return http.StatusLocked, "workbench.locked"
	case errors.Is(err, signing.ErrNoCert):
		return http.StatusUnprocessableEntity, "workbench.no-cert"
	case errors.Is(err, signing.ErrRevoked):
		return http.StatusUnprocessableEntity, "workbench.revoked"
	}
	if resources.StatusOf(err) == http.StatusPreconditionFailed {
		return http.StatusPreconditionFailed, "workbench.changed"
	}
	switch fhir.CodeOf(err) {
	case fhir.IssueForbidden:
		return http.StatusForbidden, "workbench.not-yours"
	case fhir.IssueConflict:
		return http.StatusConflict, "workbench.already"
	case fhir.IssueNotFound, fhir.IssueDeleted, fhir.IssueInvalid, fhir.IssueRequired:
		return http.StatusBadRequest, "workbench.bad"
	}
	return 0, ""
}

// medicationText is how a prescription names its medication.
func medicationText(m map[string]any) string {
	if cc, ok := m["medicationCodeableConcept"].(map[string]any); ok {
		if t, _ := cc["text"].(string); t != "" {
			return t
		}
		for _, c := range fhir.Objects(cc["coding"]) {
			if d, _ := c["display"].(string); d != "" {
				return d
			}
			if c, _ := c["code"].(string); c != "" {
				return c
			}
		}
	}
	if ref, ok := m["medicationReference"].(map[string]any); ok {
		if d, _ := ref["display"].(string); d != "" {
			return d
		}
		r, _ := ref["reference"].(string)
		return r
	}
	return ""
}

// shownTime is a FHIR dateTime shown in Asia/Shanghai (a date stays a
// date), or at when v is absent.
func shownTime(v any, at time.Time) string {
	s, _ := v.(string)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.In(shanghai).Format("2006-01-02 15:04")
	}
	if len(s) == len("2006-01-02") {
		return s
	}
	return at.In(shanghai).Format("2006-01-02 15:04")
}

func reference(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["reference"].(string)
	return s
}
