package ingest

import (
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/yitong-health/yitong/bulk"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

var zeroTime time.Time

// TestSyntheaImport loads the 122 Synthea bundles as `yitong import` does
// and checks that every stored resource reads back equal to what was sent,
// apart from id, meta and the references the transaction resolved.
func TestSyntheaImport(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: loads 92,114 resources per backend")
	}
	dir := sharedDir(t, "testdata/synthea-r4")
	storetest.Each(t, func(t *testing.T, st store.Store) {
		sum, err := (&Importer{Service: newService(st)}).Import(ctx, []string{dir})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Failed != 0 || sum.Bundles != 122 || sum.Resources != 92114 {
			t.Fatalf("summary: %+v (first problem: %v)", sum, first(sum.Problems))
		}
		t.Logf("%d resources in %.1fs (%.0f/s)", sum.Resources, sum.Duration.Seconds(), sum.Rate())
		checkReadBack(t, st, dir)
	})
}

func first(ps []Problem) any {
	if len(ps) == 0 {
		return nil
	}
	return ps[0]
}

// checkReadBack pairs every sent resource with a stored one of its type by
// content (with references masked, since the transaction rewrote them), then
// checks each pair strictly: equal apart from id, meta and rewritten
// references, which must have become Type/id.
func checkReadBack(t *testing.T, st store.Store, dir string) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json.gz"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no bundles in %s: %v", dir, err)
	}
	sort.Strings(files)
	// Sent resources per type, in file and entry order.
	sent := map[string][]map[string]any{}
	for _, f := range files {
		err := bulk.ReadFile(f, bulk.Limits{}, func(it bulk.Item) error {
			entries, _ := it.Resource["entry"].([]any)
			for _, e := range entries {
				r := e.(map[string]any)["resource"].(map[string]any)
				rt := r["resourceType"].(string)
				sent[rt] = append(sent[rt], r)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	types := make([]string, 0, len(sent))
	for ty := range sent {
		types = append(types, ty)
	}
	sort.Strings(types)
	var wg sync.WaitGroup
	var mu sync.Mutex
	bad := 0
	for _, ty := range types {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stored, err := allOfType(st, ty)
			if err != nil {
				t.Error(err)
				return
			}
			if len(stored) != len(sent[ty]) {
				t.Errorf("%s: %d stored, %d sent", ty, len(stored), len(sent[ty]))
				return
			}
			byKey := map[string][]map[string]any{}
			for _, s := range stored {
				k := maskedKey(s)
				byKey[k] = append(byKey[k], s)
			}
			for _, sr := range sent[ty] {
				k := maskedKey(sr)
				cands := byKey[k]
				if len(cands) == 0 || !equalApartFromRefs(withoutMeta(sr), withoutMeta(cands[0])) {
					mu.Lock()
					bad++
					if bad <= 3 {
						t.Errorf("a sent %s (id %v) has no stored counterpart equal to it", ty, sr["id"])
					}
					mu.Unlock()
					continue
				}
				byKey[k] = cands[1:]
			}
		}()
	}
	wg.Wait()
	if bad > 0 {
		t.Fatalf("%d resources differ from what was sent", bad)
	}
}

// allOfType lists the current resources of a type in id order (creation
// order, since ids are time-ordered and assigned in entry order).
func allOfType(st store.Store, ty string) ([]map[string]any, error) {
	var out []map[string]any
	q := store.CurrentQuery{Types: []string{ty}, Count: 1000}
	for {
		var page []store.Version
		if err := st.View(ctx, func(tx store.Tx) error {
			var err error
			page, err = tx.ListCurrent(ctx, q)
			return err
		}); err != nil {
			return nil, err
		}
		for _, v := range page {
			r, err := decode(v.Body)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		if len(page) < q.Count {
			return out, nil
		}
		q.AfterType, q.AfterID = ty, page[len(page)-1].ID
	}
}

// maskedKey encodes a resource without id and meta and with every reference
// replaced by a placeholder: equal for a sent resource and its stored copy.
func maskedKey(res map[string]any) string {
	return string(marshal(maskRefs(withoutMeta(res)).(map[string]any)))
}

func maskRefs(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if _, isStr := e.(string); isStr && k == "reference" {
				out[k] = "REF"
				continue
			}
			out[k] = maskRefs(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = maskRefs(e)
		}
		return out
	}
	return v
}
