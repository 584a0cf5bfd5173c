package rest_test

import (
	"net/http"
	"slices"
	"testing"
)

func TestConditionalCreate(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		crit := query("identifier", "urn:cc|1")
		r := e.do(t, "POST", "/Patient", patient("urn:cc", "1"), "If-None-Exist", crit)
		wantStatus(t, r, http.StatusCreated)
		id := str(r.JSON(t), "id")

		// One match: 200 with the existing resource, nothing written.
		total := e.systemTotal(t)
		r = e.do(t, "POST", "/Patient", patient("urn:cc", "1"), "If-None-Exist", crit)
		wantStatus(t, r, http.StatusOK)
		if got := str(r.JSON(t), "id"); got != id {
			t.Errorf("the match is %q, want %q", got, id)
		}
		if got := r.Header.Get("ETag"); got != `W/"1"` {
			t.Errorf("ETag %q", got)
		}
		e.wantUnchanged(t, total)
		if got := e.search(t, "Patient", crit); !slices.Equal(got, []string{id}) {
			t.Errorf("search %v, want [%s]", got, id)
		}
		// Other spellings of the criteria.
		for _, c := range []string{"identifier=1", "_id=" + id, "identifier=urn:cc|1&_id=" + id, "identifier=urn:cc|9,urn:cc|1"} {
			wantStatus(t, e.do(t, "POST", "/Patient", patient("urn:cc", "1"), "If-None-Exist", c), http.StatusOK)
		}
		e.wantUnchanged(t, total)

		// Two matches: 412.
		e.create(t, patient("urn:cc", "1"))
		total = e.systemTotal(t)
		wantOutcome(t, e.do(t, "POST", "/Patient", patient("urn:cc", "1"), "If-None-Exist", crit), http.StatusPreconditionFailed)
		e.wantUnchanged(t, total)

		// Criteria the server does not understand are refused, never ignored.
		for _, c := range []string{"nonsense=Wang", "identifier=urn:cc|1&birthdate=20x0", "identifier=", "identifier=%zz", "_count=1", "identifier:exact=urn:cc|"} {
			wantOutcome(t, e.do(t, "POST", "/Patient", patient("urn:cc", "2"), "If-None-Exist", c), http.StatusBadRequest)
		}
		e.wantUnchanged(t, total)
	})
}

func TestConditionalUpdate(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		path := "/Patient?" + query("identifier", "urn:cu|1")
		// No match: created, with a new id.
		r := e.do(t, "PUT", path, patient("urn:cu", "1"))
		wantStatus(t, r, http.StatusCreated)
		id := str(r.JSON(t), "id")
		if id == "" || r.Header.Get("Location") != e.base+"/Patient/"+id+"/_history/1" {
			t.Fatalf("Location %q, id %q", r.Header.Get("Location"), id)
		}

		// One match: updated in place.
		p := patient("urn:cu", "1")
		p["active"] = false
		r = e.do(t, "PUT", path, p)
		wantStatus(t, r, http.StatusOK)
		if b := r.JSON(t); str(b, "id") != id || str(b, "meta", "versionId") != "2" || b["active"] != false {
			t.Errorf("conditional update returned %s", r.Body)
		}
		p["id"] = id
		wantStatus(t, e.do(t, "PUT", path, p), http.StatusOK)
		p["id"] = "someone-else"
		total := e.systemTotal(t)
		wantOutcome(t, e.do(t, "PUT", path, p), http.StatusBadRequest)
		wantOutcome(t, e.do(t, "PUT", path, p, "If-Match", `W/"1"`), http.StatusBadRequest, http.StatusPreconditionFailed)
		delete(p, "id")
		wantOutcome(t, e.do(t, "PUT", path, p, "If-Match", `W/"1"`), http.StatusPreconditionFailed)
		e.wantUnchanged(t, total)
		wantStatus(t, e.do(t, "PUT", path, p, "If-Match", `W/"3"`), http.StatusOK)

		// No match, with an id in the body: created with that id.
		q := patient("urn:cu", "2")
		q["id"] = "cu-2"
		r = e.do(t, "PUT", "/Patient?"+query("identifier", "urn:cu|2"), q)
		wantStatus(t, r, http.StatusCreated)
		if r.Header.Get("Location") != e.base+"/Patient/cu-2/_history/1" {
			t.Errorf("Location %q", r.Header.Get("Location"))
		}

		// Several matches: 412.
		e.create(t, patient("urn:cu", "1"))
		total = e.systemTotal(t)
		wantOutcome(t, e.do(t, "PUT", path, patient("urn:cu", "1")), http.StatusPreconditionFailed)
		// Unsupported or missing criteria: 400.
		wantOutcome(t, e.do(t, "PUT", "/Patient?nonsense=Wang", patient("urn:cu", "3")), http.StatusBadRequest)
		wantOutcome(t, e.do(t, "PUT", "/Patient?identifier=urn:cu|3&nonsense=male", patient("urn:cu", "3")), http.StatusBadRequest)
		wantOutcome(t, e.do(t, "PUT", "/Patient", patient("urn:cu", "3")), http.StatusBadRequest)
		wantOutcome(t, e.do(t, "PUT", "/Patient?_format=json", patient("urn:cu", "3")), http.StatusBadRequest)
		// The body must be of the URL's type.
		wantOutcome(t, e.do(t, "PUT", "/Patient?"+query("identifier", "urn:cu|3"), observation("")), http.StatusBadRequest)
		e.wantUnchanged(t, total)
	})
}

func TestConditionalDelete(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		id := e.create(t, patient("urn:cd", "1"))
		keep := e.create(t, patient("urn:cd", "keep"))
		r := e.do(t, "DELETE", "/Patient?"+query("identifier", "urn:cd|1"), nil)
		wantStatus(t, r, http.StatusNoContent)
		wantOutcome(t, e.do(t, "GET", "/Patient/"+id, nil), http.StatusGone)
		e.read(t, "Patient", keep)

		total := e.systemTotal(t)
		wantOutcome(t, e.do(t, "DELETE", "/Patient?"+query("identifier", "urn:cd|1"), nil), http.StatusNotFound)

		a := e.create(t, patient("urn:cd", "2"))
		b := e.create(t, patient("urn:cd", "2"))
		total = e.systemTotal(t)
		wantOutcome(t, e.do(t, "DELETE", "/Patient?"+query("identifier", "urn:cd|2"), nil), http.StatusPreconditionFailed)
		wantOutcome(t, e.do(t, "DELETE", "/Patient?nonsense=Wang", nil), http.StatusBadRequest)
		wantOutcome(t, e.do(t, "DELETE", "/Patient?identifier=urn:cd|keep&nonsense=true", nil), http.StatusBadRequest)
		wantOutcome(t, e.do(t, "DELETE", "/Patient", nil), http.StatusBadRequest)
		e.wantUnchanged(t, total)
		e.read(t, "Patient", a)
		e.read(t, "Patient", b)
		e.read(t, "Patient", keep)

		wantStatus(t, e.do(t, "DELETE", "/Patient?_id="+a, nil), http.StatusNoContent)
		wantOutcome(t, e.do(t, "GET", "/Patient/"+a, nil), http.StatusGone)
	})
}

func TestConditionalPatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		id := e.create(t, patient("urn:cp", "1"))
		patch := `[{"op":"replace","path":"/active","value":false}]`
		jp := []string{"Content-Type", "application/json-patch+json"}
		r := e.do(t, "PATCH", "/Patient?"+query("identifier", "urn:cp|1"), patch, jp...)
		wantStatus(t, r, http.StatusOK)
		if b := r.JSON(t); str(b, "id") != id || b["active"] != false {
			t.Errorf("patched %s", r.Body)
		}
		wantOutcome(t, e.do(t, "PATCH", "/Patient?"+query("identifier", "urn:cp|none"), patch, jp...), http.StatusNotFound)
		wantOutcome(t, e.do(t, "PATCH", "/Patient?nonsense=Wang", patch, jp...), http.StatusBadRequest)
	})
}
