package fhirpath

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/yitong-health/yitong/fhir"
)

// resourceDir holds the JSON resources both suites evaluate against.
var resourceDir = filepath.Join(sharedDir, "fhirpath-tests", "fhirpathjs", "resources", "r4")

var (
	resourceMu    sync.Mutex
	resourceCache = map[string]map[string]any{}
)

// loadResource decodes a test resource by file name; an XML name is mapped
// to the JSON file with the same base name.
func loadResource(t testing.TB, name string) (map[string]any, error) {
	t.Helper()
	if ext := filepath.Ext(name); ext == ".xml" {
		name = name[:len(name)-len(ext)] + ".json"
	}
	resourceMu.Lock()
	defer resourceMu.Unlock()
	if r, ok := resourceCache[name]; ok {
		return r, nil
	}
	data, err := os.ReadFile(filepath.Join(resourceDir, name))
	if err != nil {
		return nil, err
	}
	r, err := fhir.Decode(data, 200)
	if err != nil {
		return nil, err
	}
	resourceCache[name] = r
	return r, nil
}

// evalSafely compiles and evaluates src against res.
func evalSafely(src string, res map[string]any, opts ...Option) ([]Node, error) {
	e, err := Compile(src)
	if err != nil {
		return nil, err
	}
	return e.Evaluate(res, opts...)
}
