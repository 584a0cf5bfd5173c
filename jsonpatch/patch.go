package jsonpatch

import (
	"github.com/yitong-health/yitong/fhir"
)

// MaxCopiedValues bounds the number of JSON values (objects, arrays and
// scalars, counted recursively) that the copy operations of one patch may
// duplicate in total. A patch that copies more fails with code too-costly.
const MaxCopiedValues = 1 << 20

// Apply applies the JSON Patch document patch (a JSON array of operations,
// RFC 6902) to doc and returns the patched document.
//
// doc is read but never modified, and the result shares no object or array
// with doc or with the patch, so the caller may modify either freely. A nil doc
// is treated as an empty object. The patched document must be a JSON object.
// Numbers in the patch are decoded as json.Number. A test operation compares
// values semantically: numbers by numeric value (1.0 equals 1 and 1e2 equals
// 100) and objects regardless of member order.
//
// On failure Apply returns nil and a *fhir.Error (see the package comment for
// its codes and Diagnostics).
func Apply(doc map[string]any, patch []byte) (map[string]any, error) {
	ops, err := parse(patch)
	if err != nil {
		return nil, err
	}
	st := state{budget: MaxCopiedValues}
	if doc == nil {
		st.root = map[string]any{}
	} else {
		// The initial copy is not charged to the copy budget.
		st.root = deepCopy(doc, nil)
	}
	for i := range ops {
		if err := ops[i].apply(&st); err != nil {
			return nil, err
		}
	}
	m, ok := st.root.(map[string]any)
	if !ok {
		return nil, fhir.Errorf(fhir.IssueInvalid, "the patched document must be a JSON object, not %s", kind(st.root))
	}
	return m, nil
}

// state is the document being patched.
type state struct {
	root   any
	budget int // values the copy operations may still duplicate
}
