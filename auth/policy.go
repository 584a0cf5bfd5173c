package auth

import (
	"context"
	"net/http"
	"slices"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/identity"
)

// Access is what a decision grants: which patients' data the request may
// touch.
type Access struct {
	// All is set when the request may touch any patient's data (or the
	// type holds none).
	All bool
	// Patients are the patients it may touch when All is not set (sorted).
	Patients []string
	// BreakGlass is set when emergency access widened it.
	BreakGlass bool
}

// Reaches reports whether a resource in the compartments of patients may
// be read: All, or one of patients is allowed.
func (a Access) Reaches(patients []string) bool {
	if a.All {
		return true
	}
	for _, p := range patients {
		if _, ok := slices.BinarySearch(a.Patients, p); ok {
			return true
		}
	}
	return false
}

// Covers reports whether every one of patients is allowed (for writes).
func (a Access) Covers(patients []string) bool {
	if a.All {
		return true
	}
	for _, p := range patients {
		if _, ok := slices.BinarySearch(a.Patients, p); !ok {
			return false
		}
	}
	return true
}

// Denial categories: an OperationOutcome names the category, never the
// data that led to it.
const (
	ReasonUnauthenticated = "unauthenticated"
	ReasonScope           = "scope"
	ReasonRole            = "role"
	ReasonPatient         = "patient"
	ReasonRegistration    = "registration"
)

// Deny returns the refusal of a category (401 for unauthenticated, 403
// otherwise), with a message in the platform's own words.
func Deny(reason string) error {
	msg := map[string]string{
		ReasonUnauthenticated: "authentication is required: send a valid bearer token",
		ReasonScope:           "access denied (scope): the token's scopes do not grant this",
		ReasonRole:            "access denied (role): this role may not do this",
		ReasonPatient:         "access denied (patient): no care relationship, consent or ownership covers this patient's data",
		ReasonRegistration:    "access denied (registration): the practitioner has no active practice registration",
	}[reason]
	if reason == ReasonUnauthenticated {
		return fhir.Errorf(fhir.IssueSecurity, "%s", msg).WithStatus(http.StatusUnauthorized)
	}
	return fhir.Errorf(fhir.IssueForbidden, "%s", msg).WithStatus(http.StatusForbidden)
}

// CareFinder finds the patients a practitioner may treat now: those linked
// by a care relationship, less those who refused the practitioner's
// institution by Consent.
type CareFinder interface {
	PatientsInCare(ctx context.Context, practitioner, org string) ([]string, error)
}

// Registrations tells whether a practitioner holds an active practice
// registration (package registry implements it).
type Registrations interface {
	Active(ctx context.Context, practitioner string) (bool, error)
}

// Policy is the one access decision.
type Policy struct {
	Care CareFinder
	// Registry, when set, keeps practitioners without an active
	// registration away from patients' data (RULES.md A4-A5).
	Registry Registrations
}

// PermOf is the SMART permission an interaction needs: c r u d s, or 0 for
// interactions that are not resource interactions.
func PermOf(interaction string) byte {
	switch interaction {
	case "read", "vread", "history-instance", "$everything":
		return 'r'
	case "search-type", "search-system", "history-type", "history-system":
		return 's'
	case "create":
		return 'c'
	case "update", "patch", "conditional-update", "conditional-patch":
		return 'u'
	case "delete", "conditional-delete":
		return 'd'
	}
	return 0
}

// Decide decides whether p may do interaction on resource type typ ("" at
// system level) and, if so, over which patients' data. A nil principal is
// unauthenticated. Operations are decided by their own rules (see
// operationAllowed).
func (pol *Policy) Decide(ctx context.Context, p *Principal, interaction, typ string) (Access, error) {
	if interaction == "capabilities" {
		return Access{All: true}, nil
	}
	if p == nil {
		return Access{}, Deny(ReasonUnauthenticated)
	}
	perm := PermOf(interaction)
	if perm == 0 {
		return pol.operation(p, interaction)
	}
	if typ == "" {
		// System-level search and history span every type: only callers
		// who may read everything.
		return pol.everyType(p, perm)
	}
	if p.Account == nil {
		if !p.Scopes.Allows("system", typ, perm) {
			return Access{}, Deny(ReasonScope)
		}
		return Access{All: true}, nil
	}
	a := p.Account
	r := roleRights[a.Role]
	if !r.allows(typ, perm) {
		return Access{}, Deny(ReasonRole)
	}
	if p.Scoped && !p.Scopes.Allows("user", typ, perm) && !p.Scopes.Allows("patient", typ, perm) {
		return Access{}, Deny(ReasonScope)
	}
	if ClassOf(typ) != ClassClinical {
		return Access{All: true}, nil
	}
	acc, err := pol.patients(ctx, p, r)
	if err != nil {
		return Access{}, err
	}
	// A patient-context scope narrows to the launch patient.
	if p.Scoped && !p.Scopes.Allows("user", typ, perm) {
		if p.Patient == "" || !acc.Reaches([]string{p.Patient}) {
			return Access{}, Deny(ReasonPatient)
		}
		acc = Access{Patients: []string{p.Patient}}
	}
	return acc, nil
}

// patients is the role's reach over patients.
func (pol *Policy) patients(ctx context.Context, p *Principal, r rights) (Access, error) {
	a := p.Account
	if a.Role.Clinical() && pol.Registry != nil {
		// Also before break-the-glass: only registered practitioners act.
		ok := false
		if a.Practitioner != "" {
			var err error
			if ok, err = pol.Registry.Active(ctx, a.Practitioner); err != nil {
				return Access{}, err
			}
		}
		if !ok {
			return Access{}, Deny(ReasonRegistration)
		}
	}
	switch {
	case r.all:
		return Access{All: true}, nil
	case p.BreakGlass != "" && r.breakGlass:
		return Access{All: true, BreakGlass: true}, nil
	case a.Role == identity.RoleResident:
		ps := a.Patients()
		slices.Sort(ps)
		return Access{Patients: slices.Compact(ps)}, nil
	case a.Role.Clinical() && a.Practitioner != "" && pol.Care != nil:
		ps, err := pol.Care.PatientsInCare(ctx, a.Practitioner, a.Organization)
		if err != nil {
			return Access{}, err
		}
		slices.Sort(ps)
		return Access{Patients: slices.Compact(ps)}, nil
	}
	return Access{}, nil
}

// everyType decides system-level search and history.
func (pol *Policy) everyType(p *Principal, perm byte) (Access, error) {
	if p.Account == nil {
		if p.Scopes.Allows("system", "*", perm) {
			return Access{All: true}, nil
		}
		return Access{}, Deny(ReasonScope)
	}
	r := roleRights[p.Account.Role]
	if !r.all || !has(r.other, perm) {
		return Access{}, Deny(ReasonRole)
	}
	if p.Scoped && !p.Scopes.Allows("user", "*", perm) {
		return Access{}, Deny(ReasonScope)
	}
	return Access{All: true}, nil
}

// operation decides the platform's operations and bundles.
func (pol *Policy) operation(p *Principal, interaction string) (Access, error) {
	role := p.Role()
	var roles []identity.Role
	var scopeType string
	var scopePerm byte = 'r'
	switch interaction {
	case "transaction":
		// Every entry is decided on its own (resources.Authorizer).
		return Access{}, nil
	case "$reindex", "$reindex-status":
		roles, scopeType, scopePerm = []identity.Role{identity.RoleSystemAdmin}, "SearchParameter", 'u'
	case "$export", "$export-poll-status", "$export-file":
		roles, scopeType = []identity.Role{identity.RoleRegulator}, "*"
	case "$audit-events", "$audit-checkpoint", "$audit-proof":
		roles, scopeType = []identity.Role{identity.RoleAuditAdmin, identity.RoleRegulator}, "AuditEvent"
	default:
		return Access{}, Deny(ReasonRole)
	}
	if p.Account == nil {
		if p.Scopes.Allows("system", scopeType, scopePerm) {
			return Access{All: true}, nil
		}
		return Access{}, Deny(ReasonScope)
	}
	if !slices.Contains(roles, role) {
		return Access{}, Deny(ReasonRole)
	}
	if p.Scoped && !p.Scopes.Allows("user", scopeType, scopePerm) {
		return Access{}, Deny(ReasonScope)
	}
	return Access{All: true}, nil
}
