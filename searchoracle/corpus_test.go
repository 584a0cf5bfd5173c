package searchoracle

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"testing"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// res is one current resource read back from the store, decoded.
type res struct {
	Type, ID string
	// Seq is the sequence number of the resource's only version: its
	// creation order, which is the server's default order and its last
	// tie-breaker (every loaded resource has exactly one version).
	Seq int64
	M   map[string]any
}

// Ref is the resource's relative reference, Type/id.
func (r *res) Ref() string { return r.Type + "/" + r.ID }

// corpus is every current resource of the store.
type corpus struct {
	all    []*res // in creation order
	byType map[string][]*res
	byRef  map[string]*res
}

// readCorpus reads every current resource of st, in pages through
// ListCurrent, and checks that each has exactly one version.
func readCorpus(t *testing.T, st store.Store) *corpus {
	t.Helper()
	c := &corpus{byType: map[string][]*res{}, byRef: map[string]*res{}}
	q := store.CurrentQuery{Count: 1000}
	for {
		var page []store.Version
		if err := st.View(ctx, func(tx store.Tx) error {
			var err error
			page, err = tx.ListCurrent(ctx, q)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, v := range page {
			m, err := fhir.Decode(v.Body, 0)
			if err != nil {
				t.Fatalf("%s/%s: %v", v.Type, v.ID, err)
			}
			if v.VersionID != 1 {
				t.Fatalf("%s/%s has version %d: the oracle orders by the creation of single-version resources", v.Type, v.ID, v.VersionID)
			}
			c.all = append(c.all, &res{Type: v.Type, ID: v.ID, Seq: v.Seq, M: m})
		}
		if len(page) < q.Count {
			break
		}
		q.AfterType, q.AfterID = page[len(page)-1].Type, page[len(page)-1].ID
	}
	slices.SortFunc(c.all, func(a, b *res) int { return cmp.Compare(a.Seq, b.Seq) })
	for _, r := range c.all {
		c.byType[r.Type] = append(c.byType[r.Type], r)
		c.byRef[r.Ref()] = r
	}
	return c
}

// synthID is the Synthea identifier of a resource (stable across loads,
// unlike the server's ids).
func synthID(r *res) string {
	for _, id := range get(r.M, "identifier") {
		m, _ := id.(map[string]any)
		if m["system"] == "https://github.com/synthetichealth/synthea" {
			s, _ := m["value"].(string)
			return s
		}
	}
	return ""
}

// patients returns the patients in the order of their Synthea identifiers,
// so that picking the i-th one is the same choice in every run.
func (c *corpus) patients() []*res {
	ps := slices.Clone(c.byType["Patient"])
	slices.SortFunc(ps, func(a, b *res) int { return cmp.Compare(synthID(a), synthID(b)) })
	return ps
}

// patient returns the i-th patient (modulo their number).
func (c *corpus) patient(i int) *res {
	ps := c.patients()
	return ps[i%len(ps)]
}

// busiestPatient returns the patient referred to by the most resources of
// type typ through path (ties: lowest Synthea identifier).
func (c *corpus) busiestPatient(typ string, path ...string) *res {
	n := map[string]int{}
	for _, r := range c.byType[typ] {
		for _, ref := range refs(r.M, path...) {
			n[ref]++
		}
	}
	var best *res
	for _, p := range c.patients() {
		if best == nil || n[p.Ref()] > n[best.Ref()] {
			best = p
		}
	}
	return best
}

// get returns the values at path below v, flattening arrays at every step
// (as FHIRPath does).
func get(v any, path ...string) []any {
	cur := flatten(v)
	for _, k := range path {
		var next []any
		for _, x := range cur {
			if m, ok := x.(map[string]any); ok {
				if e, ok := m[k]; ok {
					next = append(next, flatten(e)...)
				}
			}
		}
		cur = next
	}
	return cur
}

func flatten(v any) []any {
	if a, ok := v.([]any); ok {
		var out []any
		for _, e := range a {
			out = append(out, flatten(e)...)
		}
		return out
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// strs returns the strings at path below v.
func strs(v any, path ...string) []string {
	var out []string
	for _, x := range get(v, path...) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// num returns a JSON number as a float.
func num(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		return f, err == nil
	case float64:
		return n, true
	}
	return 0, false
}

// refs returns the reference strings at path below v (path ends at the
// Reference element).
func refs(v any, path ...string) []string {
	return strs(v, append(slices.Clone(path), "reference")...)
}

// refTo reports whether one of the references at path is ref.
func refTo(v any, ref string, path ...string) bool {
	return slices.Contains(refs(v, path...), ref)
}

// coding is one system and code.
type coding struct{ system, code string }

// codings returns the codings of the CodeableConcepts (or Codings) at path.
func codings(v any, path ...string) []coding {
	var out []coding
	for _, x := range get(v, path...) {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		if _, isCoding := m["code"]; isCoding {
			out = append(out, codingOf(m))
		}
		for _, cd := range get(m, "coding") {
			if cm, ok := cd.(map[string]any); ok {
				out = append(out, codingOf(cm))
			}
		}
	}
	return out
}

func codingOf(m map[string]any) coding {
	s, _ := m["system"].(string)
	c, _ := m["code"].(string)
	return coding{s, c}
}

// hasCode reports whether one of the codings at path has system and code
// (system "" matches any system).
func hasCode(v any, system, code string, path ...string) bool {
	for _, c := range codings(v, path...) {
		if c.code == code && (system == "" || c.system == system) {
			return true
		}
	}
	return false
}

// first returns the first string at path, or "".
func first(v any, path ...string) string {
	if s := strs(v, path...); len(s) > 0 {
		return s[0]
	}
	return ""
}

// ids returns the refs of resources, for messages.
func ids(rs []*res) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Ref()
	}
	return out
}
