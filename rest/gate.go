package rest

import (
	"context"
	"net/http"

	"github.com/yitong-health/yitong/auth"
)

// GatePolicy is the platform's Policy: bearer tokens authenticated by the
// gate, every request decided by its policy.
type GatePolicy struct{ Gate *auth.Gate }

// Authenticate implements Policy.
func (g GatePolicy) Authenticate(r *http.Request) (*auth.Principal, error) {
	return g.Gate.Authenticate(r)
}

// Decide implements Policy.
func (g GatePolicy) Decide(ctx context.Context, p *auth.Principal, r Request) (auth.Access, error) {
	return g.Gate.Policy.Decide(ctx, p, r.Interaction, r.Type)
}
