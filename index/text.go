package index

import (
	"html"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/store"
)

// TextCap bounds the normalized text indexed for each of _text and
// _content of one resource, in bytes: text beyond it is not found by those
// parameters. It keeps the write cost of large resources bounded.
const TextCap = 4096

// textChunk is the length of the pieces, in bytes, the indexed text is cut
// into (index rows must stay well below PostgreSQL's B-tree row limit).
// Consecutive pieces overlap by search.MaxTextLength bytes, so every
// phrase a search may give lies whole within one piece.
const textChunk = 1024

// maxMarkup bounds the bytes of a narrative's markup read for its text.
const maxMarkup = 16 * TextCap

// textSep separates the string values of a resource in the _content text.
// Normalize turns every line break of a search value into a space, so a
// phrase never matches across two values.
const textSep = "\n"

// addText indexes the narrative of res (text.div without its markup) as
// _text and its other string values as _content (a _content search looks
// at the _text entries too, so the narrative is stored once), each normalized (see
// search.Normalize), cut to TextCap bytes and stored in overlapping pieces
// of textChunk bytes. It does nothing for a type without the parameter.
func (b builder) addText(reg *search.Registry, typ string, res map[string]any) {
	var narrative string
	if t, ok := res["text"].(map[string]any); ok {
		if div, ok := t["div"].(string); ok {
			narrative = search.Normalize(stripMarkup(cutRunes(div, maxMarkup)))
		}
	}
	if p := reg.Lookup(typ, "_text"); search.IsTextParam(p) && narrative != "" {
		b.textChunks("_text", narrative)
	}
	if p := reg.Lookup(typ, "_content"); search.IsTextParam(p) {
		var sb strings.Builder
		c := content{sb: &sb, seen: map[string]bool{}}
		c.add(res, true)
		b.textChunks("_content", sb.String())
	}
}

// content builds the _content text of a resource.
type content struct {
	sb   *strings.Builder
	seen map[string]bool // the normalized values already in sb
}

// add appends the normalized string values of v not already in the text
// (a display repeated as a text is written once), in sorted key order and
// separated by textSep, until the text holds TextCap bytes. At the top
// level (root) it skips resourceType, id, meta and text (the narrative is
// added without its markup before). Everywhere it skips base64 data and
// what has a search of its own and is no prose: references, code system
// and other URLs (elements named reference, system or url, and any value
// that starts with http:, https: or urn:).
func (c content) add(v any, root bool) {
	if c.sb.Len() >= TextCap {
		return
	}
	switch v := v.(type) {
	case string:
		if strings.HasPrefix(v, "http:") || strings.HasPrefix(v, "https:") || strings.HasPrefix(v, "urn:") {
			return
		}
		// Normalizing removes at most white space and marks: twice the
		// cap is more than the cap needs.
		if s := search.Normalize(cutRunes(v, 2*TextCap)); s != "" && !c.seen[s] {
			c.seen[s] = true
			if c.sb.Len() > 0 {
				c.sb.WriteString(textSep)
			}
			c.sb.WriteString(s)
		}
	case []any:
		for _, x := range v {
			c.add(x, false)
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			switch {
			case root && (k == "resourceType" || k == "id" || k == "meta" || k == "text"),
				k == "div", k == "data", k == "reference", k == "system", k == "url":
				continue
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			c.add(v[k], false)
		}
	}
}

// textChunks stores text, cut to TextCap bytes at a character boundary, as
// string entries of code: pieces of at most textChunk bytes, each starting
// textChunk - search.MaxTextLength bytes (or a little less, at a character
// boundary) after the previous. A phrase of at most search.MaxTextLength
// bytes starting in piece k before the next piece's start ends within
// piece k, so containment in some piece is containment in the text.
func (b builder) textChunks(code, text string) {
	text = cutRunes(text, TextCap)
	const step = textChunk - search.MaxTextLength
	for start := 0; start < len(text); {
		piece := cutRunes(text[start:], textChunk)
		b.idx.Strings = append(b.idx.Strings, store.StringEntry{Param: code, Norm: piece})
		if start+len(piece) >= len(text) {
			break
		}
		start += len(cutRunes(text[start:], step))
	}
}

// cutRunes returns the longest prefix of s of at most n bytes that ends at
// a character boundary.
func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// inlineTags are the XHTML elements allowed in a narrative that do not
// separate words: their tags are dropped without a space, so that
// <b>高</b>血压 reads 高血压.
var inlineTags = map[string]bool{
	"a": true, "abbr": true, "acronym": true, "b": true, "bdo": true, "big": true, "cite": true,
	"code": true, "dfn": true, "em": true, "font": true, "i": true, "kbd": true, "q": true,
	"s": true, "samp": true, "small": true, "span": true, "strike": true, "strong": true,
	"sub": true, "sup": true, "tt": true, "u": true, "var": true,
}

// stripMarkup returns the text of an XHTML fragment: tags removed (block
// tags and <br/> read as a space), comments and CDATA markers dropped,
// entities decoded.
func stripMarkup(div string) string {
	var sb strings.Builder
	for len(div) > 0 {
		i := strings.IndexByte(div, '<')
		if i < 0 {
			sb.WriteString(html.UnescapeString(div))
			break
		}
		sb.WriteString(html.UnescapeString(div[:i]))
		div = div[i:]
		if strings.HasPrefix(div, "<!--") {
			end := strings.Index(div, "-->")
			if end < 0 {
				break
			}
			div = div[end+3:]
			continue
		}
		end := strings.IndexByte(div, '>')
		if end < 0 {
			break
		}
		name := strings.TrimLeft(div[1:end], "/")
		if j := strings.IndexAny(name, " \t\r\n/"); j >= 0 {
			name = name[:j]
		}
		if !inlineTags[strings.ToLower(name)] {
			sb.WriteByte(' ')
		}
		div = div[end+1:]
	}
	return sb.String()
}
