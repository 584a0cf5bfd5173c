package crashtest

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	_ "github.com/mattn/go-sqlite3"    // the "sqlite3" driver

	"github.com/yitong-health/yitong/fhir"
)

// backend is a database the child processes use.
type backend struct {
	name  string   // "sqlite" or "postgres"
	flags []string // store flags for yitong serve / import
	// open opens the database for the test's own reads (read-only for
	// SQLite).
	open func(t testing.TB) *sql.DB
}

func sqliteBackend(dir string) backend {
	path := dir + "/yitong.db"
	return backend{
		name:  "sqlite",
		flags: []string{"--data", dir},
		open: func(t testing.TB) *sql.DB {
			t.Helper()
			db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
			if err != nil {
				t.Fatalf("open %s read-only: %v", path, err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
	}
}

func postgresBackend(dir, url string) backend {
	return backend{
		name:  "postgres",
		flags: []string{"--data", dir, "--database", url},
		open: func(t testing.TB) *sql.DB {
			t.Helper()
			db, err := sql.Open("pgx", url)
			if err != nil {
				t.Fatalf("open postgres: %v", err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
	}
}

// consistency are SQL checks of the store's invariants; each query counts
// violations.
var consistency = append([]struct{ name, query string }{
	{"every current row points at its version (same type, id, version, seq, time, deleted flag)", `
		SELECT COUNT(*) FROM resources r WHERE NOT EXISTS (
			SELECT 1 FROM resource_versions v WHERE v.seq = r.seq AND v.res_type = r.res_type
			AND v.res_id = r.res_id AND v.version_id = r.version_id
			AND v.last_updated = r.last_updated AND v.deleted = r.deleted)`},
	{"the current row is the newest version", `
		SELECT COUNT(*) FROM resources r WHERE r.version_id <> (
			SELECT MAX(v.version_id) FROM resource_versions v WHERE v.res_type = r.res_type AND v.res_id = r.res_id)`},
	{"every versioned resource has a current row", `
		SELECT COUNT(*) FROM (SELECT DISTINCT res_type, res_id FROM resource_versions) v WHERE NOT EXISTS (
			SELECT 1 FROM resources r WHERE r.res_type = v.res_type AND r.res_id = v.res_id)`},
	{"versions are numbered 1..n without gaps", `
		SELECT COUNT(*) FROM (SELECT res_type, res_id FROM resource_versions GROUP BY res_type, res_id
			HAVING MIN(version_id) <> 1 OR MAX(version_id) <> COUNT(*)) g`},
	{"later versions have later sequence numbers", `
		SELECT COUNT(*) FROM resource_versions a JOIN resource_versions b
			ON a.res_type = b.res_type AND a.res_id = b.res_id AND b.version_id = a.version_id + 1
			WHERE b.seq <= a.seq OR b.last_updated < a.last_updated`},
	{"deletions have no body and other versions have one", `
		SELECT COUNT(*) FROM resource_versions WHERE (deleted <> 0 AND body IS NOT NULL) OR (deleted = 0 AND body IS NULL)`},
	{"a resource's key is the sequence number of its first version", `
		SELECT COUNT(*) FROM resources r WHERE NOT EXISTS (
			SELECT 1 FROM resource_versions v WHERE v.seq = r.rid AND v.res_type = r.res_type
			AND v.res_id = r.res_id AND v.version_id = 1)`},
}, indexChecks()...)

// indexTables are the search index tables (migrations 002, 003 and 010).
var indexTables = []string{"string", "token", "ref", "date", "number", "quantity", "uri", "composite", "patient_code"}

// indexChecks are the consistency checks of the search index tables: every
// entry belongs to a current, live resource (deleted resources keep none).
func indexChecks() []struct{ name, query string } {
	var out []struct{ name, query string }
	for _, t := range indexTables {
		out = append(out, struct{ name, query string }{
			t + " index entries belong to current, live resources",
			`SELECT COUNT(*) FROM idx_` + t + ` x WHERE NOT EXISTS (
				SELECT 1 FROM resources r WHERE r.rid = x.rid AND r.deleted = 0)`,
		})
	}
	return append(out, struct{ name, query string }{
		// idx_patient_code holds exactly the pairs of a resource's "code"
		// token and "patient" reference entries.
		"patient_code entries are the pairs of code and patient entries", `
			SELECT (SELECT COUNT(*) FROM idx_patient_code p WHERE NOT EXISTS (
				SELECT 1 FROM idx_token t WHERE t.pid = p.pid AND t.code = p.code AND t.system = p.system AND t.rid = p.rid)
				OR NOT EXISTS (SELECT 1 FROM idx_ref x WHERE x.pid = p.ref_pid AND x.target_type = p.target_type
				AND x.target_id = p.target_id AND x.rid = p.rid))
			+ (SELECT COUNT(*) FROM search_params pt
				JOIN search_params pr ON pr.res_type = pt.res_type AND pr.code = 'patient'
				JOIN idx_token t ON t.pid = pt.pid
				JOIN idx_ref x ON x.rid = t.rid AND x.pid = pr.pid
				WHERE pt.code = 'code' AND NOT EXISTS (SELECT 1 FROM idx_patient_code p
					WHERE p.pid = t.pid AND p.code = t.code AND p.system = t.system AND p.ref_pid = x.pid
					AND p.target_type = x.target_type AND p.target_id = x.target_id AND p.rid = t.rid))`,
	})
}

// checkDatabase runs the backend's integrity check and the consistency
// checks on a database no process is writing.
func checkDatabase(t testing.TB, b backend) {
	t.Helper()
	db := b.open(t)
	ctx := context.Background()
	switch b.name {
	case "sqlite":
		checkSQLiteIntegrity(t, db)
	case "postgres":
		checkPostgresIntegrity(t, db)
	}
	for _, c := range consistency {
		var n int
		if err := db.QueryRowContext(ctx, c.query).Scan(&n); err != nil {
			t.Errorf("consistency check %q: %v", c.name, err)
		} else if n != 0 {
			t.Errorf("consistency check failed: %s: %d violations", c.name, n)
		}
	}
	checkBodies(t, db)
}

func checkSQLiteIntegrity(t testing.TB, db *sql.DB) {
	t.Helper()
	rows, err := db.Query("PRAGMA integrity_check")
	if err != nil {
		t.Fatalf("PRAGMA integrity_check: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatalf("PRAGMA integrity_check: %v", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("PRAGMA integrity_check: %v", err)
	}
	if len(out) != 1 || out[0] != "ok" {
		t.Errorf("PRAGMA integrity_check: %q, want \"ok\"", out)
	}
}

// checkPostgresIntegrity verifies every B-tree index against its table
// (bt_index_check with heapallindexed) and every table's heap
// (verify_heapam) with the amcheck extension, when the server has it.
func checkPostgresIntegrity(t testing.TB, db *sql.DB) {
	t.Helper()
	if _, err := db.Exec("CREATE EXTENSION IF NOT EXISTS amcheck"); err != nil {
		t.Logf("amcheck is not available (%v): only the consistency checks run on PostgreSQL", err)
		return
	}
	rels := func(q string) []string {
		var out []string
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("list relations: %v", err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	indexes := rels(`SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		JOIN pg_am am ON am.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE am.amname = 'btree' AND n.nspname = 'public'`)
	for _, ix := range indexes {
		if _, err := db.Exec("SELECT bt_index_check($1::regclass, true)", ix); err != nil {
			t.Errorf("amcheck: index %s: %v", ix, err)
		}
	}
	tables := rels(`SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND n.nspname = 'public'`)
	for _, tb := range tables {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM verify_heapam($1::regclass)", tb).Scan(&n); err != nil {
			t.Errorf("amcheck: table %s: %v", tb, err)
		} else if n != 0 {
			t.Errorf("amcheck: table %s: %d corruptions", tb, n)
		}
	}
	if len(indexes) == 0 || len(tables) == 0 {
		t.Errorf("amcheck found %d indexes and %d tables to check", len(indexes), len(tables))
	}
	t.Logf("amcheck: %d B-tree indexes and %d tables verified", len(indexes), len(tables))
}

// checkBodies decodes every stored version: the body is whole JSON whose id
// and meta.versionId are the row's; and the identifier tokens of every
// current resource are exactly its body's identifiers.
func checkBodies(t testing.TB, db *sql.DB) {
	t.Helper()
	rows, err := db.Query(`SELECT v.res_type, v.res_id, v.version_id, v.body, r.version_id = v.version_id
		FROM resource_versions v JOIN resources r ON r.res_type = v.res_type AND r.res_id = v.res_id WHERE v.deleted = 0`)
	if err != nil {
		t.Fatalf("read versions: %v", err)
	}
	defer rows.Close()
	fromBodies := map[string]map[string]bool{} // Type/id -> system|code of current versions
	n := 0
	for rows.Next() {
		var typ, id string
		var vid int64
		var body []byte
		var current bool
		if err := rows.Scan(&typ, &id, &vid, &body, &current); err != nil {
			t.Fatalf("read versions: %v", err)
		}
		n++
		res, err := fhir.Decode(body, 0)
		if err != nil {
			t.Errorf("%s/%s version %d: the stored body does not decode: %v", typ, id, vid, err)
			continue
		}
		meta, _ := res["meta"].(map[string]any)
		if res["resourceType"] != typ || res["id"] != id || meta["versionId"] != strconv.FormatInt(vid, 10) {
			t.Errorf("%s/%s version %d: the stored body says %v/%v version %v", typ, id, vid, res["resourceType"], res["id"], meta["versionId"])
		}
		if current {
			fromBodies[typ+"/"+id] = identifiers(res)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read versions: %v", err)
	}
	if n == 0 {
		t.Error("the database holds no resources")
	}
	tokens := map[string]map[string]bool{}
	trows, err := db.Query(`SELECT r.res_type, r.res_id, k.system, k.code FROM idx_token k
		JOIN search_params p ON p.pid = k.pid JOIN resources r ON r.rid = k.rid WHERE p.code = 'identifier'`)
	if err != nil {
		t.Fatalf("read tokens: %v", err)
	}
	defer trows.Close()
	for trows.Next() {
		var typ, id, system, code string
		if err := trows.Scan(&typ, &id, &system, &code); err != nil {
			t.Fatalf("read tokens: %v", err)
		}
		k := typ + "/" + id
		if tokens[k] == nil {
			tokens[k] = map[string]bool{}
		}
		tokens[k][system+"|"+code] = true
	}
	if err := trows.Err(); err != nil {
		t.Fatalf("read tokens: %v", err)
	}
	bad := 0
	for k, want := range fromBodies {
		if got := tokens[k]; !maps.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			if bad++; bad <= 5 {
				t.Errorf("%s: identifier index %v, but the current body has %v", k, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
			}
		}
	}
	if bad > 5 {
		t.Errorf("… %d resources with a wrong identifier index in all", bad)
	}
}

// identifiers returns "system|value" of the identifiers with a value.
func identifiers(res map[string]any) map[string]bool {
	out := map[string]bool{}
	list, _ := res["identifier"].([]any)
	for _, x := range list {
		m, _ := x.(map[string]any)
		v, _ := m["value"].(string)
		if v == "" {
			continue
		}
		s, _ := m["system"].(string)
		out[s+"|"+v] = true
	}
	return out
}

// countPatients counts the current Patients in the database.
func countPatients(db *sql.DB) (int, error) {
	var n int
	err := db.QueryRow(`SELECT COUNT(*) FROM resources WHERE res_type = 'Patient' AND deleted = 0`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count patients: %w", err)
	}
	return n, nil
}

// checkAudit runs `yitong audit verify` on the database: the audit log's
// tree and checkpoints verify, and every committed resource version has its
// audit entry (QUALITY.md item 7: no act without its entry, also across
// crashes).
func checkAudit(t testing.TB, b backend) {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"audit", "verify"}, b.flags...)...)
	cmd.Env = childEnv()
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "OK:") {
		t.Errorf("yitong audit verify: %v\n%s", err, out)
		return
	}
	t.Logf("yitong audit verify: %s", strings.TrimSpace(string(out)))
}
