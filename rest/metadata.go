package rest

import (
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/resources"
)

// capabilityCodes maps route interactions to CapabilityStatement codes
// (TypeRestfulInteraction / SystemRestfulInteraction); conditional variants
// are expressed by the conditional* flags instead.
var capabilityCodes = map[string]string{
	"read": "read", "vread": "vread", "update": "update", "patch": "patch",
	"delete": "delete", "history-instance": "history-instance",
	"history-type": "history-type", "create": "create", "search-type": "search-type",
	"transaction": "transaction", "search-system": "search-system", "history-system": "history-system",
}

// operationDefinitions gives the canonical OperationDefinition of each
// operation the routes offer.
var operationDefinitions = map[string]string{
	"export":           "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
	"everything":       "http://hl7.org/fhir/OperationDefinition/Patient-everything",
	"reindex":          "https://yitong.health/fhir/OperationDefinition/reindex",
	"audit-events":     "https://yitong.health/fhir/OperationDefinition/audit-events",
	"audit-checkpoint": "https://yitong.health/fhir/OperationDefinition/audit-checkpoint",
	"audit-proof":      "https://yitong.health/fhir/OperationDefinition/audit-proof",
	"sign":             "https://yitong.health/fhir/OperationDefinition/MedicationRequest-sign",
	"verify":           "https://yitong.health/fhir/OperationDefinition/MedicationRequest-verify",
}

// metadata serves the CapabilityStatement, built from the route table.
func (h *Handler) metadata(w http.ResponseWriter, r *http.Request, c *call) error {
	writeJSON(w, c.fmt, http.StatusOK, h.capabilityStatement(baseURL(r)))
	return nil
}

func (h *Handler) capabilityStatement(base string) map[string]any {
	perType := map[string]bool{}
	var typeOps []map[string]any
	sysCodes := map[string]bool{}
	var sysOps []any
	conditional := map[string]bool{}
	listedOps := map[string]bool{}
	for _, rt := range h.routes {
		code, isInteraction := capabilityCodes[rt.interaction]
		switch {
		case strings.HasPrefix(rt.interaction, "conditional-"):
			conditional[strings.TrimPrefix(rt.interaction, "conditional-")] = true
		case strings.HasPrefix(rt.interaction, "$") && operationDefinitions[strings.TrimPrefix(rt.interaction, "$")] != "":
			name := strings.TrimPrefix(rt.interaction, "$")
			key := rt.level + " " + name + " " + strings.Join(rt.types, ",")
			if listedOps[key] {
				continue // one operation, several methods
			}
			listedOps[key] = true
			op := map[string]any{"name": name, "definition": operationDefinitions[name]}
			if rt.level == "system" {
				sysOps = append(sysOps, op)
			} else {
				for _, t := range rt.types {
					typeOps = append(typeOps, map[string]any{"type": t, "op": op})
				}
			}
		case isInteraction && rt.level == "system":
			sysCodes[code] = true
			if code == "transaction" {
				sysCodes["batch"] = true
			}
		case isInteraction:
			perType[code] = true
		}
	}
	codes := sortedKeys(perType)
	var res []any
	for _, t := range h.cfg.ResourceTypes {
		var inter []any
		for _, code := range codes {
			inter = append(inter, map[string]any{"code": code})
		}
		entry := map[string]any{
			"type":              t,
			"interaction":       inter,
			"versioning":        "versioned-update",
			"readHistory":       true,
			"updateCreate":      true,
			"conditionalCreate": true,
			"conditionalRead":   "not-supported",
			"conditionalUpdate": conditional["update"],
			"conditionalDelete": conditionalDelete(conditional["delete"]),
			"referencePolicy":   []any{"literal", "logical"},
		}
		if perType["search-type"] {
			addSearchCapabilities(entry, h.cfg.Service.Registry(), t)
		}
		var ops []any
		for _, to := range typeOps {
			if to["type"] == t {
				ops = append(ops, to["op"])
			}
		}
		if ops != nil {
			entry["operation"] = ops
		}
		res = append(res, entry)
	}
	var sys []any
	for _, code := range sortedKeys(sysCodes) {
		sys = append(sys, map[string]any{"code": code})
	}
	rest := map[string]any{
		"mode":          "server",
		"documentation": idempotencyDoc,
		"resource":      res,
		"interaction":   sys,
	}
	if sysOps != nil {
		rest["operation"] = sysOps
	}
	return map[string]any{
		"resourceType": "CapabilityStatement",
		"status":       "active",
		"date":         resources.FormatInstant(h.start)[:10],
		"kind":         "instance",
		"software":     map[string]any{"name": h.cfg.Software, "version": h.cfg.Version},
		"implementation": map[string]any{
			"description": "Yitong regional health platform FHIR API",
			"url":         base,
		},
		"fhirVersion": "4.0.1",
		"format":      []any{"application/fhir+json", "json"},
		"patchFormat": []any{"application/json-patch+json"},
		"rest":        []any{rest},
	}
}

// idempotencyDoc tells clients about Idempotency-Key (there is no
// structured CapabilityStatement element for a request header).
const idempotencyDoc = "Retryable writes (create, update, patch, delete, their conditional forms, transaction bundles and " +
	"MedicationRequest $sign) accept an `Idempotency-Key` header (1-255 printable ASCII characters, scoped to the caller): " +
	"the same key with the same request has one effect and repeats get the first answer with `Idempotent-Replayed: true`; " +
	"the same key with another request is a 422. A failed write does not use its key. Keys are kept 24 hours by default."

func conditionalDelete(ok bool) string {
	if ok {
		return "single"
	}
	return "not-supported"
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// addSearchCapabilities lists the search parameters, includes and reverse
// includes of resource type t that searches support.
func addSearchCapabilities(entry map[string]any, reg *search.Registry, t string) {
	var params, incs, revs []any
	for _, p := range reg.Params(t) {
		if !resources.Searchable(p) {
			continue
		}
		sp := map[string]any{"name": p.Code, "type": p.Type.String()}
		if p.URL != "" {
			sp["definition"] = p.URL
		}
		params = append(params, sp)
		if p.Type == search.TypeReference {
			incs = append(incs, t+":"+p.Code)
		}
	}
	for _, src := range spec.ResourceTypes() {
		for _, p := range reg.Params(src) {
			if p.Type == search.TypeReference && (slices.Contains(p.Targets, t) || slices.Contains(p.Targets, "Resource")) {
				revs = append(revs, src+":"+p.Code)
			}
		}
	}
	entry["searchParam"] = params
	if incs != nil {
		entry["searchInclude"] = append([]any{"*"}, incs...)
	}
	if revs != nil {
		entry["searchRevInclude"] = revs
	}
}
