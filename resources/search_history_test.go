package resources_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
)

// searchAll pages through a search with page size count (0: the default)
// and returns the pages' ids.
func (e *env) searchAll(typ string, q url.Values, count int) [][]string {
	e.t.Helper()
	vals := url.Values{}
	for k, v := range q {
		vals[k] = v
	}
	if count > 0 {
		vals.Set("_count", fmt.Sprint(count))
	}
	var pages [][]string
	cursor := ""
	for range 100 {
		r, err := e.svc.Search(ctx, typ, vals, resources.SearchOptions{Cursor: cursor})
		if err != nil {
			e.t.Fatalf("search %s?%s at %q: %v", typ, vals.Encode(), cursor, err)
		}
		pages = append(pages, ids(r.Page.Matches))
		if r.Page.Next == "" {
			return pages
		}
		cursor = r.Page.Next
	}
	e.t.Fatal("search paging does not end")
	return nil
}

func TestSearch(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for i := 1; i <= 5; i++ {
			id := fmt.Sprintf("p%d", i)
			e.update("Patient", id, fmt.Sprintf(`{"resourceType":"Patient","id":%q,"identifier":[{"system":"http://a","value":"%d"},{"system":"http://odd","value":"%v"}]}`, id, i, i%2 == 1))
		}
		e.update("Organization", "o1", `{"resourceType":"Organization","id":"o1","identifier":[{"system":"http://a","value":"1"}]}`)
		e.delete("Patient", "p4")

		wantEqual(t, "listing, pages of 2", e.searchAll("Patient", nil, 2), [][]string{{"p1", "p2"}, {"p3", "p5"}})
		wantEqual(t, "listing, one page", e.searchAll("Patient", nil, 0), [][]string{{"p1", "p2", "p3", "p5"}})
		wantEqual(t, "listing, exact page", e.searchAll("Patient", nil, 4), [][]string{{"p1", "p2", "p3", "p5"}})
		wantEqual(t, "empty type", e.searchAll("Practitioner", nil, 2), [][]string{{}})
		odd := url.Values{"identifier": {"http://odd|true"}}
		wantEqual(t, "criteria, pages of 1", e.searchAll("Patient", odd, 1), [][]string{{"p1"}, {"p3"}, {"p5"}})
		wantEqual(t, "criteria, one page", e.searchAll("Patient", odd, 10), [][]string{{"p1", "p3", "p5"}})
		wantEqual(t, "criteria on another type", e.searchAll("Organization", url.Values{"identifier": {"http://a|1"}}, 10), [][]string{{"o1"}})
		wantEqual(t, "criteria matching a deleted resource", e.searchAll("Patient", url.Values{"identifier": {"http://a|4"}}, 10), [][]string{{}})
		wantEqual(t, "_id", e.searchAll("Patient", url.Values{"_id": {"p2,p4,p5"}}, 10), [][]string{{"p2", "p5"}})
		wantEqual(t, "sorted descending by _id", e.searchAll("Patient", url.Values{"_sort": {"-_id"}}, 3), [][]string{{"p5", "p3", "p2"}, {"p1"}})
		wantEqual(t, "system level", e.searchAll("", url.Values{"_type": {"Organization,Patient"}, "_id": {"o1,p1"}}, 10), [][]string{{"p1", "o1"}})

		r, err := e.svc.Search(ctx, "Patient", url.Values{"_id": {"p1"}}, resources.SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if m := r.Page.Matches; len(m) != 1 || m[0].VersionID != 1 || m[0].Body == nil || r.Page.Total != 1 {
			t.Errorf("search result = %+v (total %d), want the current version with its body", m, r.Page.Total)
		}
		r, err = e.svc.Search(ctx, "Patient", url.Values{"_summary": {"count"}}, resources.SearchOptions{})
		if err != nil || r.Page.Total != 4 || len(r.Page.Matches) != 0 {
			t.Errorf("_summary=count: %+v %v", r, err)
		}

		_, err = e.svc.Search(ctx, "Patient", url.Values{"nonsense": {"x"}}, resources.SearchOptions{})
		wantErr(t, err, fhir.IssueNotSupported, 400, "nonsense")
		r, err = e.svc.Search(ctx, "Patient", url.Values{"nonsense": {"x"}}, resources.SearchOptions{Lenient: true})
		if err != nil || len(r.Query.Ignored) != 1 || len(r.Page.Matches) != 4 {
			t.Errorf("lenient: %+v %v", r, err)
		}
		_, err = e.svc.Search(ctx, "Patient", url.Values{"identifier": {""}}, resources.SearchOptions{})
		wantErr(t, err, fhir.IssueInvalid, 400)
		_, err = e.svc.Search(ctx, "Patient", url.Values{"_count": {"100000"}}, resources.SearchOptions{})
		wantErr(t, err, fhir.IssueTooCostly, 400)
		_, err = e.svc.Search(ctx, "Patient", nil, resources.SearchOptions{Cursor: "garbage"})
		wantErr(t, err, fhir.IssueInvalid, 400, "cursor")
		_, err = e.svc.Search(ctx, "Patx", nil, resources.SearchOptions{})
		wantErr(t, err, fhir.IssueNotSupported, 404)
	})
}

func TestHistoryScopes(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.update("Patient", "a", `{"resourceType":"Patient","id":"a"}`)
		e.update("Patient", "b", `{"resourceType":"Patient","id":"b"}`)
		e.update("Organization", "o", `{"resourceType":"Organization","id":"o"}`)
		e.update("Patient", "a", patA)
		e.delete("Patient", "b")
		e.update("Patient", "a", `{"resourceType":"Patient","id":"a"}`)

		wantEqual(t, "instance", vids(e.versions("Patient", "a")), []string{"a/3", "a/2", "a/1"})
		wantEqual(t, "type", vids(e.versions("Patient", "")), []string{"a/3", "b/2", "a/2", "b/1", "a/1"})
		wantEqual(t, "system", vids(e.versions("", "")), []string{"a/3", "b/2", "a/2", "o/1", "b/1", "a/1"})
		vs := e.versions("Patient", "b")
		if !vs[0].Deleted || vs[0].Method != store.MethodDelete || vs[0].Body != nil {
			t.Errorf("deletion in history = %+v", vs[0])
		}
		if vs[1].Method != store.MethodUpdate || vs[1].Body == nil {
			t.Errorf("first version in history = %+v", vs[1])
		}
		p, err := e.svc.History(ctx, "Patient", "", time.Time{}, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 5 || p.Next != 0 {
			t.Errorf("type history total=%d next=%d, want 5 and no next page", p.Total, p.Next)
		}

		_, err = e.svc.History(ctx, "Patient", "nobody", time.Time{}, 0, 0)
		wantErr(t, err, fhir.IssueNotFound, 404, "Patient/nobody")
		_, err = e.svc.History(ctx, "Patx", "", time.Time{}, 0, 0)
		wantErr(t, err, fhir.IssueNotSupported, 404)
		_, err = e.svc.History(ctx, "Patient", "bad id", time.Time{}, 0, 0)
		wantErr(t, err, fhir.IssueInvalid, 400)
		p, err = e.svc.History(ctx, "Practitioner", "", time.Time{}, 0, 0)
		if err != nil || p.Total != 0 || len(p.Versions) != 0 {
			t.Errorf("history of an empty type = %+v, %v; want an empty page", p, err)
		}
	})
}

func TestHistorySince(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		v1 := e.update("Patient", "a", `{"resourceType":"Patient","id":"a"}`)
		v2 := e.update("Patient", "a", patA)
		v3 := e.update("Patient", "b", `{"resourceType":"Patient","id":"b"}`)
		since := func(typ, id string, at time.Time) []string {
			t.Helper()
			p, err := e.svc.History(ctx, typ, id, at, 0, 0)
			if err != nil {
				t.Fatalf("history %s/%s since %v: %v", typ, id, at, err)
			}
			if p.Total != len(p.Versions) {
				t.Errorf("total %d for %d versions", p.Total, len(p.Versions))
			}
			return vids(p.Versions)
		}
		at2 := v2.Version.LastUpdated
		wantEqual(t, "instance since v1", since("Patient", "a", v1.Version.LastUpdated), []string{"a/2", "a/1"})
		wantEqual(t, "instance since v2 (inclusive)", since("Patient", "a", at2), []string{"a/2"})
		wantEqual(t, "instance since just after v2", since("Patient", "a", at2.Add(time.Microsecond)), []string{})
		wantEqual(t, "type since v2", since("Patient", "", at2), []string{"b/1", "a/2"})
		wantEqual(t, "system after everything", since("", "", v3.Version.LastUpdated.Add(time.Hour)), []string{})
		// A deleted resource with no versions since: still an empty page.
		e.delete("Patient", "b")
		wantEqual(t, "deleted instance, nothing since", since("Patient", "b", e.last.Add(time.Second)), []string{})
		_, err := e.svc.History(ctx, "Patient", "nobody", at2, 0, 0)
		wantErr(t, err, fhir.IssueNotFound, 404)
	})
}

func TestHistoryPaging(t *testing.T) {
	eachWith(t, resources.Limits{DefaultHistoryCount: 2, MaxHistoryCount: 3}, func(t *testing.T, e *env) {
		for i := 0; i < 5; i++ {
			e.update("Patient", "a", fmt.Sprintf(`{"resourceType":"Patient","id":"a","birthDate":"200%d-01-01"}`, i))
		}
		var pages [][]string
		var before int64
		for range 10 {
			p, err := e.svc.History(ctx, "Patient", "a", time.Time{}, before, 0)
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != 5 {
				t.Errorf("total = %d on every page, want 5", p.Total)
			}
			pages = append(pages, vids(p.Versions))
			if p.Next == 0 {
				break
			}
			if want := p.Versions[len(p.Versions)-1].Seq; p.Next != want {
				t.Errorf("next cursor %d, want the last version's seq %d", p.Next, want)
			}
			before = p.Next
		}
		wantEqual(t, "pages of the default size", pages, [][]string{{"a/5", "a/4"}, {"a/3", "a/2"}, {"a/1"}})

		p, err := e.svc.History(ctx, "Patient", "a", time.Time{}, 0, 3)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "page at the limit", vids(p.Versions), []string{"a/5", "a/4", "a/3"})
		_, err = e.svc.History(ctx, "Patient", "a", time.Time{}, 0, 4)
		wantErr(t, err, fhir.IssueTooCostly, 400, "limit of 3")
		_, err = e.svc.History(ctx, "Patient", "a", time.Time{}, 0, -1)
		wantErr(t, err, fhir.IssueInvalid, 400)
		// A page that ends exactly at the oldest version has no next page.
		p, err = e.svc.History(ctx, "Patient", "a", time.Time{}, p.Next, 2)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "last page", vids(p.Versions), []string{"a/2", "a/1"})
		wantEqual(t, "next after the last page", p.Next, int64(0))
	})
}
