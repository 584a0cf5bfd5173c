package resources

import (
	"strings"

	"github.com/yitong-health/yitong/store"
)

// indexOf extracts the index entries Yitong keeps for a resource: a token
// per identifier with a value (param "identifier") and a reference entry per
// relative literal reference "Type/id" or "Type/id/_history/n" outside
// contained resources (path = the top-level element holding it, also
// "identifier" for an Identifier.assigner). The search issue extends this
// with every search parameter; conditional operations rely on it now.
func indexOf(res map[string]any) store.Index {
	var idx store.Index
	switch ids := res["identifier"].(type) {
	case []any:
		for _, x := range ids {
			idx.Tokens = appendIdentifier(idx.Tokens, x)
		}
	case map[string]any:
		idx.Tokens = appendIdentifier(idx.Tokens, ids)
	}
	for k, v := range res {
		switch k {
		case "resourceType", "id", "meta", "text", "contained":
			continue
		}
		idx.Refs = collectRefs(idx.Refs, k, v)
	}
	idx.Tokens = dedupeTokens(idx.Tokens)
	idx.Refs = dedupeRefs(idx.Refs)
	return idx
}

// dedupeTokens drops repeated tokens (a resource may list an identifier
// twice); the order of first appearance is kept.
func dedupeTokens(ts []store.Token) []store.Token {
	if len(ts) < 2 {
		return ts
	}
	seen := make(map[store.Token]bool, len(ts))
	out := ts[:0]
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// dedupeRefs drops repeated references from the same element to the same
// target (an ExplanationOfBenefit names its patient many times).
func dedupeRefs(rs []store.Ref) []store.Ref {
	if len(rs) < 2 {
		return rs
	}
	seen := make(map[store.Ref]bool, len(rs))
	out := rs[:0]
	for _, r := range rs {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

func appendIdentifier(ts []store.Token, x any) []store.Token {
	m, ok := x.(map[string]any)
	if !ok {
		return ts
	}
	value, _ := m["value"].(string)
	if value == "" {
		return ts
	}
	system, _ := m["system"].(string)
	return append(ts, store.Token{Param: "identifier", System: system, Code: value})
}

func collectRefs(refs []store.Ref, path string, v any) []store.Ref {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			refs = collectRefs(refs, path, e)
		}
	case map[string]any:
		if r, ok := x["reference"].(string); ok {
			if typ, id, ok := splitLocalRef(r); ok {
				refs = append(refs, store.Ref{Path: path, TargetType: typ, TargetID: id})
			}
		}
		for k, e := range x {
			if k == "reference" {
				continue
			}
			switch e.(type) {
			case []any, map[string]any:
				refs = collectRefs(refs, path, e)
			}
		}
	}
	return refs
}

// splitLocalRef splits a relative literal reference "Type/id" or
// "Type/id/_history/n" into type and id. Anything else (absolute URLs,
// urn:, #contained, an unresolved conditional reference "Type?query") is no
// local reference.
func splitLocalRef(r string) (typ, id string, ok bool) {
	typ, rest, found := strings.Cut(r, "/")
	if !found || !isTypeName(typ) {
		return "", "", false
	}
	id, hist, hasHist := strings.Cut(rest, "/")
	if !ValidID(id) {
		return "", "", false
	}
	if hasHist {
		if vid, ok := strings.CutPrefix(hist, "_history/"); !ok || !ValidID(vid) {
			return "", "", false
		}
	}
	return typ, id, true
}

// isTypeName reports whether s looks like a resource type name: an
// uppercase ASCII letter followed by ASCII letters.
func isTypeName(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}
