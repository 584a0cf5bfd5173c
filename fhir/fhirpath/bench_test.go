package fhirpath

import (
	"testing"
)

// BenchmarkEvaluate measures typical search-parameter expressions over the
// example resources of the fhirpath.js suite.
func BenchmarkEvaluate(b *testing.B) {
	cases := []struct{ file, expr string }{
		{"patient-example.json", "Patient.name"},
		{"patient-example.json", "Patient.birthDate"},
		{"patient-example.json", "Patient.identifier"},
		{"observation-example.json", "Observation.code"},
		{"observation-example.json", "Observation.subject.where(resolve() is Patient)"},
		{"observation-example.json", "(Observation.value as Quantity)"},
		{"observation-example.json", "Observation.value.ofType(Quantity)"},
		{"observation-example.json", "Observation.effective"},
		{"patient-example.json", "Patient.name.family | Patient.name.given"},
		{"patient-example.json", "Patient.telecom.where(system='phone')"},
	}
	for _, c := range cases {
		res, err := loadResource(b, c.file)
		if err != nil {
			b.Skipf("example resources not found: %v", err)
		}
		e := MustCompile(c.expr)
		b.Run(c.expr, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Evaluate(res); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCompile measures parsing and compiling a search expression.
func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile("Observation.subject.where(resolve() is Patient) | Observation.value.ofType(Quantity)"); err != nil {
			b.Fatal(err)
		}
	}
}
