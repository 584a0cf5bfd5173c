package search

import (
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
)

// modifierNamed maps the modifiers written after a colon to their Modifier
// (the ":[type]" modifier is any resource type name and is not listed).
var modifierNamed = map[string]Modifier{
	"exact":      ModifierExact,
	"contains":   ModifierContains,
	"missing":    ModifierMissing,
	"not":        ModifierNot,
	"text":       ModifierText,
	"above":      ModifierAbove,
	"below":      ModifierBelow,
	"identifier": ModifierIdentifier,
	"of-type":    ModifierOfType,
	"in":         ModifierIn,
	"not-in":     ModifierNotIn,
}

// allowedModifiers are the R4 modifiers of each parameter type that Parse
// supports (besides :missing, allowed on every type, and :[type] on
// references).
var allowedModifiers = map[Type][]Modifier{
	TypeString:    {ModifierExact, ModifierContains},
	TypeToken:     {ModifierText, ModifierNot, ModifierAbove, ModifierBelow, ModifierOfType, ModifierIn, ModifierNotIn},
	TypeReference: {ModifierIdentifier, ModifierAbove, ModifierBelow},
	TypeURI:       {ModifierAbove, ModifierBelow},
}

// modifier checks the modifier written after the last link's code. It
// returns the Modifier and, for ":[type]", the type. Every problem is an
// error under lenient handling too: an unknown modifier or one R4 does not
// define for the type is invalid, and so is any modifier on _text and
// _content; one R4 defines but Parse does not support (:above/:below on a
// reference to something other than canonicals, :of-type on a parameter
// that is not on Identifiers) is not-supported.
func (p *parser) modifier(prm *Param, mod string, hasMod bool, full string) (Modifier, string, error) {
	if !hasMod {
		return ModifierNone, "", nil
	}
	if IsTextParam(prm) {
		return 0, "", invalid(full, "modifier %s is not allowed on %s, which takes plain text only", clip(":"+mod), prm.Code)
	}
	if mod == "missing" {
		return ModifierMissing, "", nil
	}
	if prm.Type == TypeReference && spec.IsResourceType(mod) {
		if len(prm.Targets) > 0 && !contains(prm.Targets, mod) {
			return 0, "", invalid(full, "%s is not a target type of %s (targets: %s)", mod, prm.Code, clipList(prm.Targets))
		}
		return ModifierType, mod, nil
	}
	m, known := modifierNamed[mod]
	if !known {
		return 0, "", invalid(full, "unknown modifier %s", clip(":"+mod))
	}
	if !hasModifier(allowedModifiers[prm.Type], m) {
		return 0, "", invalid(full, "modifier :%s is not allowed on %s parameters", mod, prm.Type)
	}
	if prm.Code == "_id" && m != ModifierNot {
		return 0, "", invalid(full, "modifier :%s is not allowed on _id", mod)
	}
	kinds := p.reg.kinds(prm)
	switch {
	case m == ModifierOfType && !kinds.identifier:
		return 0, "", paramError(fhir.IssueNotSupported, full, "modifier :of-type applies only to parameters on Identifier elements")
	case prm.Type == TypeReference && (m == ModifierAbove || m == ModifierBelow) && !kinds.canonical:
		return 0, "", paramError(fhir.IssueNotSupported, full, "modifier :%s is supported on references only for canonical elements", mod)
	}
	return m, "", nil
}

func hasModifier(list []Modifier, m Modifier) bool {
	for _, x := range list {
		if x == m {
			return true
		}
	}
	return false
}
