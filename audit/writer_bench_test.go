package audit_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/store/storetest"
)

// BenchmarkWriterReads is the background cost of a read's entry on SQLite:
// recording it, then the writer's share of a full batch (entry row, term
// rows, subtree hashes, commit). It runs on one goroutine, so it moves
// less under other load than the request benchmarks do
// (rest BenchmarkAuditOverhead).
func BenchmarkWriterReads(b *testing.B) {
	ctx := context.Background()
	st := storetest.OpenSQLite(b, nil)
	l, err := audit.Open(ctx, audit.Config{Store: st, Batch: 256})
	if err != nil {
		b.Fatal(err)
	}
	agent := audit.Agent{Kind: "user", ID: "0197a6f0-practitioner", Role: "doctor", Org: "Organization/0197a6f0-hospital"}
	i := 0
	cpu := processCPU(b)
	for b.Loop() {
		l.Record(audit.Entry{Time: time.Now(), RequestID: fmt.Sprintf("%012x%08x", time.Now().UnixMilli(), i), Action: "read", Type: "Patient", Status: 200,
			Agent: agent, Purpose: "TREAT", Source: "10.1.2.3", Patients: []string{fmt.Sprintf("0197a6f0-%06d", i%5000)},
			Resources: []string{fmt.Sprintf("Patient/0197a6f0-%06d", i%5000)}})
		if i++; i%256 == 0 {
			if err := l.Flush(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := l.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric((processCPU(b)-cpu).Seconds()/float64(b.N), "cpu-sec/op")
}

// processCPU returns the CPU time the process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
