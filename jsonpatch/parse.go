package jsonpatch

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/yitong-health/yitong/fhir"
)

// operation is one validated entry of a patch.
type operation struct {
	index   int
	op      string // add, remove, replace, move, copy or test
	rawPath string
	path    pointer
	rawFrom string // move and copy only
	from    pointer
	value   any // add, replace and test only
}

// parse decodes and validates a whole patch document before anything is
// applied, so that a malformed operation late in the patch is reported even
// when an earlier one would fail. It reads the operations token by token so
// that an operation object with a repeated member name (such as two "op"
// members, RFC 6902 appendix A.13) is rejected instead of silently keeping
// the last one.
func parse(patch []byte) ([]operation, error) {
	if !utf8.Valid(patch) {
		return nil, fhir.Errorf(fhir.IssueInvalid, "the JSON Patch is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(patch))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(patch, err)
	}
	if tok != json.Delim('[') {
		return nil, fhir.Errorf(fhir.IssueInvalid, "a JSON Patch must be a JSON array of operations, not %s", tokenKind(tok))
	}
	var ops []operation
	for dec.More() {
		i := len(ops)
		m, err := decodeOperation(dec, patch, i)
		if err != nil {
			return nil, err
		}
		ops = append(ops, operation{})
		if err := parseOperation(i, m, &ops[i]); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing ']'
		return nil, syntaxError(patch, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fhir.Errorf(fhir.IssueInvalid, "malformed JSON Patch: unexpected data after the array at offset %d", dec.InputOffset())
	}
	return ops, nil
}

// decodeOperation reads the next element of the patch array, which must be an
// object whose member names are unique.
func decodeOperation(dec *json.Decoder, patch []byte, i int) (map[string]any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(patch, err)
	}
	if tok != json.Delim('{') {
		return nil, fhir.Errorf(fhir.IssueInvalid, "patch operation %d: an operation must be a JSON object, not %s", i, tokenKind(tok))
	}
	m := map[string]any{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxError(patch, err)
		}
		key, ok := tok.(string)
		if !ok { // unreachable: the decoder only yields strings as keys
			return nil, fhir.Errorf(fhir.IssueInvalid, "patch operation %d: malformed member name", i)
		}
		if _, dup := m[key]; dup {
			return nil, fhir.Errorf(fhir.IssueInvalid, "patch operation %d: the member %s appears more than once", i, strconv.Quote(key))
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, syntaxError(patch, err)
		}
		m[key] = v
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, syntaxError(patch, err)
	}
	return m, nil
}

// tokenKind names the JSON type of the value that starts with tok.
func tokenKind(tok json.Token) string {
	switch tok {
	case json.Delim('{'):
		return "an object"
	case json.Delim('['):
		return "an array"
	}
	return kind(tok)
}

func parseOperation(i int, m map[string]any, o *operation) error {
	o.index = i
	op, err := stringMember(m, "op")
	if err != nil {
		return fhir.Errorf(fhir.IssueInvalid, "patch operation %d: %s", i, err)
	}
	o.op = op
	switch op {
	case "add", "remove", "replace", "move", "copy", "test":
	default:
		return fhir.Errorf(fhir.IssueInvalid, "patch operation %d: unknown op %s (expected add, remove, replace, move, copy or test)", i, strconv.Quote(op))
	}
	if o.rawPath, err = stringMember(m, "path"); err != nil {
		return fhir.Errorf(fhir.IssueInvalid, "patch operation %d (%s): %s", i, op, err)
	}
	if o.path, err = parsePointer(o.rawPath); err != nil {
		return o.fail(fhir.IssueInvalid, "invalid path: %s", err)
	}
	switch op {
	case "move", "copy":
		if o.rawFrom, err = stringMember(m, "from"); err != nil {
			return fhir.Errorf(fhir.IssueInvalid, "patch operation %d (%s %s): %s", i, op, showPointer(o.rawPath), err)
		}
		if o.from, err = parsePointer(o.rawFrom); err != nil {
			return o.fail(fhir.IssueInvalid, "invalid from: %s", err)
		}
		if op == "move" && o.from.isProperPrefixOf(o.path) {
			return o.fail(fhir.IssueInvalid, "cannot move a value into one of its own children")
		}
	case "add", "replace", "test":
		v, ok := m["value"]
		if !ok {
			return o.fail(fhir.IssueInvalid, `missing member "value"`)
		}
		o.value = v
	}
	return nil
}

// stringMember returns the string member name of m.
func stringMember(m map[string]any, name string) (string, error) {
	v, ok := m[name]
	if !ok {
		return "", errors.New(`missing member "` + name + `"`)
	}
	s, ok := v.(string)
	if !ok {
		return "", errors.New(`member "` + name + `" must be a string, not ` + kind(v))
	}
	return s, nil
}

// describe names the operation in diagnostics.
func (o *operation) describe() string {
	s := "patch operation " + strconv.Itoa(o.index) + " (" + o.op + " " + showPointer(o.rawPath)
	if o.op == "move" || o.op == "copy" {
		s += " from " + showPointer(o.rawFrom)
	}
	return s + ")"
}

// fail returns an *fhir.Error whose Diagnostics starts with describe().
func (o *operation) fail(code fhir.IssueType, format string, args ...any) *fhir.Error {
	e := fhir.Errorf(code, format, args...)
	e.Issues[0].Diagnostics = o.describe() + ": " + e.Issues[0].Diagnostics
	return e
}

// showPointer renders a pointer for diagnostics: as is when it is plain,
// quoted when it is empty or holds spaces or unprintable characters.
func showPointer(p string) string {
	if p == "" {
		return `""`
	}
	for _, r := range p {
		if r <= ' ' || r == 0x7f || r == utf8.RuneError || !strconv.IsPrint(r) {
			return strconv.Quote(p)
		}
	}
	return p
}

func syntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := fhir.LineCol(data, se.Offset)
		return fhir.Errorf(fhir.IssueInvalid, "malformed JSON Patch at line %d, column %d: %s", line, col, se.Error())
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fhir.Errorf(fhir.IssueInvalid, "malformed JSON Patch: it is empty or ends too early")
	}
	return fhir.Errorf(fhir.IssueInvalid, "malformed JSON Patch: %s", err.Error())
}
