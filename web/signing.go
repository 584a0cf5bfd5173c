package web

import (
	"encoding/pem"
	"errors"
	"net/http"
	"strings"

	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/signing"
)

// certView is a certificate as the signing page shows it.
type certView struct {
	Serial, Algorithm, From, Until string
	Revoked                        bool
}

func canSign(a *identity.Account) bool {
	return (a.Role == identity.RoleDoctor || a.Role == identity.RolePharmacist) && a.Practitioner != ""
}

func (h *Handler) signingPage(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r)
	if s == nil {
		return
	}
	h.renderSigning(w, r, s, http.StatusOK, "", false)
}

func (h *Handler) renderSigning(w http.ResponseWriter, r *http.Request, s *signedIn, status int, errKey string, done bool) {
	if !canSign(&s.account) || h.cfg.Signing == nil {
		h.refuse(w, r, s, http.StatusForbidden, "signing.not-allowed")
		return
	}
	p := newPage(r, "signing.title", s)
	p.Error, p.Done = errKey, done
	cert, revoked, err := h.cfg.Signing.Certificate(r.Context(), s.account.ID)
	switch {
	case err == nil:
		p.Cert = &certView{Serial: strings.ToUpper(cert.SerialNumber.Text(16)), Algorithm: h.cfg.Signing.Algorithm(),
			From:  cert.NotBefore.In(shanghai).Format("2006-01-02"),
			Until: cert.NotAfter.In(shanghai).Format("2006-01-02"), Revoked: revoked}
	case !errors.Is(err, signing.ErrNoCert):
		h.fail(w, err)
		return
	}
	h.render(w, r, status, "signing.html", p)
}

func (h *Handler) issueCertificate(w http.ResponseWriter, r *http.Request) {
	s := h.require(w, r)
	if s == nil {
		return
	}
	if !bounded(w, r) || !checkCSRF(r, s.session.CSRF) {
		h.renderSigning(w, r, s, http.StatusBadRequest, "identity.csrf", false)
		return
	}
	if !canSign(&s.account) || h.cfg.Signing == nil {
		h.renderSigning(w, r, s, http.StatusForbidden, "", false)
		return
	}
	if h.cfg.Registry != nil {
		// Only an active registration lets a practitioner act online (A4-A5).
		ok, err := h.cfg.Registry.Active(r.Context(), s.account.Practitioner)
		if err != nil {
			h.fail(w, err)
			return
		}
		if !ok {
			h.renderSigning(w, r, s, http.StatusForbidden, "signing.not-allowed", false)
			return
		}
	}
	pin := r.PostFormValue("pin")
	if pin != r.PostFormValue("pin2") {
		h.renderSigning(w, r, s, http.StatusBadRequest, "signing.weak-pin", false)
		return
	}
	err := h.cfg.Identity.Reauthenticate(r.Context(), s.account.ID, r.PostFormValue("password"))
	if code := identity.CodeOf(err); code != "" {
		h.renderSigning(w, r, s, http.StatusUnauthorized, "identity."+code, false)
		return
	} else if err != nil {
		h.fail(w, err)
		return
	}
	_, err = h.cfg.Signing.Issue(actContext(r, s), s.account, pin)
	switch {
	case errors.Is(err, signing.ErrWeakPIN):
		h.renderSigning(w, r, s, http.StatusBadRequest, "signing.weak-pin", false)
	case errors.Is(err, signing.ErrNotAllowed):
		h.renderSigning(w, r, s, http.StatusForbidden, "signing.not-allowed", false)
	case err != nil:
		h.fail(w, err)
	default:
		h.renderSigning(w, r, s, http.StatusOK, "", true)
	}
}

// caCertificate serves the platform CA certificate (PEM), for anyone who
// verifies signatures.
func (h *Handler) caCertificate(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Signing == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.cfg.Signing.CACertificate()}))
}

// caBundle serves every CA certificate whose certificates may still be in
// use (PEM): the current CA first, then the CAs retired by rotation, whose
// certificates verify until they expire or are revoked.
func (h *Handler) caBundle(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Signing == nil {
		http.NotFound(w, r)
		return
	}
	retired, err := h.cfg.Signing.RetiredCAs(r.Context())
	if err != nil {
		h.fail(w, err)
		return
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.cfg.Signing.CACertificate()})
	for _, ca := range retired {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Certificate.Raw})...)
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write(out) // a failed write means the client went away
}

// crl serves the current revocation list (DER).
func (h *Handler) crl(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Signing == nil {
		http.NotFound(w, r)
		return
	}
	der, err := h.cfg.Signing.CRL(r.Context())
	if err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	_, _ = w.Write(der)
}
