package identity

import (
	"regexp"
	"slices"
	"time"
)

// Role is what an account is for. Staff and administrator roles need a
// second factor (等保 level 3); the three administrator roles are separate
// (system, security, audit), as level 3 requires.
type Role string

// The roles.
const (
	RoleResident         Role = "resident"
	RoleDoctor           Role = "doctor"
	RoleNurse            Role = "nurse"
	RolePharmacist       Role = "pharmacist"
	RoleInstitutionAdmin Role = "institution-admin"
	RoleRegulator        Role = "regulator"
	RoleSystemAdmin      Role = "system-admin"
	RoleSecurityAdmin    Role = "security-admin"
	RoleAuditAdmin       Role = "audit-admin"
)

// Roles lists every role.
var Roles = []Role{RoleResident, RoleDoctor, RoleNurse, RolePharmacist, RoleInstitutionAdmin,
	RoleRegulator, RoleSystemAdmin, RoleSecurityAdmin, RoleAuditAdmin}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Clinical reports whether the role treats patients (doctor, nurse,
// pharmacist): such accounts are linked to a Practitioner.
func (r Role) Clinical() bool {
	return r == RoleDoctor || r == RoleNurse || r == RolePharmacist
}

// NeedsMFA reports whether accounts of the role must sign in with a second
// factor: every role but resident.
func (r Role) NeedsMFA() bool { return r.Valid() && r != RoleResident }

// Account is a person's account. Secrets are kept as hashes; TOTPSecret
// is the shared TOTP key (it must be readable to check codes).
type Account struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Role     Role   `json:"role"`
	// Patient is a resident's own Patient id; Dependents are the Patient
	// ids of the children a guardian acts for (linked by RelatedPerson).
	Patient    string   `json:"patient,omitempty"`
	Dependents []string `json:"dependents,omitempty"`
	// Practitioner is the Practitioner id of a doctor, nurse or pharmacist.
	Practitioner string `json:"practitioner,omitempty"`
	// Organization is the Organization id the account works for (staff,
	// institution admins).
	Organization string `json:"organization,omitempty"`
	// Region is the GB/T 2260 code a regulator supervises.
	Region string `json:"region,omitempty"`

	PasswordHash string    `json:"passwordHash"`
	PasswordSet  time.Time `json:"passwordSet"`
	// MustChangePassword is set for passwords an administrator chose.
	MustChangePassword bool   `json:"mustChangePassword,omitempty"`
	TOTPSecret         string `json:"totpSecret,omitempty"`
	// TOTPPending is a secret shown for enrolment, not yet confirmed.
	TOTPPending  string    `json:"totpPending,omitempty"`
	TOTPLastStep int64     `json:"totpLastStep,omitempty"`
	Disabled     bool      `json:"disabled,omitempty"`
	Created      time.Time `json:"created"`
}

// MFAEnrolled reports whether the account has a confirmed second factor.
func (a *Account) MFAEnrolled() bool { return a.TOTPSecret != "" }

// Patients are the patients a resident account acts for: its own and its
// dependents'.
func (a *Account) Patients() []string {
	var out []string
	if a.Patient != "" {
		out = append(out, a.Patient)
	}
	return append(out, a.Dependents...)
}

// usernameRE is what a user name may be: 3-64 of letters, digits and
// . _ - @ (an e-mail address works).
var usernameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$`)
