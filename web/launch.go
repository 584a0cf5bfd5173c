package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/yitong-health/yitong/auth"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/store"
)

// maxLaunchPatients bounds the patients the launch page lists.
const maxLaunchPatients = 200

// launchView is the clinician's launch page: the apps registered with a
// launch URL and the patients the policy lets the clinician read.
type launchView struct {
	Apps     []identity.Client
	Patients []launchPatient
}

type launchPatient struct{ ID, Name string }

// launchAccess asks the one policy decision which patients the session
// may read; only clinicians launch apps.
func (h *Handler) launchAccess(w http.ResponseWriter, r *http.Request, s *signedIn) (auth.Access, bool) {
	if !s.account.Role.Clinical() || h.cfg.Policy == nil {
		h.refuse(w, r, s, http.StatusForbidden, "launch.forbidden")
		return auth.Access{}, false
	}
	acc, err := h.cfg.Policy.Decide(r.Context(), &auth.Principal{Account: &s.account}, "read", "Patient")
	if fhir.CodeOf(err) == fhir.IssueForbidden {
		h.refuse(w, r, s, http.StatusForbidden, "launch.denied")
		return auth.Access{}, false
	} else if err != nil {
		h.fail(w, err)
		return auth.Access{}, false
	}
	return acc, true
}

func (h *Handler) launchPage(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r)
	if s == nil {
		return
	}
	acc, ok := h.launchAccess(w, r, s)
	if !ok {
		return
	}
	apps, err := h.cfg.Identity.LaunchableClients(r.Context())
	if err != nil {
		h.fail(w, err)
		return
	}
	v := &launchView{Apps: apps}
	ids := acc.Patients
	if len(ids) > maxLaunchPatients {
		ids = ids[:maxLaunchPatients]
	}
	var shown []store.Version
	for _, id := range ids {
		name, ver := h.patientName(r, id)
		if name != "" {
			shown = append(shown, ver)
		}
		v.Patients = append(v.Patients, launchPatient{ID: id, Name: name})
	}
	// The names shown are a disclosure of each patient's record.
	h.auditRead(r, s, "Patient", "/launch", shown)
	p := newPage(r, "launch.title", s)
	p.Launch = v
	h.render(w, r, http.StatusOK, "launch.html", p)
}

// patientName is the patient's first name as written, and the version it
// was read from ("" when it cannot be read: the id is shown instead). A
// caller that shows a name records the version's disclosure (auditRead).
func (h *Handler) patientName(r *http.Request, id string) (string, store.Version) {
	if h.cfg.Resources == nil {
		return "", store.Version{}
	}
	res, err := h.cfg.Resources.Read(r.Context(), "Patient", id)
	if err != nil {
		return "", store.Version{}
	}
	return nameOf(res.Resource), res.Version
}

// nameOf is a Patient's first name as written ("" for none).
func nameOf(patient map[string]any) string {
	names, _ := patient["name"].([]any)
	if len(names) == 0 {
		return ""
	}
	n, _ := names[0].(map[string]any)
	if text, ok := n["text"].(string); ok && text != "" {
		return text
	}
	family, _ := n["family"].(string)
	given, _ := n["given"].([]any)
	var b strings.Builder
	b.WriteString(family)
	for _, g := range given {
		if s, ok := g.(string); ok {
			b.WriteString(s)
		}
	}
	return b.String()
}

// launch starts an EHR launch: the patient must pass the policy for the
// clinician, the app must have a launch URL; the launch context is
// recorded (audited) and the browser sent to the app's launch URL with
// iss and launch.
func (h *Handler) launch(w http.ResponseWriter, r *http.Request) {
	if !bounded(w, r) {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	s := h.require(w, r)
	if s == nil {
		return
	}
	if !checkCSRF(r, s.session.CSRF) {
		h.refuse(w, r, s, http.StatusBadRequest, "identity.csrf")
		return
	}
	acc, ok := h.launchAccess(w, r, s)
	if !ok {
		return
	}
	c, err := h.cfg.Identity.Client(r.Context(), r.PostFormValue("client"))
	if identity.CodeOf(err) == identity.ErrInvalidClient.Code || (err == nil && c.LaunchURL == "") {
		h.refuse(w, r, s, http.StatusBadRequest, "launch.app.unknown")
		return
	} else if err != nil {
		h.fail(w, err)
		return
	}
	patient := strings.TrimSpace(r.PostFormValue("patient"))
	reached := false
	if patient != "" {
		if reached, err = acc.Reaches(r.Context(), []string{patient}); err != nil {
			h.fail(w, err)
			return
		}
	}
	if !reached {
		h.refuse(w, r, s, http.StatusForbidden, "launch.patient.refused")
		return
	}
	id, err := h.cfg.Identity.CreateLaunch(r.Context(), s.account, c, patient)
	if err != nil {
		h.fail(w, err)
		return
	}
	u, err := url.Parse(c.LaunchURL)
	if err != nil {
		h.fail(w, err)
		return
	}
	q := u.Query()
	q.Set("iss", fhirBase(r))
	q.Set("launch", id)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}
