package ingest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

// TestConcurrentBundlesKeepFileOrderSemantics imports POST-only bundles
// that depend on each other (a conditional reference to an Organization the
// previous bundle creates) with several bundles in flight: every dependent
// bundle must still load (it is retried in order when it ran too early), and
// a genuinely bad bundle is reported once, with its place.
func TestConcurrentBundlesKeepFileOrderSemantics(t *testing.T) {
	dir := t.TempDir()
	const n = 12
	for i := 0; i < n; i++ {
		var entries []string
		entries = append(entries, fmt.Sprintf(`{"fullUrl":"urn:uuid:o%d","resource":{"resourceType":"Organization","identifier":[{"system":"urn:test","value":"org%d"}],"name":"Org %d"},"request":{"method":"POST","url":"Organization"}}`, i, i, i))
		if i > 0 {
			// Refers to the organization of the previous bundle.
			entries = append(entries, fmt.Sprintf(`{"fullUrl":"urn:uuid:p%d","resource":{"resourceType":"Patient","managingOrganization":{"reference":"Organization?identifier=urn:test|org%d"}},"request":{"method":"POST","url":"Patient"}}`, i, i-1))
		}
		if i == n-1 {
			entries = append(entries, `{"fullUrl":"urn:uuid:bad","resource":{"resourceType":"Patient","birthDate":"yesterday"},"request":{"method":"POST","url":"Patient"}}`)
		}
		body := `{"resourceType":"Bundle","type":"transaction","entry":[` + strings.Join(entries, ",\n") + `]}`
		writeFileAt(t, filepath.Join(dir, fmt.Sprintf("b%02d.json", i)), body)
	}
	storetest.Each(t, func(t *testing.T, st store.Store) {
		sum, err := (&Importer{Service: newService(st), Concurrency: 4}).Import(ctx, []string{dir})
		if err != nil {
			t.Fatal(err)
		}
		// 12 organizations + 11 patients, minus the last bundle (its
		// organization and patient), which fails as a whole for the bad date.
		if sum.Bundles != n || sum.Failed != 1 || sum.Resources != 23-2 {
			t.Fatalf("summary %+v (problems %v)", sum, sum.Problems)
		}
		if !strings.HasSuffix(sum.Problems[0].File, "b11.json") || !strings.Contains(sum.Problems[0].Err.Error(), "birthDate") {
			t.Errorf("problem: %v", sum.Problems[0])
		}
	})
}

func writeFileAt(t *testing.T, path, content string) {
	t.Helper()
	if err := writeString(path, content); err != nil {
		t.Fatal(err)
	}
}
