package fhir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Decode parses one JSON object into the generic resource representation
// (see the package comment). It rejects anything that is not exactly one
// JSON object, and objects nested deeper than maxDepth (0 means 64). The error
// is an *Error with code structure that says where parsing failed.
func Decode(data []byte, maxDepth int) (map[string]any, error) {
	if maxDepth <= 0 {
		maxDepth = 64
	}
	if !utf8.Valid(data) {
		return nil, Errorf(IssueStructure, "the body is not valid UTF-8")
	}
	d := decoder{data: data, maxDepth: maxDepth, keys: make(map[string]string, 64)}
	d.skipSpace()
	if d.pos >= len(data) {
		return nil, Errorf(IssueStructure, "malformed JSON: the body is empty")
	}
	if data[d.pos] != '{' {
		v, serr := d.value()
		if serr != nil {
			return nil, syntaxToError(data, serr)
		}
		return nil, Errorf(IssueStructure, "the body must be a JSON object, not %s", KindOf(v))
	}
	v, serr := d.value()
	if serr != nil {
		return nil, syntaxToError(data, serr)
	}
	d.skipSpace()
	if d.pos != len(data) {
		line, col := LineCol(data, int64(d.pos))
		return nil, Errorf(IssueStructure, "unexpected data after the JSON object at line %d, column %d", line, col)
	}
	return v.(map[string]any), nil
}

func syntaxToError(data []byte, e *syntaxError) error {
	line, col := LineCol(data, int64(e.off))
	if strings.HasPrefix(e.msg, "nesting") {
		return Errorf(IssueTooCostly, "JSON %s (at line %d, column %d)", e.msg, line, col).WithStatus(413)
	}
	return Errorf(IssueStructure, "malformed JSON at line %d, column %d: %s", line, col, e.msg)
}

// LineCol returns the 1-based line and column of byte offset off in data
// (clamped to the data), for error messages that point into a JSON body.
func LineCol(data []byte, off int64) (int, int) {
	off = max(0, min(off, int64(len(data))))
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// KindOf names the JSON kind of a generic value for messages: "null",
// "an array", "a string", "a boolean", "a number" or "an object".
func KindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// Marshal encodes a resource compactly, with resourceType, id and meta first
// and every other object key in sorted order, so equal resources always
// encode to equal bytes.
func Marshal(v any) []byte {
	b := marshalBuffers.Get().(*bytes.Buffer)
	b.Reset()
	writeJSON(b, v)
	out := bytes.Clone(b.Bytes())
	if b.Cap() <= maxPooledBuffer {
		marshalBuffers.Put(b)
	}
	return out
}

// marshalBuffers holds Marshal's working buffers: the result is copied out
// at its exact size, instead of each call growing a buffer of its own by
// doubling (6% of the bytes a bulk load allocated).
var marshalBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer bounds the buffers kept for reuse, so that one large
// resource does not stay allocated.
const maxPooledBuffer = 1 << 20

// MarshalIndent is Marshal with two-space indentation (for _pretty).
func MarshalIndent(v any) []byte {
	var out bytes.Buffer
	if err := json.Indent(&out, Marshal(v), "", "  "); err != nil {
		// Marshal always produces valid JSON; fall back to the compact form.
		return Marshal(v)
	}
	return out.Bytes()
}

var leadingKeys = []string{"resourceType", "id", "meta"}

func writeJSON(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case json.Number:
		b.WriteString(string(x))
	case string:
		writeString(b, x)
	case float64:
		b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e)
		}
		b.WriteByte(']')
	case []map[string]any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e)
		}
		b.WriteByte(']')
	case []string:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		writeObject(b, x)
	case json.RawMessage:
		b.Write(x)
	default:
		raw, err := json.Marshal(x)
		if err != nil {
			b.WriteString("null")
			return
		}
		b.Write(raw)
	}
}

func writeObject(b *bytes.Buffer, m map[string]any) {
	b.WriteByte('{')
	first := true
	put := func(k string, v any) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeString(b, k)
		b.WriteByte(':')
		writeJSON(b, v)
	}
	for _, k := range leadingKeys {
		if v, ok := m[k]; ok {
			put(k, v)
		}
	}
	var keysBuf [32]string
	keys := keysBuf[:0]
	for k := range m {
		if k != "resourceType" && k != "id" && k != "meta" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		put(k, m[k])
	}
	b.WriteByte('}')
}

const hexDigits = "0123456789abcdef"

// writeString writes s as a JSON string. It escapes the characters JSON
// requires and <, >, & is left as is (FHIR narrative is XHTML in a string).
func writeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xF])
		}
		start = i + 1
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// Objects returns the objects of an element in the generic representation:
// the object itself, or the objects of an array (other values are
// skipped); nil for anything else.
func Objects(v any) []map[string]any {
	switch v := v.(type) {
	case map[string]any:
		return []map[string]any{v}
	case []any:
		out := make([]map[string]any, 0, len(v))
		for _, x := range v {
			if m, ok := x.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}
