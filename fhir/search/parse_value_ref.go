package search

import (
	"regexp"
	"strings"

	"github.com/yitong-health/yitong/fhir/spec"
)

// absoluteURL matches a value that starts with a URI scheme ("http:",
// "urn:").
var absoluteURL = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.\-]*:`)

// reference fills v from a reference value:
//
//   - "id": RefID (RefType is the :[type] modifier's type, if any);
//   - "Type/id" and "Type/id/_history/vid": RefType, RefID (and
//     RefVersion); Type must be a target of the parameter and agree with a
//     :[type] modifier;
//   - an absolute URL ("http://x/fhir/Patient/1", "urn:uuid:...") or a
//     canonical with a version ("http://x/Questionnaire/q|2.0"): RefURL and
//     RefVersion, plus RefType and RefID when the URL ends in Type/id.
//
// With :above or :below (canonical parameters) the value is a canonical
// URL. Str is set to RefID.
func (p *parser) reference(v *Value, prm *Param, mod Modifier, target, s, name string) error {
	raw := v.Raw
	if mod == ModifierAbove || mod == ModifierBelow || absoluteURL.MatchString(raw) {
		parts := splitUnescaped(s, '|')
		if len(parts) > 2 || parts[0] == "" {
			return invalid(name, "%s is not a valid URL or canonical (url|version)", clip(raw))
		}
		v.RefURL = unescape(parts[0])
		if len(parts) == 2 {
			if v.RefVersion = unescape(parts[1]); v.RefVersion == "" {
				return invalid(name, "%s has an empty version after |", clip(raw))
			}
		}
		if t, id, vid, ok := typeAndID(v.RefURL); ok {
			v.RefType, v.RefID, v.Str = t, id, id
			if vid != "" && v.RefVersion == "" {
				v.RefVersion = vid
			}
		}
		if target != "" {
			if v.RefType != "" && v.RefType != target {
				return invalid(name, "%s does not refer to a %s", clip(raw), target)
			}
		}
		return nil
	}
	if countUnescaped(s, '|') > 0 {
		return invalid(name, "%s is not a valid reference (id, Type/id or an absolute URL)", clip(raw))
	}
	segs := strings.Split(raw, "/")
	switch {
	case len(segs) == 1:
		if !idSyntax.MatchString(raw) {
			return invalid(name, "%s is not a valid id", clip(raw))
		}
		v.RefType, v.RefID = target, raw
	case len(segs) == 2 || len(segs) == 4 && segs[2] == "_history":
		if !spec.IsResourceType(segs[0]) {
			return invalid(name, "%s is not a resource type", clip(segs[0]))
		}
		if len(prm.Targets) > 0 && !contains(prm.Targets, segs[0]) {
			return invalid(name, "%s is not a target type of %s (targets: %s)", segs[0], prm.Code, clipList(prm.Targets))
		}
		if target != "" && segs[0] != target {
			return invalid(name, "%s does not refer to a %s", clip(raw), target)
		}
		if !idSyntax.MatchString(segs[1]) {
			return invalid(name, "%s is not a valid id", clip(segs[1]))
		}
		v.RefType, v.RefID = segs[0], segs[1]
		if len(segs) == 4 {
			if !idSyntax.MatchString(segs[3]) {
				return invalid(name, "%s is not a valid version id", clip(segs[3]))
			}
			v.RefVersion = segs[3]
		}
	default:
		return invalid(name, "%s is not a valid reference (id, Type/id or an absolute URL)", clip(raw))
	}
	v.Str = v.RefID
	return nil
}

// typeAndID extracts Type and id from a URL ending in "/Type/id" or
// "/Type/id/_history/vid".
func typeAndID(u string) (typ, id, vid string, ok bool) {
	segs := strings.Split(u, "/")
	n := len(segs)
	if n >= 5 && segs[n-2] == "_history" {
		vid = segs[n-1]
		segs = segs[:n-2]
		n -= 2
		if !idSyntax.MatchString(vid) {
			return "", "", "", false
		}
	}
	if n < 3 || !spec.IsResourceType(segs[n-2]) || !idSyntax.MatchString(segs[n-1]) {
		return "", "", "", false
	}
	return segs[n-2], segs[n-1], vid, true
}
