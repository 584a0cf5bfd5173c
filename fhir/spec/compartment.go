package spec

import (
	"slices"
	"strings"
)

// CompartmentParam is one param of a CompartmentDefinition for a resource
// type: a search parameter whose references put a resource in the
// compartment, with the element paths that search parameter reads.
type CompartmentParam struct {
	// Param is the search parameter name, e.g. "subject".
	Param string
	// Paths are the element paths below the resource that the search
	// parameter's expression reads, dotted for nested elements ("subject",
	// "participant.actor"). Parts of the expression that are not plain paths
	// (optionally with ".where(resolve() is Patient)") are left out.
	Paths []string
}

// PatientCompartmentParams returns the params of the R4 Patient
// CompartmentDefinition for resource type rt, in the definition's order; nil when rt has
// none (it is not in the compartment through references).
func PatientCompartmentParams(rt string) []CompartmentParam {
	var out []CompartmentParam
	for _, c := range patientCompartmentDefs {
		if c.resource != rt {
			continue
		}
		p := CompartmentParam{Param: c.param}
		if c.paths != "" {
			p.Paths = strings.Split(c.paths, "|")
		}
		out = append(out, p)
	}
	return out
}

// PatientCompartment maps each resource type listed with params in the R4
// Patient CompartmentDefinition to the top-level element names that hold
// references putting a resource of that type in a patient's compartment
// (e.g. Observation → subject, performer), without duplicates, in param
// order. Params that read only nested elements (Appointment's actor reads
// participant.actor) contribute nothing here, so a type may map to an empty
// slice; PatientCompartmentParams gives the nested paths too. The Patient
// resource itself belongs to its own compartment by identity.
func PatientCompartment() map[string][]string {
	out := make(map[string][]string)
	for _, c := range patientCompartmentDefs {
		names, ok := out[c.resource]
		if !ok {
			names = []string{}
		}
		for _, p := range strings.Split(c.paths, "|") {
			if p == "" || strings.Contains(p, ".") || slices.Contains(names, p) {
				continue
			}
			names = append(names, p)
		}
		out[c.resource] = names
	}
	return out
}

// PatientCompartmentSearchParams maps each resource type of the R4 Patient
// CompartmentDefinition to the search parameters whose references put a
// resource of that type in a patient's compartment (Observation → subject,
// performer), in the definition's order.
func PatientCompartmentSearchParams() map[string][]string {
	out := make(map[string][]string)
	for _, c := range patientCompartmentDefs {
		out[c.resource] = append(out[c.resource], c.param)
	}
	return out
}
