// Package fhirpath is Yitong's FHIRPath engine (http://hl7.org/fhirpath/N1/)
// over the generic resource representation of package fhir: objects are
// map[string]any, arrays []any, strings string, booleans bool and numbers
// json.Number, with primitive extensions under "_name" keys.
//
// Compile parses an expression once; the resulting *Expression is immutable
// and may be evaluated concurrently. Navigation is typed by the R4 tables of
// package fhir/spec, so choice elements ("Observation.value"), type tests
// ("is Quantity", "ofType(Patient)") and contained resources work as the
// FHIR specification describes.
//
// Values computed by the engine are System values: string, bool, int64,
// Decimal, Date, DateTime, Time and Quantity. Values read from a resource
// keep their JSON form (string, bool, json.Number, map[string]any) and their
// FHIR type name in Node.Type.
//
// See docs/FHIRPATH.md for conformance figures and known gaps.
package fhirpath
