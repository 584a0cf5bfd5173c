package fhir

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// decoder is a strict RFC 8259 JSON parser producing the generic resource
// representation. It is about 1.9 times as fast as encoding/json into any
// (BenchmarkDecodeSynthea, docs/BENCHMARKS.md): it makes no reflection calls, slices unescaped strings straight from the
// input and interns object keys, which repeat endlessly in FHIR.
type decoder struct {
	data     []byte
	pos      int
	depth    int
	maxDepth int
	keys     map[string]string
}

// syntaxError is a parse failure at a byte offset.
type syntaxError struct {
	off int
	msg string
}

func (d *decoder) fail(msg string) *syntaxError { return &syntaxError{off: d.pos, msg: msg} }

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) value() (any, *syntaxError) {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return nil, d.fail("unexpected end of input")
	}
	switch c := d.data[d.pos]; c {
	case '{':
		return d.object()
	case '[':
		return d.array()
	case '"':
		return d.str(false)
	case 't':
		return d.literal("true", true)
	case 'f':
		return d.literal("false", false)
	case 'n':
		return d.literal("null", nil)
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return d.number()
		}
		return nil, d.fail("invalid character " + quoteChar(c) + " looking for the beginning of a value")
	}
}

func quoteChar(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return "0x" + strconv.FormatUint(uint64(c), 16)
	}
	return strconv.Quote(string(c))
}

func (d *decoder) literal(word string, v any) (any, *syntaxError) {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return nil, d.fail("invalid literal (expected " + word + ")")
	}
	d.pos += len(word)
	return v, nil
}

func (d *decoder) enter() *syntaxError {
	d.depth++
	if d.depth > d.maxDepth {
		return d.fail("nesting deeper than " + strconv.Itoa(d.maxDepth) + " levels")
	}
	return nil
}

func (d *decoder) object() (any, *syntaxError) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++ // '{'
	m := make(map[string]any, 8)
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return m, nil
	}
	for {
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.fail("expected a quoted object key")
		}
		kv, err := d.str(true)
		if err != nil {
			return nil, err
		}
		key := kv.(string)
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.fail("expected ':' after object key")
		}
		d.pos++
		keyPos := d.pos
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		if _, dup := m[key]; dup {
			return nil, &syntaxError{off: keyPos, msg: "duplicate object key " + strconv.Quote(key)}
		}
		m[key] = v
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.fail("unexpected end of input in object")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			d.depth--
			return m, nil
		default:
			return nil, d.fail("expected ',' or '}' after object value")
		}
	}
}

func (d *decoder) array() (any, *syntaxError) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++ // '['
	a := make([]any, 0, 4)
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		return a, nil
	}
	for {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.fail("unexpected end of input in array")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			d.depth--
			return a, nil
		default:
			return nil, d.fail("expected ',' or ']' after array element")
		}
	}
}

// str parses a string at d.pos (which is '"'). Keys are interned.
func (d *decoder) str(isKey bool) (any, *syntaxError) {
	start := d.pos + 1
	i := start
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			raw := d.data[start:i]
			if isKey {
				if k, ok := d.keys[string(raw)]; ok {
					return k, nil
				}
				k := string(raw)
				d.keys[k] = k
				return k, nil
			}
			return string(raw), nil
		case c == '\\':
			return d.escaped(start, isKey)
		case c < 0x20:
			d.pos = i
			return nil, d.fail("control character " + quoteChar(c) + " in string")
		}
		i++
	}
	d.pos = i
	return nil, d.fail("unterminated string")
}

// escaped finishes a string that contains escapes, starting over at start.
func (d *decoder) escaped(start int, isKey bool) (any, *syntaxError) {
	buf := make([]byte, 0, 64)
	i := start
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			s := string(buf)
			if isKey {
				if k, ok := d.keys[s]; ok {
					return k, nil
				}
				d.keys[s] = s
			}
			return s, nil
		case c < 0x20:
			d.pos = i
			return nil, d.fail("control character " + quoteChar(c) + " in string")
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		if i+1 >= len(d.data) {
			d.pos = i
			return nil, d.fail("unterminated escape")
		}
		switch e := d.data[i+1]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := hex4(d.data, i+2)
			if !ok {
				d.pos = i
				return nil, d.fail(`invalid \u escape`)
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(d.data, i+2); ok && i+1 < len(d.data) && d.data[i] == '\\' && d.data[i+1] == 'u' {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						buf = utf8.AppendRune(buf, dec)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			buf = utf8.AppendRune(buf, r)
			continue
		default:
			d.pos = i
			return nil, d.fail("invalid escape " + quoteChar(e) + " in string")
		}
		i += 2
	}
	d.pos = i
	return nil, d.fail("unterminated string")
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// number parses a JSON number, keeping its exact text.
func (d *decoder) number() (any, *syntaxError) {
	start := d.pos
	i := d.pos
	if d.data[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(d.data) && d.data[i] == '0' {
		i++
	} else if digits() == 0 {
		d.pos = i
		return nil, d.fail("invalid number")
	}
	if i < len(d.data) && d.data[i] == '.' {
		i++
		if digits() == 0 {
			d.pos = i
			return nil, d.fail("invalid number: digits expected after the decimal point")
		}
	}
	if i < len(d.data) && (d.data[i] == 'e' || d.data[i] == 'E') {
		i++
		if i < len(d.data) && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		if digits() == 0 {
			d.pos = i
			return nil, d.fail("invalid number: digits expected in the exponent")
		}
	}
	d.pos = i
	return json.Number(d.data[start:i]), nil
}
