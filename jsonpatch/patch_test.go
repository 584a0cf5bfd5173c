package jsonpatch

import (
	"strings"
	"testing"

	"github.com/yitong-health/yitong/fhir"
)

type patchCase struct {
	name  string
	doc   string
	patch string
	want  string         // the expected document, when the patch succeeds
	code  fhir.IssueType // the expected error code, when it fails
	diag  string         // a prefix of the expected Diagnostics, when it fails
}

// rfcCases are the examples of RFC 6902 appendix A.
var rfcCases = []patchCase{
	{name: "A.1 add an object member", doc: `{"foo":"bar"}`,
		patch: `[{"op":"add","path":"/baz","value":"qux"}]`,
		want:  `{"baz":"qux","foo":"bar"}`},
	{name: "A.2 add an array element", doc: `{"foo":["bar","baz"]}`,
		patch: `[{"op":"add","path":"/foo/1","value":"qux"}]`,
		want:  `{"foo":["bar","qux","baz"]}`},
	{name: "A.3 remove an object member", doc: `{"baz":"qux","foo":"bar"}`,
		patch: `[{"op":"remove","path":"/baz"}]`,
		want:  `{"foo":"bar"}`},
	{name: "A.4 remove an array element", doc: `{"foo":["bar","qux","baz"]}`,
		patch: `[{"op":"remove","path":"/foo/1"}]`,
		want:  `{"foo":["bar","baz"]}`},
	{name: "A.5 replace a value", doc: `{"baz":"qux","foo":"bar"}`,
		patch: `[{"op":"replace","path":"/baz","value":"boo"}]`,
		want:  `{"baz":"boo","foo":"bar"}`},
	{name: "A.6 move a value", doc: `{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}`,
		patch: `[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]`,
		want:  `{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}`},
	{name: "A.7 move an array element", doc: `{"foo":["all","grass","cows","eat"]}`,
		patch: `[{"op":"move","from":"/foo/1","path":"/foo/3"}]`,
		want:  `{"foo":["all","cows","eat","grass"]}`},
	{name: "A.8 test a value: success", doc: `{"baz":"qux","foo":["a",2,"c"]}`,
		patch: `[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]`,
		want:  `{"baz":"qux","foo":["a",2,"c"]}`},
	{name: "A.9 test a value: error", doc: `{"baz":"qux"}`,
		patch: `[{"op":"test","path":"/baz","value":"bar"}]`,
		code:  fhir.IssueProcessing, diag: `patch operation 0 (test /baz): test failed: the value is "qux", not "bar"`},
	{name: "A.10 add a nested member object", doc: `{"foo":"bar"}`,
		patch: `[{"op":"add","path":"/child","value":{"grandchild":{}}}]`,
		want:  `{"foo":"bar","child":{"grandchild":{}}}`},
	{name: "A.11 ignore unrecognized elements", doc: `{"foo":"bar"}`,
		patch: `[{"op":"add","path":"/baz","value":"qux","xyz":123}]`,
		want:  `{"foo":"bar","baz":"qux"}`},
	{name: "A.12 add to a nonexistent target", doc: `{"foo":"bar"}`,
		patch: `[{"op":"add","path":"/baz/bat","value":"qux"}]`,
		code:  fhir.IssueInvalid, diag: `patch operation 0 (add /baz/bat): path not found: the document root has no member "baz"`},
	{name: "A.13 invalid JSON Patch document", doc: `{"foo":"bar"}`,
		patch: `[{"op":"add","path":"/baz","value":"qux","op":"remove"}]`,
		code:  fhir.IssueInvalid, diag: `patch operation 0: the member "op" appears more than once`},
	{name: "A.14 ~ escape ordering", doc: `{"/":9,"~1":10}`,
		patch: `[{"op":"test","path":"/~01","value":10}]`,
		want:  `{"/":9,"~1":10}`},
	{name: "A.15 comparing strings and numbers", doc: `{"/":9,"~1":10}`,
		patch: `[{"op":"test","path":"/~01","value":"10"}]`,
		code:  fhir.IssueProcessing, diag: `patch operation 0 (test /~01): test failed`},
	{name: "A.16 add an array value", doc: `{"foo":["bar"]}`,
		patch: `[{"op":"add","path":"/foo/-","value":["abc","def"]}]`,
		want:  `{"foo":["bar",["abc","def"]]}`},
}

var moreCases = []patchCase{
	{name: "empty patch", doc: `{"a":1}`, patch: `[]`, want: `{"a":1}`},
	{name: "patch with surrounding space", doc: `{"a":1}`, patch: " \n[ ]\n", want: `{"a":1}`},
	{name: "add replaces an existing member", doc: `{"a":1}`,
		patch: `[{"op":"add","path":"/a","value":[1]}]`, want: `{"a":[1]}`},
	{name: "add at the end index", doc: `{"a":[1,2]}`,
		patch: `[{"op":"add","path":"/a/2","value":3}]`, want: `{"a":[1,2,3]}`},
	{name: "add at index 0", doc: `{"a":[1,2]}`,
		patch: `[{"op":"add","path":"/a/0","value":0}]`, want: `{"a":[0,1,2]}`},
	{name: "add null", doc: `{}`,
		patch: `[{"op":"add","path":"/a","value":null}]`, want: `{"a":null}`},
	{name: "add a member named -", doc: `{"o":{}}`,
		patch: `[{"op":"add","path":"/o/-","value":1}]`, want: `{"o":{"-":1}}`},
	{name: "add an empty member name", doc: `{}`,
		patch: `[{"op":"add","path":"/","value":1}]`, want: `{"":1}`},
	{name: "member with leading zeros in an object", doc: `{"o":{"01":1}}`,
		patch: `[{"op":"remove","path":"/o/01"}]`, want: `{"o":{}}`},
	{name: "escapes ~0 and ~1", doc: `{"a/b":{"c~d":1}}`,
		patch: `[{"op":"replace","path":"/a~1b/c~0d","value":2}]`, want: `{"a/b":{"c~d":2}}`},
	{name: "replace the whole document", doc: `{"a":1}`,
		patch: `[{"op":"replace","path":"","value":{"b":2}}]`, want: `{"b":2}`},
	{name: "add the whole document", doc: `{"a":1}`,
		patch: `[{"op":"add","path":"","value":{"b":2}}]`, want: `{"b":2}`},
	{name: "remove the last array element", doc: `{"a":[1,2,3]}`,
		patch: `[{"op":"remove","path":"/a/2"}]`, want: `{"a":[1,2]}`},
	{name: "move to the end of an array", doc: `{"a":[1,2,3]}`,
		patch: `[{"op":"move","from":"/a/0","path":"/a/-"}]`, want: `{"a":[2,3,1]}`},
	{name: "move onto itself", doc: `{"a":{"b":1}}`,
		patch: `[{"op":"move","from":"/a","path":"/a"}]`, want: `{"a":{"b":1}}`},
	{name: "move replaces the target member", doc: `{"a":1,"b":2}`,
		patch: `[{"op":"move","from":"/a","path":"/b"}]`, want: `{"b":1}`},
	{name: "copy a subtree", doc: `{"a":{"b":[1]}}`,
		patch: `[{"op":"copy","from":"/a","path":"/c"}]`, want: `{"a":{"b":[1]},"c":{"b":[1]}}`},
	{name: "copy into its own child", doc: `{"a":{"b":1}}`,
		patch: `[{"op":"copy","from":"/a","path":"/a/c"}]`, want: `{"a":{"b":1,"c":{"b":1}}}`},
	{name: "copy the whole document", doc: `{"a":1}`,
		patch: `[{"op":"copy","from":"","path":"/b"}]`, want: `{"a":1,"b":{"a":1}}`},
	{name: "copies are independent", doc: `{"a":{"b":[1]}}`,
		patch: `[{"op":"copy","from":"/a","path":"/c"},{"op":"add","path":"/c/b/-","value":2},{"op":"add","path":"/c/x","value":3}]`,
		want:  `{"a":{"b":[1]},"c":{"b":[1,2],"x":3}}`},
	{name: "test numbers by value", doc: `{"a":1,"b":100,"c":0.5,"d":-0}`,
		patch: `[{"op":"test","path":"/a","value":1.0},{"op":"test","path":"/b","value":1e2},{"op":"test","path":"/c","value":5E-1},{"op":"test","path":"/d","value":0.000}]`,
		want:  `{"a":1,"b":100,"c":0.5,"d":-0}`},
	{name: "test big numbers exactly", doc: `{"a":12345678901234567890123}`,
		patch: `[{"op":"test","path":"/a","value":12345678901234567890124}]`,
		code:  fhir.IssueProcessing, diag: `patch operation 0 (test /a): test failed: the value is 12345678901234567890123, not 12345678901234567890124`},
	{name: "test objects regardless of order", doc: `{"a":{"x":1,"y":[true,null,"s"]}}`,
		patch: `[{"op":"test","path":"/a","value":{"y":[true,null,"s"],"x":1.00}}]`,
		want:  `{"a":{"x":1,"y":[true,null,"s"]}}`},
	{name: "test the whole document", doc: `{"a":1}`,
		patch: `[{"op":"test","path":"","value":{"a":1}}]`, want: `{"a":1}`},
	{name: "test arrays by order", doc: `{"a":[1,2]}`,
		patch: `[{"op":"test","path":"/a","value":[2,1]}]`,
		code:  fhir.IssueProcessing, diag: `patch operation 0 (test /a): test failed: the value is an array, not an array`},
	{name: "test an extra member", doc: `{"a":{"x":1}}`,
		patch: `[{"op":"test","path":"/a","value":{"x":1,"y":2}}]`,
		code:  fhir.IssueProcessing, diag: `patch operation 0 (test /a): test failed`},
	{name: "test null against a missing member", doc: `{}`,
		patch: `[{"op":"test","path":"/a","value":null}]`,
		code:  fhir.IssueProcessing, diag: `patch operation 0 (test /a): test failed: path not found: the document root has no member "a"`},
	{name: "test false against null", doc: `{"a":null}`,
		patch: `[{"op":"test","path":"/a","value":false}]`,
		code:  fhir.IssueProcessing, diag: `patch operation 0 (test /a): test failed: the value is null, not false`},
	{name: "test with a bad index", doc: `{"a":[1]}`,
		patch: `[{"op":"test","path":"/a/00","value":1}]`,
		code:  fhir.IssueInvalid, diag: `patch operation 0 (test /a/00): invalid array index "00" in /a`},

	// Errors naming the operation and its path.
	{name: "replace a missing member", doc: `{"name":[{"given":["Ann"]}]}`,
		patch: `[{"op":"test","path":"/name/0/given/0","value":"Ann"},{"op":"add","path":"/id","value":"x"},{"op":"replace","path":"/name/0/family","value":"Lee"}]`,
		code:  fhir.IssueInvalid, diag: `patch operation 2 (replace /name/0/family): path not found: /name/0 has no member "family"`},
	{name: "remove a missing member", doc: `{}`, patch: `[{"op":"remove","path":"/a"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (remove /a): path not found`},
	{name: "remove the whole document", doc: `{}`, patch: `[{"op":"remove","path":""}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (remove ""): the whole document cannot be removed`},
	{name: "remove -", doc: `{"a":[1]}`, patch: `[{"op":"remove","path":"/a/-"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (remove /a/-): path not found: /a has no element "-"`},
	{name: "replace out of range", doc: `{"a":[1]}`, patch: `[{"op":"replace","path":"/a/1","value":2}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (replace /a/1): path not found: index 1 is out of range in /a (length 1)`},
	{name: "add past the end", doc: `{"a":[1]}`, patch: `[{"op":"add","path":"/a/2","value":2}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (add /a/2): path not found: index 2 is out of range`},
	{name: "add with a huge index", doc: `{"a":[1]}`, patch: `[{"op":"add","path":"/a/99999999999999999999999","value":2}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (add /a/99999999999999999999999): path not found: index 99999999999999999999999 is out of range`},
	{name: "leading zero index", doc: `{"a":[1,2]}`, patch: `[{"op":"add","path":"/a/01","value":2}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (add /a/01): invalid array index "01" in /a`},
	{name: "signed index", doc: `{"a":[1,2]}`, patch: `[{"op":"remove","path":"/a/-1"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (remove /a/-1): invalid array index "-1" in /a`},
	{name: "member of a scalar", doc: `{"a":"s"}`, patch: `[{"op":"add","path":"/a/b","value":1}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (add /a/b): path not found: /a is a string, which cannot have members`},
	{name: "move from a missing path", doc: `{}`, patch: `[{"op":"move","from":"/x","path":"/y"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (move /y from /x): from path not found`},
	{name: "move into a child", doc: `{"a":{}}`, patch: `[{"op":"move","from":"/a","path":"/a/b"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (move /a/b from /a): cannot move a value into one of its own children`},
	{name: "copy from a missing path", doc: `{}`, patch: `[{"op":"copy","from":"/x","path":"/y"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (copy /y from /x): from path not found`},
	{name: "result not an object", doc: `{}`, patch: `[{"op":"replace","path":"","value":[1]}]`,
		code: fhir.IssueInvalid, diag: `the patched document must be a JSON object, not an array`},
	{name: "atomic: a late failure", doc: `{"a":1}`,
		patch: `[{"op":"remove","path":"/a"},{"op":"test","path":"/a","value":1}]`,
		code:  fhir.IssueProcessing, diag: `patch operation 1 (test /a): test failed: path not found`},

	// Malformed patches.
	{name: "not JSON", doc: `{}`, patch: `[{"op":"add",}]`,
		code: fhir.IssueInvalid, diag: `malformed JSON Patch at line 1, column`},
	{name: "empty", doc: `{}`, patch: ``,
		code: fhir.IssueInvalid, diag: `malformed JSON Patch: it is empty or ends too early`},
	{name: "truncated", doc: `{}`, patch: `[{"op":"add","path":"/a","value":1}`,
		code: fhir.IssueInvalid, diag: `malformed JSON Patch`},
	{name: "not an array", doc: `{}`, patch: `{"op":"add","path":"/a","value":1}`,
		code: fhir.IssueInvalid, diag: `a JSON Patch must be a JSON array of operations, not an object`},
	{name: "trailing data", doc: `{}`, patch: `[] []`,
		code: fhir.IssueInvalid, diag: `malformed JSON Patch: unexpected data after the array`},
	{name: "operation not an object", doc: `{}`, patch: `[{"op":"test","path":"","value":{}},"add"]`,
		code: fhir.IssueInvalid, diag: `patch operation 1: an operation must be a JSON object, not a string`},
	{name: "missing op", doc: `{}`, patch: `[{"path":"/a"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0: missing member "op"`},
	{name: "op not a string", doc: `{}`, patch: `[{"op":1,"path":"/a"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0: member "op" must be a string, not a number`},
	{name: "unknown op", doc: `{}`, patch: `[{"op":"merge","path":"/a"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0: unknown op "merge"`},
	{name: "missing path", doc: `{}`, patch: `[{"op":"remove"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (remove): missing member "path"`},
	{name: "path without a slash", doc: `{}`, patch: `[{"op":"remove","path":"a"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (remove a): invalid path: a JSON Pointer must be empty or start with "/"`},
	{name: "bad ~ escape", doc: `{}`, patch: `[{"op":"remove","path":"/a~2"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (remove /a~2): invalid path: "~" must be followed by "0" or "1"`},
	{name: "trailing ~", doc: `{}`, patch: `[{"op":"remove","path":"/a~"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (remove /a~): invalid path`},
	{name: "missing value", doc: `{}`, patch: `[{"op":"add","path":"/a"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (add /a): missing member "value"`},
	{name: "missing from", doc: `{}`, patch: `[{"op":"copy","path":"/a"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (copy /a): missing member "from"`},
	{name: "bad from", doc: `{}`, patch: `[{"op":"move","from":"x","path":"/a"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (move /a from x): invalid from`},
	{name: "malformed late operation", doc: `{}`, patch: `[{"op":"remove","path":"/nothing"},{"op":"bogus"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 1: unknown op "bogus"`},
	{name: "invalid UTF-8", doc: `{}`, patch: "[{\"op\":\"add\",\"path\":\"/\xff\",\"value\":1}]",
		code: fhir.IssueInvalid, diag: `the JSON Patch is not valid UTF-8`},
	{name: "path with a space is quoted", doc: `{}`, patch: `[{"op":"remove","path":"/a b"}]`,
		code: fhir.IssueInvalid, diag: `patch operation 0 (remove "/a b"): path not found`},
}

func TestApply(t *testing.T) {
	for _, tc := range append(append([]patchCase{}, rfcCases...), moreCases...) {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustDecode(t, tc.doc)
			before := string(fhir.Marshal(doc))
			got, err := Apply(doc, []byte(tc.patch))
			if after := string(fhir.Marshal(doc)); after != before {
				t.Errorf("the input document changed: %s became %s", before, after)
			}
			if tc.want != "" {
				if err != nil {
					t.Fatalf("Apply: %v", err)
				}
				want := string(fhir.Marshal(mustDecode(t, tc.want)))
				if s := string(fhir.Marshal(got)); s != want {
					t.Errorf("got %s, want %s", s, want)
				}
				return
			}
			if got != nil {
				t.Errorf("got a result %s along with an error", fhir.Marshal(got))
			}
			fe, ok := err.(*fhir.Error)
			if !ok {
				t.Fatalf("got error %v (%T), want a *fhir.Error", err, err)
			}
			if fe.Code() != tc.code {
				t.Errorf("code %s, want %s (%v)", fe.Code(), tc.code, fe)
			}
			if d := fe.Issues[0].Diagnostics; !strings.HasPrefix(d, tc.diag) {
				t.Errorf("diagnostics %q, want the prefix %q", d, tc.diag)
			}
		})
	}
}

func TestApplyResultIsIndependent(t *testing.T) {
	doc := mustDecode(t, `{"a":{"b":[1,{"c":2}]},"d":"x"}`)
	before := string(fhir.Marshal(doc))
	got, err := Apply(doc, []byte(`[{"op":"add","path":"/e","value":1}]`))
	if err != nil {
		t.Fatal(err)
	}
	got["a"].(map[string]any)["b"].([]any)[1].(map[string]any)["c"] = "changed"
	got["a"].(map[string]any)["new"] = true
	if after := string(fhir.Marshal(doc)); after != before {
		t.Errorf("changing the result changed the input: %s", after)
	}
}

func TestApplyNilDocument(t *testing.T) {
	got, err := Apply(nil, []byte(`[{"op":"add","path":"/a","value":1}]`))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(fhir.Marshal(got)); s != `{"a":1}` {
		t.Errorf("got %s", s)
	}
}

func TestApplyCopyBudget(t *testing.T) {
	doc := map[string]any{"a": make([]any, 1000)}
	var ops []string
	for range 12 { // the document doubles at each copy: 1000 × 2^12 values
		ops = append(ops, `{"op":"copy","from":"","path":"/a/-"}`)
	}
	_, err := Apply(doc, []byte("["+strings.Join(ops, ",")+"]"))
	if fhir.CodeOf(err) != fhir.IssueTooCostly {
		t.Fatalf("got %v, want a too-costly error", err)
	}
	if !strings.Contains(err.Error(), "(copy /a/- from \"\"): the copy operations of the patch duplicate more than") {
		t.Errorf("diagnostics: %v", err)
	}
}

func TestNumbersEqual(t *testing.T) {
	for _, c := range []struct {
		a, b string
		eq   bool
	}{
		{"1", "1.0", true}, {"1", "1e0", true}, {"100", "1e2", true}, {"100", "1E+2", true},
		{"0.001", "1e-3", true}, {"-0", "0", true}, {"0", "0.0e-7", true}, {"10", "1", false},
		{"1", "-1", false}, {"0.1", "0.01", false}, {"123.4500", "1234.5e-1", true},
		{"1e999999999999999999999", "10e999999999999999999998", true},
		{"1e999999999999999999999", "1e999999999999999999998", false},
		{"abc", "abc", true}, {"abc", "1", false},
	} {
		if got := numbersEqual(c.a, c.b); got != c.eq {
			t.Errorf("numbersEqual(%s, %s) = %v", c.a, c.b, got)
		}
	}
}

func TestParsePointer(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: "", want: []string{}},
		{in: "/", want: []string{""}},
		{in: "/a/b", want: []string{"a", "b"}},
		{in: "/a~1b/~0~01", want: []string{"a/b", "~~1"}},
		{in: "//", want: []string{"", ""}},
		{in: "a", bad: true},
		{in: "/~", bad: true},
		{in: "/~x", bad: true},
	} {
		got, err := parsePointer(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("parsePointer(%q) = %q, want an error", c.in, got)
			}
			continue
		}
		if err != nil || !got.equal(c.want) {
			t.Errorf("parsePointer(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
		if s := got.String(); s != c.in && c.in != "/a~1b/~0~01" {
			t.Errorf("String() = %q, want %q", s, c.in)
		}
	}
}

func mustDecode(t testing.TB, s string) map[string]any {
	t.Helper()
	m, err := fhir.Decode([]byte(s), 0)
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return m
}
