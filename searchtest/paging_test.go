package searchtest

import (
	"slices"
	"testing"

	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/resources"
)

var allObservations = ids("obs-mg", "obs-g", "obs-mmol", "obs-unit", "obs-open", "obs-closed", "obs-nostart", "obs-bp", "obs-ext", "obs-logical")

// testPaging walks every page through the next cursors: each page holds at
// most _count matches, together they hold every match once, in the _sort
// order when there is one (R4 search 3.1.1.5.6, paging).
func testPaging(t *testing.T, e *env) {
	cases := []struct {
		name, typ, query string
		count            int
		want             []string
		ordered          bool
	}{
		{"default order", "Observation", "_count=3", 3, allObservations, false},
		{"one per page", "Observation", "_count=1", 1, allObservations, false},
		{"sorted with a missing value", "Observation", "_sort=date&_count=2", 2, allObservations, false},
		{"sorted", "Patient", "_sort=birthdate&_count=2", 2, ids("pat-smythe", "pat-muller", "pat-zhang", "pat-garcia", "pat-smith", "pat-anon"), true},
		{"sorted desc", "RiskAssessment", "_sort=-probability&_count=4", 4, ids("ra-multi", "ra-85", "ra-849", "ra-80", "ra-75", "ra-none"), true},
		{"sorted two keys", "Patient", "_sort=gender,-birthdate&_count=4", 4, ids("pat-garcia", "pat-zhang", "pat-muller", "pat-smythe", "pat-smith", "pat-anon"), true},
		{"filtered", "Observation", "code=2339-0&_count=3", 3, ids("obs-mg", "obs-g", "obs-unit", "obs-ext"), false},
		{"exact fit", "Observation", "code=2339-0&_count=4", 4, ids("obs-mg", "obs-g", "obs-unit", "obs-ext"), false},
		{"system level", "", "_type=Organization,Practitioner&_count=2", 2, ids("org-a", "org-b", "org-c", "prac-li", "prac-wang"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			cursor := ""
			pages := 0
			for {
				res := e.page(t, c.typ, c.query, cursor)
				pages++
				if n := len(res.Page.Matches); n > c.count || n == 0 {
					t.Errorf("page %d has %d matches, want 1 to %d", pages, n, c.count)
				}
				got = append(got, versionIDs(res.Page.Matches)...)
				if res.Page.Next == "" || pages > 20 {
					break
				}
				cursor = res.Page.Next
			}
			if dup := duplicates(got); len(dup) > 0 {
				t.Errorf("repeated across pages: %v", dup)
			}
			if want := (len(c.want) + c.count - 1) / c.count; pages != want {
				t.Errorf("%d pages, want %d", pages, want)
			}
			if c.ordered {
				if !slices.Equal(got, c.want) {
					t.Errorf("pages hold %v, want in this order %v", got, c.want)
				}
			} else if g, w := sorted(got), sorted(c.want); !slices.Equal(g, w) {
				t.Errorf("pages hold %v, want %v", g, w)
			}
		})
	}

	t.Run("previous link", func(t *testing.T) {
		first := e.page(t, "Patient", "_sort=birthdate&_count=2", "")
		second := e.page(t, "Patient", "_sort=birthdate&_count=2", first.Page.Next)
		if second.Page.Prev == "" {
			t.Fatal("second page has no previous link")
		}
		back := e.page(t, "Patient", "_sort=birthdate&_count=2", second.Page.Prev)
		if g, w := versionIDs(back.Page.Matches), versionIDs(first.Page.Matches); !slices.Equal(g, w) {
			t.Errorf("previous of the second page is %v, want the first page %v", g, w)
		}
	})
}

// testResultParams checks _total, _summary=count, _count=0, _elements and
// _summary=true (R4 search 3.1.1.5.x).
func testResultParams(t *testing.T, e *env) {
	t.Run("total accurate", func(t *testing.T) {
		res := e.page(t, "Observation", "_total=accurate&_count=2", "")
		if res.Page.Total != len(allObservations) || len(res.Page.Matches) != 2 {
			t.Errorf("total %d with %d matches, want %d with 2", res.Page.Total, len(res.Page.Matches), len(allObservations))
		}
	})
	t.Run("total filtered", func(t *testing.T) {
		res := e.page(t, "Observation", "code=2339-0&_total=accurate", "")
		if res.Page.Total != 4 {
			t.Errorf("total %d, want 4", res.Page.Total)
		}
	})
	t.Run("total none", func(t *testing.T) {
		res := e.page(t, "Observation", "_total=none", "")
		if res.Page.Total != -1 {
			t.Errorf("total %d, want none (-1)", res.Page.Total)
		}
	})
	t.Run("summary count", func(t *testing.T) {
		res := e.page(t, "Observation", "_summary=count", "")
		if res.Page.Total != len(allObservations) || len(res.Page.Matches) != 0 || res.Page.Next != "" {
			t.Errorf("total %d, %d matches, next %q; want %d, none, none", res.Page.Total, len(res.Page.Matches), res.Page.Next, len(allObservations))
		}
	})
	t.Run("count zero", func(t *testing.T) {
		res := e.page(t, "Observation", "code=2339-0&_count=0", "")
		if res.Page.Total != 4 || len(res.Page.Matches) != 0 {
			t.Errorf("total %d with %d matches, want 4 with none", res.Page.Total, len(res.Page.Matches))
		}
	})
	t.Run("summary count with include", func(t *testing.T) {
		res := e.page(t, "Patient", "gender=male&_summary=count&_revinclude=Condition:patient", "")
		if res.Page.Total != 3 || len(res.Page.Matches)+len(res.Page.Included) != 0 {
			t.Errorf("total %d, %d matches, %d included; want 3, none, none", res.Page.Total, len(res.Page.Matches), len(res.Page.Included))
		}
	})
	t.Run("elements", func(t *testing.T) {
		got := subset(t, e, "_id=pat-muller&_elements=birthDate,gender")
		for _, k := range []string{"resourceType", "id", "meta", "birthDate", "gender"} {
			if _, ok := got[k]; !ok {
				t.Errorf("_elements dropped %s: %v", k, got)
			}
		}
		for _, k := range []string{"name", "identifier", "address", "telecom"} {
			if _, ok := got[k]; ok {
				t.Errorf("_elements kept %s", k)
			}
		}
		if !subsetted(got) {
			t.Errorf("meta.tag lacks SUBSETTED: %v", got["meta"])
		}
	})
	t.Run("summary true", func(t *testing.T) {
		got := subset(t, e, "_id=pat-muller&_summary=true")
		for _, k := range []string{"id", "name", "birthDate", "identifier", "managingOrganization"} {
			if _, ok := got[k]; !ok {
				t.Errorf("_summary=true dropped summary element %s", k)
			}
		}
		if _, ok := got["generalPractitioner"]; ok {
			t.Error("_summary=true kept generalPractitioner, which is not a summary element")
		}
		if !subsetted(got) {
			t.Errorf("meta.tag lacks SUBSETTED: %v", got["meta"])
		}
	})
	t.Run("parsed", func(t *testing.T) {
		res := e.page(t, "Patient", "_elements=birthDate&_summary=false&_total=accurate", "")
		if res.Query.Summary != search.SummaryFalse || !slices.Equal(res.Query.Elements, []string{"birthDate"}) {
			t.Errorf("query summary %v elements %v", res.Query.Summary, res.Query.Elements)
		}
	})
}

// subset runs a Patient search for one resource and returns it as the
// REST layer shows it.
func subset(t *testing.T, e *env, query string) map[string]any {
	t.Helper()
	res := e.page(t, "Patient", query, "")
	if len(res.Page.Matches) != 1 {
		t.Fatalf("Patient?%s: %d matches, want 1", query, len(res.Page.Matches))
	}
	r := decode(t, res.Page.Matches[0].Body)
	return resources.Subset(r, res.Query)
}

func subsetted(r map[string]any) bool {
	meta, _ := r["meta"].(map[string]any)
	tags, _ := meta["tag"].([]any)
	for _, x := range tags {
		if tag, _ := x.(map[string]any); tag["code"] == "SUBSETTED" {
			return true
		}
	}
	return false
}
