// Package fhir holds Yitong's FHIR R4 model: the generic JSON representation of
// resources, the error type that every layer returns and that the REST layer
// maps once to an HTTP status and an OperationOutcome, and small helpers on
// references and identifiers.
//
// A resource is represented as the map[string]any produced by Decode: objects
// are map[string]any, arrays []any, strings string, booleans bool and numbers
// json.Number (so decimals keep their exact lexical form, as FHIR requires).
//
// Package fhir imports nothing else of the project.
package fhir
