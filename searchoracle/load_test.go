package searchoracle

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for ANALYZE

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/fhir/validate"
	"github.com/yitong-health/yitong/ingest"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/postgres"
	"github.com/yitong-health/yitong/store/storetest"
)

var ctx = context.Background()

// shortPatients is how many patient bundles (the first by file name) -short
// loads besides the two information bundles.
const shortPatients = 20

// syntheaFiles returns the bundles to load: the hospital and practitioner
// information bundles first (the patient bundles refer to them
// conditionally), then the patient bundles in name order — all of them, or
// the first shortPatients under -short.
func syntheaFiles(t *testing.T) (info, patients []string) {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "testdata", "synthea-r4")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: %v", dir, err)
		}
		t.Skipf("%s is not beside the repository: %v", dir, err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json.gz"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no bundles in %s: %v", dir, err)
	}
	sort.Strings(files)
	for _, f := range files {
		if strings.Contains(filepath.Base(f), "Information") {
			info = append(info, f)
		} else {
			patients = append(patients, f)
		}
	}
	if len(info) != 2 {
		t.Fatalf("want 2 information bundles in %s, found %d", dir, len(info))
	}
	if testing.Short() && len(patients) > shortPatients {
		patients = patients[:shortPatients]
	}
	return info, patients
}

func newService(st store.Store) *resources.Service {
	return resources.New(st, resources.Options{Validate: validate.Resource, IsResourceType: spec.IsResourceType, NewID: fhir.NewID})
}

// load imports the information bundles, then the patient bundles.
func load(t *testing.T, svc *resources.Service, info, patients []string) {
	t.Helper()
	start := time.Now()
	total := 0
	for _, paths := range [][]string{info, patients} {
		sum, err := (&ingest.Importer{Service: svc}).Import(ctx, paths)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Failed != 0 || sum.Bundles != len(paths) {
			t.Fatalf("import summary: %+v", sum)
		}
		total += sum.Resources
	}
	t.Logf("loaded %d bundles, %d resources in %.1fs", len(info)+len(patients), total, time.Since(start).Seconds())
}

// backend opens a fresh store and returns it with a function to call once
// the data is loaded.
type backend struct {
	name string
	open func(t *testing.T) (st store.Store, loaded func())
}

// backends are those of storetest.Backends. PostgreSQL gets ANALYZE after
// the load: the import leaves the planner without statistics (and the test
// server may run without autovacuum), and then a paged, sorted search of one
// patient's observations takes seconds per page, the whole test many
// minutes. That is a matter of speed, not of results, which this test is
// about.
func backends(t *testing.T) []backend {
	var out []backend
	for _, b := range storetest.Backends(t) {
		switch b.Name {
		case "postgres":
			out = append(out, backend{name: b.Name, open: openPostgres})
		default:
			out = append(out, backend{name: b.Name, open: func(t *testing.T) (store.Store, func()) {
				return b.Open(t, nil), func() {}
			}})
		}
	}
	return out
}

func openPostgres(t *testing.T) (store.Store, func()) {
	u := storetest.PostgresURL(t)
	st, err := postgres.Open(ctx, u, nil)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close postgres: %v", err)
		}
	})
	return st, func() {
		db, err := sql.Open("pgx", u)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
			t.Fatalf("analyze: %v", err)
		}
	}
}
