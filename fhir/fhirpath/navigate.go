package fhirpath

import (
	"encoding/json"
	"slices"
	"sync"

	"github.com/yitong-health/yitong/fhir/spec"
)

// member is one JSON property an identifier selects on a type: the element
// itself, or one expansion of a choice element named without its type
// suffix.
type member struct {
	el     *spec.Element
	extKey string // "_" + el.Name, for primitive elements; "" otherwise
}

// memberIndex maps every spec type to the members each identifier
// selects. It is built once, on first use, and read-only afterwards.
var memberIndex = sync.OnceValue(func() map[*spec.Type]map[string][]member {
	idx := make(map[*spec.Type]map[string][]member)
	for _, name := range spec.TypeNames() {
		t := spec.LookupType(name)
		m := make(map[string][]member, len(t.Elements))
		for _, e := range t.Elements {
			mb := member{el: e}
			if e.TypeDef.Kind == spec.KindPrimitive {
				mb.extKey = "_" + e.Name
			}
			m[e.Name] = append(m[e.Name], mb)
			if c := e.ChoiceName(); c != "" {
				m[c] = append(m[c], mb)
			}
		}
		idx[t] = m
	}
	return idx
})

func kindResource() spec.Kind { return spec.KindResource }

// navigate returns the children named name of every item of in, in order.
func navigate(in []Node, name string) []Node {
	var out []Node
	idx := memberIndex()
	for i := range in {
		out = childrenNamed(idx, &in[i], name, out)
	}
	return out
}

// childrenNamed appends the children of n named name to out. A primitive
// node's children are those of its extension object (id, extension).
func childrenNamed(idx map[*spec.Type]map[string][]member, n *Node, name string, out []Node) []Node {
	var obj map[string]any
	if n.def != nil && n.def.Kind == spec.KindPrimitive {
		obj = n.Ext
	} else {
		obj, _ = n.Value.(map[string]any)
	}
	if obj == nil {
		if q, ok := n.Value.(Quantity); ok {
			switch name {
			case "value":
				return append(out, decNode(q.Value))
			case "unit", "code":
				return append(out, strNode(q.Unit))
			}
		}
		return out
	}
	if n.def == nil {
		return appendUntyped(out, obj[name])
	}
	mbs, known := idx[n.def][name]
	if !known {
		// not in the model: resourceType, or content the model does not
		// describe (read as untyped JSON)
		if name == "resourceType" && n.def.Kind == spec.KindResource {
			if rt, ok := obj[name].(string); ok {
				return append(out, Node{Value: rt, Type: "string", def: stringType()})
			}
		}
		if name != "" && name[0] != '_' {
			return appendUntyped(out, obj[name])
		}
		return out
	}
	for _, mb := range mbs {
		out = appendMember(out, obj, mb)
	}
	return out
}

var stringType = sync.OnceValue(func() *spec.Type { return spec.LookupType("string") })

// appendMember appends the values of one element of obj, pairing
// primitive values with their extension objects.
func appendMember(out []Node, obj map[string]any, mb member) []Node {
	v, has := obj[mb.el.Name]
	var ext any
	if mb.extKey != "" {
		ext = obj[mb.extKey]
	}
	if !has && ext == nil {
		return out
	}
	if arr, ok := v.([]any); ok || (!has && isArray(ext)) {
		exts, _ := ext.([]any)
		n := max(len(arr), len(exts))
		out = slices.Grow(out, n)
		for i := 0; i < n; i++ {
			var x any
			var e map[string]any
			if i < len(arr) {
				x = arr[i]
			}
			if i < len(exts) {
				e, _ = exts[i].(map[string]any)
			}
			if x == nil && e == nil {
				continue
			}
			out = append(out, elementNode(x, mb.el, e))
		}
		return out
	}
	e, _ := ext.(map[string]any)
	if v == nil && e == nil {
		return out
	}
	return append(out, elementNode(v, mb.el, e))
}

func isArray(v any) bool { _, ok := v.([]any); return ok }

// elementNode types a value found under element el. An element holding a
// whole resource (contained, Bundle.entry.resource) is typed by the
// value's resourceType.
func elementNode(v any, el *spec.Element, ext map[string]any) Node {
	if el.TypeDef.Kind == spec.KindResource {
		if m, ok := v.(map[string]any); ok {
			return ResourceNode(m)
		}
	}
	return Node{Value: v, Type: el.TypeDef.Name, def: el.TypeDef, el: el, Ext: ext}
}

// appendUntyped appends a value of an object the model does not describe.
func appendUntyped(out []Node, v any) []Node {
	switch x := v.(type) {
	case nil:
		return out
	case []any:
		for _, e := range x {
			out = appendUntyped(out, e)
		}
		return out
	case map[string]any:
		if _, ok := x["resourceType"].(string); ok {
			return append(out, ResourceNode(x))
		}
	}
	return append(out, Node{Value: v})
}

// childNodes returns all children of n (children()), in the order of the
// type's elements, or of the object's keys for untyped values.
func childNodes(n *Node, out []Node) []Node {
	var obj map[string]any
	if n.def != nil && n.def.Kind == spec.KindPrimitive {
		obj = n.Ext
	} else {
		obj, _ = n.Value.(map[string]any)
	}
	if obj == nil {
		return out
	}
	if n.def == nil {
		for _, k := range sortedKeys(obj) {
			if k == "resourceType" || (len(k) > 0 && k[0] == '_') {
				continue
			}
			out = appendUntyped(out, obj[k])
		}
		return out
	}
	idx := memberIndex()
	for _, e := range n.def.Elements {
		mb := idx[n.def][e.Name]
		for _, m := range mb {
			if m.el == e {
				out = appendMember(out, obj, m)
			}
		}
	}
	return out
}

// jsonNumberNode types a bare JSON number.
func jsonNumberNode(v json.Number) Node {
	if isInteger(stringsTrimMinus(string(v))) {
		if i, err := v.Int64(); err == nil {
			return intNode(i)
		}
	}
	if d, ok := ParseDecimal(string(v)); ok {
		return decNode(d)
	}
	return Node{Value: v}
}

func stringsTrimMinus(s string) string {
	if len(s) > 0 && s[0] == '-' {
		return s[1:]
	}
	return s
}
