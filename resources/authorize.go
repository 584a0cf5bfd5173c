package resources

import (
	"context"
	"fmt"

	"github.com/yitong-health/yitong/index"
	"github.com/yitong-health/yitong/store"
)

// Authorizer decides whether the caller may perform one interaction that a
// bundle entry asks for. interaction uses the CapabilityStatement names
// (create, read, vread, update, patch, delete, conditional-update,
// conditional-patch, conditional-delete, history-instance, history-type,
// history-system); it returns nil to allow or an *fhir.Error to refuse.
type Authorizer func(ctx context.Context, interaction, typ, id string) error

type authorizerKey struct{}

// WithAuthorizer returns a context whose bundles have every entry checked
// by a before anything is written. The REST layer installs the same policy
// decision that guards single interactions, so a bundle cannot do what the
// caller could not do entry by entry.
func WithAuthorizer(ctx context.Context, a Authorizer) context.Context {
	return context.WithValue(ctx, authorizerKey{}, a)
}

// authorize checks one entry against the context's Authorizer, if any.
func authorize(ctx context.Context, o *op) error {
	a, _ := ctx.Value(authorizerKey{}).(Authorizer)
	if a == nil {
		return nil
	}
	return a(ctx, o.interaction(), o.typ, o.id)
}

// interaction names what an entry does, as the policy knows it.
func (o *op) interaction() string {
	switch o.method {
	case "POST":
		return "create"
	case "PUT", "PATCH", "DELETE":
		name := map[string]string{"PUT": "update", "PATCH": "patch", "DELETE": "delete"}[o.method]
		if o.query != "" {
			return "conditional-" + name
		}
		return name
	case "GET", "HEAD":
		switch {
		case o.history && o.typ == "":
			return "history-system"
		case o.history && o.id == "":
			return "history-type"
		case o.history:
			return "history-instance"
		case o.vid != "":
			return "vread"
		}
		return "read"
	}
	return fmt.Sprintf("unknown-%s", o.method)
}

// Guard checks, for a caller whose access is limited to some patients,
// every version an act would write and every version a bundle entry would
// read. The REST layer installs it from the policy decision.
type Guard interface {
	// Write is asked before typ/id is written: before are the patients
	// whose compartment the current version is in, after those of the new
	// version (nil for a delete). It returns nil to allow.
	Write(ctx context.Context, typ, id string, before, after []string) error
	// Read is asked before a bundle entry returns v; patients are the
	// patients whose compartment v is in.
	Read(ctx context.Context, v store.Version, patients []string) error
}

type guardKey struct{}

// WithGuard returns a context whose writes and bundle reads pass g.
func WithGuard(ctx context.Context, g Guard) context.Context {
	return context.WithValue(ctx, guardKey{}, g)
}

func guardFrom(ctx context.Context) Guard {
	g, _ := ctx.Value(guardKey{}).(Guard)
	return g
}

// PatientsOf returns the patients whose compartment version v is in (none
// for a deletion).
func (s *Service) PatientsOf(v store.Version) ([]string, error) {
	if v.Deleted || v.Body == nil {
		return nil, nil
	}
	res, err := decodeVersion(v)
	if err != nil {
		return nil, err
	}
	idx, err := s.opts.Index(res)
	if err != nil {
		return nil, err
	}
	return index.PatientsOf(v.Type, v.ID, idx), nil
}
