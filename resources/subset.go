package resources

import (
	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/fhir/spec"
)

// subsettedTag marks a resource returned with elements left out (_summary,
// _elements), per the R4 search rules.
var subsettedTag = map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}

// Subsets reports whether q's _summary or _elements leave elements out of
// the resources returned (when false, stored bodies can be sent as they
// are).
func Subsets(q *search.Query) bool {
	switch q.Summary {
	case search.SummaryTrue, search.SummaryText, search.SummaryData:
		return true
	}
	return len(q.Elements) > 0
}

// Subset returns res reduced as q's _summary and _elements ask: summary
// elements only (true), text with id, meta and required elements (text),
// everything but text (data), or the listed elements with id, meta and
// required elements (_elements). The result is a new map marked SUBSETTED
// when anything was left out; res itself is returned unchanged otherwise.
func Subset(res map[string]any, q *search.Query) map[string]any {
	typ, _ := res["resourceType"].(string)
	t := spec.LookupType(typ)
	if t == nil {
		return res
	}
	var keep func(name string) bool
	switch {
	case q.Summary == search.SummaryTrue:
		keep = func(name string) bool {
			e := t.Element(name)
			return e != nil && (e.Summary || e.Min > 0)
		}
	case q.Summary == search.SummaryText:
		keep = func(name string) bool {
			e := t.Element(name)
			return name == "text" || e != nil && e.Min > 0
		}
	case q.Summary == search.SummaryData:
		keep = func(name string) bool { return name != "text" }
	case len(q.Elements) > 0:
		want := make(map[string]bool, len(q.Elements))
		for _, n := range q.Elements {
			want[n] = true
		}
		keep = func(name string) bool {
			if want[name] {
				return true
			}
			if e := t.Element(name); e != nil {
				return e.Min > 0 || (e.Choice > 0 && want[e.ChoiceName()])
			}
			return false
		}
	default:
		return res
	}
	out := make(map[string]any, len(res))
	dropped := false
	for k, v := range res {
		switch {
		case k == "resourceType", k == "id", k == "meta":
			out[k] = v
		case len(k) > 1 && k[0] == '_' && keep(k[1:]), keep(k):
			out[k] = v
		default:
			dropped = true
		}
	}
	if dropped {
		meta, _ := out["meta"].(map[string]any)
		m := make(map[string]any, len(meta)+1)
		for k, v := range meta {
			m[k] = v
		}
		tags, _ := m["tag"].([]any)
		m["tag"] = append(append([]any(nil), tags...), subsettedTag)
		out["meta"] = m
	}
	return out
}
