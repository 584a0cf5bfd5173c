package auth

import "github.com/yitong-health/yitong/identity"

// Signing a prescription (RULES.md B1): the receiving doctor issues it
// personally, with an electronic signature. The operation $sign (decided
// by Policy.Decide like an update of the MedicationRequest) is open to
// signed-in doctors only, never to a system client, and MaySign then
// admits only the prescription's requester.

// signs reports whether p may ask to sign at all: a person signed in as
// a doctor with a Practitioner.
func signs(p *Principal) bool {
	return p != nil && p.Account != nil && p.Account.Role == identity.RoleDoctor && p.Account.Practitioner != ""
}

// MaySign returns nil when p may sign a MedicationRequest whose requester
// is requester (a reference, "Practitioner/…"): p is a doctor whose
// Practitioner it is. Otherwise it returns the refusal (403).
func MaySign(p *Principal, requester string) error {
	if !signs(p) {
		return Deny(ReasonRole)
	}
	if requester != "Practitioner/"+p.Account.Practitioner {
		return Deny(ReasonPrescriber)
	}
	return nil
}
