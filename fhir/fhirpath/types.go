package fhirpath

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/yitong-health/yitong/fhir/spec"
)

// typeSpec is a resolved type specifier.
type typeSpec struct {
	system string     // System type name without namespace ("String"), or ""
	fhir   *spec.Type // FHIR type, or nil
}

// systemTypes are the System namespace's type names.
var systemTypes = map[string]string{
	"Boolean": typeBoolean, "String": typeString, "Integer": typeInteger, "Decimal": typeDecimal,
	"Date": typeDate, "DateTime": typeDateTime, "Time": typeTime, "Quantity": typeQuantity,
}

// resolveTypeSpec resolves a qualified type name ("Patient",
// "FHIR.Patient", "System.String", "string"); ok is false for an unknown
// type.
func resolveTypeSpec(name string) (typeSpec, bool) {
	ns, base, qualified := strings.Cut(name, ".")
	if qualified {
		switch ns {
		case "System":
			// an unknown System type is valid and matches nothing
			return typeSpec{system: base}, true
		case "FHIR":
			t := spec.LookupType(base)
			return typeSpec{fhir: t}, t != nil
		}
		// a backbone path such as Observation.component
		t := spec.LookupType(name)
		return typeSpec{fhir: t}, t != nil
	}
	var ts typeSpec
	if _, ok := systemTypes[name]; ok {
		ts.system = name
	}
	ts.fhir = spec.LookupType(name)
	return ts, ts.system != "" || ts.fhir != nil
}

// derivesFrom reports whether t is the type named name or specialises it.
func derivesFrom(t *spec.Type, name string) bool {
	for i := 0; t != nil && i < 16; i++ {
		if t.Name == name {
			return true
		}
		if t.Base == "" {
			return false
		}
		t = spec.LookupType(t.Base)
	}
	return false
}

// matches reports whether n is of type ts. FHIR primitive types match
// exactly (code is not a string for ofType, as the conformance suite
// requires); complex types, backbone elements and resources match their
// base types too (Age is a Quantity, Patient a DomainResource).
func (ts typeSpec) matches(n Node) bool {
	if ts.system != "" && n.Type == systemTypes[ts.system] {
		return true
	}
	if ts.system != "" && n.Type == "" && n.Value != nil {
		// an untyped JSON value: its System type follows its Go value
		if s, ok := toSystem(n); ok && s.Type == systemTypes[ts.system] {
			return true
		}
	}
	if ts.fhir == nil || n.def == nil {
		return false
	}
	if n.def.Kind == spec.KindPrimitive || ts.fhir.Kind == spec.KindPrimitive {
		return n.def == ts.fhir
	}
	return derivesFrom(n.def, ts.fhir.Name)
}

// isA is the "is" test: like matches, but a FHIR primitive also is its
// base primitive types (code is a string, uuid a uri), as the conformance
// suite requires of is() while as() and ofType() match exactly.
func (ts typeSpec) isA(n Node) bool {
	if ts.matches(n) {
		return true
	}
	return ts.fhir != nil && n.def != nil && n.def.Kind == spec.KindPrimitive && derivesFrom(n.def, ts.fhir.Name)
}

// typeInfo returns the namespace and name of n's type for type().
func typeInfo(n Node) (ns, name string) {
	if rest, ok := strings.CutPrefix(n.Type, "System."); ok {
		return "System", rest
	}
	if n.Type != "" {
		return "FHIR", n.Type
	}
	s, _ := toSystem(n)
	if rest, ok := strings.CutPrefix(s.Type, "System."); ok {
		return "System", rest
	}
	return "System", "Any"
}

// quantityTypes are the FHIR types whose values convert to
// System.Quantity.
var quantityTypes = map[string]bool{
	"Quantity": true, "Age": true, "Duration": true, "Distance": true, "Count": true,
	"SimpleQuantity": true, "MoneyQuantity": true,
}

// toSystem converts a node to its System value: FHIR primitives become
// string, bool, int64, Decimal, Date, DateTime or Time; a FHIR Quantity
// becomes a Quantity. ok is false when n has no primitive value (a complex
// value is returned unchanged).
func toSystem(n Node) (Node, bool) {
	switch v := n.Value.(type) {
	case string:
		switch n.Type {
		case "date":
			if d, ok := ParseDate(v); ok {
				return dateNode(d), true
			}
		case "dateTime", "instant":
			if d, ok := ParseDateTime(v); ok {
				return dtNode(d), true
			}
		case "time":
			if t, ok := ParseTime(v); ok {
				return timeNode(t), true
			}
		case typeString:
			return n, true
		}
		return strNode(v), true
	case bool:
		if n.Type == typeBoolean {
			return n, true
		}
		return boolNode(v), true
	case json.Number:
		switch n.Type {
		case "decimal":
			if d, ok := ParseDecimal(string(v)); ok {
				return decNode(d), true
			}
			return Node{}, false
		}
		r := jsonNumberNode(v)
		return r, r.Type != ""
	case int64, Decimal, Date, DateTime, Time, Quantity:
		return n, true
	case map[string]any:
		if quantityTypes[n.Type] {
			if q, ok := mapQuantity(v); ok {
				return qtyNode(q), true
			}
		}
	}
	return n, false
}

// mapQuantity converts a FHIR Quantity object; the UCUM code is preferred
// over the display unit.
func mapQuantity(m map[string]any) (Quantity, bool) {
	num, ok := m["value"].(json.Number)
	if !ok {
		return Quantity{}, false
	}
	d, ok := ParseDecimal(string(num))
	if !ok {
		return Quantity{}, false
	}
	unit, _ := m["code"].(string)
	if sys, _ := m["system"].(string); unit == "" || (sys != "" && sys != "http://unitsofmeasure.org") {
		if u, ok := m["unit"].(string); ok {
			unit = u
		}
	}
	return Quantity{Value: d, Unit: unit}, true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
