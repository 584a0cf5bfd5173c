package validate

import (
	"strconv"
	"strings"

	"github.com/yitong-health/yitong/fhir/spec"
)

// seg is one step of the current location: a JSON property, optionally
// followed by an array index.
type seg struct {
	key   string        // JSON property name, without the "_" of a primitive extension
	elem  *spec.Element // its definition; nil for an unknown property
	index int           // array index, or -1
}

// push appends a step for property key (defined by elem, which may be nil).
func (v *validator) push(key string, elem *spec.Element) {
	v.path = append(v.path, seg{key: key, elem: elem, index: -1})
}

// pop removes the last step.
func (v *validator) pop() {
	v.path = v.path[:len(v.path)-1]
}

// setIndex sets the array index of the last step (-1 for none).
func (v *validator) setIndex(i int) {
	v.path[len(v.path)-1].index = i
}

// expression renders the current location as FHIRPath.
func (v *validator) expression() string {
	var b strings.Builder
	b.WriteString(v.root)
	for _, s := range v.path {
		b.WriteByte('.')
		if s.elem != nil && s.elem.Choice != 0 {
			b.WriteString(s.elem.ChoiceName())
			b.WriteString(".ofType(")
			b.WriteString(s.elem.Type)
			b.WriteByte(')')
		} else {
			b.WriteString(s.key)
		}
		if s.index >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		}
	}
	return b.String()
}
