package fhirpath

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// sharedDir is the shared folder next to the repository.
var sharedDir = filepath.Join("..", "..", "..", "shared")

// searchParamExpressions returns every R4 search parameter's expression.
func searchParamExpressions(t testing.TB) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(sharedDir, "fhir-r4", "search-parameters.json.gz"))
	if os.IsNotExist(err) {
		t.Skip("shared/fhir-r4/search-parameters.json.gz not found")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		Entry []struct {
			Resource struct {
				ID         string `json:"id"`
				Expression string `json:"expression"`
			} `json:"resource"`
		} `json:"entry"`
	}
	if err := json.NewDecoder(zr).Decode(&bundle); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range bundle.Entry {
		if e.Resource.Expression != "" {
			out = append(out, e.Resource.Expression)
		}
	}
	return out
}

// notCompiling lists search-parameter expressions the engine rejects on
// purpose, with the reason. Keep it tiny.
var notCompiling = map[string]string{}

func TestSearchParameterExpressionsCompile(t *testing.T) {
	exprs := searchParamExpressions(t)
	ok := 0
	for _, src := range exprs {
		_, err := Compile(src)
		if _, expected := notCompiling[src]; expected {
			if err == nil {
				t.Errorf("%q compiles now; remove it from notCompiling", src)
			}
			continue
		}
		if err != nil {
			t.Errorf("Compile(%q): %v", src, err)
			continue
		}
		ok++
	}
	t.Logf("%d of %d search-parameter expressions compile", ok, len(exprs))
}

// TestSearchParameterExpressionsEvaluate evaluates every search-parameter
// expression against every example resource: none may fail.
func TestSearchParameterExpressionsEvaluate(t *testing.T) {
	exprs := searchParamExpressions(t)
	files, err := filepath.Glob(filepath.Join(resourceDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Skip("no example resources")
	}
	var resources []map[string]any
	for _, f := range files {
		r, err := loadResource(t, filepath.Base(f))
		if err != nil {
			continue
		}
		resources = append(resources, r)
	}
	compiled := make([]*Expression, 0, len(exprs))
	for _, src := range exprs {
		if e, err := Compile(src); err == nil {
			compiled = append(compiled, e)
		}
	}
	evals, items := 0, 0
	for _, r := range resources {
		for _, e := range compiled {
			out, err := e.Evaluate(r)
			if err != nil {
				t.Errorf("%s on %s/%v: %v", e, r["resourceType"], r["id"], err)
				continue
			}
			evals++
			items += len(out)
		}
	}
	t.Logf("%d evaluations over %d resources, %d items", evals, len(resources), items)
}
