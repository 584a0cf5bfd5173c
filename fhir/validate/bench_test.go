package validate

import (
	"path/filepath"
	"testing"
)

// BenchmarkValidateSynthea validates the entries of a few Synthea bundles;
// the reported MB/s is of source JSON.
func BenchmarkValidateSynthea(b *testing.B) {
	files := syntheaBundles(b)
	const bundles = 6
	if len(files) > bundles {
		files = files[len(files)-bundles:]
	}
	var resources []map[string]any
	size := 0
	for _, path := range files {
		data := readGzip(b, path)
		size += len(data)
		entries, _ := decode(b, data)["entry"].([]any)
		for _, e := range entries {
			if res, ok := e.(map[string]any)["resource"].(map[string]any); ok {
				resources = append(resources, res)
			}
		}
	}
	b.Logf("%d resources, %.1f MB of JSON from %v", len(resources), float64(size)/1e6, baseNames(files))
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, res := range resources {
			if issues := Resource(res); issues != nil {
				b.Fatalf("unexpected issues: %v", issues)
			}
		}
	}
	b.ReportMetric(float64(len(resources))*float64(b.N)/b.Elapsed().Seconds(), "resources/s")
}

func baseNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}
