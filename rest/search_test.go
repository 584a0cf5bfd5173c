package rest_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestSearch(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		one := e.create(t, patient("urn:s", "1"))
		twoA := e.create(t, patient("urn:s", "2"))
		twoB := e.create(t, patient("urn:s", "2"))
		other := e.create(t, patient("urn:other", "1"))
		gone := e.create(t, patient("urn:s", "gone"))
		wantStatus(t, e.do(t, "DELETE", "/Patient/"+gone, nil), http.StatusNoContent)
		e.create(t, observation("Patient/"+one))
		sorted := func(ids ...string) []string { slices.Sort(ids); return ids }

		cases := []struct {
			query string
			want  []string
		}{
			{query("identifier", "urn:s|1"), []string{one}},
			{query("identifier", "urn:s|2"), sorted(twoA, twoB)},
			{query("identifier", "1"), sorted(one, other)},
			{query("identifier", "urn:s|1,urn:s|2"), sorted(one, twoA, twoB)},
			{query("identifier", "urn:s|1", "identifier", "urn:s|2"), nil},
			{query("identifier", "urn:s|none"), nil},
			{query("identifier", "urn:s|gone"), nil},
			{query("_id", one), []string{one}},
			{query("_id", one+","+other), sorted(one, other)},
			{query("_id", gone), nil},
			{query("_id", "no-such-id"), nil},
			{query("_id", twoA, "identifier", "urn:s|2"), []string{twoA}},
			{query("_id", one, "identifier", "urn:s|2"), nil},
			{query("identifier", "urn:s|2", "_count", "1"), []string{sorted(twoA, twoB)[0]}},
		}
		for _, c := range cases {
			t.Run(c.query, func(t *testing.T) {
				got := e.search(t, "Patient", c.query)
				if !slices.Equal(sorted(got...), c.want) {
					t.Errorf("got %v, want %v", got, c.want)
				}
			})
		}

		// The entries are full: absolute fullUrl, the resource, search mode.
		r := e.do(t, "GET", "/Patient?"+query("identifier", "urn:s|1"), nil)
		wantStatus(t, r, http.StatusOK)
		b := r.JSON(t)
		if got := str(b, "entry", 0, "fullUrl"); got != e.base+"/Patient/"+one {
			t.Errorf("fullUrl %q", got)
		}
		if str(b, "entry", 0, "resource", "meta", "versionId") != "1" {
			t.Errorf("entry %v", get(b, "entry", 0))
		}
		if self := str(b, "link", 0, "url"); str(b, "link", 0, "relation") != "self" || !strings.HasPrefix(self, e.base+"/Patient?") {
			t.Errorf("self link %v", get(b, "link"))
		}

		// POST _search takes the parameters as a form.
		r = e.do(t, "POST", "/Patient/_search", query("identifier", "urn:s|1"), "Content-Type", "application/x-www-form-urlencoded")
		wantStatus(t, r, http.StatusOK)
		if n := len(list(r.JSON(t), "entry")); n != 1 {
			t.Errorf("POST _search: %d entries", n)
		}
		// A charset parameter, as browsers and HTTP libraries send it, is fine.
		r = e.do(t, "POST", "/Patient/_search", query("identifier", "urn:s|1"), "Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
		if n := len(list(r.JSON(t), "entry")); r.Status != http.StatusOK || n != 1 {
			t.Errorf("POST _search with charset: %d, %d entries", r.Status, n)
		}
		wantOutcome(t, e.do(t, "POST", "/Patient/_search", query("nonsense", "Wang"), "Content-Type", "application/x-www-form-urlencoded"), http.StatusBadRequest)
		wantOutcome(t, e.do(t, "POST", "/Patient/_search", `{"identifier":"x"}`, "Content-Type", "application/json"), http.StatusUnsupportedMediaType)
	})
}

// searchAll follows the next links of a search and returns the ids in
// page order and the number of pages.
func (e *env) searchAll(t *testing.T, path string) ([]string, int) {
	t.Helper()
	var ids []string
	pages := 0
	for next := path; next != ""; {
		if pages++; pages > 100 {
			t.Fatalf("%s: more than 100 pages", path)
		}
		r := e.do(t, "GET", next, nil)
		wantStatus(t, r, http.StatusOK)
		b := r.JSON(t)
		for _, x := range list(b, "entry") {
			ids = append(ids, str(x, "resource", "id"))
		}
		next = ""
		for _, l := range list(b, "link") {
			if str(l, "relation") == "next" {
				next = str(l, "url")
			}
		}
	}
	return ids, pages
}

func TestSearchPaging(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		var want []string
		for i := 0; i < 7; i++ {
			want = append(want, e.create(t, patient("urn:page", "p")))
		}
		e.create(t, observation(""))
		slices.Sort(want)
		for _, count := range []int{1, 2, 3, 7, 8, 50} {
			got, pages := e.searchAll(t, "/Patient?_count="+strconv.Itoa(count))
			if !slices.Equal(got, want) {
				t.Errorf("_count=%d: got %v, want %v (no overlap, nothing missing)", count, got, want)
			}
			if wantPages := max(1, (7+count-1)/count); pages != wantPages && pages != wantPages+1 {
				t.Errorf("_count=%d: %d pages, want %d", count, pages, wantPages)
			}
		}
		got, _ := e.searchAll(t, "/Patient?"+query("identifier", "urn:page|p", "_count", "3"))
		if !slices.Equal(got, want) {
			t.Errorf("paged criteria search: got %v, want %v", got, want)
		}
		got, _ = e.searchAll(t, "/Patient")
		if !slices.Equal(got, want) {
			t.Errorf("search without parameters: got %v, want %v", got, want)
		}
	})
}
