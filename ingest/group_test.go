package ingest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/fhir/validate"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

// TestGroupCommitKeepsBundlesAtomic imports independent bundles written
// several to a store transaction, one of which fails inside the
// transaction (a conditional reference that matches nothing): the failed
// bundle writes nothing and is reported with its file, every other bundle
// of its group still lands, and each landed bundle has its own audit entry.
func TestGroupCommitKeepsBundlesAtomic(t *testing.T) {
	dir := t.TempDir()
	const n = 10
	for i := 0; i < n; i++ {
		ref := ""
		if i == 5 {
			ref = `,"managingOrganization":{"reference":"Organization?identifier=urn:test|missing"}`
		}
		body := fmt.Sprintf(`{"resourceType":"Bundle","type":"transaction","entry":[
{"fullUrl":"urn:uuid:o%d","resource":{"resourceType":"Organization","identifier":[{"system":"urn:test","value":"org%d"}],"name":"Org %d"},"request":{"method":"POST","url":"Organization"}},
{"fullUrl":"urn:uuid:p%d","resource":{"resourceType":"Patient","identifier":[{"system":"urn:test","value":"pat%d"}]%s},"request":{"method":"POST","url":"Patient"}}]}`, i, i, i, i, i, ref)
		writeFileAt(t, filepath.Join(dir, fmt.Sprintf("b%02d.json", i)), body)
	}
	storetest.Each(t, func(t *testing.T, st store.Store) {
		log, err := audit.Open(ctx, audit.Config{Store: st})
		if err != nil {
			t.Fatal(err)
		}
		svc := resources.New(st, resources.Options{Validate: validate.Resource, IsResourceType: spec.IsResourceType, NewID: fhir.NewID, Audit: log})
		for _, group := range []int{1, 4} {
			t.Run(fmt.Sprintf("group=%d", group), func(t *testing.T) {
				before := countWrites(t, log)
				sum, err := (&Importer{Service: svc, GroupSize: group}).Import(ctx, []string{dir})
				if err != nil {
					t.Fatal(err)
				}
				if sum.Bundles != n || sum.Failed != 1 || sum.Resources != 2*(n-1) {
					t.Fatalf("summary %+v (problems %v)", sum, sum.Problems)
				}
				if !strings.HasSuffix(sum.Problems[0].File, "b05.json") || !strings.Contains(sum.Problems[0].Err.Error(), "missing") {
					t.Errorf("problem: %v", sum.Problems[0])
				}
				if got := countWrites(t, log) - before; got != n-1 {
					t.Errorf("%d audit entries of writes, want one per landed bundle (%d)", got, n-1)
				}
			})
		}
		// The failed bundle's organization was never written, in either run.
		var orgs int
		if err := st.View(ctx, func(tx store.Tx) error {
			vs, err := tx.ListCurrent(ctx, store.CurrentQuery{Types: []string{"Organization"}, Count: 100})
			orgs = len(vs)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if orgs != 2*(n-1) {
			t.Errorf("%d organizations, want %d", orgs, 2*(n-1))
		}
		for _, v := range mustList(t, st) {
			if strings.Contains(string(v.Body), `"org5"`) || strings.Contains(string(v.Body), `"pat5"`) {
				t.Errorf("the failed bundle wrote %s/%s", v.Type, v.ID)
			}
		}
		if _, err := audit.Verify(ctx, st, audit.VerifyOptions{}); err != nil {
			t.Errorf("the audit log does not verify: %v", err)
		}
	})
}

func countWrites(t *testing.T, log *audit.Log) int {
	t.Helper()
	es, err := log.Find(ctx, store.AuditQuery{Action: "create", Count: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func mustList(t *testing.T, st store.Store) []store.Version {
	t.Helper()
	var out []store.Version
	if err := st.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.ListCurrent(ctx, store.CurrentQuery{Count: 1000})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
