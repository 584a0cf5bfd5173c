package web

import (
	"net/http"

	"github.com/yitong-health/yitong/identity"
)

// maxAccounts bounds the accounts page.
const maxAccounts = 500

func (h *Handler) securityAdmin(w http.ResponseWriter, r *http.Request, s *signedIn) bool {
	if s.account.Role == identity.RoleSecurityAdmin {
		return true
	}
	h.refuse(w, r, s, http.StatusForbidden, "accounts.forbidden")
	return false
}

func (h *Handler) accountsPage(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r)
	if s == nil || !h.securityAdmin(w, r, s) {
		return
	}
	h.renderAccounts(w, r, s, http.StatusOK, func(p *page) { p.Done = r.URL.Query().Get("saved") == "1" })
}

func (h *Handler) renderAccounts(w http.ResponseWriter, r *http.Request, s *signedIn, status int, fill func(*page)) {
	p := newPage(r, "accounts.title", s)
	var err error
	if p.Accounts, err = h.cfg.Identity.Accounts(r.Context(), "", maxAccounts); err != nil {
		h.fail(w, err)
		return
	}
	fill(p)
	h.render(w, r, status, "accounts.html", p)
}

// manageAccount disables, enables, or resets the password or second
// factor of an account. A new temporary password is shown once.
func (h *Handler) manageAccount(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r)
	if s == nil || !h.securityAdmin(w, r, s) {
		return
	}
	refuse := func(status int, key string) {
		h.renderAccounts(w, r, s, status, func(p *page) { p.Error = key })
	}
	if !bounded(w, r) || !checkCSRF(r, s.session.CSRF) {
		refuse(http.StatusBadRequest, "identity.csrf")
		return
	}
	id := r.PostFormValue("id")
	if _, err := h.cfg.Identity.Account(r.Context(), id); err != nil {
		refuse(http.StatusBadRequest, "identity.invalid-request")
		return
	}
	ctx := actContext(r, s)
	var err error
	switch r.PostFormValue("do") {
	case "disable", "enable":
		if id == s.account.ID {
			refuse(http.StatusBadRequest, "accounts.self")
			return
		}
		disable := r.PostFormValue("do") == "disable"
		_, err = h.cfg.Identity.Link(ctx, id, func(a *identity.Account) { a.Disabled = disable })
	case "password":
		var pw string
		if pw, err = h.cfg.Identity.ResetPassword(ctx, id); err == nil {
			h.renderAccounts(w, r, s, http.StatusOK, func(p *page) { p.Secret = pw })
			return
		}
	case "mfa":
		err = h.cfg.Identity.ResetSecondFactor(ctx, id)
	default:
		refuse(http.StatusBadRequest, "identity.invalid-request")
		return
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	http.Redirect(w, r, "/admin/accounts?saved=1", http.StatusSeeOther)
}
