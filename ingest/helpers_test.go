package ingest

import (
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/fhir/validate"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
)

var ctx = context.Background()

func newService(st store.Store) *resources.Service {
	return resources.New(st, resources.Options{Validate: validate.Resource, IsResourceType: spec.IsResourceType, NewID: fhir.NewID})
}

func writeFile(t *testing.T, name, content string, gz bool) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if gz {
		zw := gzip.NewWriter(f)
		if _, err := zw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
	return p
}

// sharedDir returns a folder of ../shared, failing under CI when absent.
func sharedDir(t *testing.T, rel string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", rel)
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: %v", dir, err)
		}
		t.Skipf("%s is not beside the repository", dir)
	}
	return dir
}

// withoutMeta returns a deep copy of res without id and the server's meta
// elements (meta itself goes when nothing else is left in it).
func withoutMeta(res map[string]any) map[string]any {
	out := make(map[string]any, len(res))
	for k, v := range res {
		out[k] = v
	}
	delete(out, "id")
	if m, ok := res["meta"].(map[string]any); ok {
		mc := make(map[string]any, len(m))
		for k, v := range m {
			if k != "versionId" && k != "lastUpdated" {
				mc[k] = v
			}
		}
		if len(mc) == 0 {
			delete(out, "meta")
		} else {
			out["meta"] = mc
		}
	}
	return out
}

// equalApartFromRefs compares sent and stored, treating every reference
// that was rewritten (urn:uuid:… or a conditional reference) as equal when
// the stored one is a relative Type/id of the same type.
func equalApartFromRefs(sent, stored any) bool {
	switch s := sent.(type) {
	case map[string]any:
		g, ok := stored.(map[string]any)
		if !ok || len(g) != len(s) {
			return false
		}
		for k, sv := range s {
			gv, ok := g[k]
			if !ok {
				return false
			}
			if k == "reference" {
				if ss, ok := sv.(string); ok && rewritten(ss) {
					gs, ok := gv.(string)
					if !ok || strings.Contains(gs, ":") || !strings.Contains(gs, "/") {
						return false
					}
					continue
				}
			}
			if !equalApartFromRefs(sv, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := stored.([]any)
		if !ok || len(g) != len(s) {
			return false
		}
		for i := range s {
			if !equalApartFromRefs(s[i], g[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(sent, stored)
}

func rewritten(ref string) bool {
	return strings.HasPrefix(ref, "urn:uuid:") || strings.HasPrefix(ref, "urn:oid:") || strings.Contains(ref, "?")
}

func decode(b []byte) (map[string]any, error) { return fhir.Decode(b, 0) }

func writeString(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }
