// Package jsonpatch applies JSON Patch documents (RFC 6902) to resources in
// the generic representation of package fhir (map[string]any objects, []any
// arrays, json.Number numbers).
//
// Paths are JSON Pointers (RFC 6901): "" is the whole document, "/a/b" the
// member b of the member a, "~1" stands for "/" and "~0" for "~" inside a
// reference token, an array element is named by its index written without
// leading zeros, and "-" names the position after the last element (valid only
// as the target of an add, copy or move).
//
// Application is atomic: Apply works on a deep copy of the document, so the
// document it is given is never modified, and on any failure no partial result
// is returned. Every error is a *fhir.Error:
//
//   - code invalid: the patch is not a JSON array of well-formed operations,
//     a pointer is malformed, or a path (or from) does not exist where the
//     operation needs it to;
//   - code processing: a test operation failed (its value differs, or its path
//     does not exist in the document);
//   - code too-costly: copy operations together duplicated more than
//     MaxCopiedValues JSON values (a guard against patches that double the
//     document at every step).
//
// The Diagnostics of an operation's error starts with
// "patch operation N (OP PATH)", N being the 0-based index of the operation in
// the patch array, for example
// "patch operation 2 (replace /name/0/family): path not found: ...".
package jsonpatch
