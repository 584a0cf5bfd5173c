package sqlstore

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir/search"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/search")

// goldenQueries are searches whose generated SQL is kept in
// testdata/search/NAME.sql; a change to the SQL shows in review as a diff
// of those files (go test ./store/sqlstore/ -run Golden -update).
var goldenQueries = []struct {
	name, typ, query string
	broadHas         bool // plan reverse chains as per-candidate tests
}{
	{"patient-by-identifier", "Patient", "identifier=urn:oid:1.2.156|110101199003077777", false},
	{"patient-by-name-birthdate", "Patient", "family=Wang&given=Fang&birthdate=1990-03-07", false},
	{"observations-by-patient-code-date-sorted", "Observation", "subject=Patient/p1&code=http://loinc.org|8480-6&date=ge2020-01-01&date=lt2021&_sort=-date", false},
	{"encounters-include-practitioners", "Encounter", "patient=p1&_include=Encounter:participant:Practitioner", false},
	{"conditions-by-code", "Condition", "code=http://snomed.info/sct|44054006,http://snomed.info/sct|73211009", false},
	{"has-observation-code", "Patient", "_has:Observation:patient:code=8480-6", false},
	{"has-observation-code-broad", "Patient", "_has:Observation:patient:code=8480-6", true},
	{"chain-two-levels", "Observation", "subject:Patient.organization.name=Clinic", false},
	{"string-modifiers", "Patient", "name:exact=Wang&address:contains=50%25&name:missing=false", false},
	{"token-not-text-oftype", "Patient", "gender:not=male&language:text=chin&identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|123", false},
	{"quantity-and-number", "Observation", "value-quantity=gt5.4|http://unitsofmeasure.org|mg&_sort=value-quantity", false},
	{"uri-above-below", "ValueSet", "url:below=http://hl7.org/fhir/ValueSet&reference:above=http://hl7.org/fhir/ValueSet/x/y", false},
	{"last-updated-and-id", "Patient", "_lastUpdated=sa2026-01-01T00:00:00Z&_id=a,b", false},
	{"system-level-type", "", "_type=Patient,Practitioner&_tag=urn:t|x", false},
	{"reference-forms", "Observation", "subject=http://example.org/fhir/Patient/1&performer:Practitioner=9&subject:identifier=urn:x|1", false},
	{"text-and-content", "Patient", "_text=高血压,fever&_content=50%25_x&gender=female", false},
	{"has-observation-subject-code", "Patient", "_has:Observation:subject:code=http://loinc.org|8480-6", false},
	{"has-observation-subject-code-broad", "Patient", "_has:Observation:subject:code=http://loinc.org|8480-6", true},
	{"has-encounter-observation-code", "Patient", "_has:Encounter:subject:_has:Observation:encounter:code=8480-6", false},
}

func TestGoldenSearchSQL(t *testing.T) {
	pids := map[string]int64{}
	pid := func(typ, code string) (int64, error) {
		k := typ + "." + code
		if _, ok := pids[k]; !ok {
			pids[k] = int64(len(pids) + 1)
		}
		return pids[k], nil
	}
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	for _, g := range goldenQueries {
		t.Run(g.name, func(t *testing.T) {
			vals, err := url.ParseQuery(g.query)
			if err != nil {
				t.Fatal(err)
			}
			q, err := search.Parse(g.typ, vals, search.ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b := &sqlBuilder{pid: pid, lookup: search.DefaultRegistry().Lookup, now: now, join: "CROSS JOIN"}
			if g.broadHas {
				b.broadHas = map[*search.Has]bool{}
				for _, f := range q.Filters {
					if f.Has != nil {
						b.broadHas[f.Has] = true
					}
				}
			}
			if _, err := b.matchSQL(q, nil, 21); err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("-- %s?%s\n%s;\n-- args: %v\n", g.typ, g.query, indentSQL(b.b.String()), b.args)
			path := filepath.Join("testdata", "search", g.name+".sql")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("SQL for %s?%s changed (run with -update if intended):\ngot:\n%s\nwant:\n%s", g.typ, g.query, got, want)
			}
		})
	}
}

// indentSQL breaks a generated statement at its main clauses for
// readable golden files.
func indentSQL(s string) string {
	for _, kw := range []string{" FROM resources r ", " WHERE ", " AND r.", " ORDER BY ", " LIMIT "} {
		s = strings.ReplaceAll(s, kw, "\n  "+kw[1:])
	}
	return s
}
