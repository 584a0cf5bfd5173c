package search

import (
	"sort"
	"strings"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
)

// filter parses one occurrence of a filter parameter (anything that is not
// a result parameter): its name into a Filter, then its value into the
// Values of the Filter's last link.
func (p *parser) filter(name, value string) error {
	f, leaf, err := p.resolve(name, name, p.searchTypes(), 0, true)
	if err != nil {
		return err
	}
	if value == "" {
		return emptyValue(name)
	}
	if err := p.values(leaf, name, value); err != nil {
		return err
	}
	p.q.Filters = append(p.q.Filters, *f)
	return nil
}

// resolve parses the filter name part (the whole name at the top; the part
// after "_has:T:p:" or a chain link below) against the candidate types. It
// returns the Filter and its last link (leaf), whose modifier is set and
// whose Values are to be filled. depth counts the links already used. Only
// an unknown top-level parameter is ignorable; every other problem of a
// name is an error under lenient handling too.
func (p *parser) resolve(full, name string, types []string, depth int, top bool) (*Filter, *Filter, error) {
	if name == "_has" || strings.HasPrefix(name, "_has:") {
		return p.has(full, name, types, depth)
	}
	return p.chain(full, name, types, depth, top)
}

// has parses a reverse chain "_has:Type:param:rest" whose referring
// parameter must point to every one of types.
func (p *parser) has(full, name string, types []string, depth int) (*Filter, *Filter, error) {
	if depth+1 > p.opts.MaxChainDepth {
		return nil, nil, paramError(fhir.IssueTooCostly, full, "chains and _has may be nested at most %d deep", p.opts.MaxChainDepth)
	}
	parts := strings.SplitN(strings.TrimPrefix(name, "_has"), ":", 4)
	if len(parts) != 4 || parts[0] != "" || parts[1] == "" || parts[2] == "" || parts[3] == "" {
		return nil, nil, invalid(full, "a reverse chain is written _has:Type:parameter:filter")
	}
	typ, refCode, inner := parts[1], parts[2], parts[3]
	if !spec.IsResourceType(typ) || !p.reg.HasType(typ) {
		return nil, nil, invalid(full, "%s is not a resource type", clip(typ))
	}
	ref := p.reg.Lookup(typ, refCode)
	if ref == nil || ref.Type != TypeReference {
		return nil, nil, invalid(full, "%s has no reference parameter %s", typ, clip(refCode))
	}
	if len(types) == 1 && types[0] == "Resource" {
		return nil, nil, paramError(fhir.IssueNotSupported, full, "_has needs the searched resource type (use _type in a system-level search)")
	}
	for _, t := range types {
		if len(ref.Targets) > 0 && !contains(ref.Targets, t) {
			return nil, nil, invalid(full, "%s.%s does not refer to %s", typ, ref.Code, t)
		}
	}
	in, leaf, err := p.resolve(full, inner, []string{typ}, depth+1, false)
	if err != nil {
		return nil, nil, err
	}
	f := &Filter{Has: &Has{Type: typ, Ref: ref, Filter: *in}}
	if leaf == in {
		leaf = &f.Has.Filter
	}
	return f, leaf, nil
}

// chain parses "code[:modifier]" or a forward chain
// "ref[:Type].code[:modifier]..." against the candidate types.
func (p *parser) chain(full, name string, types []string, depth int, top bool) (*Filter, *Filter, error) {
	segs := strings.Split(name, ".")
	if links := len(segs) - 1; links > 0 && depth+links > p.opts.MaxChainDepth {
		return nil, nil, paramError(fhir.IssueTooCostly, full, "chains and _has may be nested at most %d deep", p.opts.MaxChainDepth)
	}
	var root, cur *Filter
	cands := types
	for i, seg := range segs {
		code, mod, hasMod := strings.Cut(seg, ":")
		first := top && i == 0
		found, err := p.lookupAll(full, code, cands, first)
		if err != nil {
			return nil, nil, err
		}
		f := &Filter{Param: found[0]}
		if i < len(segs)-1 {
			if f.Param.Type != TypeReference {
				return nil, nil, invalid(full, "%s is a %s parameter and cannot be chained", clip(code), f.Param.Type)
			}
			targets := unionTargets(found)
			if hasMod {
				if !spec.IsResourceType(mod) || !contains(targets, mod) {
					return nil, nil, invalid(full, "%s is not a target type of %s", clip(mod), clip(code))
				}
				f.Modifier, f.TargetType = ModifierType, mod
				targets = []string{mod}
			}
			cands = targets
		} else {
			if f.Param.Type == TypeSpecial {
				err := paramError(fhir.IssueNotSupported, full, "special parameter %s is not supported", clip(code))
				if first {
					return nil, nil, &ignorable{err: err, reason: "special parameters are not supported"}
				}
				return nil, nil, err
			}
			if f.Modifier, f.TargetType, err = p.modifier(f.Param, mod, hasMod, full); err != nil {
				return nil, nil, err
			}
		}
		if root == nil {
			root = f
		} else {
			cur.Chain = f
		}
		cur = f
	}
	return root, cur, nil
}

// lookupAll returns the Params of code on the candidate types. At the top
// (first) the parameter must exist on every candidate, else it is unknown
// (ignorable); in a chain at least one candidate must have it. The Params
// found must have one Type.
func (p *parser) lookupAll(full, code string, cands []string, first bool) ([]*Param, error) {
	var found []*Param
	var missing []string
	for _, t := range cands {
		if prm := p.reg.Lookup(t, code); prm != nil {
			found = append(found, prm)
		} else {
			missing = append(missing, t)
		}
	}
	switch {
	case first && len(missing) > 0:
		return nil, unknownParam(full, code, missing)
	case len(found) == 0:
		return nil, invalid(full, "no target type (%s) has a search parameter %s", clipList(cands), clip(code))
	}
	for _, f := range found[1:] {
		if f.Type != found[0].Type {
			return nil, invalid(full, "%s is a %s parameter on %s but a %s parameter on %s; name the type", clip(code), found[0].Type, found[0].Resource, f.Type, f.Resource)
		}
	}
	return found, nil
}

// unionTargets returns the sorted union of the targets of reference
// Params; a Param without targets may point to any resource type.
func unionTargets(ps []*Param) []string {
	set := map[string]bool{}
	for _, prm := range ps {
		if len(prm.Targets) == 0 {
			return spec.ResourceTypes()
		}
		for _, t := range prm.Targets {
			set[t] = true
		}
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// clipList joins names for a message, listing at most five.
func clipList(names []string) string {
	if len(names) > 5 {
		return strings.Join(names[:5], ", ") + ", ..."
	}
	return strings.Join(names, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
