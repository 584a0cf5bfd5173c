package search

import (
	"net/url"
	"strconv"
	"strings"
)

// Values returns q as canonical search parameters, for a Bundle's self
// link: Parse(q.Type, q.Values(), opts) with the same registry gives a
// Query equal to q except for Value.Raw (the value as written) and Ignored
// (which are not written). _count is always present; _format, _pretty and
// ignored parameters are not.
func (q *Query) Values() url.Values {
	out := url.Values{}
	if len(q.Types) > 0 {
		out.Set("_type", strings.Join(q.Types, ","))
	}
	for i := range q.Filters {
		f := &q.Filters[i]
		out.Add(filterName(f), filterValue(f))
	}
	for _, inc := range q.Includes {
		out.Add(includeName("_include", inc), includeValue(inc))
	}
	for _, inc := range q.RevIncludes {
		out.Add(includeName("_revinclude", inc), includeValue(inc))
	}
	if len(q.Sort) > 0 {
		keys := make([]string, len(q.Sort))
		for i, k := range q.Sort {
			keys[i] = k.Param.Code
			if k.Descending {
				keys[i] = "-" + keys[i]
			}
		}
		out.Set("_sort", strings.Join(keys, ","))
	}
	out.Set("_count", strconv.Itoa(q.Count))
	if s := pick(int(q.Total), "", "none", "estimate", "accurate"); s != "" {
		out.Set("_total", s)
	}
	if s := pick(int(q.Summary), "", "true", "count", "data", "text", "false"); s != "" {
		out.Set("_summary", s)
	}
	if len(q.Elements) > 0 {
		out.Set("_elements", strings.Join(q.Elements, ","))
	}
	return out
}

// filterName writes the parameter name of f with its modifier, chain or
// reverse chain.
func filterName(f *Filter) string {
	if f.Has != nil {
		return "_has:" + f.Has.Type + ":" + f.Has.Ref.Code + ":" + filterName(&f.Has.Filter)
	}
	name := f.Param.Code
	switch f.Modifier {
	case ModifierNone:
	case ModifierType:
		name += ":" + f.TargetType
	default:
		name += ":" + f.Modifier.String()
	}
	if f.Chain != nil {
		name += "." + filterName(f.Chain)
	}
	return name
}

// filterValue writes the value of the last link of f.
func filterValue(f *Filter) string {
	for f.Has != nil || f.Chain != nil {
		if f.Has != nil {
			f = &f.Has.Filter
		} else {
			f = f.Chain
		}
	}
	if f.Modifier == ModifierMissing {
		return strconv.FormatBool(f.Missing)
	}
	vs := make([]string, len(f.Values))
	for i := range f.Values {
		vs[i] = encodeValue(f.Param, f.Modifier, &f.Values[i])
	}
	return strings.Join(vs, ",")
}

// encodeValue writes one value of parameter p with modifier mod, escaped.
func encodeValue(p *Param, mod Modifier, v *Value) string {
	switch p.Type {
	case TypeToken:
		switch {
		case p.Code == "_id" || mod == ModifierText || mod == ModifierIn || mod == ModifierNotIn:
			return escape(v.Str)
		case mod == ModifierOfType:
			return escape(v.System) + "|" + escape(v.Code) + "|" + escape(v.Str)
		}
		return encodeToken(v)
	case TypeReference:
		switch {
		case mod == ModifierIdentifier:
			return encodeToken(v)
		case v.RefURL != "":
			s := escape(v.RefURL)
			if v.RefVersion != "" {
				s += "|" + escape(v.RefVersion)
			}
			return s
		case v.RefType != "" && (mod != ModifierType || v.RefVersion != ""):
			s := v.RefType + "/" + v.RefID
			if v.RefVersion != "" {
				s += "/_history/" + v.RefVersion
			}
			return s
		}
		return v.RefID
	case TypeNumber:
		return encodePrefix(v) + v.Number
	case TypeQuantity:
		s := encodePrefix(v) + v.Number
		if v.Code != "" {
			s += "|" + escape(v.System) + "|" + escape(v.Code)
		}
		return s
	case TypeDate:
		return escape(v.Raw)
	case TypeComposite:
		parts := make([]string, len(v.Parts))
		for i := range v.Parts {
			parts[i] = encodeValue(p.Components[i].Param, ModifierNone, &v.Parts[i])
		}
		return strings.Join(parts, "$")
	}
	return escape(v.Str)
}

func encodeToken(v *Value) string {
	if v.HasSystem {
		return escape(v.System) + "|" + escape(v.Code)
	}
	return escape(v.Code)
}

// encodePrefix writes the prefix of a number or quantity, nothing for eq.
func encodePrefix(v *Value) string {
	if v.Prefix == PrefixEq {
		return ""
	}
	return v.Prefix.String()
}

func includeName(code string, inc Include) string {
	if inc.Iterate {
		return code + ":iterate"
	}
	return code
}

func includeValue(inc Include) string {
	if inc.Param == nil {
		return inc.Source + ":*"
	}
	s := inc.Source + ":" + inc.Param.Code
	if inc.TargetType != "" {
		s += ":" + inc.TargetType
	}
	return s
}

// pick returns names[i], or "" when i is out of range.
func pick(i int, names ...string) string {
	if i < 0 || i >= len(names) {
		return ""
	}
	return names[i]
}
