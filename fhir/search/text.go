package search

// MaxTextLength bounds the bytes of one _text or _content value after
// Normalize. The index stores the text of a resource in overlapping chunks
// whose overlap is this length, so that any phrase up to it that occurs
// in the text lies whole within one chunk.
const MaxTextLength = 256

// IsTextParam reports whether p is _text (the narrative) or _content (the
// whole resource): string parameters without an expression, matched by
// containment of the normalized value (see Normalize) in the normalized
// text, not by prefix.
func IsTextParam(p *Param) bool {
	return p != nil && p.Type == TypeString && p.Expression == "" && (p.Code == "_text" || p.Code == "_content")
}
