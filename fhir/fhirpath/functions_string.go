package fhirpath

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"html"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/yitong-health/yitong/fhir"
)

// strFn is a string function of the input string and evaluated string
// arguments; it returns the result collection.
type strFn func(s string, args []string, present []bool) ([]Node, error)

// stringFunction wraps f: the input must be a single string (empty input
// gives empty) and each argument a single string (an empty argument gives
// empty unless the function accepts it, signalled by present).
func stringFunction(min, max int, emptyArgOK bool, f strFn) funcDef {
	return funcDef{min, max, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
		s, ok, err := singleString(in, "string function")
		if err != nil || !ok {
			return nil, err
		}
		vals := make([]string, len(args))
		present := make([]bool, len(args))
		for i, a := range args {
			v, err := a(c, scope)
			if err != nil {
				return nil, err
			}
			str, ok, err := singleString(v, "string function argument")
			if err != nil {
				return nil, err
			}
			if !ok && !emptyArgOK {
				return nil, nil
			}
			vals[i], present[i] = str, ok
		}
		return f(s, vals, present)
	}}
}

// stringFunctions are §5.6 and the FHIRPath 2.1 string additions.
func stringFunctions() map[string]funcDef {
	return map[string]funcDef{
		"indexOf": stringFunction(1, 1, false, func(s string, a []string, _ []bool) ([]Node, error) {
			i := strings.Index(s, a[0])
			if i < 0 {
				return intColl(-1), nil
			}
			return intColl(int64(utf8.RuneCountInString(s[:i]))), nil
		}),
		"lastIndexOf": stringFunction(1, 1, false, func(s string, a []string, _ []bool) ([]Node, error) {
			i := strings.LastIndex(s, a[0])
			if i < 0 {
				return intColl(-1), nil
			}
			return intColl(int64(utf8.RuneCountInString(s[:i]))), nil
		}),
		"substring": {1, 2, substringImpl},
		"startsWith": stringFunction(1, 1, false, func(s string, a []string, _ []bool) ([]Node, error) {
			return boolColl(strings.HasPrefix(s, a[0])), nil
		}),
		"endsWith": stringFunction(1, 1, false, func(s string, a []string, _ []bool) ([]Node, error) {
			return boolColl(strings.HasSuffix(s, a[0])), nil
		}),
		"contains": stringFunction(1, 1, false, func(s string, a []string, _ []bool) ([]Node, error) {
			return boolColl(strings.Contains(s, a[0])), nil
		}),
		"upper": stringFunction(0, 0, false, func(s string, _ []string, _ []bool) ([]Node, error) {
			return strColl(strings.ToUpper(s)), nil
		}),
		"lower": stringFunction(0, 0, false, func(s string, _ []string, _ []bool) ([]Node, error) {
			return strColl(strings.ToLower(s)), nil
		}),
		"replace": stringFunction(2, 2, false, func(s string, a []string, _ []bool) ([]Node, error) {
			if len(s) > 0 && len(a[0]) == 0 && len(s)*(len(a[1])+1) > maxStringResult {
				return nil, execErr("replace() result too long")
			}
			return strColl(strings.ReplaceAll(s, a[0], a[1])), nil
		}),
		"matches": stringFunction(1, 2, true, func(s string, a []string, present []bool) ([]Node, error) {
			if !present[0] {
				return nil, nil
			}
			re, err := cachedRegexp(regexFlags(a) + a[0])
			if err != nil {
				return nil, err
			}
			return boolColl(re.MatchString(s)), nil
		}),
		"matchesFull": stringFunction(1, 2, true, func(s string, a []string, present []bool) ([]Node, error) {
			if !present[0] {
				return nil, nil
			}
			re, err := cachedRegexp(regexFlags(a) + `\A(?:` + a[0] + `)\z`)
			if err != nil {
				return nil, err
			}
			return boolColl(re.MatchString(s)), nil
		}),
		"replaceMatches": stringFunction(2, 2, false, func(s string, a []string, _ []bool) ([]Node, error) {
			re, err := cachedRegexp("(?s)" + a[0])
			if err != nil {
				return nil, err
			}
			if a[0] == "" {
				return strColl(s), nil
			}
			return strColl(re.ReplaceAllString(s, convertReplacement(a[1]))), nil
		}),
		"length": stringFunction(0, 0, false, func(s string, _ []string, _ []bool) ([]Node, error) {
			return intColl(int64(utf8.RuneCountInString(s))), nil
		}),
		"toChars": stringFunction(0, 0, false, func(s string, _ []string, _ []bool) ([]Node, error) {
			out := make([]Node, 0, len(s))
			for _, r := range s {
				out = append(out, strNode(string(r)))
			}
			return out, nil
		}),
		"trim": stringFunction(0, 0, false, func(s string, _ []string, _ []bool) ([]Node, error) {
			return strColl(strings.TrimSpace(s)), nil
		}),
		"split": stringFunction(1, 1, false, func(s string, a []string, _ []bool) ([]Node, error) {
			parts := strings.Split(s, a[0])
			out := make([]Node, len(parts))
			for i, p := range parts {
				out[i] = strNode(p)
			}
			return out, nil
		}),
		"encode": stringFunction(1, 1, false, func(s string, a []string, _ []bool) ([]Node, error) {
			switch a[0] {
			case "hex":
				return strColl(hex.EncodeToString([]byte(s))), nil
			case "base64":
				return strColl(base64.StdEncoding.EncodeToString([]byte(s))), nil
			case "urlbase64":
				return strColl(base64.URLEncoding.EncodeToString([]byte(s))), nil
			}
			return nil, nil
		}),
		"decode": stringFunction(1, 1, false, func(s string, a []string, _ []bool) ([]Node, error) {
			var b []byte
			var err error
			switch a[0] {
			case "hex":
				b, err = hex.DecodeString(s)
			case "base64":
				b, err = base64.StdEncoding.DecodeString(s)
			case "urlbase64":
				b, err = base64.URLEncoding.DecodeString(s)
			default:
				return nil, nil
			}
			if err != nil || !utf8.Valid(b) {
				return nil, nil
			}
			return strColl(string(b)), nil
		}),
		"escape": stringFunction(1, 1, false, func(s string, a []string, _ []bool) ([]Node, error) {
			switch a[0] {
			case "html":
				return strColl(htmlEscaper.Replace(s)), nil
			case "json":
				return strColl(jsonEscape(s)), nil
			}
			return nil, nil
		}),
		"unescape": stringFunction(1, 1, false, func(s string, a []string, _ []bool) ([]Node, error) {
			switch a[0] {
			case "html":
				return strColl(html.UnescapeString(s)), nil
			case "json":
				out, ok := jsonUnescape(s)
				if !ok {
					return nil, nil
				}
				return strColl(out), nil
			}
			return nil, nil
		}),
		"join": {0, 1, func(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
			sep := ""
			if len(args) == 1 {
				v, err := args[0](c, scope)
				if err != nil {
					return nil, err
				}
				if sep, _, err = singleString(v, "join()"); err != nil {
					return nil, err
				}
			}
			if len(in) == 0 {
				return nil, nil
			}
			parts := make([]string, 0, len(in))
			for _, n := range in {
				if n.Value == nil {
					continue
				}
				s, _, err := singleString([]Node{n}, "join()")
				if err != nil {
					return nil, err
				}
				parts = append(parts, s)
			}
			return strColl(strings.Join(parts, sep)), nil
		}},
	}
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// jsonEscape escapes s for a JSON string body: quotes, backslashes and
// control characters, exactly as resources are encoded (fhir.Marshal).
func jsonEscape(s string) string {
	q := fhir.Marshal(s)
	return string(q[1 : len(q)-1])
}

// jsonUnescape resolves JSON escapes in s; ok is false for a bad escape.
func jsonUnescape(s string) (string, bool) {
	if !strings.Contains(s, `\`) {
		return s, true
	}
	var out string
	if err := json.Unmarshal([]byte(`"`+strings.ReplaceAll(s, `"`, `\"`)+`"`), &out); err != nil {
		// the quotes may already be escaped
		if err := json.Unmarshal([]byte(`"`+s+`"`), &out); err != nil {
			return "", false
		}
	}
	return out, true
}

// regexFlags turns the optional flags argument of matches() (i, m) into
// a Go flag group; single-line mode (s) is always on.
func regexFlags(a []string) string {
	f := "s"
	if len(a) > 1 {
		for _, c := range a[1] {
			if c == 'i' || c == 'm' {
				f += string(c)
			}
		}
	}
	return "(?" + f + ")"
}

// maxStringResult bounds strings built by replace() from empty patterns.
const maxStringResult = 1 << 20

func substringImpl(c *ctx, scope, in []Node, args []evalFn) ([]Node, error) {
	s, ok, err := singleString(in, "substring()")
	if err != nil || !ok {
		return nil, err
	}
	startV, err := args[0](c, scope)
	if err != nil {
		return nil, err
	}
	start, ok, err := singleInt(startV)
	if err != nil || !ok {
		return nil, err
	}
	runes := []rune(s)
	if start < 0 || start >= int64(len(runes)) {
		return nil, nil
	}
	end := int64(len(runes))
	if len(args) == 2 {
		lv, err := args[1](c, scope)
		if err != nil {
			return nil, err
		}
		l, ok, err := singleInt(lv)
		if err != nil {
			return nil, err
		}
		if ok {
			if l < 0 {
				l = 0
			}
			end = min(end, start+l)
		}
	}
	return strColl(string(runes[start:end])), nil
}

// convertReplacement turns FHIRPath's $1 group references into Go's ${1}.
func convertReplacement(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			b.WriteString("${" + s[i+1:j] + "}")
			i = j - 1
			continue
		}
		if s[i] == '$' {
			b.WriteString("$$")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// regexCache holds compiled patterns; it is cleared when it grows past
// regexCacheSize so hostile input cannot grow it without bound.
var (
	regexMu    sync.Mutex
	regexCache = map[string]*regexp.Regexp{}
)

const regexCacheSize = 512

func cachedRegexp(pattern string) (*regexp.Regexp, error) {
	regexMu.Lock()
	re, ok := regexCache[pattern]
	regexMu.Unlock()
	if ok {
		return re, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, execErr("invalid regular expression: %v", err)
	}
	regexMu.Lock()
	if len(regexCache) >= regexCacheSize {
		regexCache = map[string]*regexp.Regexp{}
	}
	regexCache[pattern] = re
	regexMu.Unlock()
	return re, nil
}
