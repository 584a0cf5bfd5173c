package audit_test

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/store/storetest"
)

// BenchmarkWriterReads is the background cost of a read's entry on SQLite:
// recording it, then the writer's share of a batch (entry row, term rows,
// subtree hashes, commit), for batches of 100 (5,000 reads a second
// gathered for FlushEvery's 20 ms) and of 1,000, of reads of one patient
// and of 5,000 (whose terms land on many pages). It runs on one goroutine, so it moves
// less under other load than the request benchmarks do
// (rest BenchmarkAuditOverhead).
//
// The spool cases are the writer as `yitong serve` runs it: entries go to
// the spool in gatherings of 100 (20 ms at 5,000 reads a second) and to
// the store in batches of 2,000 (the default Batch; a second's reads).
func BenchmarkWriterReads(b *testing.B) {
	for _, patients := range []int{1, 5000} {
		for _, batch := range []int{100, 1000} {
			b.Run(fmt.Sprintf("patients=%d/batch=%d", patients, batch), func(b *testing.B) { benchmarkWriterReads(b, patients, batch, false) })
		}
		b.Run(fmt.Sprintf("patients=%d/spool", patients), func(b *testing.B) { benchmarkWriterReads(b, patients, 2000, true) })
	}
}

func benchmarkWriterReads(b *testing.B, patients, batch int, spool bool) {
	ctx := context.Background()
	st := storetest.OpenSQLite(b, nil)
	cfg := audit.Config{Store: st, Batch: batch}
	if spool {
		cfg.Spool = filepath.Join(b.TempDir(), "audit.spool")
	}
	l, err := audit.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	agent := audit.Agent{Kind: "user", ID: "0197a6f0-practitioner", Role: "doctor", Org: "Organization/0197a6f0-hospital"}
	i := 0
	cpu := processCPU(b)
	for b.Loop() {
		l.Record(audit.Entry{Time: time.Now(), RequestID: fmt.Sprintf("%012x%08x", time.Now().UnixMilli(), i), Action: "read", Type: "Patient", Status: 200,
			Agent: agent, Purpose: "TREAT", Source: "10.1.2.3", Patients: []string{fmt.Sprintf("0197a6f0-%06d", i%patients)},
			Resources: []string{fmt.Sprintf("Patient/0197a6f0-%06d", i%patients)}})
		if i++; spool && i%100 == 0 {
			l.SpoolStep()
		}
		if i%batch == 0 {
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
