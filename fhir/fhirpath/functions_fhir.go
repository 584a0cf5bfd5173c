package fhirpath

import (
	"strings"

	"github.com/yitong-health/yitong/fhir/spec"
)

// fhirFunctions are the FHIR additions to FHIRPath (FHIR R4 §2.1.9.1.6).
func fhirFunctions() map[string]funcDef {
	return map[string]funcDef{
		"extension": {1, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			uv, err := args[0](c, scope)
			if err != nil {
				return nil, err
			}
			url, ok, err := singleString(uv, "extension()")
			if err != nil || !ok {
				return nil, err
			}
			var out []Node
			idx := memberIndex()
			for i := range in {
				for _, e := range childrenNamed(idx, &in[i], "extension", nil) {
					if m, ok := e.Value.(map[string]any); ok && m["url"] == url {
						out = append(out, e)
					}
				}
			}
			return out, nil
		}},
		"hasValue": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			return boolColl(len(in) == 1 && isPrimitive(in[0]) && in[0].Value != nil), nil
		}},
		"getValue": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			if len(in) != 1 || !isPrimitive(in[0]) || in[0].Value == nil {
				return nil, nil
			}
			s, ok := toSystem(in[0])
			if !ok {
				return nil, nil
			}
			return []Node{s}, nil
		}},
		"resolve": {0, 0, resolveImpl},
		"conformsTo": {1, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			uv, err := args[0](c, scope)
			if err != nil {
				return nil, err
			}
			url, ok, err := singleString(uv, "conformsTo()")
			if err != nil || !ok {
				return nil, err
			}
			n, ok, err := singleItem(in, "conformsTo()")
			if err != nil || !ok {
				return nil, err
			}
			name, core := strings.CutPrefix(url, "http://hl7.org/fhir/StructureDefinition/")
			if !core || spec.LookupType(name) == nil {
				return nil, execErr("conformsTo() supports only core type profiles, not %q", url)
			}
			return boolColl(n.def != nil && derivesFrom(n.def, name)), nil
		}},
		"htmlChecks": {0, 0, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			return boolColl(true), nil
		}},
	}
}

// isPrimitive reports whether n is a primitive value (FHIR or System).
func isPrimitive(n Node) bool {
	if n.def != nil {
		return n.def.Kind == spec.KindPrimitive
	}
	switch n.Value.(type) {
	case map[string]any, nil:
		return false
	}
	return true
}

// resolveImpl resolves references: Reference objects (their "reference")
// and canonical/uri strings.
func resolveImpl(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
	var out []Node
	for _, n := range in {
		var ref string
		switch v := n.Value.(type) {
		case map[string]any:
			ref, _ = v["reference"].(string)
		case string:
			ref = v
		}
		if ref == "" {
			continue
		}
		if r := c.resolve(ref); r != nil {
			out = append(out, ResourceNode(r))
		}
	}
	return out, nil
}

// resolve finds the resource a reference names: a contained resource for
// "#id", the resolver's answer when there is one, and otherwise a stub
// {"resourceType", "id"} parsed from a literal reference.
func (c *ctx) resolve(ref string) map[string]any {
	if id, ok := strings.CutPrefix(ref, "#"); ok {
		if len(c.root) == 0 {
			return nil
		}
		res, _ := c.root[0].Value.(map[string]any)
		if res == nil {
			return nil
		}
		if id == "" {
			return res
		}
		contained, _ := res["contained"].([]any)
		for _, x := range contained {
			if m, ok := x.(map[string]any); ok && m["id"] == id {
				return m
			}
		}
		return nil
	}
	if c.resolver != nil {
		return c.resolver(ref)
	}
	rt, id, ok := parseReference(ref)
	if !ok {
		return nil
	}
	return map[string]any{"resourceType": rt, "id": id}
}

// parseReference extracts the type and id of a literal reference
// ("Patient/1", "http://x/fhir/Patient/1", "Patient/1/_history/2").
func parseReference(ref string) (rt, id string, ok bool) {
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.IndexAny(ref, "?#"); i >= 0 {
		ref = ref[:i]
	}
	j := strings.LastIndexByte(ref, '/')
	if j <= 0 || j == len(ref)-1 {
		return "", "", false
	}
	id = ref[j+1:]
	rest := ref[:j]
	rt = rest[strings.LastIndexByte(rest, '/')+1:]
	if !spec.IsResourceType(rt) {
		return "", "", false
	}
	return rt, id, true
}
