package web

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
)

// consentView is one of a resident's consent decisions: refusing an
// institution (OrgName) or a purpose of use (PurposeKey).
type consentView struct {
	ID, Patient, OrgName, PurposeKey, Since string
	Active                                  bool
}

// refusablePurposes are the purposes of use a resident may refuse on the
// consent page: uses of the record beyond their own care and supervision.
var refusablePurposes = []string{identity.PurposeResearch, identity.PurposeMarketing, identity.PurposePayment}

// orgOption is an institution to choose.
type orgOption struct{ ID, Name string }

// residentOnly renders the refusal for non-residents and reports whether
// the session may use the consent pages.
func (h *Handler) residentOnly(w http.ResponseWriter, r *http.Request, s *signedIn) bool {
	if s.account.Role == identity.RoleResident && len(s.account.Patients()) > 0 && h.cfg.Resources != nil &&
		h.allowed(r, s, "create", "Consent") {
		return true
	}
	h.refuse(w, r, s, http.StatusForbidden, "consent.forbidden")
	return false
}

func (h *Handler) consentsPage(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r)
	if s == nil || !h.residentOnly(w, r, s) {
		return
	}
	h.renderConsents(w, r, s, http.StatusOK, "", r.URL.Query().Get("saved") == "1")
}

func (h *Handler) renderConsents(w http.ResponseWriter, r *http.Request, s *signedIn, status int, errKey string, done bool) {
	p := newPage(r, "consent.title", s)
	p.Error, p.Done, p.Patients, p.Purposes = errKey, done, s.account.Patients(), refusablePurposes
	orgNames := map[string]string{}
	err := h.searchEach(r, "Organization", url.Values{"_count": {"200"}, "_sort": {"name"}}, func(v store.Version, m map[string]any) {
		name, _ := m["name"].(string)
		if name == "" {
			name = "Organization/" + v.ID
		}
		orgNames["Organization/"+v.ID] = name
		p.Orgs = append(p.Orgs, orgOption{ID: v.ID, Name: name})
	})
	var shown []store.Version
	for _, pid := range p.Patients {
		if err != nil {
			break
		}
		q := url.Values{"patient": {"Patient/" + pid}, "_count": {"100"}, "_sort": {"-_lastUpdated"}}
		err = h.searchEach(r, "Consent", q, func(v store.Version, m map[string]any) {
			prov, _ := m["provision"].(map[string]any)
			if prov["type"] != "deny" {
				return
			}
			shown = append(shown, v)
			c := consentView{ID: v.ID, Patient: pid, Active: m["status"] == "active", Since: v.LastUpdated.In(shanghai).Format("2006-01-02 15:04")}
			for _, pu := range fhir.Objects(prov["purpose"]) {
				if code, _ := pu["code"].(string); slices.Contains(refusablePurposes, code) {
					c.PurposeKey = "purpose." + code
				}
			}
			for _, a := range fhir.Objects(prov["actor"]) {
				ref, _ := a["reference"].(map[string]any)
				if s, _ := ref["reference"].(string); s != "" {
					c.OrgName = orgNames[s]
					if c.OrgName == "" {
						c.OrgName = s
					}
				}
			}
			p.Consents = append(p.Consents, c)
		})
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	h.auditRead(r, s, "Consent", "/consents", shown)
	h.render(w, r, status, "consents.html", p)
}

// searchEach runs a search (one page) and calls fn with each match,
// decoded.
func (h *Handler) searchEach(r *http.Request, typ string, q url.Values, fn func(store.Version, map[string]any)) error {
	res, err := h.cfg.Resources.Search(r.Context(), typ, q, resources.SearchOptions{})
	if err != nil {
		return err
	}
	for _, v := range res.Page.Matches {
		m, err := fhir.Decode(v.Body, 0)
		if err != nil {
			return err
		}
		fn(v, m)
	}
	return nil
}

// refuseOrg records a resident's refusal of an institution, or of a
// purpose of use, as a Consent with a deny provision naming it: the policy
// then keeps the institution's practitioners and systems, or the systems
// registered for that purpose, away from the record.
func (h *Handler) refuseOrg(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r)
	if s == nil || !h.residentOnly(w, r, s) {
		return
	}
	if !bounded(w, r) || !checkCSRF(r, s.session.CSRF) {
		h.renderConsents(w, r, s, http.StatusBadRequest, "identity.csrf", false)
		return
	}
	patient, org, purpose := r.PostFormValue("patient"), r.PostFormValue("org"), r.PostFormValue("purpose")
	if !slices.Contains(s.account.Patients(), patient) || (org == "") == (purpose == "") {
		h.renderConsents(w, r, s, http.StatusBadRequest, "consent.bad", false)
		return
	}
	provision := map[string]any{"type": "deny"}
	if purpose != "" {
		if !slices.Contains(refusablePurposes, purpose) {
			h.renderConsents(w, r, s, http.StatusBadRequest, "consent.bad", false)
			return
		}
		provision["purpose"] = []any{map[string]any{"system": identity.PurposeOfUseSystem, "code": purpose}}
	} else {
		if !resources.ValidID(org) {
			h.renderConsents(w, r, s, http.StatusBadRequest, "consent.bad", false)
			return
		}
		if _, err := h.cfg.Resources.Read(r.Context(), "Organization", org); err != nil {
			h.renderConsents(w, r, s, http.StatusBadRequest, "consent.bad", false)
			return
		}
		provision["actor"] = []any{map[string]any{
			"role":      map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP"}}},
			"reference": map[string]any{"reference": "Organization/" + org}}}
	}
	consent := map[string]any{
		"resourceType": "Consent", "status": "active",
		"scope":      map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}}},
		"category":   []any{map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "59284-0"}}}},
		"patient":    map[string]any{"reference": "Patient/" + patient},
		"dateTime":   time.Now().UTC().Format(time.RFC3339),
		"policyRule": map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTOUT"}}},
		"provision":  provision,
	}
	if _, err := h.cfg.Resources.Create(actContext(r, s), consent, ""); err != nil {
		h.fail(w, err)
		return
	}
	// Post/redirect/get: reloading or switching language repeats nothing.
	http.Redirect(w, r, "/consents?saved=1", http.StatusSeeOther)
}

// withdrawConsent ends one of the resident's refusals (status inactive).
func (h *Handler) withdrawConsent(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r)
	if s == nil || !h.residentOnly(w, r, s) {
		return
	}
	if !bounded(w, r) || !checkCSRF(r, s.session.CSRF) {
		h.renderConsents(w, r, s, http.StatusBadRequest, "identity.csrf", false)
		return
	}
	id := r.PostFormValue("id")
	if !resources.ValidID(id) {
		h.renderConsents(w, r, s, http.StatusBadRequest, "consent.bad", false)
		return
	}
	cur, err := h.cfg.Resources.Read(r.Context(), "Consent", id)
	if err != nil {
		h.renderConsents(w, r, s, http.StatusBadRequest, "consent.bad", false)
		return
	}
	ref, _ := cur.Resource["patient"].(map[string]any)
	pref, _ := ref["reference"].(string)
	if !slices.Contains(s.account.Patients(), trimPrefix(pref, "Patient/")) {
		h.renderConsents(w, r, s, http.StatusForbidden, "consent.bad", false)
		return
	}
	cur.Resource["status"] = "inactive"
	if _, err := h.cfg.Resources.Update(actContext(r, s), "Consent", id, cur.Resource, cur.Version.VersionID); err != nil {
		h.fail(w, err)
		return
	}
	// Post/redirect/get: reloading or switching language repeats nothing.
	http.Redirect(w, r, "/consents?saved=1", http.StatusSeeOther)
}

func trimPrefix(s, p string) string {
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return ""
}
