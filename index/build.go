package index

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/fhirpath"
	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/store"
)

// builder converts the nodes an expression selected into index entries.
type builder struct {
	idx  *store.Index
	zone *time.Location
	// noText leaves out the display texts of coded values (textOf): a
	// composite's token component uses only the codes.
	noText bool
}

// add indexes one node for parameter p by p's type. Values that the type
// cannot hold (a CodeableConcept for a date parameter) are skipped: the R4
// expressions select such values only in branches of another type.
func (b builder) add(p *search.Param, n fhirpath.Node) {
	if n.Value == nil {
		return
	}
	switch p.Type {
	case search.TypeString:
		b.addString(p.Code, n)
	case search.TypeToken:
		b.addToken(p.Code, n)
	case search.TypeReference:
		b.addRef(p.Code, n)
	case search.TypeDate:
		b.addDate(p.Code, n)
	case search.TypeNumber:
		if f, ok := number(n.Value); ok {
			b.idx.Numbers = append(b.idx.Numbers, store.NumberEntry{Param: p.Code, Value: f})
		}
	case search.TypeQuantity:
		b.addQuantity(p.Code, n)
	case search.TypeURI:
		if s, ok := n.Value.(string); ok && s != "" {
			b.idx.URIs = append(b.idx.URIs, store.URIEntry{Param: p.Code, URI: s})
		}
	}
}

func (b builder) str(code, s string) {
	if s = strings.TrimSpace(s); s != "" {
		b.idx.Strings = append(b.idx.Strings, store.StringEntry{Param: code, Norm: search.Normalize(s), Exact: s})
	}
}

// addString indexes a string, or each part of a HumanName or Address.
func (b builder) addString(code string, n fhirpath.Node) {
	switch v := n.Value.(type) {
	case string:
		b.str(code, v)
	case map[string]any:
		switch n.Type {
		case "HumanName":
			b.parts(code, v, "text", "family", "given", "prefix", "suffix")
			// Chinese names are written without a space: index family and
			// given together too, so 张三 finds family 张, given 三.
			if fam, ok := v["family"].(string); ok {
				if given := strs(v["given"]); len(given) > 0 && isHan(fam) {
					b.str(code, fam+strings.Join(given, ""))
				}
			}
		case "Address":
			b.parts(code, v, "text", "line", "city", "district", "state", "postalCode", "country")
		}
	}
}

func (b builder) parts(code string, m map[string]any, names ...string) {
	for _, k := range names {
		for _, s := range strs(m[k]) {
			b.str(code, s)
		}
	}
}

// strs returns a string or the strings of an array.
func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func isHan(s string) bool {
	for _, r := range s {
		if r >= 0x2E80 && r <= 0x9FFF || r >= 0xF900 && r <= 0xFAFF || r >= 0x20000 && r <= 0x3FFFF {
			return true
		}
	}
	return false
}

func (b builder) token(code, system, value string) {
	if value != "" || system != "" {
		b.idx.Tokens = append(b.idx.Tokens, store.Token{Param: code, System: system, Code: value})
	}
}

// addToken indexes a coded value: a code (with the system its element's
// required binding implies, see impliedSystem) or other primitive (booleans
// as "true"/"false"), a Coding, each Coding of a CodeableConcept, an
// Identifier (with its type for :of-type), or a ContactPoint's value.
// Display texts are indexed as strings under the same code for :text.
func (b builder) addToken(code string, n fhirpath.Node) {
	switch v := n.Value.(type) {
	case string:
		b.token(code, impliedSystem(n), v)
	case bool:
		b.token(code, "", strconv.FormatBool(v))
	case json.Number:
		b.token(code, "", v.String())
	case map[string]any:
		switch n.Type {
		case "Coding":
			b.coding(code, v)
		case "CodeableConcept":
			for _, c := range fhir.Objects(v["coding"]) {
				b.coding(code, c)
			}
			b.textOf(code, v["text"])
		case "Identifier":
			system, _ := v["system"].(string)
			value, _ := v["value"].(string)
			b.token(code, system, value)
			if t, ok := v["type"].(map[string]any); ok && value != "" {
				for _, c := range fhir.Objects(t["coding"]) {
					ts, _ := c["system"].(string)
					tc, _ := c["code"].(string)
					b.token(code+":of-type", ts+"|"+tc, value)
				}
				b.textOf(code, t["text"])
			}
		case "ContactPoint":
			value, _ := v["value"].(string)
			b.token(code, "", value)
		}
	}
}

// impliedSystem returns the code system of a value of type code: the one
// its element's required binding implies (spec.Binding.System), such as
// http://hl7.org/fhir/administrative-gender for Patient.gender; "" when the
// element has no such binding or its ValueSet draws from several systems.
// R4 search 3.1.1.4.6 (token): for a code "the system is implicit", defined
// by the value set; so gender=[system]|male matches and gender=|male, which
// asks for a value without a system, does not.
func impliedSystem(n fhirpath.Node) string {
	if e := n.Element(); e != nil && e.Binding != nil && e.Type == "code" {
		return e.Binding.System
	}
	return ""
}

func (b builder) coding(code string, c map[string]any) {
	system, _ := c["system"].(string)
	value, _ := c["code"].(string)
	b.token(code, system, value)
	b.textOf(code, c["display"])
}

func (b builder) textOf(code string, v any) {
	if b.noText {
		return
	}
	if s, ok := v.(string); ok {
		b.str(code, s)
	}
}

// addRef indexes a Reference (its literal reference, and its identifier
// under code+":identifier"), or a canonical or uri value as an external URL.
func (b builder) addRef(code string, n fhirpath.Node) {
	switch v := n.Value.(type) {
	case string:
		b.ref(code, v)
	case map[string]any:
		if s, ok := v["reference"].(string); ok {
			b.ref(code, s)
		}
		if id, ok := v["identifier"].(map[string]any); ok {
			system, _ := id["system"].(string)
			value, _ := id["value"].(string)
			b.token(code+":identifier", system, value)
		}
	}
}

// ref indexes a literal reference: a relative "Type/id" (also with
// /_history/n) as a local target; absolute URLs (another server's
// resources, canonicals, urn:uuid) as URLs, since the same Type/id on
// another server is another resource. "#contained" references are not
// indexed.
func (b builder) ref(code, s string) {
	if s == "" || s[0] == '#' {
		return
	}
	if strings.Contains(s, ":") {
		b.idx.Refs = append(b.idx.Refs, store.Ref{Param: code, TargetID: s})
		return
	}
	if typ, id, ok := localRef(s); ok {
		b.idx.Refs = append(b.idx.Refs, store.Ref{Param: code, TargetType: typ, TargetID: id})
	}
}

// localRef splits "Type/id" or "Type/id/_history/n".
func localRef(s string) (typ, id string, ok bool) {
	if i := strings.Index(s, "/_history/"); i >= 0 {
		s = s[:i]
	}
	j := strings.LastIndexByte(s, '/')
	if j <= 0 {
		return "", "", false
	}
	id = s[j+1:]
	head := s[:j]
	typ = head[strings.LastIndexByte(head, '/')+1:]
	if id == "" || typ == "" || typ[0] < 'A' || typ[0] > 'Z' || strings.ContainsAny(typ, ":.") {
		return "", "", false
	}
	return typ, id, true
}

// addDate indexes a date, dateTime or instant as the range it covers at its
// precision, a Period as its (possibly open) range, and a Timing by its
// events and bounds.
func (b builder) addDate(code string, n fhirpath.Node) {
	switch v := n.Value.(type) {
	case string:
		if lo, hi, ok := dateRange(v, b.zone); ok {
			b.date(code, lo, hi)
		}
	case fhirpath.DateTime, fhirpath.Date:
		var s string
		if d, ok := v.(fhirpath.Date); ok {
			s = d.String()
		} else {
			s = v.(fhirpath.DateTime).String()
		}
		if lo, hi, ok := dateRange(strings.TrimPrefix(s, "@"), b.zone); ok {
			b.date(code, lo, hi)
		}
	case map[string]any:
		switch n.Type {
		case "Period":
			lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
			okS, okE := false, false
			if s, ok := v["start"].(string); ok {
				lo, _, okS = dateRange(s, b.zone)
			}
			if e, ok := v["end"].(string); ok {
				_, hi, okE = dateRange(e, b.zone)
			}
			if okS || okE {
				b.date(code, lo, hi)
			}
		case "Timing":
			for _, e := range strs(v["event"]) {
				if lo, hi, ok := dateRange(e, b.zone); ok {
					b.date(code, lo, hi)
				}
			}
			if r, ok := v["repeat"].(map[string]any); ok {
				if p, ok := r["boundsPeriod"].(map[string]any); ok {
					b.addDate(code, fhirpath.Node{Value: p, Type: "Period"})
				}
			}
		}
	}
}

func (b builder) date(code string, lo, hi int64) {
	b.idx.Dates = append(b.idx.Dates, store.DateEntry{Param: code, Lo: lo, Hi: hi})
}

// addQuantity indexes a Quantity (or Age, Duration, Money, ...) by its
// value with its unit's system and code; a unit text that differs from the
// code is indexed too, without a system.
func (b builder) addQuantity(code string, n fhirpath.Node) {
	m, ok := n.Value.(map[string]any)
	if !ok {
		if f, ok := number(n.Value); ok {
			b.idx.Quantities = append(b.idx.Quantities, store.QuantityEntry{Param: code, Value: f})
		}
		return
	}
	f, ok := number(m["value"])
	if !ok {
		return
	}
	system, _ := m["system"].(string)
	unitCode, _ := m["code"].(string)
	unit, _ := m["unit"].(string)
	if n.Type == "Money" {
		system = "urn:iso:std:iso:4217"
		unitCode, _ = m["currency"].(string)
	}
	b.idx.Quantities = append(b.idx.Quantities, store.QuantityEntry{Param: code, System: system, Code: unitCode, Value: f})
	if unit != "" && unit != unitCode {
		b.idx.Quantities = append(b.idx.Quantities, store.QuantityEntry{Param: code, Code: unit, Value: f})
	}
}

// number converts a JSON number or engine number to float64.
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(v.String(), 64)
		return f, err == nil
	case int64:
		return float64(v), true
	case fhirpath.Decimal:
		f, err := strconv.ParseFloat(v.String(), 64)
		return f, err == nil
	}
	return 0, false
}

// dedupe drops repeated entries of each kind, keeping the first.
func (b builder) dedupe() {
	b.idx.Strings = uniq(b.idx.Strings)
	b.idx.Tokens = uniq(b.idx.Tokens)
	b.idx.Refs = uniq(b.idx.Refs)
	b.idx.Dates = uniq(b.idx.Dates)
	b.idx.Numbers = uniq(b.idx.Numbers)
	b.idx.Quantities = uniq(b.idx.Quantities)
	b.idx.URIs = uniq(b.idx.URIs)
	b.idx.Composites = uniq(b.idx.Composites)
}

func uniq[T comparable](xs []T) []T {
	if len(xs) < 2 {
		return xs
	}
	seen := make(map[T]bool, len(xs))
	out := xs[:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return slices.Clip(out)
}
