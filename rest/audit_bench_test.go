package rest_test

import (
	"net/http"
	"testing"

	"github.com/yitong-health/yitong/store/storetest"
)

// BenchmarkAuditOverhead measures a read and a create over HTTP on SQLite
// with and without the audit log, side by side (QUALITY.md: audit adds at
// most 5% to request latency). Compare with benchstat:
//
//	go test -run '^$' -bench AuditOverhead -count 8 ./rest/ | tee /tmp/a.txt
func BenchmarkAuditOverhead(b *testing.B) {
	backend := storetest.Backend{Name: "sqlite", Open: storetest.OpenSQLite}
	for _, mode := range []string{"audit=off", "audit=on"} {
		var opts []option
		if mode == "audit=off" {
			opts = append(opts, withoutAudit())
		}
		e := newEnv(b, backend, opts...)
		id := e.create(b, patient("urn:bench", "1"))
		b.Run("read/"+mode, func(b *testing.B) {
			for b.Loop() {
				r := e.do(b, "GET", "/Patient/"+id, nil)
				if r.Status != http.StatusOK {
					b.Fatal(r.Status)
				}
			}
		})
		b.Run("create/"+mode, func(b *testing.B) {
			for b.Loop() {
				r := e.do(b, "POST", "/Observation", observation("Patient/"+id))
				if r.Status != http.StatusCreated {
					b.Fatal(r.Status)
				}
			}
		})
	}
}
