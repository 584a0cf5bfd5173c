package searchoracle

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
)

// query is one search checked against the oracle.
type query struct {
	name string
	// typ is the resource type searched ("" for a system search).
	typ string
	// build returns the search and its expected outcome over a corpus.
	build builder
}

// builder returns a search and its expected outcome over a corpus.
type builder func(c *corpus) expect

// expect is a search and what the oracle says it returns.
type expect struct {
	// params is the query string; _count=50 is added when it has none.
	params string
	// types are the types a system search considers.
	types []string
	// match is the criteria, evaluated by hand.
	match func(r *res) bool
	// order compares two matches by the requested sort keys (nil: none);
	// ties go by creation.
	order func(a, b *res) int
	// include returns the resources _include/_revinclude should add to a
	// page of matches (those not on the page themselves).
	include func(page []*res) []*res
	// countOnly: only the total is returned (_summary=count).
	countOnly bool
	// mayBeEmpty: an empty result is expected to be possible (otherwise
	// an empty expectation fails the query as too weak).
	mayBeEmpty bool
}

// outcome is what the oracle expects or what the search returned.
type outcome struct {
	matches  []string
	included [][]string // per page, sorted
	total    int
}

func TestSyntheaOracle(t *testing.T) {
	info, patients := syntheaFiles(t)
	checkQueryNames(t)
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			start := time.Now()
			st, analyze := b.open(t)
			svc := newService(st)
			load(t, svc, info, patients)
			analyze()
			c := readCorpus(t, st)
			t.Logf("%d resources read back", len(c.all))
			for _, q := range queries {
				t.Run(q.name, func(t *testing.T) {
					want, got, err := run(svc, c, q)
					if err != nil {
						t.Fatal(err)
					}
					if d := diff(want, got); d != "" {
						t.Errorf("%s?%s: %s", q.typ, q.build(c).params, d)
					}
				})
			}
			for _, q := range knownGaps {
				t.Run("gap/"+q.name, func(t *testing.T) {
					want, got, err := run(svc, c, q)
					if err == nil && diff(want, got) == "" {
						t.Errorf("%s?%s now agrees with the oracle: move it from knownGaps to queries", q.typ, q.build(c).params)
					}
				})
			}
			t.Logf("%d queries and %d known gaps checked; backend took %.1fs", len(queries), len(knownGaps), time.Since(start).Seconds())
		})
	}
}

// checkQueryNames fails on duplicate query names and on too few queries.
func checkQueryNames(t *testing.T) {
	seen := map[string]bool{}
	for _, q := range append(slices.Clone(queries), knownGaps...) {
		if seen[q.name] {
			t.Fatalf("query name %q is used twice", q.name)
		}
		seen[q.name] = true
	}
	if len(queries) < 50 {
		t.Fatalf("only %d queries: the oracle test needs at least 50", len(queries))
	}
}

// run computes the oracle's outcome of q and the search's, reading every
// page of the search.
func run(svc *resources.Service, c *corpus, q query) (want, got outcome, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the oracle of this query fails on this data: %v", p)
		}
	}()
	e := q.build(c)
	want, err = expected(c, q.typ, e)
	if err != nil {
		return want, got, err
	}
	got, err = search(svc, c, q.typ, e.params)
	return want, got, err
}

// expected evaluates the query by hand over the corpus.
func expected(c *corpus, typ string, e expect) (outcome, error) {
	var cands []*res
	if typ != "" {
		cands = c.byType[typ]
	} else {
		for _, ty := range e.types {
			cands = append(cands, c.byType[ty]...)
		}
	}
	var ms []*res
	for _, r := range cands {
		if e.match(r) {
			ms = append(ms, r)
		}
	}
	if len(ms) == 0 && !e.mayBeEmpty {
		return outcome{}, fmt.Errorf("the oracle expects no match: choose a query that tests something")
	}
	slices.SortStableFunc(ms, func(a, b *res) int {
		if e.order != nil {
			if o := e.order(a, b); o != 0 {
				return o
			}
		}
		return cmp.Compare(a.Seq, b.Seq)
	})
	out := outcome{total: len(ms)}
	if e.countOnly {
		return out, nil
	}
	out.matches = ids(ms)
	count := pageSize(e.params)
	for i := 0; i < len(ms); i += count {
		page := ms[i:min(i+count, len(ms))]
		var inc []string
		if e.include != nil {
			on := map[string]bool{}
			for _, r := range page {
				on[r.Ref()] = true
			}
			seen := map[string]bool{}
			for _, r := range e.include(page) {
				if !on[r.Ref()] && !seen[r.Ref()] {
					seen[r.Ref()] = true
					inc = append(inc, r.Ref())
				}
			}
		}
		slices.Sort(inc)
		out.included = append(out.included, inc)
	}
	return out, nil
}

// pageSize is the _count of a query string (50 when it has none).
func pageSize(params string) int {
	v, err := url.ParseQuery(params)
	if err != nil || v.Get("_count") == "" {
		return 50
	}
	var n int
	fmt.Sscan(v.Get("_count"), &n)
	return n
}

// search runs the query through the service and follows every Next cursor.
func search(svc *resources.Service, c *corpus, typ, params string) (outcome, error) {
	values, err := url.ParseQuery(params)
	if err != nil {
		return outcome{}, err
	}
	if values.Get("_count") == "" {
		values.Set("_count", "50")
	}
	out := outcome{total: -1}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10000 {
			return out, fmt.Errorf("more than 10000 pages: the Next cursors loop")
		}
		r, err := svc.Search(ctx, typ, values, resources.SearchOptions{Cursor: cursor})
		if err != nil {
			return out, err
		}
		if pages == 0 {
			out.total = r.Page.Total
		}
		if values.Get("_summary") == "count" {
			return out, nil
		}
		var inc []string
		for _, v := range r.Page.Matches {
			out.matches = append(out.matches, v.Type+"/"+v.ID)
			if err := checkBody(c, v.Type, v.ID, v.Body); err != nil {
				return out, err
			}
		}
		for _, v := range r.Page.Included {
			inc = append(inc, v.Type+"/"+v.ID)
		}
		slices.Sort(inc)
		if len(r.Page.Matches) > 0 || pages == 0 {
			out.included = append(out.included, inc)
		}
		if r.Page.Next == "" {
			break
		}
		cursor = r.Page.Next
	}
	if len(out.matches) == 0 {
		out.included = nil
	}
	return out, nil
}

// checkBody checks that a match's body is the resource read back.
func checkBody(c *corpus, typ, id string, body []byte) error {
	r := c.byRef[typ+"/"+id]
	if r == nil {
		return fmt.Errorf("%s/%s is not a current resource", typ, id)
	}
	m, err := fhir.Decode(body, 0)
	if err != nil {
		return err
	}
	if string(fhir.Marshal(m)) != string(fhir.Marshal(r.M)) {
		return fmt.Errorf("%s/%s: the body differs from the stored resource", typ, id)
	}
	return nil
}

// diff describes how got differs from want ("" when equal).
func diff(want, got outcome) string {
	var b strings.Builder
	if want.total != got.total && got.total != -1 {
		fmt.Fprintf(&b, "total %d, want %d; ", got.total, want.total)
	}
	if !slices.Equal(want.matches, got.matches) {
		missing, extra := setDiff(want.matches, got.matches)
		fmt.Fprintf(&b, "%d matches, want %d", len(got.matches), len(want.matches))
		if len(missing) > 0 {
			fmt.Fprintf(&b, "; missing %s", short(missing))
		}
		if len(extra) > 0 {
			fmt.Fprintf(&b, "; unexpected %s", short(extra))
		}
		if len(missing) == 0 && len(extra) == 0 {
			for i := range want.matches {
				if want.matches[i] != got.matches[i] {
					fmt.Fprintf(&b, "; same set, order differs first at %d: %s, want %s", i, got.matches[i], want.matches[i])
					break
				}
			}
		}
		b.WriteString("; ")
	}
	if len(want.included) == 0 {
		want.included = nil
	}
	if slices.Equal(want.matches, got.matches) && !slices.EqualFunc(want.included, got.included, slices.Equal[[]string]) {
		for i := range max(len(want.included), len(got.included)) {
			var w, g []string
			if i < len(want.included) {
				w = want.included[i]
			}
			if i < len(got.included) {
				g = got.included[i]
			}
			if !slices.Equal(w, g) {
				missing, extra := setDiff(w, g)
				fmt.Fprintf(&b, "page %d includes %d, want %d; missing %s; unexpected %s; ", i+1, len(g), len(w), short(missing), short(extra))
				break
			}
		}
	}
	return strings.TrimSuffix(b.String(), "; ")
}

// setDiff returns the elements of want not in got and of got not in want.
func setDiff(want, got []string) (missing, extra []string) {
	w, g := map[string]bool{}, map[string]bool{}
	for _, s := range want {
		w[s] = true
	}
	for _, s := range got {
		g[s] = true
		if !w[s] {
			extra = append(extra, s)
		}
	}
	for _, s := range want {
		if !g[s] {
			missing = append(missing, s)
		}
	}
	return missing, extra
}

func short(s []string) string {
	if len(s) > 5 {
		return fmt.Sprintf("%v … (%d in all)", s[:5], len(s))
	}
	return fmt.Sprint(s)
}
