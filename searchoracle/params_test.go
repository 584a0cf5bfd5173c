package searchoracle

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The oracle's side of the search parameters the queries use, written by
// hand from the R4 definitions (http://hl7.org/fhir/R4/searchparameter-registry.html):
// each returns what the parameter's expression selects in a resource.

// pred is a criterion on one resource.
type pred func(r *res) bool

// and is the conjunction of criteria.
func and(ps ...pred) pred {
	return func(r *res) bool {
		for _, p := range ps {
			if !p(r) {
				return false
			}
		}
		return true
	}
}

// not is the negation of a criterion.
func not(p pred) pred { return func(r *res) bool { return !p(r) } }

// anyOf splits a search value on commas (OR) and reports whether one part
// satisfies f.
func anyOf(q string, f func(string) bool) bool {
	for _, part := range strings.Split(q, ",") {
		if f(part) {
			return true
		}
	}
	return false
}

// splitToken splits a token search value: "system|code", "|code" (no
// system: matched as a code without system) or "code" (any system).
func splitToken(q string) (system, code string, anySystem bool) {
	if i := strings.IndexByte(q, '|'); i >= 0 {
		return q[:i], q[i+1:], false
	}
	return "", q, true
}

// tokenCC is a token parameter over the CodeableConcepts or Codings at
// path.
func tokenCC(q string, path ...string) pred {
	return func(r *res) bool {
		return anyOf(q, func(v string) bool {
			sys, code, anySys := splitToken(v)
			for _, c := range codings(r.M, path...) {
				if (anySys || c.system == sys) && (code == "" || c.code == code) {
					return true
				}
			}
			return false
		})
	}
}

// tokenIdent is a token parameter over the Identifiers at path.
func tokenIdent(q string, path ...string) pred {
	return func(r *res) bool {
		return anyOf(q, func(v string) bool {
			sys, val, anySys := splitToken(v)
			for _, x := range get(r.M, path...) {
				m, _ := x.(map[string]any)
				s, _ := m["system"].(string)
				iv, _ := m["value"].(string)
				if (anySys || s == sys) && (val == "" || iv == val) {
					return true
				}
			}
			return false
		})
	}
}

// tokenCode is a token parameter over a code element at path.
func tokenCode(q string, path ...string) pred {
	return func(r *res) bool {
		return anyOf(q, func(v string) bool {
			_, code, _ := splitToken(v)
			for _, s := range strs(r.M, path...) {
				if s == code {
					return true
				}
			}
			return false
		})
	}
}

// strParam is a string parameter over the strings parts returns.
func strParam(q string, mode strMode, parts func(r *res) []string) pred {
	return func(r *res) bool {
		return anyOf(q, func(v string) bool { return matchStr(parts(r), v, mode) })
	}
}

// dateParam is a date parameter over the ranges spans returns.
func dateParam(q string, spans func(r *res) []span) pred {
	return func(r *res) bool {
		return anyOf(q, func(v string) bool { return matchDate(spans(r), v) })
	}
}

// refParam is a reference parameter over the references at path (target
// "Type/id"; OR with commas).
func refParam(q string, path ...string) pred {
	return func(r *res) bool {
		return anyOf(q, func(v string) bool { return refTo(r.M, v, path...) })
	}
}

// missing is :missing=true (wantMissing) or :missing=false over what has
// reports.
func missing(wantMissing bool, has pred) pred {
	return func(r *res) bool { return has(r) != wantMissing }
}

// Element accessors of the parameters used.

func patientNames(r *res) []string { return humanNameParts(r.M, "name") }
func patientFamily(r *res) []string {
	return strs(r.M, "name", "family")
}
func patientGiven(r *res) []string  { return strs(r.M, "name", "given") }
func patientCity(r *res) []string   { return strs(r.M, "address", "city") }
func patientState(r *res) []string  { return strs(r.M, "address", "state") }
func patientPostal(r *res) []string { return strs(r.M, "address", "postalCode") }
func birthDate(r *res) []span       { return dateSpans(r.M, "birthDate") }
func deathDate(r *res) []span       { return dateSpans(r.M, "deceasedDateTime") }

// effective is Observation.effective (dateTime, Period, Timing's events,
// instant) as the "date" parameter selects it.
func effective(r *res) []span {
	return concat(dateSpans(r.M, "effectiveDateTime"), dateSpans(r.M, "effectivePeriod"),
		dateSpans(r.M, "effectiveInstant"), dateSpans(r.M, "effectiveTiming", "event"))
}
func lastUpdated(r *res) []span     { return dateSpans(r.M, "meta", "lastUpdated") }
func encounterPeriod(r *res) []span { return dateSpans(r.M, "period") }
func onset(r *res) []span {
	return concat(dateSpans(r.M, "onsetDateTime"), dateSpans(r.M, "onsetPeriod"))
}
func abatement(r *res) []span {
	return concat(dateSpans(r.M, "abatementDateTime"), dateSpans(r.M, "abatementPeriod"))
}
func authoredOn(r *res) []span { return dateSpans(r.M, "authoredOn") }
func occurrence(r *res) []span { return dateSpans(r.M, "occurrenceDateTime") }
func performed(r *res) []span {
	return concat(dateSpans(r.M, "performedDateTime"), dateSpans(r.M, "performedPeriod"))
}

func concat(ss ...[]span) []span {
	var out []span
	for _, s := range ss {
		out = append(out, s...)
	}
	return out
}

// quantities returns the values of the Quantities at path.
func quantities(r *res, path ...string) []float64 {
	var out []float64
	for _, x := range get(r.M, path...) {
		m, _ := x.(map[string]any)
		if n, ok := num(m["value"]); ok {
			out = append(out, n)
		}
	}
	return out
}

// Sort orders.

// byDate orders by a date parameter (ascending: lowest start; descending:
// highest end; missing last).
func byDate(spans func(r *res) []span, desc bool) func(a, b *res) int {
	return func(a, b *res) int {
		return cmpKey(dateKey(spans(a), desc), dateKey(spans(b), desc), desc, cmpTime)
	}
}

// byString orders by a string parameter (folded; lowest ascending,
// highest descending; missing last).
func byString(parts func(r *res) []string, desc bool) func(a, b *res) int {
	return func(a, b *res) int {
		return cmpKey(strKey(parts(a), desc), strKey(parts(b), desc), desc, strings.Compare)
	}
}

// byNumber orders by a number or quantity parameter.
func byNumber(values func(r *res) []float64, desc bool) func(a, b *res) int {
	key := func(r *res) *float64 {
		var k *float64
		for _, v := range values(r) {
			if k == nil || !desc && v < *k || desc && v > *k {
				k = &v
			}
		}
		return k
	}
	return func(a, b *res) int { return cmpKey(key(a), key(b), desc, cmp.Compare[float64]) }
}

// then chains orders: the first that tells a and b apart decides.
func then(orders ...func(a, b *res) int) func(a, b *res) int {
	return func(a, b *res) int {
		for _, o := range orders {
			if c := o(a, b); c != 0 {
				return c
			}
		}
		return 0
	}
}

// Values picked from the corpus.

// day returns the Shanghai calendar day of an instant, as YYYY-MM-DD.
func day(t time.Time) string { return t.In(shanghai).Format("2006-01-02") }

// month returns the Shanghai month of an instant, as YYYY-MM.
func month(t time.Time) string { return t.In(shanghai).Format("2006-01") }

// identValue returns the value of the first identifier with system.
func identValue(r *res, system string) string {
	for _, x := range get(r.M, "identifier") {
		m, _ := x.(map[string]any)
		if m["system"] == system {
			s, _ := m["value"].(string)
			return s
		}
	}
	return ""
}

// withIdent returns the patients that have an identifier of system.
func (c *corpus) withIdent(system string) []*res {
	var out []*res
	for _, p := range c.patients() {
		if identValue(p, system) != "" {
			out = append(out, p)
		}
	}
	return out
}

// included returns the resources the references at path of the page's
// resources point to, when they are of type typ and exist.
func (c *corpus) included(page []*res, typ string, path ...string) []*res {
	var out []*res
	for _, r := range page {
		for _, ref := range refs(r.M, path...) {
			if t := c.byRef[ref]; t != nil && t.Type == typ {
				out = append(out, t)
			}
		}
	}
	return out
}

// revIncluded returns the resources of type typ whose references at path
// point to one of the page's resources.
func (c *corpus) revIncluded(page []*res, typ string, path ...string) []*res {
	on := map[string]bool{}
	for _, r := range page {
		on[r.Ref()] = true
	}
	var out []*res
	for _, r := range c.byType[typ] {
		for _, ref := range refs(r.M, path...) {
			if on[ref] {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// chain is a chained parameter: one of the references at path points to a
// resource of type typ that satisfies p.
func (c *corpus) chain(p pred, typ string, path ...string) pred {
	return func(r *res) bool {
		for _, ref := range refs(r.M, path...) {
			if t := c.byRef[ref]; t != nil && t.Type == typ && p(t) {
				return true
			}
		}
		return false
	}
}

// hasReverse is _has:typ:param:...: a resource of type typ that satisfies p
// refers to the candidate through path.
func (c *corpus) hasReverse(typ string, p pred, path ...string) pred {
	targets := map[string]bool{}
	for _, r := range c.byType[typ] {
		if p(r) {
			for _, ref := range refs(r.M, path...) {
				targets[ref] = true
			}
		}
	}
	return func(r *res) bool { return targets[r.Ref()] }
}

// commonCode returns the i-th most frequent code of the codings at path
// in resources of type typ (ties by code).
func (c *corpus) commonCode(typ string, path string, i int) string {
	n := map[string]int{}
	for _, r := range c.byType[typ] {
		for _, cd := range codings(r.M, path) {
			n[cd.code]++
		}
	}
	codes := make([]string, 0, len(n))
	for k := range n {
		codes = append(codes, k)
	}
	slices.SortFunc(codes, func(a, b string) int {
		if c := cmp.Compare(n[b], n[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return codes[i%len(codes)]
}

// nth returns the i-th resource of type typ (in creation order, modulo
// their number) that satisfies p.
func (c *corpus) nth(typ string, i int, p pred) *res {
	var ms []*res
	for _, r := range c.byType[typ] {
		if p(r) {
			ms = append(ms, r)
		}
	}
	return ms[i%len(ms)]
}

// types returns every resource type of the corpus.
func (c *corpus) types() []string {
	out := make([]string, 0, len(c.byType))
	for t := range c.byType {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// addYears adds n years to a year written YYYY.
func addYears(y string, n int) string {
	v, err := strconv.Atoi(y)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%04d", v+n)
}

// authoredOnMedian returns the Shanghai month of the median authoredOn of
// the patient's medication requests.
func authoredOnMedian(c *corpus, p *res) string {
	var ts []time.Time
	for _, r := range c.byType["MedicationRequest"] {
		if refTo(r.M, p.Ref(), "subject") {
			for _, s := range authoredOn(r) {
				ts = append(ts, s.lo)
			}
		}
	}
	slices.SortFunc(ts, cmpTime)
	return month(ts[len(ts)/2])
}

// patientWith returns the first patient from the i-th on (wrapping) for
// which parts returns something.
func (c *corpus) patientWith(i int, parts func(r *res) []string) *res {
	ps := c.patients()
	for k := range ps {
		if p := ps[(i+k)%len(ps)]; len(parts(p)) > 0 {
			return p
		}
	}
	panic("no patient has the element")
}

// medianDate returns the median start of the date ranges of the resources
// of type typ that satisfy p.
func (c *corpus) medianDate(typ string, p pred, spans func(r *res) []span) time.Time {
	var ts []time.Time
	for _, r := range c.byType[typ] {
		if p(r) {
			for _, s := range spans(r) {
				ts = append(ts, s.lo)
			}
		}
	}
	slices.SortFunc(ts, cmpTime)
	return ts[len(ts)/2]
}
