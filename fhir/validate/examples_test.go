package validate

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/fhir"
)

// goldenRejected lists the spec examples the validator rejects, one line per
// example: file name, a tab, and the first error.
const goldenRejected = "testdata/rejected-examples.txt"

// skippedExamples are the files of hl7.fhir.r4.examples that are not
// example resources: the package manifest, a duplicate of
// ImplementationGuide-fhir.json, and the definition bundles, whose content
// also ships as individual files.
var skippedExamples = map[string]bool{
	"package.json":                    true,
	".index.json":                     true,
	"ig-r4.json":                      true,
	"Bundle-resources.json":           true,
	"Bundle-types.json":               true,
	"Bundle-searchParams.json":        true,
	"Bundle-valuesets.json":           true,
	"Bundle-v2-valuesets.json":        true,
	"Bundle-v3-valuesets.json":        true,
	"Bundle-conceptmaps.json":         true,
	"Bundle-extensions.json":          true,
	"Bundle-dataelements.json":        true,
	"Bundle-profiles-others.json":     true,
	"Bundle-valueset-expansions.json": true,
	"Bundle-externals.json":           true,
	"Bundle-terminologies.json":       true,
	"Bundle-registry.json":            true,
}

// examplesDir locates the unpacked hl7.fhir.r4.examples package: env
// YITONG_R4_EXAMPLES, or the npm install under .cache/r4-examples.
func examplesDir(t *testing.T) string {
	dir := os.Getenv("YITONG_R4_EXAMPLES")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), ".cache", "r4-examples", "node_modules", "hl7.fhir.r4.examples")
		// Some unpackers keep the tarball's package/ folder.
		if _, err := os.Stat(filepath.Join(dir, "package", "package.json")); err == nil {
			dir = filepath.Join(dir, "package")
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		missing(t, "the R4 examples are not installed (npm install --prefix .cache/r4-examples hl7.fhir.r4.examples@4.0.1): "+err.Error())
	}
	return dir
}

// TestSpecExamples validates the spec's example resources and compares the
// rejected ones with goldenRejected (UPDATE_GOLDEN=1 rewrites it).
func TestSpecExamples(t *testing.T) {
	dir := examplesDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	checked := 0
	for _, path := range files {
		name := filepath.Base(path)
		if skippedExamples[name] {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		if first := firstError(data); first != "" {
			got = append(got, name+"\t"+first)
		}
	}
	slices.Sort(got)
	t.Logf("checked %d examples, %d rejected", checked, len(got))
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		content := strings.Join(got, "\n") + "\n"
		if err := os.WriteFile(goldenRejected, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(goldenRejected)
	if err != nil {
		t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
	}
	compareRejected(t, strings.Split(strings.TrimRight(string(data), "\n"), "\n"), got)
}

// firstError returns the first error of the example (decoding or
// validation) as "expression: diagnostics (code)", or "" when it is valid.
func firstError(data []byte) string {
	res, err := fhir.Decode(data, 0)
	if err != nil {
		return "decode: " + err.Error()
	}
	for _, is := range Resource(res) {
		if is.Severity == fhir.SeverityError || is.Severity == fhir.SeverityFatal {
			return fmt.Sprintf("%s: %s (%s)", is.Expression[0], is.Diagnostics, is.Code)
		}
	}
	return ""
}

// compareRejected reports the differences between the expected and actual
// lines.
func compareRejected(t *testing.T, want, got []string) {
	wantBy, gotBy := byFile(want), byFile(got)
	for f, line := range gotBy {
		switch w, ok := wantBy[f]; {
		case !ok:
			t.Errorf("newly rejected: %s", line)
		case w != line:
			t.Errorf("first error changed:\n  was %s\n  now %s", w, line)
		}
	}
	for f, line := range wantBy {
		if _, ok := gotBy[f]; !ok {
			t.Errorf("no longer rejected: %s", line)
		}
	}
	if t.Failed() {
		t.Log("if the change is intended, run the test with UPDATE_GOLDEN=1 and review " + goldenRejected)
	}
}

func byFile(lines []string) map[string]string {
	m := make(map[string]string, len(lines))
	for _, l := range lines {
		if l == "" {
			continue
		}
		f, _, _ := strings.Cut(l, "\t")
		m[f] = l
	}
	return m
}
