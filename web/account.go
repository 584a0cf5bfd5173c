package web

import (
	"net/http"
	"net/url"

	"github.com/yitong-health/yitong/identity"
)

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// bounded reads a form of limited size (16 KiB).
func bounded(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	return r.ParseForm() == nil
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	p := newPage(r, "login.title", nil)
	p.CSRF, p.Next = h.loginCSRF(w, r), safeNext(r.URL.Query().Get("next"))
	h.render(w, r, http.StatusOK, "login.html", p)
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	p := newPage(r, "login.title", nil)
	p.CSRF = h.loginCSRF(w, r)
	if !bounded(w, r) || !checkCSRF(r, p.CSRF) {
		p.Error = "identity.csrf"
		h.render(w, r, http.StatusBadRequest, "login.html", p)
		return
	}
	p.Next, p.Username = safeNext(r.PostFormValue("next")), r.PostFormValue("username")
	req := identity.LoginRequest{Username: p.Username, Password: r.PostFormValue("password"), TOTP: r.PostFormValue("totp")}
	if c, err := r.Cookie(deviceCookie); err == nil {
		req.Device = c.Value
	}
	res, err := h.cfg.Identity.Login(r.Context(), req)
	if code := identity.CodeOf(err); code != "" {
		p.Error = "identity." + code
		status := http.StatusUnauthorized
		if code == "locked" {
			status = http.StatusTooManyRequests
			p.Until = err.(*identity.Error).Until.In(shanghai).Format("2006-01-02 15:04:05")
		}
		h.render(w, r, status, "login.html", p)
		return
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	h.setCookie(w, r, sessionCookie, res.Session, int(identity.SessionMax.Seconds()))
	if res.Device != "" {
		h.setCookie(w, r, deviceCookie, res.Device, int(identity.DeviceTTL.Seconds()))
	}
	next := p.Next
	switch {
	case res.Account.Role.NeedsMFA() && !res.Account.MFAEnrolled():
		next = "/mfa"
	case res.Account.MustChangePassword:
		next = "/password"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	s, err := h.current(w, r)
	if err != nil {
		h.fail(w, err)
		return
	}
	if s != nil {
		if !bounded(w, r) || !checkCSRF(r, s.session.CSRF) {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if err := h.cfg.Identity.Logout(r.Context(), s.token); err != nil {
			h.fail(w, err)
			return
		}
	}
	h.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (h *Handler) mfaPage(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r, "/mfa", "/password")
	if s == nil {
		return
	}
	h.renderMFA(w, r, s, "", http.StatusOK)
}

func (h *Handler) renderMFA(w http.ResponseWriter, r *http.Request, s *signedIn, errKey string, status int) {
	p := newPage(r, "mfa.title", s)
	p.Enrolling, p.Error = s.session.Enrolling, errKey
	var err error
	if p.Secret, p.URI, err = h.cfg.Identity.BeginTOTP(r.Context(), s.account.ID); err != nil {
		h.fail(w, err)
		return
	}
	h.render(w, r, status, "mfa.html", p)
}

func (h *Handler) mfa(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r, "/mfa", "/password")
	if s == nil {
		return
	}
	if !bounded(w, r) || !checkCSRF(r, s.session.CSRF) {
		h.renderMFA(w, r, s, "identity.csrf", http.StatusBadRequest)
		return
	}
	err := h.cfg.Identity.ConfirmTOTP(r.Context(), s.account.ID, r.PostFormValue("code"))
	if identity.CodeOf(err) != "" {
		h.renderMFA(w, r, s, "identity."+identity.CodeOf(err), http.StatusBadRequest)
		return
	}
	if err == nil && s.session.Enrolling {
		err = h.cfg.Identity.EndEnrolment(r.Context(), s.token)
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	if s.account.MustChangePassword {
		http.Redirect(w, r, "/password", http.StatusSeeOther)
		return
	}
	s.account.TOTPSecret = "set"
	p := newPage(r, "mfa.title", s)
	p.Done = true
	h.render(w, r, http.StatusOK, "mfa.html", p)
}

func (h *Handler) passwordPage(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r, "/password")
	if s == nil {
		return
	}
	p := newPage(r, "password.title", s)
	p.Must = s.account.MustChangePassword
	h.render(w, r, http.StatusOK, "password.html", p)
}

func (h *Handler) password(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r, "/password")
	if s == nil {
		return
	}
	p := newPage(r, "password.title", s)
	p.Must = s.account.MustChangePassword
	if !bounded(w, r) || !checkCSRF(r, s.session.CSRF) {
		p.Error = "identity.csrf"
		h.render(w, r, http.StatusBadRequest, "password.html", p)
		return
	}
	if r.PostFormValue("new") != r.PostFormValue("repeat") {
		p.Error = "identity.mismatch"
		h.render(w, r, http.StatusBadRequest, "password.html", p)
		return
	}
	err := h.cfg.Identity.ChangePassword(r.Context(), s.account.ID, r.PostFormValue("current"), r.PostFormValue("new"))
	if code := identity.CodeOf(err); code != "" {
		p.Error = "identity." + code
		h.render(w, r, http.StatusBadRequest, "password.html", p)
		return
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	p.Done, p.Must = true, false
	h.render(w, r, http.StatusOK, "password.html", p)
}
