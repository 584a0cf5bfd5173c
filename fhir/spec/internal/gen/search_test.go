package main

import (
	"slices"
	"testing"
)

func TestSplitUnion(t *testing.T) {
	cases := []struct {
		expr string
		want []string
		ok   bool
	}{
		{"A.b | C.d", []string{"A.b", "C.d"}, true},
		{"(A.b as X) | C.d.where(e = 'x|y') | C.f.where(g.exists() and (h | i).empty())", []string{"(A.b as X)", "C.d.where(e = 'x|y')", "C.f.where(g.exists() and (h | i).empty())"}, true},
		{`A.b.where(c = 'it\'s | not') | D`, []string{`A.b.where(c = 'it\'s | not')`, "D"}, true},
		{"A.`a|b` | C", []string{"A.`a|b`", "C"}, true},
		{"A.b", []string{"A.b"}, true},
		{"(A.b | C", nil, false},
		{"A.b) | C", nil, false},
		{"A.b | 'open", nil, false},
		{"A.b | | C", nil, false},
	}
	for _, c := range cases {
		got, ok := splitUnion(c.expr)
		if ok != c.ok || !slices.Equal(got, c.want) {
			t.Errorf("splitUnion(%q) = %q, %t; want %q, %t", c.expr, got, ok, c.want, c.ok)
		}
	}
}

func TestNarrow(t *testing.T) {
	bases := []string{"Medication", "MedicationRequest", "Observation"}
	expr := "Medication.code | (MedicationRequest.medication as CodeableConcept) | Observation | Observation.component.code"
	cases := map[string]string{
		"Medication":        "Medication.code",
		"MedicationRequest": "(MedicationRequest.medication as CodeableConcept)",
		"Observation":       "Observation | Observation.component.code",
	}
	for base, want := range cases {
		if got := narrow(expr, base, bases); got != want {
			t.Errorf("narrow(%s) = %q, want %q", base, got, want)
		}
	}
	// Not narrowable: kept whole.
	for _, e := range []string{"name | alias", "Medication.code | Other.code", "(Medication.code | Observation.code"} {
		if got := narrow(e, "Medication", bases); got != e {
			t.Errorf("narrow(%q) = %q, want it unchanged", e, got)
		}
	}
	if got := narrow("", "Medication", bases); got != "" {
		t.Errorf("narrow of an empty expression = %q", got)
	}
}
