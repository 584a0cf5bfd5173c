package validate

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/yitong-health/yitong/fhir"
)

// repoRoot returns the repository root: go test runs in the package
// directory, two levels below it.
func repoRoot(t testing.TB) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(wd, "..", "..")
}

// sharedDir returns the shared data directory beside the repository, or
// skips the test when it is missing (fatal under CI=true).
func sharedDir(t testing.TB, sub string) string {
	dir := filepath.Join(repoRoot(t), "..", "shared", sub)
	if _, err := os.Stat(dir); err != nil {
		missing(t, "shared data "+dir+" is missing: "+err.Error())
	}
	return dir
}

// missing skips the test, or fails it when running under CI.
func missing(t testing.TB, msg string) {
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// readGzip returns the decompressed content of a .gz file.
func readGzip(t testing.TB, path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var b bytes.Buffer
	if _, err := io.Copy(&b, zr); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b.Bytes()
}

// decode parses a resource, failing the test on error.
func decode(t testing.TB, data []byte) map[string]any {
	m, err := fhir.Decode(data, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
