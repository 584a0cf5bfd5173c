package validate

import (
	"fmt"
	"strings"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
)

// checkReference checks the format of Reference.reference in obj, a
// Reference whose elements have been validated. Kind and emptiness problems
// are reported by the walk, not here.
func (v *validator) checkReference(obj map[string]any) {
	r, ok := obj["reference"].(string)
	if !ok || r == "" || v.validReference(r) {
		return
	}
	v.push("reference", elemReferenceReference)
	v.add(fhir.IssueValue, fmt.Sprintf("%q is not a valid reference: expected Type/id, Type/id/_history/version, an absolute URL, urn:uuid:, urn:oid: or #id", truncate(r)))
	v.pop()
}

// oidType checks urn:oid: references.
var oidType = mustType("oid").Primitive

// validReference reports whether r is a valid Reference.reference:
//   - "#" (the container) or "#id" (a contained resource);
//   - "Type/id" or "Type/id/_history/version" with a known resource type and
//     ids matching the id regex;
//   - an absolute URL "scheme://..." without whitespace;
//   - "urn:uuid:" followed by a uuid, "urn:oid:" followed by an oid;
//   - unless forbidden, a conditional reference "Type?query".
func (v *validator) validReference(r string) bool {
	if r[0] == '#' {
		return r == "#" || validID(r[1:])
	}
	if strings.HasPrefix(r, "urn:") {
		switch {
		case strings.HasPrefix(r, "urn:uuid:"):
			return validUUID(r)
		case strings.HasPrefix(r, "urn:oid:"):
			return oidType.MatchString(r)
		}
		return false
	}
	if i := schemeLength(r); i > 0 {
		return strings.HasPrefix(r[i:], "://") && len(r) > i+3 && validURI(r)
	}
	if q := strings.IndexByte(r, '?'); q >= 0 {
		return !v.opts.ForbidConditionalReferences && spec.IsResourceType(r[:q]) && q+1 < len(r) && validURI(r)
	}
	typ, rest, ok := strings.Cut(r, "/")
	if !ok || !spec.IsResourceType(typ) {
		return false
	}
	id, hist, ok := strings.Cut(rest, "/")
	if !validID(id) {
		return false
	}
	if !ok {
		return true
	}
	vid, ok := strings.CutPrefix(hist, "_history/")
	return ok && validID(vid)
}

// schemeLength returns the length of the URI scheme at the start of s
// ([A-Za-z][A-Za-z0-9+.-]* followed by ':'), or 0 when s has none.
func schemeLength(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (isDigit(c) || c == '+' || c == '.' || c == '-'):
		case i > 0 && c == ':':
			return i
		default:
			return 0
		}
	}
	return 0
}

// extensionRule checks ext-1 on obj, an Extension whose choice elements
// present are seen: it has either a value[x] or nested extensions, not both.
func (v *validator) extensionRule(obj map[string]any, seen uint64) {
	_, nested := obj["extension"]
	hasValue := seen != 0
	switch {
	case nested && hasValue:
		v.add(fhir.IssueInvariant, "ext-1: an extension must have either a value[x] or nested extensions, not both")
	case !nested && !hasValue:
		v.add(fhir.IssueInvariant, "ext-1: an extension must have either a value[x] or nested extensions")
	}
}
