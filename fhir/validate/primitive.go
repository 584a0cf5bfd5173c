package validate

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
)

// primitive validates one value of primitive element el: its JSON kind,
// its lexical form and, for integers, its range.
func (v *validator) primitive(el *spec.Element, val any) {
	p := el.TypeDef.Primitive
	switch p.JSON {
	case spec.JSONString:
		s, ok := val.(string)
		if !ok {
			v.wrongKind(el, val, "a JSON string")
			return
		}
		if s == "" {
			v.add(fhir.IssueValue, fmt.Sprintf("%s must not be an empty string: leave the element out instead", el.Path))
			return
		}
		if !validStringOf(el.Type, s, p) {
			v.add(fhir.IssueValue, fmt.Sprintf("%q is not a valid %s for %s", truncate(s), el.Type, el.Path))
			return
		}
		if s[0] == '#' && v.scope != nil && (el == elemReferenceReference || el.Type == "uri" || el.Type == "url" || el.Type == "canonical") {
			v.scope.addLocalRef(s[1:])
		}
		if el.Type == "xhtml" && !strings.HasPrefix(s, "<div") {
			v.add(fhir.IssueValue, fmt.Sprintf("%s must be XHTML starting with a <div> element", el.Path))
		}
		if el.Binding != nil {
			v.checkCode(el, s)
		}
	case spec.JSONBoolean:
		if _, ok := val.(bool); !ok {
			v.wrongKind(el, val, "a JSON boolean (true or false)")
		}
	case spec.JSONNumber:
		lex, ok := numberLexical(val)
		if !ok {
			v.wrongKind(el, val, "a JSON number")
			return
		}
		if !validNumberOf(el.Type, lex, p) {
			v.add(fhir.IssueValue, fmt.Sprintf("%s is not a valid %s for %s", truncate(lex), el.Type, el.Path))
			return
		}
		if p.HasRange {
			n, err := strconv.ParseInt(lex, 10, 64)
			if err != nil || n < p.Min || n > p.Max {
				v.add(fhir.IssueValue, fmt.Sprintf("%s is out of the range of %s (%d to %d) for %s", truncate(lex), el.Type, p.Min, p.Max, el.Path))
			}
		}
	}
}

func (v *validator) wrongKind(el *spec.Element, val any, want string) {
	v.add(fhir.IssueStructure, fmt.Sprintf("%s must be %s, not %s", el.Path, want, kindOf(val)))
}

// elemReferenceReference is Reference.reference, whose local references
// ("#id") count for dom-3.
var elemReferenceReference = typeReference.Element("reference")

// validStringOf checks s against the regex of string-valued primitive type
// typ, by hand for the common types.
func validStringOf(typ, s string, p *spec.Primitive) bool {
	switch typ {
	case "string", "markdown":
		return validString(s)
	case "uri", "url", "canonical":
		return validURI(s)
	case "code":
		return validCode(s)
	case "id":
		return validID(s)
	case "dateTime":
		return validDateTime(s)
	case "date":
		return validDate(s)
	case "instant":
		return validInstant(s)
	case "time":
		return validTime(s)
	case "uuid":
		return validUUID(s)
	case "base64Binary":
		return validBase64(s)
	}
	return p.MatchString(s)
}

// validNumberOf checks the lexical form of a number against the regex of
// number-valued primitive type typ.
func validNumberOf(typ, lex string, p *spec.Primitive) bool {
	switch typ {
	case "decimal":
		return validDecimal(lex)
	case "integer":
		return validInteger(lex)
	case "unsignedInt":
		return validUnsignedInt(lex)
	case "positiveInt":
		return validPositiveInt(lex)
	}
	return p.MatchString(lex)
}

// numberLexical returns the lexical form of a JSON number.
func numberLexical(val any) (string, bool) {
	switch x := val.(type) {
	case json.Number:
		return string(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	}
	return "", false
}

// nullPrimitive handles a null item of primitive array element el (the
// current location) in parent: allowed only when the parallel "_" array
// holds the item's extensions, which primitiveExtension checks.
func (v *validator) nullPrimitive(el *spec.Element, parent map[string]any) {
	if _, ok := parent["_"+el.Name]; ok {
		return
	}
	v.add(fhir.IssueStructure, fmt.Sprintf("%s must not hold null unless _%s holds an extension at the same index", el.Path, el.Name))
}

// primitiveExtension validates val, the "_" sibling of primitive element el
// (the current location) in parent: an object with id and extension, or for
// a repeating element an array parallel to the values, with null where an
// item has no extension.
func (v *validator) primitiveExtension(el *spec.Element, val any, parent map[string]any) {
	arr, isArr := val.([]any)
	if !isArr {
		if el.IsArray() {
			v.add(fhir.IssueStructure, fmt.Sprintf("_%s must be a JSON array parallel to %s, because %s repeats", el.Name, el.Name, el.Path))
			return
		}
		v.extensionObject(el, val)
		return
	}
	if !el.IsArray() {
		v.add(fhir.IssueStructure, fmt.Sprintf("_%s must not be a JSON array, because %s has at most one value", el.Name, el.Path))
		return
	}
	if len(arr) == 0 {
		v.add(fhir.IssueStructure, fmt.Sprintf("_%s must not be an empty array", el.Name))
		return
	}
	values, hasValues := parent[el.Name].([]any)
	if hasValues && len(values) != len(arr) {
		v.add(fhir.IssueStructure, fmt.Sprintf("_%s has %d items but %s has %d: the arrays must be parallel", el.Name, len(arr), el.Name, len(values)))
	}
	for i, x := range arr {
		v.setIndex(i)
		if x != nil {
			v.extensionObject(el, x)
		} else if !hasValues || i >= len(values) || values[i] == nil {
			v.add(fhir.IssueStructure, fmt.Sprintf("item %d of %s has neither a value nor an extension", i, el.Path))
		}
	}
	v.setIndex(-1)
}

// extensionObject validates the extension object of one primitive value.
func (v *validator) extensionObject(el *spec.Element, val any) {
	obj, ok := val.(map[string]any)
	if !ok {
		v.add(fhir.IssueStructure, fmt.Sprintf("_%s must be a JSON object with id or extension, not %s", el.Name, kindOf(val)))
		return
	}
	if len(obj) == 0 {
		v.add(fhir.IssueStructure, fmt.Sprintf("_%s must not be an empty object", el.Name))
		return
	}
	v.object(obj, el.TypeDef, false)
}
