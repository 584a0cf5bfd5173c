package rest_test

import (
	"net/http"
	"os"
	"strconv"
	"strings"
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
// writer, on every core) and the bytes it passed to write(2) per request
// (wchar/op: the database's journal and file, and the HTTP traffic), which
// other load on the machine disturbs less or not at all.
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
			cpu, wc := processCPU(b), writtenChars(b)
			for b.Loop() {
				r := e.do(b, "GET", "/Patient/"+id, nil)
				if r.Status != http.StatusOK {
					b.Fatal(r.Status)
				}
			}
			b.ReportMetric((processCPU(b)-cpu).Seconds()/float64(b.N), "cpu-sec/op")
			b.ReportMetric(float64(writtenChars(b)-wc)/float64(b.N), "wchar/op")
		})
		b.Run("create/"+mode, func(b *testing.B) {
			cpu, wc := processCPU(b), writtenChars(b)
			for b.Loop() {
				r := e.do(b, "POST", "/Observation", observation("Patient/"+id))
				if r.Status != http.StatusCreated {
					b.Fatal(r.Status)
				}
			}
			b.ReportMetric((processCPU(b)-cpu).Seconds()/float64(b.N), "cpu-sec/op")
			b.ReportMetric(float64(writtenChars(b)-wc)/float64(b.N), "wchar/op")
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

// writtenChars returns the bytes the process has passed to write(2) and
// its kin (Linux /proc/self/io wchar; 0 elsewhere).
func writtenChars(b *testing.B) int64 {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "wchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}
