package fhirpath

// A small YAML reader for the fhirpath.js test cases: block mappings and
// sequences, plain, quoted and block (| >) scalars, flow sequences and
// mappings, and comments. Scalars become string, bool, nil or json.Number,
// so decoded resources match fhir.Decode's representation. It is not a
// general YAML parser (no anchors, tags or multi-document streams).

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

type yamlLine struct {
	indent int
	text   string // without indentation
	num    int
}

type yamlParser struct {
	lines []yamlLine
	i     int
}

func parseYAML(src string) (any, error) {
	var p yamlParser
	for n, raw := range strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimLeft(raw, " ")
		p.lines = append(p.lines, yamlLine{indent: len(raw) - len(trimmed), text: strings.TrimRight(trimmed, " \t"), num: n + 1})
	}
	p.skipBlank()
	if p.i >= len(p.lines) {
		return nil, nil
	}
	return p.block(p.lines[p.i].indent)
}

func (p *yamlParser) skipBlank() {
	for p.i < len(p.lines) {
		t := p.lines[p.i].text
		if t == "" || strings.HasPrefix(t, "#") {
			p.i++
			continue
		}
		return
	}
}

func (p *yamlParser) errorf(format string, args ...any) error {
	n := 0
	if p.i < len(p.lines) {
		n = p.lines[p.i].num
	}
	return fmt.Errorf("yaml line %d: %s", n, fmt.Sprintf(format, args...))
}

func isSeqLine(t string) bool { return t == "-" || strings.HasPrefix(t, "- ") }

var plainKey = regexp.MustCompile(`^[^\s'"\[\]{}#,-][^:#]*?:(\s|$)`)

// mapKey splits "key: rest"; ok is false when t is not a mapping entry.
func mapKey(t string) (key, rest string, ok bool) {
	if t == "" {
		return "", "", false
	}
	if t[0] == '\'' || t[0] == '"' {
		s, n, err := yamlQuoted(t)
		if err != nil || n >= len(t) || t[n] != ':' || (n+1 < len(t) && t[n+1] != ' ') {
			return "", "", false
		}
		return s, strings.TrimSpace(t[n+1:]), true
	}
	m := plainKey.FindString(t)
	if m == "" {
		return "", "", false
	}
	k := strings.TrimSpace(m)
	return strings.TrimSuffix(k, ":"), strings.TrimSpace(t[len(m):]), true
}

// block parses the node starting at the current line, at indent.
func (p *yamlParser) block(indent int) (any, error) {
	p.skipBlank()
	if p.i >= len(p.lines) {
		return nil, nil
	}
	l := p.lines[p.i]
	if isSeqLine(l.text) {
		return p.seq(l.indent)
	}
	if _, _, ok := mapKey(l.text); ok {
		return p.mapping(l.indent)
	}
	p.i++
	return p.inline(l.text, indent-1)
}

func (p *yamlParser) seq(indent int) (any, error) {
	out := []any{}
	for {
		p.skipBlank()
		if p.i >= len(p.lines) {
			return out, nil
		}
		l := p.lines[p.i]
		if l.indent != indent || !isSeqLine(l.text) {
			return out, nil
		}
		rest := strings.TrimLeft(strings.TrimPrefix(l.text, "-"), " ")
		if rest == "" {
			p.i++
			p.skipBlank()
			if p.i < len(p.lines) && p.lines[p.i].indent > indent {
				v, err := p.block(p.lines[p.i].indent)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			} else {
				out = append(out, nil)
			}
			continue
		}
		// the item starts on this line: re-read it as a line of its own
		p.lines[p.i] = yamlLine{indent: indent + len(l.text) - len(rest), text: rest, num: l.num}
		v, err := p.block(p.lines[p.i].indent)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

func (p *yamlParser) mapping(indent int) (any, error) {
	out := map[string]any{}
	for {
		p.skipBlank()
		if p.i >= len(p.lines) {
			return out, nil
		}
		l := p.lines[p.i]
		if l.indent != indent {
			return out, nil
		}
		key, rest, ok := mapKey(l.text)
		if !ok {
			return out, nil
		}
		p.i++
		var v any
		var err error
		switch {
		case rest == "" || strings.HasPrefix(rest, "#"):
			p.skipBlank()
			if p.i < len(p.lines) && (p.lines[p.i].indent > indent || (p.lines[p.i].indent == indent && isSeqLine(p.lines[p.i].text))) {
				v, err = p.block(p.lines[p.i].indent)
			}
		case rest[0] == '|' || rest[0] == '>':
			v = p.blockScalar(rest, indent)
		default:
			v, err = p.inline(rest, indent)
		}
		if err != nil {
			return nil, err
		}
		out[key] = v
	}
}

// blockScalar reads a literal (|) or folded (>) scalar.
func (p *yamlParser) blockScalar(header string, indent int) string {
	var lines []string
	bi := -1
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.text != "" && l.indent <= indent {
			break
		}
		if l.text != "" && bi < 0 {
			bi = l.indent
		}
		if l.text == "" {
			lines = append(lines, "")
		} else {
			lines = append(lines, strings.Repeat(" ", l.indent-bi)+l.text)
		}
		p.i++
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	var s string
	if header[0] == '|' {
		s = strings.Join(lines, "\n")
	} else {
		var b strings.Builder
		for i, ln := range lines {
			if i > 0 {
				if ln == "" || lines[i-1] == "" {
					b.WriteString("\n")
				} else {
					b.WriteString(" ")
				}
			}
			b.WriteString(ln)
		}
		s = b.String()
	}
	if !strings.HasSuffix(header, "-") {
		s += "\n"
	}
	return s
}

// inline parses a value written after "key:" or "- ", continuing onto
// more-indented lines for multi-line flow collections, quoted and plain
// scalars.
func (p *yamlParser) inline(text string, indent int) (any, error) {
	more := func() (string, bool) {
		if p.i < len(p.lines) && p.lines[p.i].indent > indent && p.lines[p.i].text != "" {
			t := p.lines[p.i].text
			p.i++
			return t, true
		}
		return "", false
	}
	switch text[0] {
	case '[', '{':
		for {
			v, n, err := yamlFlow(text)
			if err == nil {
				if rest := strings.TrimSpace(text[n:]); rest != "" && !strings.HasPrefix(rest, "#") {
					return nil, p.errorf("trailing text %q", rest)
				}
				return v, nil
			}
			t, ok := more()
			if !ok {
				return nil, p.errorf("%v", err)
			}
			text += " " + t
		}
	case '\'', '"':
		for {
			s, _, err := yamlQuoted(text)
			if err == nil {
				return s, nil
			}
			if p.i >= len(p.lines) {
				return nil, p.errorf("%v", err)
			}
			// a quoted scalar continues on any following line
			text += " " + p.lines[p.i].text
			p.i++
		}
	}
	text = stripComment(text)
	for {
		if p.i >= len(p.lines) || p.lines[p.i].indent <= indent || p.lines[p.i].text == "" {
			break
		}
		t := p.lines[p.i].text
		if isSeqLine(t) {
			break
		}
		if _, _, ok := mapKey(t); ok {
			break
		}
		p.i++
		text += " " + stripComment(t)
	}
	return yamlScalar(text), nil
}

func stripComment(s string) string {
	if i := strings.Index(s, " #"); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}

var yamlNumber = regexp.MustCompile(`^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$`)

func yamlScalar(s string) any {
	switch s {
	case "true", "True":
		return true
	case "false", "False":
		return false
	case "null", "~", "":
		return nil
	}
	if yamlNumber.MatchString(s) {
		return json.Number(strings.TrimPrefix(s, "+"))
	}
	return s
}

// yamlQuoted reads a quoted scalar at the start of s and returns it and the
// bytes consumed.
func yamlQuoted(s string) (string, int, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		if q == '\'' {
			if c == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i++
					continue
				}
				return b.String(), i + 1, nil
			}
			b.WriteByte(c)
			continue
		}
		switch c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 >= len(s) {
				return "", 0, fmt.Errorf("bad escape")
			}
			i++
			switch e := s[i]; e {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				if i+4 >= len(s) {
					return "", 0, fmt.Errorf("bad \\u escape")
				}
				v, err := strconv.ParseUint(s[i+1:i+5], 16, 32)
				if err != nil {
					return "", 0, err
				}
				b.WriteRune(rune(v))
				i += 4
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, fmt.Errorf("unterminated quoted scalar")
}

// yamlFlow reads a flow collection or scalar at the start of s.
func yamlFlow(s string) (any, int, error) {
	i := 0
	skip := func() {
		for i < len(s) && s[i] == ' ' {
			i++
		}
	}
	skip()
	if i >= len(s) {
		return nil, i, fmt.Errorf("unexpected end of flow value")
	}
	switch s[i] {
	case '[':
		i++
		out := []any{}
		for {
			skip()
			if i < len(s) && s[i] == ']' {
				return out, i + 1, nil
			}
			v, n, err := yamlFlow(s[i:])
			if err != nil {
				return nil, 0, err
			}
			out = append(out, v)
			i += n
			skip()
			if i < len(s) && s[i] == ',' {
				i++
				continue
			}
			if i < len(s) && s[i] == ']' {
				return out, i + 1, nil
			}
			return nil, 0, fmt.Errorf("expected , or ]")
		}
	case '{':
		i++
		out := map[string]any{}
		for {
			skip()
			if i < len(s) && s[i] == '}' {
				return out, i + 1, nil
			}
			k, n, err := yamlFlow(s[i:])
			if err != nil {
				return nil, 0, err
			}
			i += n
			skip()
			if i >= len(s) || s[i] != ':' {
				return nil, 0, fmt.Errorf("expected : in flow mapping")
			}
			i++
			v, n, err := yamlFlow(s[i:])
			if err != nil {
				return nil, 0, err
			}
			i += n
			out[fmt.Sprint(k)] = v
			skip()
			if i < len(s) && s[i] == ',' {
				i++
				continue
			}
			if i < len(s) && s[i] == '}' {
				return out, i + 1, nil
			}
			return nil, 0, fmt.Errorf("expected , or }")
		}
	case '\'', '"':
		v, n, err := yamlQuoted(s[i:])
		return v, i + n, err
	}
	j := i
	for j < len(s) && s[j] != ',' && s[j] != ']' && s[j] != '}' && s[j] != ':' {
		j++
	}
	return yamlScalar(strings.TrimSpace(s[i:j])), j, nil
}
