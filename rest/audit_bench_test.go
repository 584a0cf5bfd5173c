package rest_test

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/yitong-health/yitong/audit"
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

// BenchmarkAuditOverheadPaired measures the same read and create as
// BenchmarkAuditOverhead, but with both servers (without and with the log)
// alive in one process and their requests interleaved: each iteration is a
// round of one phase of requests on each server, in alternating order, so
// that the machine's drift (other load, CPU frequency, the page cache)
// falls on both alike. The log spools read entries as `yitong serve` does.
// A phase with the log ends with a Flush of its entries, counted in its
// time: the writer's work is never left to the next phase, which only
// overstates the log's share. Run with a number of rounds:
//
//	go test -run '^$' -bench AuditOverheadPaired -benchtime 20x ./rest/
//
// It reports the mean latency of the requests of each (off-sec/req,
// on-sec/req) and the log's share: req-% of the requests' latency (what a
// client waits), phase-% of the phases' time with their final Flush (the
// writer's work that did not overlap the requests counted too), round-%
// (the median of the rounds' own phase ratios, which a round disturbed by
// other load moves less), and cpu-% of the process's CPU time.
func BenchmarkAuditOverheadPaired(b *testing.B) {
	backend := storetest.Backend{Name: "sqlite", Open: storetest.OpenSQLite}
	for _, op := range []struct {
		name   string
		phase  int
		status int
		req    func(e *env, t testing.TB, pid string) response
	}{
		{"read", 12000, http.StatusOK, func(e *env, t testing.TB, pid string) response { return e.do(t, "GET", "/Patient/"+pid, nil) }},
		{"create", 1200, http.StatusCreated, func(e *env, t testing.TB, pid string) response {
			return e.do(t, "POST", "/Observation", observation("Patient/"+pid))
		}},
	} {
		b.Run(op.name, func(b *testing.B) {
			var al *audit.Log
			envs := [2]*env{newEnv(b, backend, withoutAudit()), newEnv(b, backend, withAuditLog(&al), withAuditSpool())}
			var ids [2]string
			for i, e := range envs {
				ids[i] = e.create(b, patient("urn:bench", "1"))
			}
			var wall, cpu, reqs [2]time.Duration
			var rounds []float64
			run := func(i int) (time.Duration, time.Duration) {
				c0, t0 := processCPU(b), time.Now()
				for range op.phase {
					r0 := time.Now()
					if r := op.req(envs[i], b, ids[i]); r.Status != op.status {
						b.Fatal(r.Status)
					}
					reqs[i] += time.Since(r0)
				}
				if i == 1 {
					if err := al.Flush(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
				return time.Since(t0), processCPU(b) - c0
			}
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				var w [2]time.Duration
				for _, i := range [][2]int{{0, 1}, {1, 0}}[n%2] {
					d, c := run(i)
					w[i] = d
					wall[i] += d
					cpu[i] += c
				}
				rounds = append(rounds, pct(w[1], w[0]))
			}
			n := float64(b.N * op.phase)
			b.ReportMetric(reqs[0].Seconds()/n, "off-sec/req")
			b.ReportMetric(reqs[1].Seconds()/n, "on-sec/req")
			b.ReportMetric(pct(reqs[1], reqs[0]), "req-%")
			b.ReportMetric(pct(wall[1], wall[0]), "phase-%")
			b.ReportMetric(median(rounds), "round-%")
			b.ReportMetric(pct(cpu[1], cpu[0]), "cpu-%")
		})
	}
}

// pct is how much longer on is than off, in percent.
func pct(on, off time.Duration) float64 { return (on.Seconds()/off.Seconds() - 1) * 100 }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
