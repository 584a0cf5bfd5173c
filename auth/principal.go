// Package auth is the one policy decision: who is asking (a Principal,
// from a session or a bearer token) and whether they may do what they ask.
// Every FHIR interaction and operation, every bundle entry and every page
// goes through Policy. Access is denied unless a rule in this package
// grants it.
package auth

import (
	"context"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/identity"
)

// Principal is an authenticated caller.
type Principal struct {
	// Account is the person signed in; nil for a system client.
	Account *identity.Account
	// Client is the OAuth client the request came through ("" for the
	// platform's own pages).
	Client string
	// ClientOrg is the institution a system client acts for.
	ClientOrg string
	// Scopes limit a token's access; Scoped is false for web sessions,
	// which carry the account's role alone.
	Scopes identity.Scopes
	Scoped bool
	// Patient is a SMART launch's patient context.
	Patient string
	// BreakGlass is the reason given for emergency access, if any.
	BreakGlass string
	// Purpose is the purpose of use (identity.Purposes): a system
	// client's registered purpose; "" for the account's role's purpose.
	Purpose string
}

// PurposeOfUse is the purpose of use of the principal's requests: the
// client's registered purpose for a system client, the role's otherwise.
func (p *Principal) PurposeOfUse() string {
	switch {
	case p.Purpose != "":
		return p.Purpose
	case p.Account != nil:
		return p.Account.Role.Purpose()
	}
	return identity.PurposeTreatment
}

// Agent is the principal as the audit log names it.
func (p *Principal) Agent() audit.Agent {
	if p.Account == nil {
		return audit.Agent{Kind: "client", ID: p.Client, Client: p.Client, Org: p.ClientOrg}
	}
	a := p.Account
	return audit.Agent{Kind: "user", ID: a.ID, Role: string(a.Role), Org: a.Organization, Client: p.Client}
}

// Role is the account's role, "" for a system client.
func (p *Principal) Role() identity.Role {
	if p.Account == nil {
		return ""
	}
	return p.Account.Role
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the context's principal, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
