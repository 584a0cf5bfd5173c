package validate

import (
	"fmt"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
)

// resource validates obj as a whole resource at the current location: the
// top-level resource when the path is empty, otherwise a contained resource
// (contained is true) or a resource held by an element such as
// Bundle.entry.resource.
func (v *validator) resource(obj map[string]any, contained bool) {
	top := v.root == ""
	if top {
		v.root = "Resource"
	}
	rtv, ok := obj["resourceType"]
	if !ok {
		v.add(fhir.IssueRequired, "the resource has no resourceType")
		return
	}
	rt, ok := rtv.(string)
	if !ok {
		v.add(fhir.IssueStructure, "resourceType must be a JSON string, not "+kindOf(rtv))
		return
	}
	t := spec.LookupType(rt)
	if t == nil || t.Kind != spec.KindResource || t.Abstract {
		v.add(fhir.IssueNotSupported, fmt.Sprintf("%q is not an R4 resource type", truncate(rt)))
		return
	}
	if top {
		v.root = rt
	}
	if contained {
		v.containedRules(obj, rt)
		v.object(obj, t, true)
		return
	}
	saved := v.scope
	v.scope = v.newContainedScope(obj)
	v.object(obj, t, true)
	if v.scope != nil {
		v.checkContainedReferenced()
		v.releaseScope(v.scope)
	}
	v.scope = saved
}

// object validates the properties of obj, a value of type t, and returns the
// set of choice elements present (bit n-1 for Element.Choice n).
func (v *validator) object(obj map[string]any, t *spec.Type, isResource bool) uint64 {
	var seen, conflict uint64
	for k, val := range obj {
		if isResource && k == "resourceType" {
			continue
		}
		name, ext := k, false
		if len(k) > 1 && k[0] == '_' {
			name, ext = k[1:], true
		}
		el := t.Element(name)
		if el == nil || (ext && el.TypeDef.Kind != spec.KindPrimitive) {
			v.push(k, nil)
			v.add(fhir.IssueStructure, fmt.Sprintf("unknown element %q in %s", truncate(k), t.Name))
			v.pop()
			continue
		}
		if el.Choice != 0 {
			bit := uint64(1) << (el.Choice - 1)
			if seen&bit != 0 {
				conflict |= bit
			}
			seen |= bit
		}
		v.push(name, el)
		if ext {
			v.primitiveExtension(el, val, obj)
		} else {
			v.value(el, val, obj)
		}
		v.pop()
	}
	if conflict != 0 {
		v.choiceConflicts(obj, t, conflict)
	}
	for i := range t.Required {
		v.required(obj, &t.Required[i])
	}
	return seen
}

// value validates the value of element el (the current location) in parent.
func (v *validator) value(el *spec.Element, val any, parent map[string]any) {
	if el.Max == 0 {
		v.add(fhir.IssueStructure, fmt.Sprintf("%s must not be present (its maximum cardinality is 0)", el.Path))
		return
	}
	arr, isArr := val.([]any)
	if !isArr {
		if el.IsArray() {
			v.add(fhir.IssueStructure, fmt.Sprintf("%s repeats (max %s), so it must be a JSON array even with one value", el.Path, el.MaxString()))
			return
		}
		v.item(el, val)
		return
	}
	if !el.IsArray() {
		v.add(fhir.IssueStructure, fmt.Sprintf("%s has at most one value, so it must not be a JSON array", el.Path))
		return
	}
	if len(arr) == 0 {
		v.add(fhir.IssueStructure, fmt.Sprintf("%s must not be an empty array: leave the element out instead", el.Path))
		return
	}
	if el.Max > 0 && len(arr) > el.Max {
		v.add(fhir.IssueStructure, fmt.Sprintf("%s has %d values, more than its maximum of %d", el.Path, len(arr), el.Max))
	}
	primitive := el.TypeDef.Kind == spec.KindPrimitive
	for i, x := range arr {
		v.setIndex(i)
		if x == nil && primitive {
			v.nullPrimitive(el, parent)
			continue
		}
		v.item(el, x)
	}
	v.setIndex(-1)
}

// item validates one value (not an array) of element el.
func (v *validator) item(el *spec.Element, val any) {
	if val == nil {
		v.add(fhir.IssueStructure, fmt.Sprintf("%s must not be null: leave the element out instead", el.Path))
		return
	}
	t := el.TypeDef
	if t.Kind == spec.KindPrimitive {
		v.primitive(el, val)
		return
	}
	obj, ok := val.(map[string]any)
	if !ok {
		v.add(fhir.IssueStructure, fmt.Sprintf("%s must be a JSON object, not %s", el.Path, kindOf(val)))
		return
	}
	if len(obj) == 0 {
		v.add(fhir.IssueStructure, fmt.Sprintf("%s must not be an empty object: leave the element out instead", el.Path))
		return
	}
	if t.Kind == spec.KindResource {
		v.nestedResource(el, obj)
		return
	}
	seen := v.object(obj, t, false)
	if el.Binding != nil {
		v.checkCoded(el, obj)
	}
	switch t {
	case typeExtension:
		v.extensionRule(obj, seen)
	case typeReference:
		v.checkReference(obj)
	}
}

// nestedResource validates a resource held by element el.
func (v *validator) nestedResource(el *spec.Element, obj map[string]any) {
	if el.Name != "contained" {
		v.resource(obj, false)
		return
	}
	if v.scope == nil {
		v.resource(obj, true)
		return
	}
	saved := v.scope.current
	v.scope.current = v.path[len(v.path)-1].index
	v.resource(obj, true)
	v.scope.current = saved
}

// required reports a missing element of requirement r in obj.
func (v *validator) required(obj map[string]any, r *spec.Requirement) {
	n := 0
	for _, name := range r.Names {
		val, ok := obj[name]
		if !ok {
			val, ok = obj["_"+name]
		}
		if ok {
			n = 1
			if arr, isArr := val.([]any); isArr {
				n = len(arr)
			}
			break
		}
	}
	if n >= r.Min {
		return
	}
	key := r.Path[lastDot(r.Path)+1:]
	if len(r.Names) > 1 || key != r.Names[0] {
		key = key[:len(key)-len("[x]")]
	}
	v.push(key, nil)
	if n == 0 {
		v.add(fhir.IssueRequired, fmt.Sprintf("%s is required but missing", r.Path))
	} else {
		v.add(fhir.IssueRequired, fmt.Sprintf("%s must have at least %d values, not %d", r.Path, r.Min, n))
	}
	v.pop()
}

// choiceConflicts reports the choice elements of t (bits of mask) that have
// more than one type present in obj.
func (v *validator) choiceConflicts(obj map[string]any, t *spec.Type, mask uint64) {
	for _, e := range t.Elements {
		if e.Choice == 0 || mask&(1<<(e.Choice-1)) == 0 {
			continue
		}
		mask &^= 1 << (e.Choice - 1)
		var present []string
		for _, c := range t.Elements {
			if c.Choice != e.Choice {
				continue
			}
			_, a := obj[c.Name]
			_, b := obj["_"+c.Name]
			if a || b {
				present = append(present, c.Name)
			}
		}
		if len(present) > 1 {
			v.push(e.ChoiceName(), nil)
			v.add(fhir.IssueStructure, fmt.Sprintf("%s allows only one type, but %s are present", e.Path, joinQuoted(present)))
			v.pop()
		}
	}
}
