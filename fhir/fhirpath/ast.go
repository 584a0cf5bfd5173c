package fhirpath

// astKind classifies a syntax tree node.
type astKind uint8

const (
	astLiteral  astKind = iota + 1 // lit holds the value (nil: the empty collection {})
	astIdent                       // name; left is the input, nil at the start of a path
	astFunc                        // name(args); left is the input, nil at the start of a path
	astIndex                       // left[right]
	astUnary                       // name is "+" or "-"; left is the operand
	astBinary                      // left name right
	astTypeOp                      // left is|as name (name is the type specifier)
	astExternal                    // %name
	astSpecial                     // $this, $index, $total
)

// ast is a node of the syntax tree built by the parser. pos is the byte
// offset of the token that starts it, for error messages.
type ast struct {
	kind  astKind
	pos   int
	name  string
	op    string // for astTypeOp: "is" or "as"
	lit   []Node
	left  *ast
	right *ast
	args  []*ast
}

// typeName returns the qualified type name an argument such as
// "Quantity", "FHIR.Patient" or "System.String" spells, or "" when the
// expression is not a type specifier.
func (a *ast) typeName() string {
	switch a.kind {
	case astIdent:
		if a.left == nil {
			return a.name
		}
		if q := a.left.typeName(); q != "" && a.left.left == nil {
			return q + "." + a.name
		}
	}
	return ""
}
