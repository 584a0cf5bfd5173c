package auth

import (
	"context"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
)

// DivisionExtension is the Address extension that carries the address's
// GB/T 2260 administrative division code, as a valueCode or as a
// valueCoding of DivisionSystem (documented in docs/SECURITY.md).
const DivisionExtension = "https://yitong.health/fhir/StructureDefinition/address-division"

// DivisionSystem is the code system of GB/T 2260 division codes.
const DivisionSystem = "https://yitong.health/fhir/CodeSystem/gb-t-2260"

// Regions reads where patients live from their Patient resources: the
// division codes of their addresses. It implements RegionFinder.
type Regions struct {
	Service *resources.Service
}

// DivisionsOf implements RegionFinder. A patient that does not exist (or
// was deleted) lives nowhere.
func (r Regions) DivisionsOf(ctx context.Context, patient string) ([]string, error) {
	res, err := r.Service.Read(ctx, "Patient", patient)
	switch fhir.CodeOf(err) {
	case fhir.IssueNotFound, fhir.IssueDeleted:
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return Divisions(res.Resource), nil
}

// Divisions returns the division codes of a Patient's (or an
// Organization's) addresses.
func Divisions(res map[string]any) []string {
	var out []string
	addrs, _ := res["address"].([]any)
	for _, a := range addrs {
		exts, _ := a.(map[string]any)["extension"].([]any)
		for _, x := range exts {
			ext, _ := x.(map[string]any)
			if url, _ := ext["url"].(string); url != DivisionExtension {
				continue
			}
			if code, _ := ext["valueCode"].(string); code != "" {
				out = append(out, code)
			}
			cd, _ := ext["valueCoding"].(map[string]any)
			if sys, _ := cd["system"].(string); sys == DivisionSystem {
				if code, _ := cd["code"].(string); code != "" {
					out = append(out, code)
				}
			}
		}
	}
	return out
}
