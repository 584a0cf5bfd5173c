package auth

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/identity"
)

// BreakGlassHeader carries the reason for emergency access to a patient's
// data outside the caller's care relationships (doctors and nurses only;
// always audited and flagged): UTF-8 text, percent-encoded where it is
// not ASCII (as browsers must send it).
const BreakGlassHeader = "X-Break-Glass-Reason"

// maxBreakGlassReason bounds the reason's length (characters).
const maxBreakGlassReason = 500

// TokenSource looks up access tokens; *identity.Service implements it.
type TokenSource interface {
	LookupWithClient(ctx context.Context, kind, token string) (identity.Grant, *identity.Account, identity.Client, error)
}

// Gate authenticates API requests by bearer token and decides them with
// the policy. It implements rest.Policy.
type Gate struct {
	Tokens TokenSource
	Policy *Policy
}

// Authenticate returns the principal of the request's bearer token, nil
// when there is no Authorization header, and a 401 error for anything
// else: another scheme, an unknown, expired or revoked token.
func (g *Gate) Authenticate(r *http.Request) (*Principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, nil
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, fhir.Errorf(fhir.IssueSecurity, "the Authorization header must be \"Bearer <access token>\"").WithStatus(http.StatusUnauthorized)
	}
	grant, acct, client, err := g.Tokens.LookupWithClient(r.Context(), identity.KindAccess, strings.TrimSpace(tok))
	if identity.CodeOf(err) == identity.ErrInvalidToken.Code {
		return nil, fhir.Errorf(fhir.IssueSecurity, "the access token is not valid (unknown, expired or revoked)").WithStatus(http.StatusUnauthorized)
	}
	if err != nil {
		return nil, err
	}
	scopes, err := identity.ParseScopes(grant.Scope)
	if err != nil {
		return nil, err
	}
	p := &Principal{Account: acct, Client: grant.Client, Scopes: scopes, Scoped: true, Patient: grant.Patient}
	if acct == nil {
		p.ClientOrg, p.Purpose = client.Organization, client.PurposeOfUse()
	}
	if reason := strings.TrimSpace(r.Header.Get(BreakGlassHeader)); reason != "" {
		if strings.Contains(reason, "%") {
			// Browsers send header values in ISO-8859-1 only: a reason in
			// Chinese comes percent-encoded (UTF-8, RFC 3986).
			var err error
			if reason, err = url.PathUnescape(reason); err != nil {
				return nil, fhir.Errorf(fhir.IssueInvalid, "%s is not valid percent-encoding: %v", BreakGlassHeader, err)
			}
		}
		if !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > maxBreakGlassReason {
			return nil, fhir.Errorf(fhir.IssueInvalid, "%s must be valid UTF-8 of at most %d characters", BreakGlassHeader, maxBreakGlassReason)
		}
		p.BreakGlass = reason
	}
	return p, nil
}
