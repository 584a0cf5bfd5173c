package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/yitong-health/yitong/identity"
)

// authRequest is a validated authorization request (SMART App Launch v2,
// standalone launch).
type authRequest struct {
	client             identity.Client
	redirectURI, state string
	scope              identity.Scopes
	challenge          string
	params             map[string]string
	launchPatient      bool
	// launch is the EHR launch id (with the launch scope); nonce the
	// OpenID Connect nonce.
	launch, nonce string
}

// authParams are the request parameters carried from the consent page's
// GET to its POST.
var authParams = []string{"response_type", "client_id", "redirect_uri", "scope", "state", "aud", "code_challenge", "code_challenge_method", "nonce", "launch"}

// maxNonce bounds the nonce an id token echoes.
const maxNonce = 256

// parseAuthRequest validates an authorization request. Errors that make
// the redirect URI untrustworthy (unknown client, URI not registered
// exactly) are shown on a page (redirectable false); others go back to
// the client as error and error_description.
func (h *Handler) parseAuthRequest(r *http.Request, q url.Values) (req authRequest, oauthErr, desc string, redirectable bool) {
	for _, k := range authParams {
		if len(q[k]) > 1 {
			return req, "invalid_request", "parameter " + k + " is repeated", false
		}
	}
	c, err := h.cfg.Identity.Client(r.Context(), q.Get("client_id"))
	if err != nil {
		return req, "invalid_client", "authorize.err.client", false
	}
	req.client = c
	req.redirectURI = q.Get("redirect_uri")
	if !slices.Contains(c.RedirectURIs, req.redirectURI) {
		return req, "invalid_request", "authorize.err.redirect", false
	}
	req.state = q.Get("state")
	req.params = map[string]string{}
	for _, k := range authParams {
		req.params[k] = q.Get(k)
	}
	switch {
	case q.Get("response_type") != "code":
		return req, "unsupported_response_type", "response_type must be code", true
	case q.Get("state") == "":
		return req, "invalid_request", "state is required", true
	case q.Get("code_challenge_method") != "S256":
		return req, "invalid_request", "PKCE with code_challenge_method S256 is required (plain is refused)", true
	case len(q.Get("code_challenge")) != 43 || strings.Trim(q.Get("code_challenge"), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "":
		return req, "invalid_request", "code_challenge must be a base64url SHA-256 (43 characters)", true
	case strings.TrimSuffix(q.Get("aud"), "/") != fhirBase(r):
		return req, "invalid_request", "aud must be this server's FHIR base URL, " + fhirBase(r), true
	case len(q.Get("nonce")) > maxNonce:
		return req, "invalid_request", "nonce must be at most 256 characters", true
	}
	req.nonce, req.launch = q.Get("nonce"), q.Get("launch")
	req.challenge = q.Get("code_challenge")
	sc, err := identity.ParseScopes(q.Get("scope"))
	allowed, err2 := identity.ParseScopes(c.Scope)
	if err != nil || err2 != nil || len(sc.Resource) == 0 || !allowed.Covers(sc) {
		return req, "invalid_scope", "the scope is unknown, empty of resource scopes, or beyond what the client was registered for", true
	}
	for _, s := range sc.Resource {
		if s.Context == "system" {
			return req, "invalid_scope", "system scopes are for client credentials", true
		}
	}
	switch {
	case sc.Has("launch") && req.launch == "":
		return req, "invalid_request", "the launch scope is for an EHR launch: the launch parameter is required", true
	case !sc.Has("launch") && req.launch != "":
		return req, "invalid_request", "the launch parameter needs the launch scope", true
	}
	req.scope = sc
	// An EHR launch brings its own patient: no picker.
	req.launchPatient = sc.Has("launch/patient") && req.launch == ""
	return req, "", "", true
}

func fhirBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/fhir"
}

// back redirects to the client with the query parameters.
func back(w http.ResponseWriter, r *http.Request, redirectURI string, params url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil {
		http.Error(w, "bad redirect URI", http.StatusBadRequest)
		return
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (h *Handler) authError(w http.ResponseWriter, r *http.Request, req authRequest, code, desc string, redirectable bool) {
	if !redirectable {
		p := newPage(r, "error.title", nil)
		p.Message, p.Detail = "error.authorize", ""
		if strings.HasPrefix(desc, "authorize.") {
			p.Message = desc
		} else {
			p.Detail = desc
		}
		h.render(w, r, http.StatusBadRequest, "error.html", p)
		return
	}
	back(w, r, req.redirectURI, url.Values{"error": {code}, "error_description": {desc}, "state": {req.state}})
}

// errLaunch describes a refused EHR launch id to the app.
const errLaunch = "the launch is unknown, expired, already used, or was not made for this account and app"

// patientsFor are the patients a person may launch an app for.
func patientsFor(a *identity.Account) []string { return a.Patients() }

func (h *Handler) authorizePage(w http.ResponseWriter, r *http.Request) {
	req, code, desc, redirectable := h.parseAuthRequest(r, r.URL.Query())
	if code != "" {
		h.authError(w, r, req, code, desc, redirectable)
		return
	}
	s := h.require(w, r)
	if s == nil {
		return
	}
	p := newPage(r, "authorize.title", s)
	p.ClientName, p.Params = req.client.Name, req.params
	if req.launch != "" {
		l, err := h.cfg.Identity.Launch(r.Context(), req.launch, s.account, req.client)
		if identity.CodeOf(err) == identity.ErrInvalidLaunch.Code {
			h.authError(w, r, req, "invalid_request", errLaunch, true)
			return
		} else if err != nil {
			h.fail(w, err)
			return
		}
		p.LaunchPatient = l.Patient
	}
	for _, sc := range strings.Fields(req.scope.String()) {
		p.Scopes = append(p.Scopes, sc)
	}
	if req.launchPatient {
		p.Patients = patientsFor(&s.account)
		if len(p.Patients) == 0 {
			h.authError(w, r, req, "access_denied", "the signed-in account has no patient record to launch with", true)
			return
		}
	}
	h.render(w, r, http.StatusOK, "authorize.html", p)
}

func (h *Handler) authorize(w http.ResponseWriter, r *http.Request) {
	if !bounded(w, r) {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	req, code, desc, redirectable := h.parseAuthRequest(r, r.PostForm)
	if code != "" {
		h.authError(w, r, req, code, desc, redirectable)
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
	if r.PostFormValue("decision") != "allow" {
		h.authError(w, r, req, "access_denied", "the person declined", true)
		return
	}
	patient := ""
	if req.launchPatient {
		patient = r.PostFormValue("launch_patient")
		if !slices.Contains(patientsFor(&s.account), patient) {
			h.authError(w, r, req, "access_denied", "the patient chosen is not one the account acts for", true)
			return
		}
	}
	k, err := h.cfg.Identity.Authorize(r.Context(), s.account, req.client, identity.CodeRequest{
		RedirectURI: req.redirectURI, Scope: req.scope.String(), Challenge: req.challenge, Patient: patient,
		Launch: req.launch, Nonce: req.nonce, AuthTime: s.session.Created})
	if identity.CodeOf(err) == identity.ErrInvalidLaunch.Code {
		h.authError(w, r, req, "invalid_request", errLaunch, true)
		return
	} else if err != nil {
		h.fail(w, err)
		return
	}
	back(w, r, req.redirectURI, url.Values{"code": {k}, "state": {req.state}})
}
