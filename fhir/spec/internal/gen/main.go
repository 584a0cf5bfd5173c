// Command gen generates fhir/spec/zz_generated.go (types, elements, the
// Patient compartment), fhir/spec/zz_search.go (search parameters) and
// fhir/spec/zz_binding.go (required terminology bindings with the codes of
// their ValueSets) from the official FHIR R4 definition bundles
// (profiles-types.json.gz, profiles-resources.json.gz,
// search-parameters.json.gz, valuesets.json.gz and v3-codesystems.json.gz in
// the directory given by -defs).
//
// It is run by go generate in fhir/spec:
//
//	go run ./internal/gen -defs ../../../shared/fhir-r4
//
// The output is gofmt'd and deterministic: the same definitions always give
// the same bytes.
package main

import (
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

func main() {
	defs := flag.String("defs", "../../../shared/fhir-r4", "directory holding the FHIR R4 definition bundles")
	out := flag.String("out", "zz_generated.go", "output Go file for types and the compartment")
	searchOut := flag.String("search-out", "zz_search.go", "output Go file for search parameters")
	bindingOut := flag.String("binding-out", "zz_binding.go", "output Go file for terminology bindings")
	flag.Parse()
	if err := run(*defs, *out, *searchOut, *bindingOut); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(defs, out, searchOut, bindingOut string) error {
	var types, resources, params, valueSets, v3 bundle
	if err := readBundle(filepath.Join(defs, "profiles-types.json.gz"), &types); err != nil {
		return err
	}
	if err := readBundle(filepath.Join(defs, "profiles-resources.json.gz"), &resources); err != nil {
		return err
	}
	if err := readBundle(filepath.Join(defs, "search-parameters.json.gz"), &params); err != nil {
		return err
	}
	if err := readBundle(filepath.Join(defs, "valuesets.json.gz"), &valueSets); err != nil {
		return err
	}
	if err := readBundle(filepath.Join(defs, "v3-codesystems.json.gz"), &v3); err != nil {
		return err
	}
	m, err := buildModel(types, resources)
	if err != nil {
		return err
	}
	term, err := readTerminology(valueSets, v3)
	if err != nil {
		return err
	}
	bindingSrc, err := emitBindings(m.bindings, term.buildValueSets(m.bindings))
	if err != nil {
		return err
	}
	comp, err := buildCompartment(resources, params, "patient", "Patient")
	if err != nil {
		return err
	}
	search, err := buildSearch(params, m)
	if err != nil {
		return err
	}
	src, err := emit(m, comp)
	if err != nil {
		return err
	}
	searchSrc, err := emitSearch(search)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, src, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(bindingOut, bindingSrc, 0o644); err != nil {
		return err
	}
	return os.WriteFile(searchOut, searchSrc, 0o644)
}

// bundle is the part of a FHIR Bundle the generator reads.
type bundle struct {
	Entry []struct {
		Resource json.RawMessage `json:"resource"`
	} `json:"entry"`
}

// readBundle decodes the gzip-compressed JSON Bundle at path into b.
func readBundle(path string, b *bundle) (err error) {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := json.Unmarshal(data, b); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
