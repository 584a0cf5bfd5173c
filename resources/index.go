package resources

import (
	"strings"

	"github.com/yitong-health/yitong/store"
)

// indexOf extracts the index entries Yitong keeps for a resource: a token
// per identifier (param "identifier") and a reference entry per relative
// literal reference outside contained resources (path = the top-level
// element holding it). The search issue extends this with every search
// parameter; conditional operations rely on it now.
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
		case "resourceType", "id", "meta", "text", "contained", "identifier":
			continue
		}
		idx.Refs = collectRefs(idx.Refs, k, v)
	}
	return idx
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
// "Type/id/_history/n" into type and id.
func splitLocalRef(r string) (typ, id string, ok bool) {
	typ, rest, found := strings.Cut(r, "/")
	if !found || typ == "" || typ[0] < 'A' || typ[0] > 'Z' || strings.Contains(typ, ":") {
		return "", "", false
	}
	id, hist, _ := strings.Cut(rest, "/")
	if id == "" || (hist != "" && !strings.HasPrefix(hist, "_history/")) {
		return "", "", false
	}
	return typ, id, true
}
