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
	// Patients are the patients it may touch when neither All nor Filter
	// is set (sorted).
	Patients []string
	// Filter, when set, admits patients one by one (All is then unset):
	// a regulator's region, consents refusing the caller.
	Filter *Filter
	// BreakGlass is set when emergency access widened it.
	BreakGlass bool
}

// admits reports whether patient p is allowed.
func (a Access) admits(ctx context.Context, p string) (bool, error) {
	if a.All {
		return true, nil
	}
	if a.Filter != nil {
		return a.Filter.Admits(ctx, p)
	}
	_, ok := slices.BinarySearch(a.Patients, p)
	return ok, nil
}

// Reaches reports whether a resource in the compartments of patients may
// be read: All, or one of patients is allowed. A resource in no patient's
// compartment is reached only with All.
func (a Access) Reaches(ctx context.Context, patients []string) (bool, error) {
	if a.All {
		return true, nil
	}
	for _, p := range patients {
		if ok, err := a.admits(ctx, p); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// Covers reports whether every one of patients is allowed (for writes).
func (a Access) Covers(ctx context.Context, patients []string) (bool, error) {
	for _, p := range patients {
		if ok, err := a.admits(ctx, p); !ok || err != nil {
			return false, err
		}
	}
	return true, nil
}

// Denial categories: an OperationOutcome names the category, never the
// data that led to it.
const (
	ReasonUnauthenticated = "unauthenticated"
	ReasonScope           = "scope"
	ReasonRole            = "role"
	ReasonPatient         = "patient"
	ReasonRegistration    = "registration"
	ReasonRegion          = "region"
	ReasonPrescriber      = "prescriber"
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
		ReasonRegion:          "access denied (region): the account supervises no valid region (a GB/T 2260 code)",
		ReasonPrescriber:      "access denied (prescriber): only the prescribing doctor, the request's requester, signs a prescription personally (RULES.md B1)",
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

// Refusals finds the patients whose active Consent refuses access to an
// institution (org, "" for none) or for a purpose of use (an HL7 v3
// PurposeOfUse code); *Care implements it.
type Refusals interface {
	Refused(ctx context.Context, org, purpose string) ([]string, error)
}

// Policy is the one access decision.
type Policy struct {
	Care CareFinder
	// Consents, when set, keeps system clients away from the data of
	// residents who refused the client's institution or purpose of use.
	Consents Refusals
	// Regions tells where patients live: a regulator reaches the patients
	// of the region they supervise and no others (without Regions, none).
	Regions RegionFinder
	// Registry, when set, keeps practitioners without an active
	// registration away from patients' data (RULES.md A4-A5).
	Registry Registrations
}

// PermOf is the SMART permission an interaction needs: c r u d s, or 0 for
// interactions that are not resource interactions.
func PermOf(interaction string) byte {
	switch interaction {
	case "read", "vread", "history-instance", "$everything", "$verify":
		return 'r'
	case "search-type", "search-system", "history-type", "history-system":
		return 's'
	case "create":
		return 'c'
	case "update", "patch", "conditional-update", "conditional-patch", "$sign":
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
	if interaction == "$sign" && !signs(p) {
		return Access{}, Deny(ReasonRole)
	}
	perm := PermOf(interaction)
	if perm == 0 {
		return pol.operation(ctx, p, interaction)
	}
	if typ == "" {
		// System-level search and history span every type: only callers
		// who may read everything.
		return pol.everyType(ctx, p, perm)
	}
	if p.Account == nil {
		if !p.Scopes.Allows("system", typ, perm) {
			return Access{}, Deny(ReasonScope)
		}
		if ClassOf(typ) != ClassClinical {
			return Access{All: true}, nil
		}
		return pol.clientPatients(ctx, p)
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
		if p.Patient == "" {
			return Access{}, Deny(ReasonPatient)
		}
		ok, err := acc.Reaches(ctx, []string{p.Patient})
		if err != nil {
			return Access{}, err
		}
		if !ok {
			return Access{}, Deny(ReasonPatient)
		}
		acc = Access{Patients: []string{p.Patient}, BreakGlass: acc.BreakGlass}
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
	case r.all && a.Role == identity.RoleRegulator:
		return pol.region(a)
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

// clientPatients is a system client's reach over patients: every patient
// but those whose Consent refuses the client's institution or purpose.
// Consent limits reading; the guard does not stop a hospital's system
// from recording the care it gives.
func (pol *Policy) clientPatients(ctx context.Context, p *Principal) (Access, error) {
	if pol.Consents == nil {
		return Access{All: true}, nil
	}
	refused, err := pol.Consents.Refused(ctx, p.ClientOrg, p.PurposeOfUse())
	if err != nil {
		return Access{}, err
	}
	if len(refused) == 0 {
		return Access{All: true}, nil
	}
	refused = slices.Clone(refused)
	slices.Sort(refused)
	return Access{Filter: &Filter{refused: slices.Compact(refused)}}, nil
}

// region is a regulator's reach: the patients living in the region they
// supervise. An account without a valid region reaches none.
func (pol *Policy) region(a *identity.Account) (Access, error) {
	prefix, ok := RegionPrefix(a.Region)
	if !ok || pol.Regions == nil {
		return Access{}, Deny(ReasonRegion)
	}
	return Access{Filter: &Filter{region: prefix, regions: pol.Regions}}, nil
}

// everyType decides system-level search and history. What it grants is
// decided again per resource type as results are read.
func (pol *Policy) everyType(ctx context.Context, p *Principal, perm byte) (Access, error) {
	if p.Account == nil {
		if p.Scopes.Allows("system", "*", perm) {
			return pol.clientPatients(ctx, p)
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
	if p.Account.Role == identity.RoleRegulator {
		return pol.region(p.Account)
	}
	return Access{All: true}, nil
}

// operation decides the platform's operations and bundles.
func (pol *Policy) operation(ctx context.Context, p *Principal, interaction string) (Access, error) {
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
	// A bulk export holds patients' data, audit events tell of acts on
	// them: the caller's filter applies.
	export := interaction == "$export"
	if p.Account == nil {
		if !p.Scopes.Allows("system", scopeType, scopePerm) {
			return Access{}, Deny(ReasonScope)
		}
		if export {
			return pol.clientPatients(ctx, p)
		}
		return Access{All: true}, nil
	}
	if !slices.Contains(roles, role) {
		return Access{}, Deny(ReasonRole)
	}
	if p.Scoped && !p.Scopes.Allows("user", scopeType, scopePerm) {
		return Access{}, Deny(ReasonScope)
	}
	if (export || interaction == "$audit-events") && role == identity.RoleRegulator {
		// A regulator sees the acts on patients of their region.
		return pol.region(p.Account)
	}
	return Access{All: true}, nil
}
