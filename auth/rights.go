package auth

import (
	"slices"
	"sync"

	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/identity"
)

// rights are what a role may do, by kind of resource type. Permissions are
// SMART letters: c create, r read, u update, d delete, s search.
type rights struct {
	// clinical are the permissions on types in the Patient compartment,
	// for the patients the role reaches: a resident's own and dependents',
	// a clinician's patients in care, every patient for a regulator (all).
	clinical string
	all      bool
	// writes, when set, limits clinical c/u/d to these types.
	writes []string
	// directory are the permissions on directory types (organisations,
	// practitioners, locations, schedules, catalogues).
	directory string
	// other are the permissions on types in neither group.
	other string
	// breakGlass: the role may ask for emergency access to any patient.
	breakGlass bool
}

// roleRights is the role table (documented in docs/SECURITY.md).
var roleRights = map[identity.Role]rights{
	identity.RoleResident:         {clinical: "crus", writes: []string{"Consent"}, directory: "rs"},
	identity.RoleDoctor:           {clinical: "cruds", directory: "rs", breakGlass: true},
	identity.RoleNurse:            {clinical: "crus", directory: "rs", breakGlass: true},
	identity.RolePharmacist:       {clinical: "crus", writes: []string{"MedicationDispense", "MedicationRequest", "Task", "Provenance"}, directory: "rs"},
	identity.RoleInstitutionAdmin: {directory: "cruds"},
	identity.RoleRegulator:        {clinical: "rs", all: true, directory: "rs", other: "rs"},
	identity.RoleSystemAdmin:      {directory: "cruds"},
	identity.RoleSecurityAdmin:    {},
	identity.RoleAuditAdmin:       {},
}

// directoryTypes hold no patient's data: who and where care is given, and
// the catalogues and definitions it uses.
var directoryTypes = []string{
	"ActivityDefinition", "CodeSystem", "ConceptMap", "Endpoint", "HealthcareService", "Location",
	"Medication", "MedicationKnowledge", "NamingSystem", "OperationDefinition", "Organization",
	"PlanDefinition", "Practitioner", "PractitionerRole", "Questionnaire", "Schedule",
	"SearchParameter", "Slot", "StructureDefinition", "Substance", "ValueSet",
}

// Class is a resource type's kind for the policy.
type Class int

// The classes.
const (
	ClassOther Class = iota
	ClassClinical
	ClassDirectory
)

var (
	classOnce sync.Once
	classes   map[string]Class
)

// ClassOf classifies a resource type: clinical (Patient and the types of
// the Patient compartment), directory, or other.
func ClassOf(typ string) Class {
	classOnce.Do(func() {
		classes = map[string]Class{"Patient": ClassClinical}
		for t := range spec.PatientCompartment() {
			classes[t] = ClassClinical
		}
		for _, t := range directoryTypes {
			if _, ok := classes[t]; !ok {
				classes[t] = ClassDirectory
			}
		}
	})
	return classes[typ]
}

// allows reports whether the role may use perm on typ (patients aside).
func (r rights) allows(typ string, perm byte) bool {
	switch ClassOf(typ) {
	case ClassClinical:
		if !has(r.clinical, perm) {
			return false
		}
		if perm != 'r' && perm != 's' && r.writes != nil {
			return slices.Contains(r.writes, typ)
		}
		return true
	case ClassDirectory:
		return has(r.directory, perm)
	}
	return has(r.other, perm)
}

func has(perms string, p byte) bool {
	for i := 0; i < len(perms); i++ {
		if perms[i] == p {
			return true
		}
	}
	return false
}
