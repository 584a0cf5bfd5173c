package auth

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/store/storetest"
)

// BenchmarkAuthenticate measures what a bearer token costs a request:
// the token, family and client lookups of Gate.Authenticate on SQLite.
func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()
	id := identity.New(storetest.OpenSQLite(b, nil), identity.Options{})
	c, _, err := id.CreateClient(ctx, identity.Client{Name: "bench", Scope: "system/*.rs"}, true)
	if err != nil {
		b.Fatal(err)
	}
	tok, err := id.ClientCredentials(ctx, c, "")
	if err != nil {
		b.Fatal(err)
	}
	g := &Gate{Tokens: id, Policy: &Policy{}}
	r := httptest.NewRequest("GET", "/fhir/Patient", nil)
	r.Header.Set("Authorization", "Bearer "+tok.Access)
	b.ResetTimer()
	for b.Loop() {
		p, err := g.Authenticate(r)
		if err != nil || p == nil {
			b.Fatal(err)
		}
		if _, err := g.Policy.Decide(ctx, p, "read", "Patient"); err != nil {
			b.Fatal(err)
		}
	}
}
