package validate

import (
	"fmt"
	"slices"

	"github.com/yitong-health/yitong/fhir"
)

// containedScope gathers, for a resource with contained resources, the local
// references ("#id") found anywhere in it, for dom-3.
type containedScope struct {
	list    []any    // the container's contained array
	refs    []string // local references seen, without '#'
	self    []bool   // self[i]: contained[i] refers to its container ("#")
	current int      // index of the contained resource being walked, or -1
}

// newContainedScope returns a scope for resource obj, or nil when obj has no
// contained resources. Scopes are reused: release gives it back.
func (v *validator) newContainedScope(obj map[string]any) *containedScope {
	list, ok := obj["contained"].([]any)
	if !ok || len(list) == 0 {
		return nil
	}
	var s *containedScope
	if n := len(v.freeScopes); n > 0 {
		s = v.freeScopes[n-1]
		v.freeScopes = v.freeScopes[:n-1]
	} else {
		s = &containedScope{}
	}
	s.list, s.current = list, -1
	s.self = append(s.self[:0], make([]bool, len(list))...)
	return s
}

// releaseScope makes s available for reuse, dropping its references to the
// validated resource.
func (v *validator) releaseScope(s *containedScope) {
	s.list = nil
	clear(s.refs)
	s.refs = s.refs[:0]
	v.freeScopes = append(v.freeScopes, s)
}

// addLocalRef records a local reference (id without '#'; "" for the
// container itself).
func (s *containedScope) addLocalRef(id string) {
	if id == "" {
		if s.current >= 0 && s.current < len(s.self) {
			s.self[s.current] = true
		}
		return
	}
	s.refs = append(s.refs, id)
}

// containedRules checks the rules for a contained resource obj of type rt
// (the current location): it has an id (required for contained resources),
// no contained resources of its own (dom-2), no meta.versionId or
// meta.lastUpdated (dom-4) and no security labels (dom-5).
func (v *validator) containedRules(obj map[string]any, rt string) {
	if _, ok := obj["id"]; !ok {
		v.add(fhir.IssueRequired, fmt.Sprintf("the contained %s has no id: contained resources need one to be referenced", rt))
	}
	if _, ok := obj["contained"]; ok {
		v.add(fhir.IssueInvariant, "dom-2: a contained resource must not contain other resources")
	}
	meta, ok := obj["meta"].(map[string]any)
	if !ok {
		return
	}
	for _, k := range [...]string{"versionId", "lastUpdated"} {
		if _, ok := meta[k]; ok {
			v.add(fhir.IssueInvariant, fmt.Sprintf("dom-4: a contained resource must not have meta.%s", k))
		}
	}
	if _, ok := meta["security"]; ok {
		v.add(fhir.IssueInvariant, "dom-5: a contained resource must not have security labels (meta.security)")
	}
}

// checkContainedReferenced warns (dom-3) about each contained resource of
// the current resource that nothing refers to and that does not refer to
// its container.
func (v *validator) checkContainedReferenced() {
	s := v.scope
	v.push("contained", nil)
	for i, c := range s.list {
		obj, ok := c.(map[string]any)
		if !ok || s.self[i] {
			continue
		}
		id, ok := obj["id"].(string)
		if !ok || slices.Contains(s.refs, id) {
			continue
		}
		v.setIndex(i)
		v.addSeverity(fhir.SeverityWarning, fhir.IssueInvariant, fmt.Sprintf("dom-3: the contained resource %q is not referenced from elsewhere in the resource and does not refer to it", truncate(id)))
	}
	v.pop()
}
