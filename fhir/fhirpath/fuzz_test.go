package fhirpath

import (
	"testing"
)

// FuzzCompile compiles and evaluates arbitrary expressions against a fixed
// resource: errors are fine, panics are not.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"Patient.name.given", "Observation.value as Quantity", "(1 | 2 | 3).aggregate($this + $total, 0)",
		"Patient.name.where(given.startsWith('P')).family", "@2020-01-01T10:00:00Z + 1 day", "1.5 'mg' * 2",
		"iif(true, 'a', 'b')", "Patient.descendants().count()", "'abc'.matches('a.c')", "%resource.id",
		"Observation.performer.resolve() is Patient", "Patient.birthDate.extension('x').value", "{}.empty()",
		"Patient.name.select(given | family).distinct()", "repeat(children())", "1 / 0", "(-5).abs() div 2 mod 3",
		"Patient.name.sort(-family)", "'x'.toQuantity('mg')", "@T10:30.highBoundary()", "2.lowBoundary(3)",
	} {
		f.Add(s)
	}
	obs := decode(f, testObservation)
	pat := decode(f, testPatient)
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Compile(src)
		if err != nil {
			return
		}
		_, _ = e.Evaluate(obs)
		_, _ = e.Evaluate(pat)
	})
}
