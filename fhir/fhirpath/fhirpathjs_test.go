package fhirpath

import (
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// fhirpathjsFloor is the number of fhirpath.js cases (R4 or model-less)
// that must pass; raise it when the engine improves (a ratchet).
const fhirpathjsFloor = 2171

// jsCase is one fhirpath.js test case.
type jsCase struct {
	file, desc, group string
	fields            map[string]any
	subject           map[string]any
}

func collectJSCases(file string, node any, group string, subject map[string]any, out *[]jsCase) {
	switch v := node.(type) {
	case []any:
		for _, x := range v {
			collectJSCases(file, x, group, subject, out)
		}
	case map[string]any:
		if _, ok := v["expression"]; ok {
			desc, _ := v["desc"].(string)
			*out = append(*out, jsCase{file: file, desc: desc, group: group, fields: v, subject: subject})
			return
		}
		for k, x := range v {
			if g, ok := strings.CutPrefix(k, "group:"); ok {
				collectJSCases(file, x, strings.TrimSpace(g), subject, out)
			}
		}
	}
}

func TestFhirpathJSSuite(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(sharedDir, "fhirpath-tests", "fhirpathjs", "cases", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Skip("shared/fhirpath-tests/fhirpathjs not found")
	}
	sort.Strings(files)
	verbose := os.Getenv("FHIRPATH_SUITE_VERBOSE") != ""
	pass, fail, skip := 0, 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := parseYAML(string(data))
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		top, _ := doc.(map[string]any)
		subject, _ := top["subject"].(map[string]any)
		var cases []jsCase
		collectJSCases(filepath.Base(f), top["tests"], "", subject, &cases)
		for _, tc := range cases {
			why, skipped := runJSCase(t, tc)
			switch {
			case skipped:
				skip++
			case why == "":
				pass++
			default:
				fail++
				if verbose {
					t.Logf("FAIL %s [%s] %s: %v\n    %s", tc.file, tc.group, tc.desc, tc.fields["expression"], why)
				}
			}
		}
	}
	t.Logf("fhirpath.js suite: %d passed, %d failed, %d skipped", pass, fail, skip)
	if pass < fhirpathjsFloor {
		t.Errorf("fhirpath.js suite passes %d cases, below the recorded floor %d", pass, fhirpathjsFloor)
	}
}

// runJSCase runs one case; skipped is true for disabled and non-R4 cases.
func runJSCase(t *testing.T, tc jsCase) (why string, skipped bool) {
	f := tc.fields
	if d, _ := f["disable"].(bool); d {
		return "", true
	}
	if m, ok := f["model"].(string); ok && m != "r4" {
		return "", true
	}
	expr, ok := f["expression"].(string)
	if !ok {
		return "", true
	}
	res := tc.subject
	if in, ok := f["inputfile"].(string); ok {
		r, err := loadResource(t, in)
		if err != nil {
			return "", true
		}
		res = r
	}
	if res == nil {
		res = map[string]any{}
	}
	var opts []Option
	if vars, ok := f["variables"].(map[string]any); ok {
		for k, v := range vars {
			opts = append(opts, WithVariable(k, jsValueNodes(v)))
		}
	}
	out, err := evalSafely(expr, res, opts...)
	if wantErr, _ := f["error"].(bool); wantErr {
		if err == nil {
			return fmt.Sprintf("expected an error, got %s", formatNodes(out)), false
		}
		return "", false
	}
	if err != nil {
		return "error: " + err.Error(), false
	}
	want, _ := f["result"].([]any)
	if len(out) != len(want) {
		return fmt.Sprintf("got %s, want %v", formatNodes(out), want), false
	}
	for i := range want {
		if !jsMatch(out[i], want[i]) {
			return fmt.Sprintf("item %d: got %s, want %#v", i, formatNodes(out[i:i+1]), want[i]), false
		}
	}
	return "", false
}

func jsValueNodes(v any) []Node {
	if arr, ok := v.([]any); ok {
		out := make([]Node, 0, len(arr))
		for _, x := range arr {
			out = appendUntyped(out, x)
		}
		return out
	}
	return appendUntyped(nil, v)
}

// jsMatch compares a result item with a fhirpath.js expected value.
func jsMatch(n Node, want any) bool {
	if m, ok := n.Value.(map[string]any); ok {
		return deepEqual(m, want, false)
	}
	s, ok := toSystem(n)
	if !ok {
		return false
	}
	switch w := want.(type) {
	case bool:
		b, ok := s.Value.(bool)
		return ok && b == w
	case json.Number:
		wr, ok := new(big.Rat).SetString(string(w))
		if !ok {
			return false
		}
		switch v := s.Value.(type) {
		case int64:
			return new(big.Rat).SetInt64(v).Cmp(wr) == 0
		case Decimal:
			return v.Rat().Cmp(wr) == 0
		}
		return false
	case string:
		switch v := s.Value.(type) {
		case string:
			return v == w
		case Quantity:
			return v.String() == w || v.Value.String()+" '"+v.Unit+"'" == w
		}
		got, ok := formatSystem(s.Value)
		return ok && (got == w || "@"+got == w || "@T"+got == w || "T"+got == w)
	case map[string]any:
		if q, ok := s.Value.(Quantity); ok {
			wv, _ := w["value"].(json.Number)
			wr, ok := new(big.Rat).SetString(string(wv))
			return ok && q.Value.Rat().Cmp(wr) == 0 && q.Unit == w["unit"]
		}
	}
	return false
}
