package jsonpatch

import (
	"testing"

	"github.com/yitong-health/yitong/fhir"
)

// FuzzApply checks that Apply never panics, returns either a JSON object or
// a *fhir.Error with a known code, never modifies its input, and is
// deterministic.
func FuzzApply(f *testing.F) {
	for _, tc := range append(append([]patchCase{}, rfcCases...), moreCases...) {
		f.Add(tc.doc, tc.patch)
	}
	f.Fuzz(func(t *testing.T, docText, patch string) {
		doc, err := fhir.Decode([]byte(docText), 0)
		if err != nil {
			return
		}
		before := string(fhir.Marshal(doc))
		got, err := Apply(doc, []byte(patch))
		if after := string(fhir.Marshal(doc)); after != before {
			t.Fatalf("the input changed: %s became %s", before, after)
		}
		if err != nil {
			fe, ok := err.(*fhir.Error)
			if !ok {
				t.Fatalf("error %v is a %T, not a *fhir.Error", err, err)
			}
			switch fe.Code() {
			case fhir.IssueInvalid, fhir.IssueProcessing, fhir.IssueTooCostly:
			default:
				t.Fatalf("unexpected code %s: %v", fe.Code(), fe)
			}
			if got != nil {
				t.Fatalf("a result along with the error %v", err)
			}
			return
		}
		if got == nil {
			t.Fatal("nil result without an error")
		}
		again, err := Apply(doc, []byte(patch))
		if err != nil {
			t.Fatalf("second application failed: %v", err)
		}
		if a, b := string(fhir.Marshal(got)), string(fhir.Marshal(again)); a != b {
			t.Fatalf("not deterministic: %s then %s", a, b)
		}
	})
}
