package search

import (
	"strconv"
	"strings"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
)

// resultParams are the result and control parameters Parse handles itself.
var resultParams = map[string]bool{
	"_count": true, "_sort": true, "_include": true, "_revinclude": true, "_total": true,
	"_summary": true, "_elements": true, "_type": true, "_format": true, "_pretty": true,
}

// isResultParam reports whether code is a result parameter.
func isResultParam(code string) bool { return resultParams[code] }

// result parses one occurrence of a result parameter. Only _include and
// _revinclude take modifiers (:iterate and its R4 alias :recurse) and may
// repeat; the others may appear once.
func (p *parser) result(code, name, value string) error {
	if code == "_include" || code == "_revinclude" {
		return p.include(code, name, value)
	}
	if name != code {
		return invalid(name, "%s takes no modifier", code)
	}
	if code == "_format" || code == "_pretty" {
		return nil // the REST layer handles them
	}
	if p.seen[code] {
		return invalid(name, "may be given only once")
	}
	p.seen[code] = true
	switch code {
	case "_count":
		if !allDigits(value) || len(value) > 9 {
			return invalid(name, "%s is not a non-negative integer", clip(value))
		}
		n, err := strconv.Atoi(value)
		if err != nil {
			return invalid(name, "%s is not a non-negative integer", clip(value))
		}
		if n > p.opts.MaxCount {
			return paramError(fhir.IssueTooCostly, name, "%d exceeds the limit of %d", n, p.opts.MaxCount)
		}
		p.q.Count = n
	case "_total":
		t, ok := map[string]Total{"none": TotalNone, "estimate": TotalEstimate, "accurate": TotalAccurate}[value]
		if !ok {
			return invalid(name, "%s is not one of none, estimate, accurate", clip(value))
		}
		p.q.Total = t
	case "_summary":
		s, ok := map[string]Summary{"true": SummaryTrue, "false": SummaryFalse, "text": SummaryText, "data": SummaryData, "count": SummaryCount}[value]
		if !ok {
			return invalid(name, "%s is not one of true, false, text, data, count", clip(value))
		}
		p.q.Summary = s
	case "_sort":
		return p.sort(name, value)
	case "_elements":
		return p.elements(name, value)
	case "_type":
		return p.types(name, value)
	}
	return nil
}

// list splits a comma-separated result parameter value, refusing empty
// items and more than MaxValuesPerParam.
func (p *parser) list(name, value string) ([]string, error) {
	items := strings.Split(value, ",")
	if len(items) > p.opts.MaxValuesPerParam {
		return nil, paramError(fhir.IssueTooCostly, name, "%d items; the limit is %d", len(items), p.opts.MaxValuesPerParam)
	}
	for _, it := range items {
		if it == "" {
			return nil, invalid(name, "has an empty item in %s", clip(value))
		}
	}
	return items, nil
}

// sortable are the parameter types _sort accepts.
var sortable = map[Type]bool{TypeString: true, TypeToken: true, TypeDate: true, TypeNumber: true, TypeQuantity: true, TypeURI: true}

// sort parses _sort: parameter codes, "-" for descending, of a sortable
// type, each at most once.
func (p *parser) sort(name, value string) error {
	items, err := p.list(name, value)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, it := range items {
		code, desc := strings.CutPrefix(it, "-")
		if strings.ContainsAny(code, ".:") {
			return paramError(fhir.IssueNotSupported, name, "sorting by a chained or modified parameter (%s) is not supported", clip(it))
		}
		var prm *Param
		for _, t := range p.searchTypes() {
			q := p.reg.Lookup(t, code)
			if q == nil {
				return invalid(name, "%s has no search parameter %s", t, clip(code))
			}
			if prm == nil {
				prm = q
			} else if q.Type != prm.Type {
				return invalid(name, "%s has different types on %s and %s", clip(code), prm.Resource, q.Resource)
			}
		}
		if !sortable[prm.Type] {
			return invalid(name, "%s is a %s parameter and cannot be sorted on", clip(code), prm.Type)
		}
		if IsTextParam(prm) {
			return invalid(name, "%s searches text and cannot be sorted on", clip(code))
		}
		if seen[code] {
			return invalid(name, "%s is given twice", clip(code))
		}
		seen[code] = true
		p.q.Sort = append(p.q.Sort, SortKey{Param: prm, Descending: desc})
	}
	return nil
}

// elements parses _elements: top-level element names ("name", "deceased"
// for deceased[x], or an expansion such as "deceasedBoolean") of the
// searched type, or of at least one _type in a system-level search; any
// well-formed name when no type is known.
func (p *parser) elements(name, value string) error {
	items, err := p.list(name, value)
	if err != nil {
		return err
	}
	for _, it := range items {
		if !isIdent(it) {
			return invalid(name, "%s is not an element name", clip(it))
		}
		types := p.searchTypes()
		if types[0] != "Resource" && !hasElementAny(types, it) {
			return invalid(name, "%s has no element %s", strings.Join(types, " or "), clip(it))
		}
		p.q.Elements = append(p.q.Elements, it)
	}
	return nil
}

// hasElementAny reports whether one of the types has a top-level element
// elem.
func hasElementAny(types []string, elem string) bool {
	for _, tn := range types {
		t := spec.LookupType(tn)
		if t != nil && (t.Element(elem) != nil || len(t.Definition(elem+"[x]")) > 0) {
			return true
		}
	}
	return false
}

// types parses _type: resource types, only in a system-level search.
// Repeated names count once.
func (p *parser) types(name, value string) error {
	if p.q.Type != "" {
		return invalid(name, "is allowed only in a system-level search")
	}
	items, err := p.list(name, value)
	if err != nil {
		return err
	}
	for _, t := range items {
		if !spec.IsResourceType(t) || !p.reg.HasType(t) {
			return invalid(name, "%s is not a resource type", clip(t))
		}
		if !contains(p.q.Types, t) {
			p.q.Types = append(p.q.Types, t)
		}
	}
	return nil
}

// include parses one _include or _revinclude: "Source:param",
// "Source:param:Target" or "Source:*", with :iterate (or :recurse). Source
// must be a resource type and param one of its reference parameters, and
// Target one of param's targets. Without :iterate an _include's Source
// must be a searched type, and a _revinclude's param must be able to point
// to a searched type.
func (p *parser) include(code, name, value string) error {
	iterate := false
	switch strings.TrimPrefix(name, code) {
	case "":
	case ":iterate", ":recurse":
		iterate = true
	default:
		return invalid(name, "unknown modifier %s (only :iterate and :recurse)", clip(strings.TrimPrefix(name, code)))
	}
	if p.includes++; p.includes > p.opts.MaxIncludes {
		return paramError(fhir.IssueTooCostly, name, "more than %d _include and _revinclude parameters", p.opts.MaxIncludes)
	}
	parts := strings.Split(value, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return invalid(name, "%s is not Source:parameter[:Target] or Source:*", clip(value))
	}
	inc := Include{Source: parts[0], Iterate: iterate}
	if !spec.IsResourceType(inc.Source) || !p.reg.HasType(inc.Source) {
		return invalid(name, "%s is not a resource type", clip(inc.Source))
	}
	if parts[1] != "*" {
		inc.Param = p.reg.Lookup(inc.Source, parts[1])
		if inc.Param == nil || inc.Param.Type != TypeReference {
			return invalid(name, "%s has no reference parameter %s", inc.Source, clip(parts[1]))
		}
	} else if len(parts) == 3 {
		return invalid(name, "%s: Source:* takes no target type", clip(value))
	}
	if len(parts) == 3 {
		inc.TargetType = parts[2]
		if !spec.IsResourceType(inc.TargetType) || len(inc.Param.Targets) > 0 && !contains(inc.Param.Targets, inc.TargetType) {
			return invalid(name, "%s is not a target type of %s.%s", clip(inc.TargetType), inc.Source, inc.Param.Code)
		}
	}
	searched := p.searchTypes()
	if !iterate && searched[0] != "Resource" {
		if code == "_include" && !contains(searched, inc.Source) {
			return invalid(name, "%s is not the searched type (use :iterate to include from included resources)", inc.Source)
		}
		if code == "_revinclude" && inc.Param != nil && len(inc.Param.Targets) > 0 && !anyContained(searched, inc.Param.Targets) {
			return invalid(name, "%s.%s does not refer to %s", inc.Source, inc.Param.Code, strings.Join(searched, " or "))
		}
	}
	if code == "_include" {
		p.q.Includes = append(p.q.Includes, inc)
	} else {
		p.q.RevIncludes = append(p.q.RevIncludes, inc)
	}
	return nil
}

// anyContained reports whether one of xs is in list.
func anyContained(xs, list []string) bool {
	for _, x := range xs {
		if contains(list, x) {
			return true
		}
	}
	return false
}
