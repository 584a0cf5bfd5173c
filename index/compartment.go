package index

import (
	"slices"
	"sync"

	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/store"
)

var compartmentParams = sync.OnceValue(func() map[string]map[string]bool {
	out := make(map[string]map[string]bool)
	for typ, codes := range spec.PatientCompartmentSearchParams() {
		out[typ] = make(map[string]bool, len(codes))
		for _, c := range codes {
			out[typ][c] = true
		}
	}
	return out
})

// PatientsOf returns the ids of the patients whose compartment the resource
// typ/id belongs to, given its index entries: the Patient itself, or the
// patients its compartment parameters refer to. The ids are sorted and
// unique; nil when there are none.
func PatientsOf(typ, id string, idx store.Index) []string {
	var out []string
	if typ == "Patient" && id != "" {
		out = append(out, id)
	}
	params := compartmentParams()[typ]
	for _, r := range idx.Refs {
		if r.TargetType == "Patient" && params[r.Param] {
			out = append(out, r.TargetID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
