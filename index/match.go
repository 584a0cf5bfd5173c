package index

import (
	"math"
	"strconv"
	"strings"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/store"
)

// Match reports whether a resource with id and index entries idx meets
// every filter, by the same rules the store's search applies. It serves
// conditional references to resources created in the same transaction,
// which are not in the store yet. Chains, reverse chains, _lastUpdated and
// composite parameters need other resources or stored state and are
// refused with a not-supported error.
func Match(idx store.Index, id string, filters []search.Filter) (bool, error) {
	for i := range filters {
		ok, err := matchFilter(idx, id, &filters[i])
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func matchFilter(idx store.Index, id string, f *search.Filter) (bool, error) {
	if f.Has != nil || f.Chain != nil || f.Param == nil {
		return false, fhir.Errorf(fhir.IssueNotSupported, "chained and _has criteria cannot match resources of the same bundle")
	}
	p := f.Param
	if p.Code == "_id" {
		hit := false
		for _, v := range f.Values {
			if v.Code == id || v.Str == id {
				hit = true
			}
		}
		return hit != (f.Modifier == search.ModifierNot), nil
	}
	if p.Code == "_lastUpdated" || p.Type == search.TypeComposite || p.Type == search.TypeSpecial {
		return false, fhir.Errorf(fhir.IssueNotSupported, "search parameter %q cannot match resources of the same bundle", p.Code)
	}
	if p.Type == search.TypeToken {
		switch f.Modifier {
		case search.ModifierIn, search.ModifierNotIn, search.ModifierAbove, search.ModifierBelow:
			// They name codes the store knows (ValueSets, CodeSystems).
			return false, fhir.Errorf(fhir.IssueNotSupported, "modifier :%s on %q cannot match resources of the same bundle", f.Modifier, p.Code)
		}
	}
	code := p.Code
	if f.Modifier == search.ModifierOfType || f.Modifier == search.ModifierIdentifier {
		code += ":" + f.Modifier.String()
	}
	if f.Modifier == search.ModifierMissing {
		return has(idx, p, code) != f.Missing, nil
	}
	any := false
	for i := range f.Values {
		ok, err := matchValue(idx, p, f, code, &f.Values[i])
		if err != nil {
			return false, err
		}
		any = any || ok
	}
	return any != (f.Modifier == search.ModifierNot), nil
}

// has reports whether idx holds any entry for the parameter.
func has(idx store.Index, p *search.Param, code string) bool {
	switch p.Type {
	case search.TypeString:
		return anyOf(idx.Strings, func(e store.StringEntry) bool { return e.Param == code })
	case search.TypeToken:
		return anyOf(idx.Tokens, func(e store.Token) bool { return e.Param == code })
	case search.TypeReference:
		return anyOf(idx.Refs, func(e store.Ref) bool { return e.Param == code })
	case search.TypeDate:
		return anyOf(idx.Dates, func(e store.DateEntry) bool { return e.Param == code })
	case search.TypeNumber:
		return anyOf(idx.Numbers, func(e store.NumberEntry) bool { return e.Param == code })
	case search.TypeQuantity:
		return anyOf(idx.Quantities, func(e store.QuantityEntry) bool { return e.Param == code })
	case search.TypeURI:
		return anyOf(idx.URIs, func(e store.URIEntry) bool { return e.Param == code })
	}
	return false
}

func anyOf[T any](xs []T, f func(T) bool) bool {
	for _, x := range xs {
		if f(x) {
			return true
		}
	}
	return false
}

func matchValue(idx store.Index, p *search.Param, f *search.Filter, code string, v *search.Value) (bool, error) {
	switch {
	case search.IsTextParam(p):
		norm := search.Normalize(v.Str)
		return anyOf(idx.Strings, func(e store.StringEntry) bool {
			// _content is the narrative (_text entries) and the rest.
			return (e.Param == code || code == "_content" && e.Param == "_text") && strings.Contains(e.Norm, norm)
		}), nil
	case p.Type == search.TypeString || p.Type == search.TypeToken && f.Modifier == search.ModifierText:
		norm := search.Normalize(v.Str)
		return anyOf(idx.Strings, func(e store.StringEntry) bool {
			if e.Param != code {
				return false
			}
			switch f.Modifier {
			case search.ModifierExact:
				return e.Exact == v.Str
			case search.ModifierContains:
				return strings.Contains(e.Norm, norm)
			}
			return strings.HasPrefix(e.Norm, norm)
		}), nil
	case f.Modifier == search.ModifierOfType:
		return anyOf(idx.Tokens, func(e store.Token) bool {
			return e.Param == code && e.Code == v.Str && e.System == v.System+"|"+v.Code
		}), nil
	case p.Type == search.TypeToken || f.Modifier == search.ModifierIdentifier:
		return anyOf(idx.Tokens, func(e store.Token) bool {
			if e.Param != code {
				return false
			}
			switch {
			case v.HasSystem && v.Code == "":
				return e.System == v.System
			case v.HasSystem:
				return e.System == v.System && e.Code == v.Code
			}
			return e.Code == v.Code
		}), nil
	case p.Type == search.TypeReference:
		typ := v.RefType
		if f.TargetType != "" {
			typ = f.TargetType
		}
		return anyOf(idx.Refs, func(e store.Ref) bool {
			if e.Param != code {
				return false
			}
			if v.RefURL != "" {
				return e.TargetType == "" && e.TargetID == v.RefURL
			}
			return v.RefID != "" && e.TargetType != "" && e.TargetID == v.RefID && (typ == "" || typ == e.TargetType)
		}), nil
	case p.Type == search.TypeDate:
		qlo, qhi := v.Lo.UnixMicro(), v.Hi.UnixMicro()-1
		return anyOf(idx.Dates, func(e store.DateEntry) bool {
			return e.Param == code && rangeMatch(v.Prefix, e.Lo, e.Hi, qlo, qhi)
		}), nil
	case p.Type == search.TypeNumber:
		return anyOf(idx.Numbers, func(e store.NumberEntry) bool {
			return e.Param == code && numberMatch(v, e.Value)
		}), nil
	case p.Type == search.TypeQuantity:
		return anyOf(idx.Quantities, func(e store.QuantityEntry) bool {
			return e.Param == code && (!v.HasSystem || e.System == v.System) && (v.Code == "" || e.Code == v.Code) && numberMatch(v, e.Value)
		}), nil
	case p.Type == search.TypeURI:
		return anyOf(idx.URIs, func(e store.URIEntry) bool {
			if e.Param != code {
				return false
			}
			switch f.Modifier {
			case search.ModifierBelow:
				return strings.HasPrefix(e.URI, v.Str)
			case search.ModifierAbove:
				return strings.HasPrefix(v.Str, e.URI)
			}
			return e.URI == v.Str
		}), nil
	}
	return false, fhir.Errorf(fhir.IssueNotSupported, "search parameter %q cannot match resources of the same bundle", p.Code)
}

// rangeMatch applies a prefix to a stored range [lo, hi] and a search range
// [qlo, qhi], as the store does (ap is treated as overlapping).
func rangeMatch(p search.Prefix, lo, hi, qlo, qhi int64) bool {
	eq := lo >= qlo && hi <= qhi
	switch p {
	case search.PrefixNe:
		return !eq
	case search.PrefixGt:
		return hi > qhi
	case search.PrefixLt:
		return lo < qlo
	case search.PrefixGe:
		return hi > qhi || eq
	case search.PrefixLe:
		return lo < qlo || eq
	case search.PrefixSa:
		return lo > qhi
	case search.PrefixEb:
		return hi < qlo
	case search.PrefixAp:
		return lo <= qhi && hi >= qlo
	}
	return eq
}

func numberMatch(v *search.Value, x float64) bool {
	n, err := strconv.ParseFloat(v.Number, 64)
	if err != nil {
		return false
	}
	switch v.Prefix {
	case search.PrefixNe:
		return !(x >= v.NumberLo && x < v.NumberHi)
	case search.PrefixGt, search.PrefixSa:
		return x > n
	case search.PrefixLt, search.PrefixEb:
		return x < n
	case search.PrefixGe:
		return x >= n
	case search.PrefixLe:
		return x <= n
	case search.PrefixAp:
		return math.Abs(x-n) <= math.Abs(n)/10
	}
	return x >= v.NumberLo && x < v.NumberHi
}
