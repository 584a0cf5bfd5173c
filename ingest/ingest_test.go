package ingest

import (
	"strings"
	"testing"

	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

func TestNDJSONWithBadLines(t *testing.T) {
	lines := []string{
		`{"resourceType":"Patient","id":"a","gender":"female"}`,
		`{"resourceType":"Patient","id":"b","gender":"male"`, // malformed
		``,
		`{"resourceType":"Patient","id":"c","birthDate":"1990-13-45"}`, // invalid date
		`{"resourceType":"Nope","id":"d"}`,                             // unknown type
		`{"resourceType":"Patient","id":"e","name":[{"family":"Wang"}]}`,
	}
	for _, gz := range []bool{false, true} {
		storetest.Each(t, func(t *testing.T, st store.Store) {
			name := "patients.ndjson"
			if gz {
				name += ".gz"
			}
			path := writeFile(t, name, strings.Join(lines, "\n")+"\n", gz)
			im := &Importer{Service: newService(st), ChunkSize: 10}
			sum, err := im.Import(ctx, []string{path})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Resources != 2 || sum.Failed != 3 {
				t.Fatalf("summary %+v: want 2 resources and 3 failures", sum)
			}
			wantLines := []int{2, 4, 5}
			for i, p := range sum.Problems {
				if p.Line != wantLines[i] || p.File != path {
					t.Errorf("problem %d at %s:%d, want line %d: %v", i, p.File, p.Line, wantLines[i], p.Err)
				}
			}
			if !strings.Contains(sum.Problems[1].Err.Error(), "birthDate") {
				t.Errorf("invalid date problem does not name the element: %v", sum.Problems[1].Err)
			}
			svc := newService(st)
			for _, id := range []string{"a", "e"} {
				if _, err := svc.Read(ctx, "Patient", id); err != nil {
					t.Errorf("Patient/%s (kept its id) not readable: %v", id, err)
				}
			}
		})
	}
}

func TestCollectionBundleAndReimport(t *testing.T) {
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[
		{"resource":{"resourceType":"Organization","id":"o1","name":"市第一人民医院"}},
		{"resource":{"resourceType":"Practitioner","name":[{"family":"李"}]}}]}`
	storetest.Each(t, func(t *testing.T, st store.Store) {
		path := writeFile(t, "c.json", bundle, false)
		for round := 1; round <= 2; round++ {
			im := &Importer{Service: newService(st)}
			sum, err := im.Import(ctx, []string{path})
			if err != nil || sum.Failed != 0 || sum.Resources != 2 || sum.Bundles != 1 {
				t.Fatalf("round %d: %+v %v", round, sum, err)
			}
		}
		res, err := newService(st).Read(ctx, "Organization", "o1")
		if err != nil {
			t.Fatal(err)
		}
		if res.Version.VersionID != 2 || res.Resource["name"] != "市第一人民医院" {
			t.Fatalf("after two imports: version %d, name %v", res.Version.VersionID, res.Resource["name"])
		}
	})
}

func TestFailedTransactionReportsEntryLine(t *testing.T) {
	bundle := `{"resourceType":"Bundle","type":"transaction","entry":[
  {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","gender":"female"},"request":{"method":"POST","url":"Patient"}},
  {"fullUrl":"urn:uuid:2",
   "resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:1"},"valueQuantity":{"value":"high"}},
   "request":{"method":"POST","url":"Observation"}}]}`
	storetest.Each(t, func(t *testing.T, st store.Store) {
		path := writeFile(t, "tx.json", bundle, false)
		sum, err := (&Importer{Service: newService(st)}).Import(ctx, []string{path})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Resources != 0 || sum.Failed != 1 || len(sum.Problems) != 1 {
			t.Fatalf("summary %+v", sum)
		}
		if p := sum.Problems[0]; p.Line != 4 || !strings.Contains(p.Err.Error(), "entry[1]") {
			t.Fatalf("problem %v at line %d, want line 4 naming entry[1]", p.Err, p.Line)
		}
		page, err := newService(st).History(ctx, "", "", zeroTime, 0, 10)
		if err != nil || page.Total != 0 {
			t.Fatalf("a failed transaction wrote %d versions (%v)", page.Total, err)
		}
	})
}

func TestMissingPath(t *testing.T) {
	st := storetest.OpenSQLite(t, nil)
	_, err := (&Importer{Service: newService(st)}).Import(ctx, []string{"/does/not/exist.ndjson"})
	if err == nil {
		t.Fatal("import of a missing path succeeded")
	}
}
