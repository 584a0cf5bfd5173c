package fhirpath

import (
	"strconv"
)

// maxNesting bounds the depth of the syntax tree, so that hostile input
// cannot exhaust the stack in the parser or the evaluator.
const maxNesting = 200

// parser is a Pratt parser over the token list.
type parser struct {
	toks  []token
	i     int
	depth int
}

// parse parses a whole expression.
func parse(expr string) (*ast, error) {
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	a, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.unexpected(t)
	}
	return a, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) unexpected(t token) error {
	if t.kind == tokEOF {
		return syntaxErr(t.pos, "unexpected end of expression")
	}
	return syntaxErr(t.pos, "unexpected "+strconv.Quote(t.text))
}

func (p *parser) expect(op string) (token, error) {
	t := p.next()
	if t.kind != tokOp || t.text != op {
		return t, syntaxErr(t.pos, "expected "+strconv.Quote(op)+", found "+describe(t))
	}
	return t, nil
}

func describe(t token) string {
	if t.kind == tokEOF {
		return "end of expression"
	}
	return strconv.Quote(t.text)
}

// Binding powers of the infix operators, loosest first (FHIRPath §6).
const (
	bpImplies = 10
	bpOr      = 20
	bpAnd     = 30
	bpMember  = 40 // in, contains
	bpEqual   = 50
	bpCompare = 60
	bpUnion   = 70
	bpType    = 80 // is, as
	bpAdd     = 90
	bpMul     = 100
	bpUnary   = 110
)

// infix returns the binding power of t as an infix operator, or 0.
func infix(t token) int {
	switch t.kind {
	case tokOp:
		switch t.text {
		case "*", "/":
			return bpMul
		case "+", "-", "&":
			return bpAdd
		case "|":
			return bpUnion
		case "<", ">", "<=", ">=":
			return bpCompare
		case "=", "~", "!=", "!~":
			return bpEqual
		}
	case tokIdent:
		switch t.text {
		case "div", "mod":
			return bpMul
		case "is", "as":
			return bpType
		case "in", "contains":
			return bpMember
		case "and":
			return bpAnd
		case "or", "xor":
			return bpOr
		case "implies":
			return bpImplies
		}
	}
	return 0
}

// expr parses an expression whose operators bind tighter than minBP.
func (p *parser) expr(minBP int) (*ast, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxNesting {
		return nil, syntaxErr(p.peek().pos, "expression nested too deeply")
	}
	left, err := p.prefix()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		bp := infix(t)
		if bp == 0 || bp <= minBP {
			return left, nil
		}
		p.next()
		if bp == bpType {
			name, err := p.typeSpecifier()
			if err != nil {
				return nil, err
			}
			left = &ast{kind: astTypeOp, pos: t.pos, op: t.text, name: name, left: left}
			continue
		}
		right, err := p.expr(bp)
		if err != nil {
			return nil, err
		}
		left = &ast{kind: astBinary, pos: t.pos, name: t.text, left: left, right: right}
	}
}

// typeSpecifier parses a qualified identifier such as FHIR.Patient.
func (p *parser) typeSpecifier() (string, error) {
	t := p.next()
	if t.kind != tokIdent && t.kind != tokDelimIdent {
		return "", syntaxErr(t.pos, "expected a type name, found "+describe(t))
	}
	name := t.text
	for {
		dot := p.peek()
		if dot.kind != tokOp || dot.text != "." {
			return name, nil
		}
		nt := p.toks[p.i+1]
		if nt.kind != tokIdent && nt.kind != tokDelimIdent {
			return name, nil
		}
		p.i += 2
		name += "." + nt.text
	}
}

// prefix parses a unary operator application or a term with its postfix
// invocations and indexers.
func (p *parser) prefix() (*ast, error) {
	t := p.peek()
	if t.kind == tokOp && (t.text == "+" || t.text == "-") {
		p.next()
		operand, err := p.expr(bpUnary)
		if err != nil {
			return nil, err
		}
		return &ast{kind: astUnary, pos: t.pos, name: t.text, left: operand}, nil
	}
	term, err := p.term()
	if err != nil {
		return nil, err
	}
	return p.postfix(term)
}

func (p *parser) postfix(left *ast) (*ast, error) {
	for {
		t := p.peek()
		if t.kind != tokOp {
			return left, nil
		}
		switch t.text {
		case ".":
			p.next()
			inv, err := p.invocation()
			if err != nil {
				return nil, err
			}
			inv.left = left
			left = inv
		case "[":
			p.next()
			idx, err := p.expr(0)
			if err != nil {
				return nil, err
			}
			if _, err := p.expect("]"); err != nil {
				return nil, err
			}
			left = &ast{kind: astIndex, pos: t.pos, left: left, right: idx}
		default:
			return left, nil
		}
	}
}

// invocation parses an identifier or a function call after '.' or at the
// start of a path.
func (p *parser) invocation() (*ast, error) {
	t := p.next()
	switch t.kind {
	case tokIdent, tokDelimIdent:
		if t.kind == tokIdent && p.peek().kind == tokOp && p.peek().text == "(" {
			p.next()
			args, err := p.args()
			if err != nil {
				return nil, err
			}
			return &ast{kind: astFunc, pos: t.pos, name: t.text, args: args}, nil
		}
		return &ast{kind: astIdent, pos: t.pos, name: t.text}, nil
	case tokSpecial:
		return p.special(t)
	}
	return nil, syntaxErr(t.pos, "expected an identifier or function, found "+describe(t))
}

func (p *parser) special(t token) (*ast, error) {
	switch t.text {
	case "$this", "$index", "$total":
		return &ast{kind: astSpecial, pos: t.pos, name: t.text}, nil
	}
	return nil, syntaxErr(t.pos, "unknown special variable "+strconv.Quote(t.text))
}

// args parses a parameter list after '('.
func (p *parser) args() ([]*ast, error) {
	if t := p.peek(); t.kind == tokOp && t.text == ")" {
		p.next()
		return nil, nil
	}
	var args []*ast
	for {
		a, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		t := p.next()
		if t.kind == tokOp && t.text == ")" {
			return args, nil
		}
		if t.kind != tokOp || t.text != "," {
			return nil, syntaxErr(t.pos, "expected ',' or ')', found "+describe(t))
		}
	}
}

// term parses a literal, external constant, parenthesised expression or
// invocation.
func (p *parser) term() (*ast, error) {
	t := p.peek()
	switch t.kind {
	case tokOp:
		switch t.text {
		case "(":
			p.next()
			a, err := p.expr(0)
			if err != nil {
				return nil, err
			}
			if _, err := p.expect(")"); err != nil {
				return nil, err
			}
			return a, nil
		case "{":
			p.next()
			if _, err := p.expect("}"); err != nil {
				return nil, err
			}
			return &ast{kind: astLiteral, pos: t.pos}, nil
		}
	case tokNumber:
		p.next()
		return p.number(t)
	case tokString:
		p.next()
		return &ast{kind: astLiteral, pos: t.pos, lit: strColl(t.text)}, nil
	case tokDate:
		p.next()
		return dateLiteral(t)
	case tokTime:
		p.next()
		tm, ok := ParseTime(t.text)
		if !ok {
			return nil, syntaxErr(t.pos, "invalid time literal @T"+t.text)
		}
		return &ast{kind: astLiteral, pos: t.pos, lit: []Node{timeNode(tm)}}, nil
	case tokExternal:
		p.next()
		return &ast{kind: astExternal, pos: t.pos, name: t.text}, nil
	case tokIdent:
		if t.text == "true" || t.text == "false" {
			p.next()
			return &ast{kind: astLiteral, pos: t.pos, lit: boolColl(t.text == "true")}, nil
		}
		return p.invocation()
	case tokDelimIdent, tokSpecial:
		return p.invocation()
	}
	return nil, p.unexpected(t)
}

// number parses an integer, decimal or quantity literal.
func (p *parser) number(t token) (*ast, error) {
	var n Node
	if isInteger(t.text) {
		v, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return nil, syntaxErr(t.pos, "integer literal out of range")
		}
		n = intNode(v)
	} else {
		d, ok := ParseDecimal(t.text)
		if !ok {
			return nil, syntaxErr(t.pos, "invalid number "+strconv.Quote(t.text))
		}
		n = decNode(d)
	}
	u := p.peek()
	unit := ""
	switch {
	case u.kind == tokString:
		unit = u.text
	case u.kind == tokIdent && isCalendarUnit(u.text):
		unit = u.text
	default:
		return &ast{kind: astLiteral, pos: t.pos, lit: []Node{n}}, nil
	}
	p.next()
	var d Decimal
	switch v := n.Value.(type) {
	case int64:
		d = DecimalFromInt(v)
	case Decimal:
		d = v
	}
	return &ast{kind: astLiteral, pos: t.pos, lit: []Node{qtyNode(Quantity{Value: d, Unit: unit})}}, nil
}

// dateLiteral turns @... into a Date or DateTime literal: a value with a
// 'T' is a DateTime, otherwise a Date.
func dateLiteral(t token) (*ast, error) {
	hasT := false
	for i := 0; i < len(t.text); i++ {
		if t.text[i] == 'T' {
			hasT = true
		}
	}
	if !hasT {
		d, ok := ParseDate(t.text)
		if !ok {
			return nil, syntaxErr(t.pos, "invalid date literal @"+t.text)
		}
		return &ast{kind: astLiteral, pos: t.pos, lit: []Node{dateNode(d)}}, nil
	}
	dt, ok := ParseDateTime(t.text)
	if !ok {
		return nil, syntaxErr(t.pos, "invalid date/time literal @"+t.text)
	}
	return &ast{kind: astLiteral, pos: t.pos, lit: []Node{dtNode(dt)}}, nil
}
