package identity

import (
	"slices"
	"strings"
)

// Scope is one SMART resource scope: context ("patient", "user" or
// "system"), resource type ("*" for all) and permissions, a subset of
// "cruds" in that order. SMART v1 scopes (.read, .write, .*) parse to
// their v2 equivalents (rs, cud, cruds).
type Scope struct {
	Context, Type, Perms string
}

// Scopes is a parsed scope string.
type Scopes struct {
	Resource []Scope
	// Other are the scopes that are not resource scopes (openid, fhirUser,
	// launch, launch/patient, offline_access, online_access).
	Other []string
}

var otherScopes = []string{"openid", "fhirUser", "profile", "launch", "launch/patient", "offline_access", "online_access"}

// ParseScopes parses a space-separated scope string. Unknown scopes and
// SMART v2 scopes with search restrictions ("?category=…", which the
// platform does not enforce) are refused rather than ignored: ignoring a
// restriction would grant more than was asked.
func ParseScopes(s string) (Scopes, error) {
	var out Scopes
	for _, f := range strings.Fields(s) {
		if slices.Contains(otherScopes, f) {
			out.Other = append(out.Other, f)
			continue
		}
		sc, ok := parseScope(f)
		if !ok {
			return Scopes{}, &Error{Code: "invalid-scope"}
		}
		out.Resource = append(out.Resource, sc)
	}
	return out, nil
}

func parseScope(f string) (Scope, bool) {
	ctx, rest, ok := strings.Cut(f, "/")
	if !ok || (ctx != "patient" && ctx != "user" && ctx != "system") {
		return Scope{}, false
	}
	typ, perms, ok := strings.Cut(rest, ".")
	if !ok || typ == "" || !validType(typ) {
		return Scope{}, false
	}
	switch perms {
	case "read":
		perms = "rs"
	case "write":
		perms = "cud"
	case "*":
		perms = "cruds"
	default:
		// v2: a non-empty subsequence of "cruds".
		i := 0
		for _, c := range perms {
			j := strings.IndexRune("cruds"[i:], c)
			if j < 0 {
				return Scope{}, false
			}
			i += j + 1
		}
		if perms == "" {
			return Scope{}, false
		}
	}
	return Scope{Context: ctx, Type: typ, Perms: perms}, true
}

func validType(t string) bool {
	if t == "*" {
		return true
	}
	for i, c := range t {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return t[0] >= 'A' && t[0] <= 'Z'
}

// String is the canonical scope string (v2 form).
func (s Scopes) String() string {
	var parts []string
	for _, sc := range s.Resource {
		parts = append(parts, sc.Context+"/"+sc.Type+"."+sc.Perms)
	}
	return strings.Join(append(parts, s.Other...), " ")
}

// Has reports whether the non-resource scope name was granted.
func (s Scopes) Has(name string) bool { return slices.Contains(s.Other, name) }

// Allows reports whether some resource scope of the context grants perm
// (one of c r u d s) on resource type typ.
func (s Scopes) Allows(context, typ string, perm byte) bool {
	for _, sc := range s.Resource {
		if sc.Context == context && (sc.Type == "*" || sc.Type == typ) && strings.IndexByte(sc.Perms, perm) >= 0 {
			return true
		}
	}
	return false
}

// Contexts reports which scope contexts appear.
func (s Scopes) Contexts() map[string]bool {
	out := map[string]bool{}
	for _, sc := range s.Resource {
		out[sc.Context] = true
	}
	return out
}

// Covers reports whether every scope of req is within s: a resource scope
// needs one of s with the same context, the same type or "*", and all its
// permissions; other scopes must be in s.
func (s Scopes) Covers(req Scopes) bool {
	for _, o := range req.Other {
		if !s.Has(o) {
			return false
		}
	}
	for _, r := range req.Resource {
		ok := false
		for _, g := range s.Resource {
			if g.Context == r.Context && (g.Type == "*" || g.Type == r.Type) && containsAll(g.Perms, r.Perms) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func containsAll(have, want string) bool {
	for _, c := range want {
		if !strings.ContainsRune(have, c) {
			return false
		}
	}
	return true
}
