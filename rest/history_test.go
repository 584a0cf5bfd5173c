package rest_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// historyEntry is what a test checks of one history entry.
type historyEntry struct {
	key          string // fullUrl + etag: unique per version
	method       string
	status       string
	lastModified time.Time
	hasResource  bool
}

// history pages through a history URL (following next links) and returns
// the entries, the total of the first page and the number of pages.
func (e *env) history(t testing.TB, path string) (entries []historyEntry, total, pages int) {
	t.Helper()
	next := path
	total = -1
	for next != "" {
		if pages++; pages > 1000 {
			t.Fatalf("%s: more than 1000 pages", path)
		}
		r := e.do(t, "GET", next, nil)
		wantStatus(t, r, http.StatusOK)
		b := r.JSON(t)
		if b["resourceType"] != "Bundle" || b["type"] != "history" {
			t.Fatalf("not a history bundle: %s", r)
		}
		n := num(b, "total")
		if total == -1 {
			total = n
		} else if n != total {
			t.Errorf("%s: total %d on a later page, %d on the first", next, n, total)
		}
		next = ""
		for _, l := range list(b, "link") {
			if str(l, "relation") == "next" {
				next = str(l, "url")
				if !strings.HasPrefix(next, e.base+"/") {
					t.Errorf("next link %q is not an absolute URL under %s", next, e.base)
				}
			}
		}
		for _, x := range list(b, "entry") {
			lm, err := time.Parse(time.RFC3339Nano, str(x, "response", "lastModified"))
			if err != nil {
				t.Errorf("entry without a valid response.lastModified: %v", x)
			}
			he := historyEntry{
				key:          str(x, "fullUrl") + " " + str(x, "response", "etag"),
				method:       str(x, "request", "method"),
				status:       str(x, "response", "status"),
				lastModified: lm,
				hasResource:  get(x, "resource") != nil,
			}
			if he.hasResource && !strings.HasSuffix(str(x, "fullUrl"), "/"+str(x, "resource", "id")) {
				t.Errorf("fullUrl %q does not name the resource %q", str(x, "fullUrl"), str(x, "resource", "id"))
			}
			entries = append(entries, he)
		}
	}
	return entries, total, pages
}

func TestHistory(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		// Patient a: 3 versions; Patient b: created and deleted; one Observation.
		a := e.create(t, patient("urn:test", "h-a"))
		for i := 0; i < 2; i++ {
			p := e.read(t, "Patient", a)
			p["active"] = i == 0
			wantStatus(t, e.do(t, "PUT", "/Patient/"+a, p), http.StatusOK)
		}
		b := e.create(t, patient("urn:test", "h-b"))
		wantStatus(t, e.do(t, "DELETE", "/Patient/"+b, nil), http.StatusNoContent)
		e.create(t, observation("Patient/"+a))

		t.Run("instance", func(t *testing.T) {
			got, total, _ := e.history(t, "/Patient/"+a+"/_history")
			if total != 3 || len(got) != 3 {
				t.Fatalf("total %d, %d entries; want 3", total, len(got))
			}
			for i, want := range []struct{ method, etag, status string }{
				{"PUT", `W/"3"`, "200 OK"}, {"PUT", `W/"2"`, "200 OK"}, {"POST", `W/"1"`, "201 Created"},
			} {
				if got[i].method != want.method || !strings.HasSuffix(got[i].key, want.etag) || got[i].status != want.status || !got[i].hasResource {
					t.Errorf("entry %d: %+v, want %+v", i, got[i], want)
				}
			}
			del, _, _ := e.history(t, "/Patient/"+b+"/_history")
			if len(del) != 2 || del[0].method != "DELETE" || del[0].hasResource {
				t.Errorf("history of a deleted resource: %+v", del)
			}
			wantOutcome(t, e.do(t, "GET", "/Patient/never/_history", nil), http.StatusNotFound)
		})
		t.Run("type", func(t *testing.T) {
			got, total, _ := e.history(t, "/Patient/_history")
			if total != 5 || len(got) != 5 {
				t.Errorf("total %d, %d entries; want 5", total, len(got))
			}
			got, total, _ = e.history(t, "/Observation/_history")
			if total != 1 || len(got) != 1 {
				t.Errorf("Observation: total %d, %d entries; want 1", total, len(got))
			}
			got, total, _ = e.history(t, "/Organization/_history")
			if total != 0 || len(got) != 0 {
				t.Errorf("Organization: total %d, %d entries; want 0", total, len(got))
			}
		})
		t.Run("system", func(t *testing.T) {
			all, total, pages := e.history(t, "/_history")
			if total != 6 || len(all) != 6 || pages != 1 {
				t.Fatalf("total %d, %d entries in %d pages; want 6 in 1", total, len(all), pages)
			}
			for i := 1; i < len(all); i++ {
				if all[i].lastModified.After(all[i-1].lastModified) {
					t.Errorf("entry %d is newer than entry %d: history is not newest first", i, i-1)
				}
			}
			for _, count := range []int{1, 2, 4, 5, 6, 7} {
				got, total, pages := e.history(t, "/_history?"+query("_count", strconv.Itoa(count)))
				wantPages := (6 + count - 1) / count
				if total != 6 || pages != wantPages {
					t.Errorf("_count=%d: total %d in %d pages; want 6 in %d", count, total, pages, wantPages)
				}
				if !sameKeys(got, all) {
					t.Errorf("_count=%d: pages hold %v; want %v", count, keys(got), keys(all))
				}
			}
		})
		t.Run("_since", func(t *testing.T) {
			all, _, _ := e.history(t, "/_history")
			for _, at := range []int{0, 2, 5} {
				since := all[at].lastModified
				want := 0
				for _, x := range all {
					if !x.lastModified.Before(since) {
						want++
					}
				}
				for _, v := range []string{since.Format(time.RFC3339Nano), since.In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339Nano)} {
					got, total, _ := e.history(t, "/_history?"+query("_since", v, "_count", "2"))
					if total != want || len(got) != want {
						t.Errorf("_since=%s: total %d, %d entries; want %d", v, total, len(got), want)
					}
					for _, x := range got {
						if x.lastModified.Before(since) {
							t.Errorf("_since=%s: entry %+v is older", v, x)
						}
					}
				}
			}
			got, total, _ := e.history(t, "/Patient/"+a+"/_history?"+query("_since", all[0].lastModified.Add(time.Hour).Format(time.RFC3339)))
			if total != 0 || len(got) != 0 {
				t.Errorf("_since in the future: total %d, %d entries", total, len(got))
			}
			got, total, _ = e.history(t, "/Patient/_history?_since=2000-01-01")
			if total != 5 || len(got) != 5 {
				t.Errorf("_since=2000-01-01: total %d, %d entries; want 5", total, len(got))
			}
		})
		t.Run("new versions while paging", func(t *testing.T) {
			r := e.do(t, "GET", "/_history?_count=3", nil)
			wantStatus(t, r, http.StatusOK)
			var next string
			for _, l := range list(r.JSON(t), "link") {
				if str(l, "relation") == "next" {
					next = str(l, "url")
				}
			}
			if next == "" {
				t.Fatalf("no next link: %s", r)
			}
			e.create(t, patient("urn:test", "h-c"))
			rest, _, _ := e.history(t, next)
			if len(rest) != 3 {
				t.Errorf("the second page holds %d entries after a write; want the 3 older ones", len(rest))
			}
		})
	})
}

func keys(es []historyEntry) []string {
	out := make([]string, len(es))
	for i, x := range es {
		out[i] = x.key
	}
	return out
}

// sameKeys reports whether got and want list the same versions, each once.
func sameKeys(got, want []historyEntry) bool {
	if len(got) != len(want) {
		return false
	}
	seen := map[string]bool{}
	for _, x := range got {
		if seen[x.key] {
			return false
		}
		seen[x.key] = true
	}
	for _, x := range want {
		if !seen[x.key] {
			return false
		}
	}
	return true
}
