package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/yitong-health/yitong/identity"
)

// Cookie names. The session and device cookies are HttpOnly, SameSite=Lax
// (the OAuth redirect back from an app arrives as a top-level GET) and
// Secure when served over TLS.
const (
	sessionCookie = "yitong_session"
	deviceCookie  = "yitong_device"
	// loginCSRFCookie holds the double-submit token of the sign-in form,
	// which has no session yet.
	loginCSRFCookie = "yitong_csrf"
)

// signedIn is the request's session.
type signedIn struct {
	token   string
	session identity.Session
	account identity.Account
}

// nextStep is where a session that may not yet use the pages must go.
func (s *signedIn) nextStep() string {
	if s.session.Enrolling {
		return "/mfa"
	}
	if s.account.MustChangePassword {
		return "/password"
	}
	return "/"
}

// current returns the request's live session, or nil. A stale cookie is
// cleared.
func (h *Handler) current(w http.ResponseWriter, r *http.Request) (*signedIn, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	sess, acct, err := h.cfg.Identity.Session(r.Context(), c.Value)
	if err == identity.ErrInvalidToken {
		h.setCookie(w, r, sessionCookie, "", -1)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &signedIn{token: c.Value, session: sess, account: acct}, nil
}

// require returns the session of a page that needs one, or redirects to
// the sign-in page (and returns nil). Sessions that must enrol a second
// factor or change the password reach only those pages (allow).
func (h *Handler) require(w http.ResponseWriter, r *http.Request, allow ...string) *signedIn {
	s, err := h.current(w, r)
	if err != nil {
		h.fail(w, err)
		return nil
	}
	if s == nil {
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return nil
	}
	if step := s.nextStep(); step != "/" && !contains(allow, step) {
		http.Redirect(w, r, step, http.StatusSeeOther)
		return nil
	}
	return s
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// checkCSRF compares a form's csrf field with the session's token.
func checkCSRF(r *http.Request, want string) bool {
	got := r.PostFormValue("csrf")
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// loginCSRF returns the sign-in form's token, setting its cookie.
func (h *Handler) loginCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(loginCSRFCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	v := base64.RawURLEncoding.EncodeToString(b)
	h.setCookie(w, r, loginCSRFCookie, v, 3600)
	return v
}

// safeNext keeps a redirect after sign-in on this site: a path, not a
// scheme-relative or absolute URL.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}
