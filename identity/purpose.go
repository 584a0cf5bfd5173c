package identity

import (
	"regexp"
	"slices"
)

// divisionRE matches a GB/T 2260 administrative division code: six
// digits, the first not 0 ("110000" a province, "110100" a city,
// "110105" a county or district).
var divisionRE = regexp.MustCompile(`^[1-9][0-9]{5}$`)

// PurposeOfUseSystem is the code system of purposes of use (HL7 v3
// ActReason, the PurposeOfUse value set): what a request says it reads
// data for, recorded in the audit log and matched against residents'
// Consents.
const PurposeOfUseSystem = "http://terminology.hl7.org/CodeSystem/v3-ActReason"

// Purposes of use the platform knows.
const (
	PurposeTreatment     = "TREAT"     // care of the patient
	PurposeEmergency     = "ETREAT"    // emergency care
	PurposePayment       = "HPAYMT"    // insurers: claims and payment
	PurposeOperations    = "HOPERAT"   // an institution's own operations
	PurposeResearch      = "HRESCH"    // research
	PurposePublicHealth  = "PUBHLTH"   // public health reporting
	PurposeCompliance    = "HCOMPL"    // supervision by a regulator
	PurposeMarketing     = "HMARKT"    // marketing
	PurposePatientAsked  = "PATRQT"    // the patient (or guardian) asks
	PurposeAdministrator = "HSYSADMIN" // administering the platform
)

var purposes = []string{
	PurposeTreatment, PurposeEmergency, PurposePayment, PurposeOperations, PurposeResearch,
	PurposePublicHealth, PurposeCompliance, PurposeMarketing, PurposePatientAsked, PurposeAdministrator,
}

// Purposes lists the purposes of use the platform knows.
func Purposes() []string { return slices.Clone(purposes) }

// ValidPurpose reports whether code is a purpose of use the platform knows.
func ValidPurpose(code string) bool { return slices.Contains(purposes, code) }

// Purpose is the purpose of use a role's requests carry.
func (r Role) Purpose() string {
	switch r {
	case RoleResident:
		return PurposePatientAsked
	case RoleDoctor, RoleNurse, RolePharmacist:
		return PurposeTreatment
	case RoleInstitutionAdmin:
		return PurposeOperations
	case RoleRegulator:
		return PurposeCompliance
	}
	return PurposeAdministrator
}
