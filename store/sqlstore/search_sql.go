package sqlstore

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/search"
)

// pidFunc numbers a search parameter of a resource type (noParam when it has
// never been indexed).
type pidFunc func(typ, code string) (int64, error)

// sqlBuilder writes one SQL statement from a search query. Values are always
// bind parameters; the only text taken from the query is validated resource
// type names, which are bound too.
type sqlBuilder struct {
	b    strings.Builder
	args []any
	pid  pidFunc
	// lookup finds a search parameter of a resource type (nil if none).
	lookup func(typ, code string) *search.Param
	alias  int
	now    time.Time
	// join is the keyword joining a candidate set to the resources
	// (see Dialect.ForceJoinOrder).
	join string
	// broadHas marks reverse chains whose referring matches are too many
	// to collect first (see probeHas): they are tested per candidate.
	broadHas map[*search.Has]bool
	// perRow is Dialect.PerRowSuffix.
	perRow string
	// ridPage asks the next fromWhere for candidates in rid order: the
	// caller orders its page by rid alone (see matchSQL).
	ridPage bool
}

func (s *sqlBuilder) w(parts ...string) {
	for _, p := range parts {
		s.b.WriteString(p)
	}
}

// arg writes a placeholder bound to v.
func (s *sqlBuilder) arg(v any) {
	s.b.WriteByte('?')
	s.args = append(s.args, v)
}

func (s *sqlBuilder) newAlias(prefix string) string {
	s.alias++
	return prefix + strconv.Itoa(s.alias)
}

// pidCond writes the condition that column col holds the number of
// parameter code of one of types.
func (s *sqlBuilder) pidCond(col string, types []string, code string) error {
	keys := make([]paramKey, len(types))
	for i, t := range types {
		keys[i] = paramKey{t, code}
	}
	return s.pidIn(col, keys)
}

// pidIn writes the condition that column col holds the number of one of
// the parameters keys.
func (s *sqlBuilder) pidIn(col string, keys []paramKey) error {
	if len(keys) == 1 {
		s.w(col, " = ")
	} else {
		s.w(col, " IN (")
	}
	for i, k := range keys {
		pid, err := s.pid(k.typ, k.code)
		if err != nil {
			return err
		}
		if i > 0 {
			s.w(", ")
		}
		s.arg(pid)
	}
	if len(keys) != 1 {
		s.w(")")
	}
	return nil
}

// filter writes one filter's condition on resource row alias r, whose type
// is one of types, as a test of that row: [NOT] EXISTS over the index rows
// of r (found through the rid index), or a condition on r's columns.
func (s *sqlBuilder) filter(r string, types []string, f *search.Filter) error {
	if f.Has != nil {
		return s.has(r, types, f.Has)
	}
	p := f.Param
	if p == nil {
		return fmt.Errorf("search: filter without a parameter")
	}
	switch p.Code {
	case "_id":
		return s.idFilter(r, f)
	case "_lastUpdated":
		return s.lastUpdatedFilter(r, f)
	}
	tb, err := filterTable(f)
	if err != nil {
		return err
	}
	x := s.newAlias("x")
	if f.Modifier == search.ModifierNot || f.Modifier == search.ModifierMissing && f.Missing {
		s.w("NOT ")
	}
	s.w("EXISTS (SELECT 1 FROM ", tb.name, " ", x, " WHERE ", x, ".rid = ", r, ".rid AND ")
	if err := s.rowCond(x, types, f); err != nil {
		return err
	}
	// A test of one candidate's index rows: PostgreSQL's generic plans
	// (after five runs of a prepared statement) otherwise turned it into a
	// merge join over every row of the parameter (12,413 rows of one LOINC
	// code for a patient's 260 references: 38 ms instead of 1).
	s.w(s.perRow, ")")
	return nil
}

// filterTable returns the index table whose rows a filter tests.
func filterTable(f *search.Filter) (*indexTable, error) {
	p := f.Param
	switch {
	case f.Chain != nil:
		return tableRef, nil
	case p.Type == search.TypeToken && f.Modifier == search.ModifierText:
		return tableString, nil
	case p.Type == search.TypeReference && f.Modifier == search.ModifierIdentifier:
		return tableToken, nil
	}
	return tableFor(p)
}

// rowCond writes the condition on index row alias x of filterTable(f) for
// a resource of one of types to meet f, ignoring :not and :missing=true
// (the caller negates): the row belongs to the parameter, and (unless
// :missing) holds one of the values, or for a chain points to a match of
// the chained filter.
func (s *sqlBuilder) rowCond(x string, types []string, f *search.Filter) error {
	p := f.Param
	code := p.Code
	if f.Modifier == search.ModifierOfType || f.Modifier == search.ModifierIdentifier {
		code += ":" + f.Modifier.String()
	}
	codes := []string{code}
	if code == "_content" && search.IsTextParam(p) {
		// The narrative is indexed once, as _text, and is content too.
		codes = append(codes, "_text")
	}
	keys := make([]paramKey, 0, len(types)*len(codes))
	for _, t := range types {
		for _, c := range codes {
			keys = append(keys, paramKey{t, c})
		}
	}
	if err := s.pidIn(x+".pid", keys); err != nil {
		return err
	}
	switch {
	case f.Modifier == search.ModifierMissing:
		return nil
	case f.Chain != nil:
		s.w(" AND ")
		return s.chainCond(x, f)
	}
	s.w(" AND (")
	for i := range f.Values {
		if i > 0 {
			s.w(" OR ")
		}
		if err := s.value(x, p, f, &f.Values[i]); err != nil {
			return err
		}
	}
	s.w(")")
	return nil
}

// tableFor returns the index table of a parameter type.
func tableFor(p *search.Param) (*indexTable, error) {
	switch p.Type {
	case search.TypeString:
		return tableString, nil
	case search.TypeToken:
		return tableToken, nil
	case search.TypeReference:
		return tableRef, nil
	case search.TypeDate:
		return tableDate, nil
	case search.TypeNumber:
		return tableNumber, nil
	case search.TypeQuantity:
		return tableQuantity, nil
	case search.TypeURI:
		return tableURI, nil
	case search.TypeComposite:
		return tableComp, nil
	}
	return nil, fhir.Errorf(fhir.IssueNotSupported, "search parameter %q of type %s is not supported yet", p.Code, p.Type)
}

// value writes the condition one value puts on index row alias x.
func (s *sqlBuilder) value(x string, p *search.Param, f *search.Filter, v *search.Value) error {
	switch {
	case search.IsTextParam(p):
		// _text and _content: the text contains the value (the index holds
		// the text in overlapping pieces, see index.TextCap).
		return s.stringValue(x, search.ModifierContains, v)
	case p.Type == search.TypeString, p.Type == search.TypeToken && f.Modifier == search.ModifierText:
		return s.stringValue(x, f.Modifier, v)
	case f.Modifier == search.ModifierOfType:
		// Entries of "code:of-type" hold the identifier type's
		// "system|code" as system and the identifier value as code.
		s.w("(", x, ".code = ")
		s.arg(v.Str)
		s.w(" AND ", x, ".system = ")
		s.arg(v.System + "|" + v.Code)
		s.w(")")
		return nil
	case p.Type == search.TypeToken, f.Modifier == search.ModifierIdentifier:
		s.tokenValue(x, v)
		return nil
	case p.Type == search.TypeReference:
		return s.refValue(x, f, v)
	case p.Type == search.TypeDate:
		lo, hi := dateRange(v)
		s.rangeCond(x+".lo", x+".hi", v.Prefix, lo, hi, s.approxDate(lo, hi))
		return nil
	case p.Type == search.TypeNumber:
		return s.numberValue(x+".value", v)
	case p.Type == search.TypeQuantity:
		if v.HasSystem {
			s.w(x, ".system = ")
			s.arg(v.System)
			s.w(" AND ")
		}
		if v.Code != "" {
			s.w(x, ".code = ")
			s.arg(v.Code)
			s.w(" AND ")
		}
		return s.numberValue(x+".value", v)
	case p.Type == search.TypeURI:
		return s.uriValue(x, f.Modifier, v)
	case p.Type == search.TypeComposite:
		return s.compositeValue(x, p, v)
	}
	return fhir.Errorf(fhir.IssueNotSupported, "search parameter %q of type %s is not supported yet", p.Code, p.Type)
}

// prefixEnd is the smallest string greater than every string that starts
// with a prefix (for range scans of prefix matches): U+10FFFF sorts after
// every other code point in UTF-8 byte order.
const prefixEnd = "\U0010FFFF"

func (s *sqlBuilder) stringValue(x string, m search.Modifier, v *search.Value) error {
	norm := search.Normalize(v.Str)
	switch m {
	case search.ModifierExact:
		s.w(x, ".value = ")
		s.arg(norm)
		s.w(" AND ", x, ".exact = ")
		s.arg(v.Str)
	case search.ModifierContains:
		s.w(x, ".value LIKE ")
		s.arg("%" + escapeLike(norm) + "%")
		s.w(` ESCAPE '\'`)
	default: // starts with, ignoring case and accents
		s.w(x, ".value >= ")
		s.arg(norm)
		s.w(" AND ", x, ".value < ")
		s.arg(norm + prefixEnd)
	}
	return nil
}

// escapeLike escapes the LIKE wildcards of s with a backslash.
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

func (s *sqlBuilder) tokenValue(x string, v *search.Value) {
	switch {
	case v.HasSystem && v.Code == "":
		s.w(x, ".system = ")
		s.arg(v.System)
	case v.HasSystem:
		s.w("(", x, ".code = ")
		s.arg(v.Code)
		s.w(" AND ", x, ".system = ")
		s.arg(v.System)
		s.w(")")
	default:
		s.w(x, ".code = ")
		s.arg(v.Code)
	}
}

// refType returns the target type a reference value names: its own, the
// :[type] modifier's, or the parameter's only target type ("" when open).
func refType(f *search.Filter, v *search.Value) string {
	switch {
	case f.TargetType != "":
		return f.TargetType
	case v.RefType != "":
		return v.RefType
	case len(f.Param.Targets) == 1 && f.Param.Targets[0] != "Resource":
		return f.Param.Targets[0]
	}
	return ""
}

func (s *sqlBuilder) refValue(x string, f *search.Filter, v *search.Value) error {
	typ := refType(f, v)
	switch {
	case v.RefURL != "" && v.RefID == "":
		id := v.RefURL
		if v.RefVersion != "" {
			id += "|" + v.RefVersion
		}
		s.w("(", x, ".target_id = ")
		s.arg(id)
		s.w(" AND ", x, ".target_type = '')")
	case v.RefURL != "":
		// An absolute URL matches references written with that URL; this
		// server's own resources are referenced relatively.
		s.w("(", x, ".target_id = ")
		s.arg(v.RefURL)
		s.w(" AND ", x, ".target_type = '')")
	case typ != "":
		s.w("(", x, ".target_id = ")
		s.arg(v.RefID)
		s.w(" AND ", x, ".target_type = ")
		s.arg(typ)
		s.w(")")
	default:
		s.w("(", x, ".target_id = ")
		s.arg(v.RefID)
		s.w(" AND ", x, ".target_type <> '')")
	}
	return nil
}

func (s *sqlBuilder) uriValue(x string, m search.Modifier, v *search.Value) error {
	switch m {
	case search.ModifierBelow:
		s.w(x, ".uri >= ")
		s.arg(v.Str)
		s.w(" AND ", x, ".uri < ")
		s.arg(v.Str + prefixEnd)
	case search.ModifierAbove:
		// The stored uri is a prefix of the value at a path boundary: one of
		// the value's ancestors, or the value itself.
		prefixes := uriAncestors(v.Str)
		s.w(x, ".uri IN (", placeholders(len(prefixes)), ")")
		for _, p := range prefixes {
			s.args = append(s.args, p)
		}
	default:
		s.w(x, ".uri = ")
		s.arg(v.Str)
	}
	return nil
}

// uriAncestors returns u and each of its prefixes ending before a '/'
// (http://a/b/c → http://a/b/c, http://a/b, http://a), longest first.
func uriAncestors(u string) []string {
	out := []string{u}
	rest := strings.TrimSuffix(u, "/")
	start := 0
	if i := strings.Index(rest, "://"); i >= 0 {
		start = i + 3
	}
	for {
		i := strings.LastIndexByte(rest, '/')
		if i < start {
			break
		}
		rest = rest[:i]
		out = append(out, rest)
	}
	return out
}

// dateRange returns a date value's range as inclusive Unix microseconds.
func dateRange(v *search.Value) (int64, int64) {
	return v.Lo.UnixMicro(), v.Hi.UnixMicro() - 1
}

// approxDate returns the range an "ap" date prefix accepts: the value's
// range widened by a tenth of its distance from now, and at least a day.
func (s *sqlBuilder) approxDate(lo, hi int64) [2]int64 {
	now := s.now.UnixMicro()
	gap := now - lo
	if gap < 0 {
		gap = -gap
	}
	widen := max(gap/10, int64(24*time.Hour/time.Microsecond))
	return [2]int64{satSub(lo, widen), satAdd(hi, widen)}
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func satSub(a, b int64) int64 {
	if a < math.MinInt64+b {
		return math.MinInt64
	}
	return a - b
}

// rangeCond writes the condition a prefix puts on a stored range [lo, hi]
// (columns) against the search range [qlo, qhi] (both inclusive), following
// the R4 rules for ranges: eq means the search range contains the stored
// one; gt and lt mean the stored range reaches above or below the search
// range; ge and le add eq; sa and eb mean entirely after or before; ne is
// not eq; ap means overlapping the approximate range.
func (s *sqlBuilder) rangeCond(lo, hi string, p search.Prefix, qlo, qhi int64, ap [2]int64) {
	eq := func() {
		s.w("(", lo, " >= ")
		s.arg(qlo)
		s.w(" AND ", hi, " <= ")
		s.arg(qhi)
		s.w(")")
	}
	switch p {
	case search.PrefixEq:
		eq()
	case search.PrefixNe:
		s.w("NOT ")
		eq()
	case search.PrefixGt:
		s.w(hi, " > ")
		s.arg(qhi)
	case search.PrefixLt:
		s.w(lo, " < ")
		s.arg(qlo)
	case search.PrefixGe:
		s.w("(", hi, " > ")
		s.arg(qhi)
		s.w(" OR ")
		eq()
		s.w(")")
	case search.PrefixLe:
		s.w("(", lo, " < ")
		s.arg(qlo)
		s.w(" OR ")
		eq()
		s.w(")")
	case search.PrefixSa:
		s.w(lo, " > ")
		s.arg(qhi)
	case search.PrefixEb:
		s.w(hi, " < ")
		s.arg(qlo)
	case search.PrefixAp:
		s.w("(", lo, " <= ")
		s.arg(ap[1])
		s.w(" AND ", hi, " >= ")
		s.arg(ap[0])
		s.w(")")
	}
}

// numberValue writes the condition on a stored number column: eq and ne use
// the implied precision of the search value ([NumberLo, NumberHi)); the
// comparisons use the value itself; ap accepts ±10%.
func (s *sqlBuilder) numberValue(col string, v *search.Value) error {
	n, err := strconv.ParseFloat(v.Number, 64)
	if err != nil {
		return fhir.Errorf(fhir.IssueInvalid, "%q is not a number", v.Raw)
	}
	switch v.Prefix {
	case search.PrefixEq, search.PrefixNe:
		if v.Prefix == search.PrefixNe {
			s.w("NOT ")
		}
		s.w("(", col, " >= ")
		s.arg(v.NumberLo)
		s.w(" AND ", col, " < ")
		s.arg(v.NumberHi)
		s.w(")")
	case search.PrefixGt, search.PrefixSa:
		s.w(col, " > ")
		s.arg(n)
	case search.PrefixLt, search.PrefixEb:
		s.w(col, " < ")
		s.arg(n)
	case search.PrefixGe:
		s.w(col, " >= ")
		s.arg(n)
	case search.PrefixLe:
		s.w(col, " <= ")
		s.arg(n)
	case search.PrefixAp:
		d := math.Abs(n) / 10
		s.w("(", col, " >= ")
		s.arg(n - d)
		s.w(" AND ", col, " <= ")
		s.arg(n + d)
		s.w(")")
	}
	return nil
}

// alwaysPresent writes the condition :missing puts on an element every
// resource has (id, meta.lastUpdated) and reports whether f is :missing.
func (s *sqlBuilder) alwaysPresent(f *search.Filter) bool {
	if f.Modifier != search.ModifierMissing {
		return false
	}
	if f.Missing {
		s.w("1 = 0")
	} else {
		s.w("1 = 1")
	}
	return true
}

func (s *sqlBuilder) idFilter(r string, f *search.Filter) error {
	if s.alwaysPresent(f) {
		return nil
	}
	if f.Modifier == search.ModifierNot {
		s.w("NOT ")
	}
	s.w(r, ".res_id IN (")
	for i, v := range f.Values {
		if i > 0 {
			s.w(", ")
		}
		id := v.Code
		if id == "" {
			id = v.Str
		}
		s.arg(id)
	}
	s.w(")")
	return nil
}

func (s *sqlBuilder) lastUpdatedFilter(r string, f *search.Filter) error {
	if s.alwaysPresent(f) {
		return nil
	}
	s.w("(")
	for i := range f.Values {
		if i > 0 {
			s.w(" OR ")
		}
		lo, hi := dateRange(&f.Values[i])
		s.rangeCond(r+".last_updated", r+".last_updated", f.Values[i].Prefix, lo, hi, s.approxDate(lo, hi))
	}
	s.w(")")
	return nil
}
