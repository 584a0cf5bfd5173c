package validate

import (
	"path/filepath"
	"testing"
)

// syntheaBundles returns the paths of the Synthea test bundles.
func syntheaBundles(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join(sharedDir(t, "testdata/synthea-r4"), "*.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		missing(t, "no Synthea bundles found")
	}
	return files
}

// TestSynthea checks that every Synthea bundle and every resource in it
// validates without issues.
func TestSynthea(t *testing.T) {
	resources := 0
	for _, path := range syntheaBundles(t) {
		bundle := decode(t, readGzip(t, path))
		name := filepath.Base(path)
		for _, is := range Resource(bundle) {
			t.Errorf("%s: %s: %s (%s)", name, is.Expression[0], is.Diagnostics, is.Code)
		}
		entries, _ := bundle["entry"].([]any)
		for i, e := range entries {
			res, _ := e.(map[string]any)["resource"].(map[string]any)
			for _, is := range Resource(res) {
				t.Errorf("%s: entry %d: %s: %s (%s)", name, i, is.Expression[0], is.Diagnostics, is.Code)
			}
			resources++
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("validated %d resources", resources)
}
