// Package index extracts the search index entries of a resource: for every
// search parameter of its type, the values the parameter's FHIRPath
// expression selects, converted to the store's index entries by parameter
// type (see the store.Index kinds). Writes call it in the same transaction
// as the version they index, so search results are never stale.
package index
