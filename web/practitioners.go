package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/auth"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/registry"
)

// actContext is the context of an act a signed-in person does through a
// page: the audit log names them, and FHIR writes pass the policy's
// write guard as they would through the API.
func actContext(r *http.Request, s *signedIn) context.Context {
	src := r.RemoteAddr
	if host, _, err := net.SplitHostPort(src); err == nil {
		src = host
	}
	a := s.account
	ev := &audit.Event{Agent: audit.Agent{Kind: "user", ID: a.ID, Role: string(a.Role), Org: a.Organization, Client: "web"}, Source: src}
	return auth.WithPrincipal(audit.WithEvent(r.Context(), ev), &auth.Principal{Account: &a})
}

// allowed asks the policy whether the session may do interaction on typ.
func (h *Handler) allowed(r *http.Request, s *signedIn, interaction, typ string) bool {
	if h.cfg.Policy == nil {
		return false
	}
	_, err := h.cfg.Policy.Decide(r.Context(), &auth.Principal{Account: &s.account}, interaction, typ)
	return err == nil
}

func (h *Handler) practitionersPage(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r)
	if s == nil {
		return
	}
	h.renderPractitioners(w, r, s, http.StatusOK, func(*page) {})
}

func (h *Handler) renderPractitioners(w http.ResponseWriter, r *http.Request, s *signedIn, status int, fill func(*page)) {
	if s.account.Role != identity.RoleInstitutionAdmin || s.account.Organization == "" || h.cfg.Registry == nil ||
		!h.allowed(r, s, "create", "PractitionerRole") {
		h.refuse(w, r, s, http.StatusForbidden, "reg.forbidden")
		return
	}
	p := newPage(r, "reg.title", s)
	for _, role := range []string{"doctor", "nurse", "pharmacist"} {
		p.Categories = append(p.Categories, registry.Categories[role]...)
	}
	var err error
	if p.Registrations, err = h.cfg.Registry.List(r.Context(), s.account.Organization); err != nil {
		h.fail(w, err)
		return
	}
	fill(p)
	h.render(w, r, status, "practitioners.html", p)
}

func (h *Handler) registerPractitioner(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r)
	if s == nil {
		return
	}
	refuse := func(status int, key string) {
		h.renderPractitioners(w, r, s, status, func(p *page) { p.Error = key })
	}
	if !bounded(w, r) || !checkCSRF(r, s.session.CSRF) {
		refuse(http.StatusBadRequest, "identity.csrf")
		return
	}
	if s.account.Role != identity.RoleInstitutionAdmin || h.cfg.Registry == nil || !h.allowed(r, s, "create", "PractitionerRole") {
		h.renderPractitioners(w, r, s, http.StatusForbidden, nil)
		return
	}
	f := r.PostFormValue
	since, err := time.Parse("2006-01-02", strings.TrimSpace(f("since")))
	if err != nil {
		refuse(http.StatusBadRequest, "reg.err.independentSince")
		return
	}
	reg := registry.Registration{Name: strings.TrimSpace(f("name")), Gender: f("gender"), Licence: strings.TrimSpace(f("licence")),
		Role: f("role"), Category: f("category"), Scope: strings.TrimSpace(f("scope")), IndependentSince: since,
		Organization: s.account.Organization, Consent: f("consent") == "yes"}
	switch reg.Gender {
	case "female", "male", "unknown":
	default:
		reg.Gender = ""
	}
	username := strings.TrimSpace(f("username"))
	ctx := actContext(r, s)
	res, err := h.cfg.Registry.Register(ctx, reg)
	var ref *registry.Refusal
	if errors.As(err, &ref) {
		refuse(http.StatusBadRequest, "reg.err."+ref.Field)
		return
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	var secret string
	if username != "" {
		pw, err := identity.TemporaryPassword()
		if err != nil {
			h.fail(w, err)
			return
		}
		_, err = h.cfg.Identity.CreateAccount(ctx, identity.Account{Username: username, Role: identity.Role(reg.Role),
			Practitioner: res.Practitioner, Organization: s.account.Organization}, pw, true)
		if code := identity.CodeOf(err); code != "" {
			refuse(http.StatusBadRequest, "identity."+code)
			return
		} else if err != nil {
			h.fail(w, err)
			return
		}
		secret = pw
	}
	h.renderPractitioners(w, r, s, http.StatusOK, func(p *page) { p.Notice, p.Secret = res.Rule, secret })
}
