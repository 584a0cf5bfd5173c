package rest_test

import (
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/yitong-health/yitong/store/storetest"
)

// BenchmarkAuditOverhead measures a read and a create over HTTP on SQLite
// with and without the audit log, side by side (QUALITY.md: audit adds at
// most 5% to request latency). Compare with benchstat:
//
//	go test -run '^$' -bench AuditOverhead -count 8 ./rest/ | tee /tmp/a.txt
//
// Besides the latency (sec/op) it reports the process's CPU time per
// request (cpu-sec/op: client, server and the audit log's background
// writer, on every core), which other load on the machine disturbs less.
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
			cpu := processCPU(b)
			for b.Loop() {
				r := e.do(b, "GET", "/Patient/"+id, nil)
				if r.Status != http.StatusOK {
					b.Fatal(r.Status)
				}
			}
			b.ReportMetric((processCPU(b) - cpu).Seconds()/float64(b.N), "cpu-sec/op")
		})
		b.Run("create/"+mode, func(b *testing.B) {
			cpu := processCPU(b)
			for b.Loop() {
				r := e.do(b, "POST", "/Observation", observation("Patient/"+id))
				if r.Status != http.StatusCreated {
					b.Fatal(r.Status)
				}
			}
			b.ReportMetric((processCPU(b) - cpu).Seconds()/float64(b.N), "cpu-sec/op")
		})
	}
}

// processCPU returns the CPU time the process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
