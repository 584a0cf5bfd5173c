// Package oauth serves the OAuth 2.0 endpoints of SMART App Launch v2 that
// speak JSON: discovery (/fhir/.well-known/smart-configuration), the token
// endpoint (authorization code with PKCE, refresh token rotation, client
// credentials), revocation (RFC 7009) and introspection (RFC 7662), and
// OpenID Connect's discovery (/fhir/.well-known/openid-configuration) and
// key set (/oauth/jwks) for the id tokens it issues. The
// authorization endpoint, which signs people in and asks their consent, is
// a page (package web). Every answer carries Cache-Control: no-store.
package oauth

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/yitong-health/yitong/identity"
)

// MaxFormBytes bounds a token, revocation or introspection request.
const MaxFormBytes = 16 << 10

// Handler serves the endpoints.
type Handler struct {
	id  *identity.Service
	idt *identity.IDTokenSigner
	log *slog.Logger
	mux *http.ServeMux
}

// New returns the handler; idt signs the id tokens of grants with the
// openid scope (required). Mount it at /oauth/ and at
// /fhir/.well-known/smart-configuration and openid-configuration.
func New(id *identity.Service, idt *identity.IDTokenSigner, log *slog.Logger) *Handler {
	if idt == nil {
		panic("oauth: New needs the id token signer") // a wiring mistake, caught by any test
	}
	h := &Handler{id: id, idt: idt, log: log, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /fhir/.well-known/smart-configuration", h.discovery)
	h.mux.HandleFunc("GET /fhir/.well-known/openid-configuration", h.openIDConfiguration)
	h.mux.HandleFunc("GET /oauth/jwks", h.jwks)
	h.mux.HandleFunc("POST /oauth/token", h.token)
	h.mux.HandleFunc("POST /oauth/revoke", h.revoke)
	h.mux.HandleFunc("POST /oauth/introspect", h.introspect)
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	h.mux.ServeHTTP(w, r)
}

// Origin is the scheme and host the request was sent to.
func Origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// ScopesSupported are advertised in discovery.
var ScopesSupported = []string{"openid", "fhirUser", "launch", "launch/patient", "offline_access", "online_access",
	"patient/*.rs", "user/*.cruds", "user/*.rs", "system/*.rs", "system/*.cruds"}

// Issuer is the OpenID Connect issuer of a request's server: its FHIR
// base URL, the iss of id tokens and the base of fhirUser.
func Issuer(r *http.Request) string { return Origin(r) + "/fhir" }

func (h *Handler) discovery(w http.ResponseWriter, r *http.Request) {
	o := Origin(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                Issuer(r),
		"jwks_uri":                              o + "/oauth/jwks",
		"authorization_endpoint":                o + "/oauth/authorize",
		"token_endpoint":                        o + "/oauth/token",
		"revocation_endpoint":                   o + "/oauth/revoke",
		"introspection_endpoint":                o + "/oauth/introspect",
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": []string{"ES256", "SM2"},
		"grant_types_supported":                            []string{"authorization_code", "refresh_token", "client_credentials"},
		"response_types_supported":                         []string{"code"},
		"code_challenge_methods_supported":                 []string{"S256"},
		"scopes_supported":                                 ScopesSupported,
		"capabilities": []string{"launch-standalone", "launch-ehr", "client-public", "client-confidential-symmetric", "client-confidential-asymmetric",
			"context-standalone-patient", "context-ehr-patient", "sso-openid-connect", "permission-offline", "permission-online", "permission-patient",
			"permission-user", "permission-v1", "permission-v2"},
	})
}

// openIDConfiguration is OpenID Connect Discovery 1.0's provider
// metadata.
func (h *Handler) openIDConfiguration(w http.ResponseWriter, r *http.Request) {
	o := Origin(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                Issuer(r),
		"authorization_endpoint":                o + "/oauth/authorize",
		"token_endpoint":                        o + "/oauth/token",
		"jwks_uri":                              o + "/oauth/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      ScopesSupported,
		"claims_supported":                      []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "fhirUser"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "none"},
	})
}

// jwks is the public key set that verifies id tokens: the key in force
// and, for an overlap after a rotation, the keys before it.
func (h *Handler) jwks(w http.ResponseWriter, r *http.Request) {
	set, err := h.idt.JWKS(r.Context())
	if err != nil {
		h.internal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, set)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // a failed write means the client went away
}

// oauthError answers an RFC 6749 section 5.2 error.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="yitong"`)
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// form parses an application/x-www-form-urlencoded body of bounded size.
func form(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the form cannot be read")
		return nil, false
	}
	for k, vs := range r.PostForm {
		if len(vs) > 1 {
			oauthError(w, http.StatusBadRequest, "invalid_request", "parameter "+k+" is repeated")
			return nil, false
		}
	}
	return r.PostForm, true
}

// client authenticates the calling client: a signed assertion
// (private_key_jwt), HTTP Basic (client_secret_basic), client_id and
// client_secret in the form (client_secret_post), or client_id alone for a
// public client. It
// answers the error itself and returns false on failure.
func (h *Handler) client(w http.ResponseWriter, r *http.Request, f url.Values) (identity.Client, bool) {
	if at := f.Get("client_assertion_type"); at != "" || f.Get("client_assertion") != "" {
		if at != identity.AssertionType || f.Get("client_secret") != "" || r.Header.Get("Authorization") != "" {
			oauthError(w, http.StatusUnauthorized, "invalid_client", "client_assertion_type must be "+identity.AssertionType+", with no other client authentication")
			return identity.Client{}, false
		}
		c, err := h.id.AuthenticateAssertion(r.Context(), f.Get("client_assertion"), Origin(r)+"/oauth/token")
		if identity.CodeOf(err) == identity.ErrInvalidClient.Code {
			oauthError(w, http.StatusUnauthorized, "invalid_client", "the client assertion is not valid (signature, iss/sub, aud, exp at most 5 minutes ahead, unused jti)")
			return identity.Client{}, false
		}
		if err != nil {
			h.internal(w, err)
			return identity.Client{}, false
		}
		if id := f.Get("client_id"); id != "" && id != c.ID {
			oauthError(w, http.StatusUnauthorized, "invalid_client", "client_id differs from the assertion's issuer")
			return identity.Client{}, false
		}
		return c, true
	}
	id, secret := f.Get("client_id"), f.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		var err1, err2 error
		u, err1 = url.QueryUnescape(u)
		p, err2 = url.QueryUnescape(p)
		if errors.Join(err1, err2) != nil || (id != "" && id != u) || secret != "" {
			oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication is malformed")
			return identity.Client{}, false
		}
		id, secret = u, p
	}
	if id == "" {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client_id is required")
		return identity.Client{}, false
	}
	c, err := h.id.AuthenticateClient(r.Context(), id, secret)
	if identity.CodeOf(err) == identity.ErrInvalidClient.Code {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return identity.Client{}, false
	}
	if err != nil {
		h.internal(w, err)
		return identity.Client{}, false
	}
	return c, true
}

// request reads the form of a token, revocation or introspection request
// and authenticates its client; on failure it has answered.
func (h *Handler) request(w http.ResponseWriter, r *http.Request) (url.Values, identity.Client, bool) {
	f, ok := form(w, r)
	if !ok {
		return nil, identity.Client{}, false
	}
	c, ok := h.client(w, r, f)
	return f, c, ok
}

func (h *Handler) internal(w http.ResponseWriter, err error) {
	h.log.Error("oauth: internal error", "error", err.Error())
	oauthError(w, http.StatusInternalServerError, "server_error", "the server could not complete the request")
}

func (h *Handler) token(w http.ResponseWriter, r *http.Request) {
	f, c, ok := h.request(w, r)
	if !ok {
		return
	}
	var tok identity.Tokens
	var err error
	switch f.Get("grant_type") {
	case "authorization_code":
		tok, err = h.id.ExchangeCode(r.Context(), f.Get("code"), c, f.Get("redirect_uri"), f.Get("code_verifier"))
	case "refresh_token":
		tok, err = h.id.Refresh(r.Context(), f.Get("refresh_token"), c, f.Get("scope"))
	case "client_credentials":
		if !c.Confidential() {
			oauthError(w, http.StatusUnauthorized, "invalid_client", "client credentials need a confidential client")
			return
		}
		tok, err = h.id.ClientCredentials(r.Context(), c, f.Get("scope"))
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
		return
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code, refresh_token or client_credentials")
		return
	}
	switch identity.CodeOf(err) {
	case "":
		if err != nil {
			h.internal(w, err)
			return
		}
	case "invalid-scope":
		oauthError(w, http.StatusBadRequest, "invalid_scope", "the scope is unknown or exceeds what the client may have")
		return
	default:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the code or refresh token is invalid, expired, spent or bound to another client or redirect URI, or the PKCE verifier does not match")
		return
	}
	out := map[string]any{"access_token": tok.Access, "token_type": "Bearer", "expires_in": tok.ExpiresIn, "scope": tok.Scope}
	if tok.Refresh != "" {
		out["refresh_token"] = tok.Refresh
	}
	if tok.Patient != "" {
		out["patient"] = tok.Patient
		out["need_patient_banner"] = true
	}
	if tok.OpenID != nil {
		// The tokens are issued already; an id token that cannot be signed
		// fails the answer rather than leave out what openid asked for.
		idt, err := h.idt.IDToken(r.Context(), Issuer(r), *tok.OpenID, time.Now())
		if err != nil {
			h.internal(w, err)
			return
		}
		out["id_token"] = idt
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) revoke(w http.ResponseWriter, r *http.Request) {
	f, c, ok := h.request(w, r)
	if !ok {
		return
	}
	if f.Get("token") == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "token is required")
		return
	}
	if err := h.id.Revoke(r.Context(), f.Get("token"), c); err != nil {
		h.internal(w, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (h *Handler) introspect(w http.ResponseWriter, r *http.Request) {
	f, c, ok := h.request(w, r)
	if !ok {
		return
	}
	if !c.Confidential() {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "introspection needs a confidential client")
		return
	}
	kind := identity.KindAccess
	if f.Get("token_type_hint") == "refresh_token" {
		kind = identity.KindRefresh
	}
	g, acct, err := h.id.Lookup(r.Context(), kind, f.Get("token"))
	if identity.CodeOf(err) == identity.ErrInvalidToken.Code {
		writeJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	if err != nil {
		h.internal(w, err)
		return
	}
	out := map[string]any{"active": true, "scope": g.Scope, "client_id": g.Client, "token_type": "Bearer",
		"exp": g.Expires.Unix(), "iat": g.Created.Unix()}
	if acct != nil {
		out["sub"] = acct.ID
	}
	if g.Patient != "" {
		out["patient"] = g.Patient
	}
	writeJSON(w, http.StatusOK, out)
}
