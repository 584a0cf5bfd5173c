package index

import (
	"fmt"
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

// Patients returns PatientsOf res (a resource with resourceType and id
// set), evaluating only the expressions of its type's compartment
// parameters: cheaper than Index when only the patients are wanted.
func (x *Extractor) Patients(res map[string]any) ([]string, error) {
	typ, _ := res["resourceType"].(string)
	id, _ := res["id"].(string)
	params := compartmentParams()[typ]
	var idx store.Index
	if len(params) > 0 {
		cs, err := x.params(typ)
		if err != nil {
			return nil, err
		}
		b := builder{idx: &idx, zone: x.zone}
		for _, c := range cs {
			if !params[c.p.Code] {
				continue
			}
			nodes, err := c.expr.Evaluate(res)
			if err != nil {
				return nil, fmt.Errorf("index: search parameter %s.%s: %v", typ, c.p.Code, err)
			}
			for _, n := range nodes {
				b.add(c.p, n)
			}
		}
	}
	return PatientsOf(typ, id, idx), nil
}
