package rest_test

import (
	"net/http"
	"slices"
	"testing"
)

func TestPatientEverything(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		doc := e.create(t, map[string]any{"resourceType": "Practitioner", "name": []any{map[string]any{"family": "Li"}}})
		p1 := e.create(t, patient("urn:ev", "1"))
		p2 := e.create(t, patient("urn:ev", "2"))
		obs := observation("Patient/" + p1)
		obs["performer"] = []any{map[string]any{"reference": "Practitioner/" + doc}}
		o1 := e.create(t, obs)
		e.create(t, observation("Patient/"+p2))
		enc := e.create(t, map[string]any{"resourceType": "Encounter", "status": "finished",
			"class":   map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
			"subject": map[string]any{"reference": "Patient/" + p1}})

		everything := func(query string) []string {
			t.Helper()
			r := e.do(t, "GET", "/Patient/"+p1+"/$everything"+query, nil)
			wantStatus(t, r, http.StatusOK)
			b := r.JSON(t)
			var got []string
			for _, x := range list(b, "entry") {
				got = append(got, str(x, "resource", "resourceType")+"/"+str(x, "resource", "id"))
			}
			if num(b, "total") != len(got) || str(b, "type") != "searchset" {
				t.Errorf("bundle total %d for %d entries", num(b, "total"), len(got))
			}
			return got
		}
		got := everything("")
		if len(got) == 0 || got[0] != "Patient/"+p1 {
			t.Fatalf("the patient comes first: %v", got)
		}
		want := []string{"Patient/" + p1, "Observation/" + o1, "Encounter/" + enc, "Practitioner/" + doc}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("$everything = %v, want %v (the other patient's data never)", got, want)
		}
		if got := everything("?_type=Observation"); !slices.Equal(got, []string{"Patient/" + p1, "Observation/" + o1}) {
			t.Errorf("_type=Observation: %v", got)
		}
		wantOutcome(t, e.do(t, "GET", "/Patient/nobody/$everything", nil), http.StatusNotFound)
		wantOutcome(t, e.do(t, "GET", "/Patient/"+p1+"/$everything?_type=Nonsense", nil), http.StatusBadRequest)
		wantOutcome(t, e.do(t, "GET", "/Patient/"+p1+"/$everything?start=2020", nil), http.StatusBadRequest)
	})
}
