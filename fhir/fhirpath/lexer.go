package fhirpath

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yitong-health/yitong/fhir"
)

// MaxExpressionLength is the longest expression Compile accepts, in bytes.
const MaxExpressionLength = 64 << 10

// tokenKind classifies a token.
type tokenKind uint8

const (
	tokEOF        tokenKind = iota
	tokIdent                // identifier or keyword; text holds the name
	tokDelimIdent           // `delimited identifier`; text holds the unescaped name
	tokString               // 'string'; text holds the unescaped value
	tokNumber               // 123 or 1.5; text holds the literal
	tokDate                 // @2020-01-01T10:00; text holds the body without '@'
	tokTime                 // @T10:00; text holds the body without "@T"
	tokExternal             // %name or %'name' or %`name`; text holds the name
	tokSpecial              // $this, $index, $total; text holds the name with '$'
	tokOp                   // punctuation or operator; text holds it
)

// token is one lexical token; pos is its byte offset in the expression.
type token struct {
	kind tokenKind
	text string
	pos  int
}

// lex splits expr into tokens, ending with tokEOF. Errors are *fhir.Error
// values naming the offset.
func lex(expr string) ([]token, error) {
	if len(expr) > MaxExpressionLength {
		return nil, fhir.Errorf(fhir.IssueTooLong, "FHIRPath expression longer than %d bytes", MaxExpressionLength)
	}
	if !utf8.ValidString(expr) {
		return nil, fhir.Errorf(fhir.IssueInvalid, "FHIRPath expression is not valid UTF-8")
	}
	var toks []token
	i := 0
	for {
		// skip white space and comments
		for i < len(expr) {
			c := expr[i]
			if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' {
				i++
				continue
			}
			if c == '/' && i+1 < len(expr) && expr[i+1] == '/' {
				for i < len(expr) && expr[i] != '\n' {
					i++
				}
				continue
			}
			if c == '/' && i+1 < len(expr) && expr[i+1] == '*' {
				end := strings.Index(expr[i+2:], "*/")
				if end < 0 {
					return nil, syntaxErr(i, "unterminated comment")
				}
				i += 2 + end + 2
				continue
			}
			break
		}
		if i >= len(expr) {
			toks = append(toks, token{kind: tokEOF, pos: i})
			return toks, nil
		}
		start := i
		c := expr[i]
		switch {
		case isIdentStart(c):
			for i < len(expr) && isIdentPart(expr[i]) {
				i++
			}
			toks = append(toks, token{kind: tokIdent, text: expr[start:i], pos: start})
		case c >= '0' && c <= '9':
			for i < len(expr) && expr[i] >= '0' && expr[i] <= '9' {
				i++
			}
			if i+1 < len(expr) && expr[i] == '.' && expr[i+1] >= '0' && expr[i+1] <= '9' {
				i++
				for i < len(expr) && expr[i] >= '0' && expr[i] <= '9' {
					i++
				}
			}
			text := expr[start:i]
			if i < len(expr) && expr[i] == 'L' && (i+1 >= len(expr) || !isIdentPart(expr[i+1])) && isInteger(text) {
				i++ // a Long literal (FHIRPath 2.1) is evaluated as an Integer
			}
			toks = append(toks, token{kind: tokNumber, text: text, pos: start})
		case c == '\'' || c == '`':
			s, n, err := unquote(expr[i:], c)
			if err != "" {
				return nil, syntaxErr(i, err)
			}
			i += n
			kind := tokString
			if c == '`' {
				kind = tokDelimIdent
			}
			toks = append(toks, token{kind: kind, text: s, pos: start})
		case c == '@':
			i++
			if i < len(expr) && expr[i] == 'T' {
				i++
				n := scanTime(expr[i:])
				toks = append(toks, token{kind: tokTime, text: expr[i : i+n], pos: start})
				i += n
				break
			}
			n := scanDateTime(expr[i:])
			toks = append(toks, token{kind: tokDate, text: expr[i : i+n], pos: start})
			i += n
		case c == '%':
			i++
			if i < len(expr) && (expr[i] == '\'' || expr[i] == '`') {
				s, n, err := unquote(expr[i:], expr[i])
				if err != "" {
					return nil, syntaxErr(i, err)
				}
				i += n
				toks = append(toks, token{kind: tokExternal, text: s, pos: start})
				break
			}
			j := i
			for i < len(expr) && (isIdentPart(expr[i]) || expr[i] == '-') {
				i++
			}
			if i == j {
				return nil, syntaxErr(start, "expected a name after '%'")
			}
			toks = append(toks, token{kind: tokExternal, text: expr[j:i], pos: start})
		case c == '$':
			i++
			for i < len(expr) && isIdentPart(expr[i]) {
				i++
			}
			toks = append(toks, token{kind: tokSpecial, text: expr[start:i], pos: start})
		default:
			op := ""
			if i+1 < len(expr) {
				switch two := expr[i : i+2]; two {
				case "<=", ">=", "!=", "!~":
					op = two
				}
			}
			if op == "" {
				switch c {
				case '.', '[', ']', '(', ')', '{', '}', ',', '+', '-', '*', '/', '&', '|', '<', '>', '=', '~':
					op = string(c)
				default:
					r, _ := utf8.DecodeRuneInString(expr[i:])
					return nil, syntaxErr(i, "unexpected character "+strconv.QuoteRune(r))
				}
			}
			i += len(op)
			toks = append(toks, token{kind: tokOp, text: op, pos: start})
		}
	}
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func scanDigits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

func digitAt(s string, i int) bool { return i < len(s) && s[i] >= '0' && s[i] <= '9' }

// scanDateTime returns the length of the date/time literal body at the
// start of s: digits and '-' separated date parts, then optionally 'T', a
// time and a zone.
func scanDateTime(s string) int {
	i := scanDigits(s, 0)
	for i < len(s) && s[i] == '-' && digitAt(s, i+1) {
		i = scanDigits(s, i+1)
	}
	if i < len(s) && s[i] == 'T' {
		i++
		i += scanTime(s[i:])
	}
	return i
}

// scanTime returns the length of a time (and zone) at the start of s.
func scanTime(s string) int {
	i := scanDigits(s, 0)
	if i == 0 {
		return 0
	}
	for i < len(s) && s[i] == ':' && digitAt(s, i+1) {
		i = scanDigits(s, i+1)
	}
	if i < len(s) && s[i] == '.' && digitAt(s, i+1) {
		i = scanDigits(s, i+1)
	}
	if i < len(s) && s[i] == 'Z' {
		return i + 1
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') && digitAt(s, i+1) {
		j := scanDigits(s, i+1)
		if j < len(s) && s[j] == ':' && digitAt(s, j+1) {
			j = scanDigits(s, j+1)
		}
		return j
	}
	return i
}

// unquote reads a quoted string starting at s[0] (the quote q) and returns
// its value and the number of bytes consumed, or an error message.
func unquote(s string, q byte) (string, int, string) {
	var b strings.Builder
	i := 1
	for i < len(s) {
		c := s[i]
		if c == q {
			return b.String(), i + 1, ""
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			break
		}
		e := s[i+1]
		i += 2
		switch e {
		case '\'', '"', '`', '\\', '/':
			b.WriteByte(e)
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			if i+4 > len(s) {
				return "", 0, "bad \\u escape"
			}
			v, err := strconv.ParseUint(s[i:i+4], 16, 32)
			if err != nil {
				return "", 0, "bad \\u escape"
			}
			r := rune(v)
			i += 4
			// a UTF-16 surrogate pair written as two escapes
			if r >= 0xD800 && r < 0xDC00 && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
				if lo, err := strconv.ParseUint(s[i+2:i+6], 16, 32); err == nil && lo >= 0xDC00 && lo < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (rune(lo) - 0xDC00)
					i += 6
				}
			}
			b.WriteRune(r)
		default:
			return "", 0, "unknown escape \\" + string(e)
		}
	}
	return "", 0, "unterminated string"
}

func syntaxErr(pos int, msg string) error {
	return fhir.Errorf(fhir.IssueInvalid, "FHIRPath syntax error at offset %d: %s", pos, msg)
}
