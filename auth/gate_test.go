package auth

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/identity"
)

type oneToken struct{}

func (oneToken) LookupWithClient(_ context.Context, _, tok string) (identity.Grant, *identity.Account, identity.Client, error) {
	if tok != "t" {
		return identity.Grant{}, nil, identity.Client{}, identity.ErrInvalidToken
	}
	return identity.Grant{Client: "c", Scope: "user/*.rs"}, &identity.Account{ID: "a", Role: identity.RoleDoctor}, identity.Client{ID: "c"}, nil
}

// The break-the-glass reason arrives as UTF-8, or percent-encoded as
// browsers must send it; anything else is refused.
func TestBreakGlassReason(t *testing.T) {
	g := &Gate{Tokens: oneToken{}, Policy: &Policy{}}
	for header, want := range map[string]string{
		"昏迷送医":                                 "昏迷送医",
		"%E6%98%8F%E8%BF%B7%E9%80%81%E5%8C%BB": "昏迷送医",
		"  cardiac arrest ":                    "cardiac arrest",
		"100%":                                 "invalid",
		"%FF%FE":                               "invalid",
		strings.Repeat("急", 501):               "invalid",
	} {
		r := httptest.NewRequest("GET", "/fhir/Patient/1", nil)
		r.Header.Set("Authorization", "Bearer t")
		r.Header.Set(BreakGlassHeader, header)
		p, err := g.Authenticate(r)
		got := ""
		if err != nil {
			got = string(fhir.CodeOf(err))
		} else {
			got = p.BreakGlass
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", header, got, want)
		}
	}
}
