package identity

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// Grant lifetimes. Access tokens live at most an hour (QUALITY.md item
// 9); authorization codes a minute; a refresh token family as long as
// RefreshTTL after the code, however often it rotates.
const (
	CodeTTL    = time.Minute
	AccessTTL  = 30 * time.Minute
	RefreshTTL = 30 * 24 * time.Hour
)

// Grant kinds, also their record kinds.
const (
	KindCode    = "code"
	KindAccess  = "access"
	KindRefresh = "refresh"
)

// Grant is what a code or token stands for.
type Grant struct {
	Kind   string `json:"kind"`
	Client string `json:"client"`
	// Account is the signed-in person; empty for client credentials.
	Account string `json:"account,omitempty"`
	Scope   string `json:"scope"`
	// Patient is the SMART launch context (launch/patient).
	Patient string `json:"patient,omitempty"`
	// Family links a code and every token issued from it: reuse of a code
	// or a refresh token revokes the family.
	Family      string `json:"family,omitempty"`
	RedirectURI string `json:"redirectUri,omitempty"`
	Challenge   string `json:"challenge,omitempty"`
	// Nonce is the authorization request's OpenID Connect nonce (codes
	// only); AuthTime is when the person signed in.
	Nonce    string    `json:"nonce,omitempty"`
	AuthTime time.Time `json:"authTime,omitzero"`
	Used     bool      `json:"used,omitempty"`
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires"`
}

// Tokens answer a token request.
type Tokens struct {
	Access, Refresh string
	ExpiresIn       int
	Scope, Patient  string
	// OpenID is set when the grant's scope has openid: the caller signs
	// it as the id token (IDTokenSigner.IDToken).
	OpenID *OpenID
}

type family struct {
	Revoked bool `json:"revoked"`
}

// CodeRequest is what a person consented to on the authorization page.
type CodeRequest struct {
	// RedirectURI is matched exactly at the exchange; Challenge is the
	// PKCE S256 challenge.
	RedirectURI, Scope, Challenge string
	// Patient is the patient chosen for launch/patient (standalone launch).
	Patient string
	// Launch is the EHR launch id (with the launch scope): its patient
	// becomes the grant's patient context, and the launch is spent.
	Launch string
	// Nonce is echoed in the id token; AuthTime is when the person signed
	// in (zero when unknown).
	Nonce    string
	AuthTime time.Time
}

// IssueCode issues an authorization code for account's consent to give
// client the scope, bound to the exact redirect URI and the PKCE S256
// challenge. It is Authorize without a nonce, sign-in time or EHR launch.
func (s *Service) IssueCode(ctx context.Context, account Account, c Client, redirectURI, scope, challenge, patient string) (string, error) {
	return s.Authorize(ctx, account, c, CodeRequest{RedirectURI: redirectURI, Scope: scope, Challenge: challenge, Patient: patient})
}

// Authorize issues an authorization code for account's consent to req.
// With req.Launch set, the launch must be one CreateLaunch made for this
// account and client, unexpired and unused (else ErrInvalidLaunch, and
// the refusal is audited); it is spent in the same transaction, and its
// patient is the grant's patient context (req.Patient must be empty or
// the same).
func (s *Service) Authorize(ctx context.Context, account Account, c Client, req CodeRequest) (string, error) {
	code, err := newSecret("ytcode_")
	if err != nil {
		return "", err
	}
	fam, err := newSecret("")
	if err != nil {
		return "", err
	}
	err = s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		now := tx.Now()
		patient, detail := req.Patient, "scope "+req.Scope
		if req.Launch != "" {
			l, err := liveLaunch(ctx, tx, req.Launch, account, c)
			if err != nil {
				if CodeOf(err) == ErrInvalidLaunch.Code {
					return &audit.Entry{Action: "authorize", Agent: agentOf(&account, c.ID), Outcome: audit.OutcomeDenied,
						Detail: "EHR launch unknown, expired, spent or of another account or client"}, err
				}
				return nil, err
			}
			if patient != "" && patient != l.Patient {
				return &audit.Entry{Action: "authorize", Agent: agentOf(&account, c.ID), Outcome: audit.OutcomeDenied,
					OnBehalfOf: patientRef(l.Patient), Detail: "patient differs from the EHR launch"}, ErrInvalidLaunch
			}
			// Spent only now: a refusal above commits (with its entry) and
			// must not use the launch up.
			if err := spendLaunch(ctx, tx, req.Launch, l); err != nil {
				return nil, err
			}
			patient, detail = l.Patient, detail+", EHR launch"
		}
		g := Grant{Kind: KindCode, Client: c.ID, Account: account.ID, Scope: req.Scope, Patient: patient, Family: fam,
			RedirectURI: req.RedirectURI, Challenge: req.Challenge, Nonce: req.Nonce, AuthTime: req.AuthTime.UTC(),
			Created: now, Expires: now.Add(CodeTTL)}
		if err := putJSON(ctx, tx, kindFamily, fam, family{}, now.Add(RefreshTTL)); err != nil {
			return nil, err
		}
		if err := putJSON(ctx, tx, KindCode, hashKey(code), &g, now.Add(CodeTTL)); err != nil {
			return nil, err
		}
		return &audit.Entry{Action: "authorize", Agent: agentOf(&account, c.ID), OnBehalfOf: patientRef(patient),
			Detail: detail}, nil
	})
	if err != nil {
		return "", err
	}
	return code, nil
}

func patientRef(id string) string {
	if id == "" {
		return ""
	}
	return "Patient/" + id
}

// VerifierOK reports whether a PKCE code verifier is well formed (RFC 7636:
// 43-128 unreserved characters) and hashes (S256) to challenge.
func VerifierOK(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	for _, c := range verifier {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

// ExchangeCode redeems a code for tokens. The code must be unexpired,
// unused, issued to c for redirectURI, and verifier must match its
// challenge. A second redemption revokes every token issued from the code.
func (s *Service) ExchangeCode(ctx context.Context, code string, c Client, redirectURI, verifier string) (Tokens, error) {
	var out Tokens
	err := s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		var g Grant
		err := getJSON(ctx, tx, KindCode, hashKey(code), &g)
		if isNotFound(err) {
			return nil, ErrInvalidGrant
		} else if err != nil {
			return nil, err
		}
		e := &audit.Entry{Action: "token", Agent: audit.Agent{Kind: "user", ID: g.Account, Client: c.ID},
			Outcome: audit.OutcomeDenied, OnBehalfOf: patientRef(g.Patient)}
		switch {
		case g.Client != c.ID:
			e.Detail = "code of another client"
			return e, ErrInvalidGrant
		case g.Used:
			e.Detail = "code reused: its tokens are revoked"
			return e, errorsJoin(revokeFamily(ctx, tx, g.Family), ErrInvalidGrant)
		case g.RedirectURI != redirectURI:
			e.Detail = "redirect_uri differs"
			return e, ErrInvalidGrant
		case !VerifierOK(verifier, g.Challenge):
			e.Detail = "PKCE verifier does not match"
			return e, ErrInvalidGrant
		}
		g.Used = true
		rec, err := tx.Records().Get(ctx, KindCode, hashKey(code))
		if err != nil {
			return nil, err
		}
		if err := putJSON(ctx, tx, KindCode, hashKey(code), &g, rec.Expires); err != nil {
			return nil, err
		}
		out, err = s.issue(ctx, tx, g, true)
		if err != nil {
			return nil, err
		}
		e.Outcome, e.Detail = audit.OutcomeSuccess, "scope "+g.Scope
		return e, nil
	})
	return out, err
}

// issue issues an access token (and, when refresh is set and the scope
// asks for offline_access or online_access, a refresh token) for g.
func (s *Service) issue(ctx context.Context, tx store.Tx, g Grant, refresh bool) (Tokens, error) {
	now := tx.Now()
	access, err := newSecret("yta_")
	if err != nil {
		return Tokens{}, err
	}
	at := g
	at.Kind, at.Used, at.RedirectURI, at.Challenge, at.Nonce = KindAccess, false, "", "", ""
	at.Created, at.Expires = now, now.Add(AccessTTL)
	if err := putJSON(ctx, tx, KindAccess, hashKey(access), &at, at.Expires); err != nil {
		return Tokens{}, err
	}
	out := Tokens{Access: access, ExpiresIn: int(AccessTTL / time.Second), Scope: g.Scope, Patient: g.Patient}
	sc, err := ParseScopes(g.Scope)
	if err != nil {
		return Tokens{}, err
	}
	if g.Account != "" && sc.Has("openid") {
		if out.OpenID, err = openID(ctx, tx, g, sc); err != nil {
			return Tokens{}, err
		}
	}
	if refresh && g.Family != "" && (sc.Has("offline_access") || sc.Has("online_access")) {
		rec, err := tx.Records().Get(ctx, kindFamily, g.Family)
		if err != nil {
			return Tokens{}, err
		}
		if out.Refresh, err = newSecret("ytr_"); err != nil {
			return Tokens{}, err
		}
		rt := at
		rt.Kind, rt.Expires = KindRefresh, rec.Expires
		if err := putJSON(ctx, tx, KindRefresh, hashKey(out.Refresh), &rt, rt.Expires); err != nil {
			return Tokens{}, err
		}
	}
	return out, nil
}

// openID is the id token content of a user grant with the openid scope.
// The nonce is echoed only for a code (OpenID Connect Core 12.2: an id
// token from a refresh carries none).
func openID(ctx context.Context, tx store.Tx, g Grant, sc Scopes) (*OpenID, error) {
	o := &OpenID{Subject: g.Account, Audience: g.Client, AuthTime: g.AuthTime}
	if g.Kind == KindCode {
		o.Nonce = g.Nonce
	}
	if sc.Has("fhirUser") {
		var a Account
		if err := getJSON(ctx, tx, kindAccount, g.Account, &a); err != nil {
			return nil, err
		}
		switch {
		case a.Role == RoleResident && a.Patient != "":
			o.FHIRUser = "Patient/" + a.Patient
		case a.Role.Clinical() && a.Practitioner != "":
			o.FHIRUser = "Practitioner/" + a.Practitioner
		}
	}
	return o, nil
}

func revokeFamily(ctx context.Context, tx store.Tx, fam string) error {
	if fam == "" {
		return nil
	}
	rec, err := tx.Records().Get(ctx, kindFamily, fam)
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	return putJSON(ctx, tx, kindFamily, fam, family{Revoked: true}, rec.Expires)
}

func familyRevoked(ctx context.Context, tx store.Tx, fam string) (bool, error) {
	if fam == "" {
		return false, nil
	}
	var f family
	err := getJSON(ctx, tx, kindFamily, fam, &f)
	if isNotFound(err) {
		return true, nil // expired with its last refresh token
	}
	return f.Revoked, err
}

// Refresh rotates a refresh token: the old one is spent and a new access
// and refresh token issued, for the same or a narrower scope. Presenting a
// spent refresh token revokes its whole family (it was stolen, or the
// client is broken).
func (s *Service) Refresh(ctx context.Context, token string, c Client, scope string) (Tokens, error) {
	var out Tokens
	err := s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		key := hashKey(token)
		rec, err := tx.Records().Get(ctx, KindRefresh, key)
		if isNotFound(err) {
			return nil, ErrInvalidGrant
		} else if err != nil {
			return nil, err
		}
		var g Grant
		if err := getJSON(ctx, tx, KindRefresh, key, &g); err != nil {
			return nil, err
		}
		e := &audit.Entry{Action: "token-refresh", Agent: audit.Agent{Kind: "user", ID: g.Account, Client: c.ID},
			Outcome: audit.OutcomeDenied, OnBehalfOf: patientRef(g.Patient)}
		revoked, err := familyRevoked(ctx, tx, g.Family)
		if err != nil {
			return nil, err
		}
		switch {
		case g.Client != c.ID:
			e.Detail = "refresh token of another client"
			return e, ErrInvalidGrant
		case g.Used:
			e.Detail = "refresh token reused: its family is revoked"
			return e, errorsJoin(revokeFamily(ctx, tx, g.Family), ErrInvalidGrant)
		case revoked:
			e.Detail = "refresh token revoked"
			return e, ErrInvalidGrant
		}
		if scope != "" {
			have, err1 := ParseScopes(g.Scope)
			want, err2 := ParseScopes(scope)
			if err1 != nil || err2 != nil || !have.Covers(want) {
				e.Detail = "scope wider than granted"
				return e, &Error{Code: "invalid-scope"}
			}
			g.Scope = want.String()
		}
		spent := g
		spent.Used = true
		if err := putJSON(ctx, tx, KindRefresh, key, &spent, rec.Expires); err != nil {
			return nil, err
		}
		if out, err = s.issue(ctx, tx, g, true); err != nil {
			return nil, err
		}
		e.Outcome = audit.OutcomeSuccess
		return e, nil
	})
	return out, err
}

// ClientCredentials issues an access token to a system client for scope
// (the client's own scope when empty), which must be within the client's.
func (s *Service) ClientCredentials(ctx context.Context, c Client, scope string) (Tokens, error) {
	allowed, err := ParseScopes(c.Scope)
	if err != nil {
		return Tokens{}, err
	}
	want := allowed
	if scope != "" {
		if want, err = ParseScopes(scope); err != nil {
			return Tokens{}, err
		}
		if !allowed.Covers(want) {
			return Tokens{}, &Error{Code: "invalid-scope"}
		}
	}
	for _, sc := range want.Resource {
		if sc.Context != "system" {
			return Tokens{}, &Error{Code: "invalid-scope"}
		}
	}
	var out Tokens
	err = s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		g := Grant{Client: c.ID, Scope: want.String()}
		var err error
		if out, err = s.issue(ctx, tx, g, false); err != nil {
			return nil, err
		}
		return &audit.Entry{Action: "token", Agent: audit.Agent{Kind: "client", ID: c.ID, Client: c.ID, Org: c.Organization},
			Detail: "client credentials, scope " + g.Scope}, nil
	})
	return out, err
}

// Lookup returns the live grant of an access or refresh token (kind
// KindAccess or KindRefresh), or ErrInvalidToken for one that is unknown,
// expired, spent, revoked, or whose account or client is gone or disabled.
func (s *Service) Lookup(ctx context.Context, kind, token string) (Grant, *Account, error) {
	g, acct, _, err := s.LookupWithClient(ctx, kind, token)
	return g, acct, err
}

// LookupWithClient is Lookup that also returns the token's client, read
// in the same transaction. Successful lookups are cached (tokenCache):
// every write transaction of this service empties the cache, so its own
// revocations take effect at once; a change made by another process on
// the same database is seen within TokenCacheTTL.
func (s *Service) LookupWithClient(ctx context.Context, kind, token string) (Grant, *Account, Client, error) {
	key := hashKey(token)
	cacheKey := kind + " " + key
	now := s.st.Now()
	if g, acct, c, ok := s.tokens.get(cacheKey, now); ok {
		return g, acct, c, nil
	}
	gen := s.tokens.gen.Load()
	var g Grant
	var acct *Account
	var c Client
	err := s.view(ctx, func(tx store.Tx) error {
		now = tx.Now()
		if err := getJSON(ctx, tx, kind, key, &g); err != nil {
			return err
		}
		if g.Used {
			return ErrInvalidToken
		}
		if revoked, err := familyRevoked(ctx, tx, g.Family); err != nil {
			return err
		} else if revoked {
			return ErrInvalidToken
		}
		if err := getJSON(ctx, tx, kindClient, g.Client, &c); err != nil {
			return err
		}
		if g.Account != "" {
			var a Account
			if err := getJSON(ctx, tx, kindAccount, g.Account, &a); err != nil {
				return err
			}
			if a.Disabled {
				return ErrInvalidToken
			}
			acct = &a
		}
		return nil
	})
	if fhir.CodeOf(err) == fhir.IssueNotFound {
		return Grant{}, nil, Client{}, ErrInvalidToken
	}
	if err == nil {
		s.tokens.put(cacheKey, g, acct, c, gen, now)
	}
	return g, acct, c, err
}

// Revoke revokes a token of client c (RFC 7009): an access token alone,
// or a refresh token with its whole family. Unknown tokens are ignored,
// as the RFC asks.
func (s *Service) Revoke(ctx context.Context, token string, c Client) error {
	return s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		for _, kind := range []string{KindAccess, KindRefresh} {
			var g Grant
			err := getJSON(ctx, tx, kind, hashKey(token), &g)
			if isNotFound(err) {
				continue
			} else if err != nil {
				return nil, err
			}
			if g.Client != c.ID {
				return nil, nil
			}
			e := &audit.Entry{Action: "token-revoke", Agent: audit.Agent{Kind: "client", ID: c.ID, Client: c.ID}, Detail: kind}
			if kind == KindRefresh {
				return e, errors.Join(revokeFamily(ctx, tx, g.Family), tx.Records().Delete(ctx, kind, hashKey(token)))
			}
			return e, tx.Records().Delete(ctx, kind, hashKey(token))
		}
		return nil, nil
	})
}
