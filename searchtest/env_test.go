package searchtest

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/fhir/validate"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/sqlstore"
	"github.com/yitong-health/yitong/store/storetest"
)

var ctx = context.Background()

// env is one backend loaded with the fixtures.
type env struct {
	backend string
	svc     *resources.Service
}

// suites are the groups of the conformance suite, each run on every
// backend against the same loaded fixtures (searches do not write).
var suites = []struct {
	name string
	run  func(t *testing.T, e *env)
}{
	{"string", func(t *testing.T, e *env) { runCases(t, e, stringCases) }},
	{"token", func(t *testing.T, e *env) { runCases(t, e, tokenCases) }},
	{"reference", func(t *testing.T, e *env) { runCases(t, e, referenceCases) }},
	{"date", func(t *testing.T, e *env) { runCases(t, e, dateCases) }},
	{"number", func(t *testing.T, e *env) { runCases(t, e, numberCases) }},
	{"quantity", func(t *testing.T, e *env) { runCases(t, e, quantityCases) }},
	{"composite", func(t *testing.T, e *env) { runCases(t, e, compositeCases) }},
	{"uri", func(t *testing.T, e *env) { runCases(t, e, uriCases) }},
	{"special", func(t *testing.T, e *env) { runCases(t, e, specialCases) }},
	{"text", func(t *testing.T, e *env) { runCases(t, e, textCases) }},
	{"terminology", func(t *testing.T, e *env) { runCases(t, e, terminologyCases) }},
	{"terminology errors", testTerminologyErrors},
	{"orand", func(t *testing.T, e *env) { runCases(t, e, orAndCases) }},
	{"chain", func(t *testing.T, e *env) { runCases(t, e, chainCases) }},
	{"has", func(t *testing.T, e *env) { runCases(t, e, hasCases) }},
	{"has tested per candidate", func(t *testing.T, e *env) {
		// The plan for reverse chains with many referring matches.
		defer func(n, m int) { sqlstore.BroadHasLimit, sqlstore.BroadHasTargets = n, m }(sqlstore.BroadHasLimit, sqlstore.BroadHasTargets)
		sqlstore.BroadHasLimit, sqlstore.BroadHasTargets = 1, 1
		runCases(t, e, hasCases)
	}},
	{"include", func(t *testing.T, e *env) { runCases(t, e, includeCases) }},
	{"sort", func(t *testing.T, e *env) { runCases(t, e, sortCases) }},
	{"system", func(t *testing.T, e *env) { runCases(t, e, systemCases) }},
	{"paging", testPaging},
	{"result", testResultParams},
	{"errors", testErrors},
	{"injection", func(t *testing.T, e *env) { runCases(t, e, injectionCases); runCases(t, e, afterInjection) }},
	{"knownGaps", testKnownGaps},
	{"regressions", func(t *testing.T, e *env) { runCases(t, e, regressions) }},
}

// TestSearchConformance loads the fixtures into each backend once and runs
// every suite against them.
func TestSearchConformance(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := load(t, b)
			for _, s := range suites {
				t.Run(s.name, func(t *testing.T) { s.run(t, e) })
			}
		})
	}
}

// load opens a fresh store of backend b and writes every fixture with
// create-on-update, each at its own clock reading.
func load(t *testing.T, b storetest.Backend) *env {
	t.Helper()
	now := time.Time{}
	st := b.Open(t, func() time.Time { return now })
	svc := resources.New(st, resources.Options{Validate: validate.Resource, IsResourceType: spec.IsResourceType})
	base := time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)
	for i, f := range fixtures {
		now = base.Add(time.Duration(i) * time.Second)
		if f.at != "" {
			at, err := time.Parse(time.RFC3339, f.at)
			if err != nil {
				t.Fatalf("fixture %d: bad time %q", i, f.at)
			}
			now = at
		}
		res, err := fhir.Decode([]byte(f.json), 0)
		if err != nil {
			t.Fatalf("fixture %d does not decode: %v\n%s", i, err, f.json)
		}
		typ, _ := res["resourceType"].(string)
		id, _ := res["id"].(string)
		if _, err := svc.Update(ctx, typ, id, res, 0); err != nil {
			t.Fatalf("load %s/%s: %v", typ, id, err)
		}
	}
	return &env{backend: b.Name, svc: svc}
}

// searchCase is one search and the resources it must return. Ids are
// unique across types in the fixtures, so want and inc name resources by
// id alone. want is in order when the query has _sort, else a set.
type searchCase struct {
	name  string
	typ   string // "" for a system-level search
	query string // as it appears after "?" (percent-encoded)
	want  []string
	inc   []string // included resources (_include, _revinclude), a set
	// allow400 accepts a 400 OperationOutcome instead of the matches, for
	// requests R4 lets a server refuse.
	allow400 bool
}

// outcome is what a search returned over all its pages.
type outcome struct {
	matches []string // ids in order
	inc     []string // ids, sorted
	types   []string // type of each match
	err     error
}

// search runs a query and follows its next cursors to the end.
func (e *env) search(t *testing.T, typ, query string) outcome {
	t.Helper()
	vals, err := url.ParseQuery(query)
	if err != nil {
		t.Fatalf("test query %q does not parse: %v", query, err)
	}
	var o outcome
	cursor := ""
	for range 100 {
		res, err := e.svc.Search(ctx, typ, vals, resources.SearchOptions{Cursor: cursor})
		if err != nil {
			o.err = err
			return o
		}
		for _, v := range res.Page.Matches {
			o.matches = append(o.matches, v.ID)
			o.types = append(o.types, v.Type)
		}
		for _, v := range res.Page.Included {
			o.inc = append(o.inc, v.ID)
		}
		if res.Page.Next == "" {
			slices.Sort(o.inc)
			o.inc = slices.Compact(o.inc)
			return o
		}
		cursor = res.Page.Next
	}
	t.Fatalf("%s?%s: more than 100 pages", typ, query)
	return o
}

// check compares an outcome with a case and returns the differences ("" if
// none).
func (c searchCase) check(o outcome) string {
	if o.err != nil && c.allow400 && refused(o.err) == "" {
		return ""
	}
	if o.err != nil {
		return fmt.Sprintf("error %v (code %s, status %d)", o.err, fhir.CodeOf(o.err), resources.StatusOf(o.err))
	}
	var diffs []string
	if dup := duplicates(o.matches); len(dup) > 0 {
		diffs = append(diffs, fmt.Sprintf("matches repeated: %v", dup))
	}
	if c.typ != "" {
		for i, ty := range o.types {
			if ty != c.typ {
				diffs = append(diffs, fmt.Sprintf("match %s is a %s", o.matches[i], ty))
			}
		}
	}
	want := nonNil(c.want)
	got := nonNil(o.matches)
	if strings.Contains(c.query, "_sort=") {
		if !slices.Equal(got, want) {
			diffs = append(diffs, fmt.Sprintf("matches %v, want in this order %v", got, want))
		}
	} else if g, w := sorted(got), sorted(want); !slices.Equal(g, w) {
		diffs = append(diffs, fmt.Sprintf("matches %v, want %v", g, w))
	}
	if g, w := nonNil(o.inc), sorted(c.inc); !slices.Equal(g, w) {
		diffs = append(diffs, fmt.Sprintf("included %v, want %v", g, w))
	}
	for _, id := range o.inc {
		if slices.Contains(o.matches, id) {
			diffs = append(diffs, fmt.Sprintf("%s is both a match and included", id))
		}
	}
	return strings.Join(diffs, "; ")
}

// runCases runs a table; each case is a subtest named after the query.
func runCases(t *testing.T, e *env, cases []searchCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if d := c.check(e.search(t, c.typ, c.query)); d != "" {
				t.Errorf("%s?%s: %s", c.typ, c.query, d)
			}
		})
	}
}

func sorted(s []string) []string {
	s = slices.Clone(nonNil(s))
	slices.Sort(s)
	return s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func duplicates(s []string) []string {
	seen := map[string]bool{}
	var dup []string
	for _, x := range s {
		if seen[x] {
			dup = append(dup, x)
		}
		seen[x] = true
	}
	return dup
}

// ids is a shorthand for a list of ids.
func ids(s ...string) []string { return s }

// page returns the first page of a search, failing the test on error.
func (e *env) page(t *testing.T, typ, query, cursor string) *resources.SearchResult {
	t.Helper()
	vals, err := url.ParseQuery(query)
	if err != nil {
		t.Fatalf("test query %q does not parse: %v", query, err)
	}
	res, err := e.svc.Search(ctx, typ, vals, resources.SearchOptions{Cursor: cursor})
	if err != nil {
		t.Fatalf("%s?%s: %v", typ, query, err)
	}
	return res
}

// versionIDs lists the ids of versions.
func versionIDs(vs []store.Version) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}

// decode decodes a stored body.
func decode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	r, err := fhir.Decode(body, 0)
	if err != nil {
		t.Fatalf("stored body does not decode: %v", err)
	}
	return r
}
