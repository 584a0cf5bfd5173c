package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sort"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/store"
)

// AuditOptions configure the audit scenario.
type AuditOptions struct {
	Store   store.Store // a fresh store
	Backend string
	// Entries is the size of the log built (10,000,000 for QUALITY.md's
	// target).
	Entries int
	// Proofs is the number of inclusion proofs timed.
	Proofs int
	Log    io.Writer
}

// AuditResult is the outcome of the audit scenario.
type AuditResult struct {
	Backend        string
	Entries        int64
	Build          time.Duration // appending and sequencing the entries
	Verify         time.Duration
	ProofP50       time.Duration
	ProofP99       time.Duration
	ProofVerifyP50 time.Duration
}

func (r AuditResult) String() string {
	return fmt.Sprintf("audit %-8s entries=%d build=%.1fs (%.0f/s) verify=%.1fs (%.0f entries/s) inclusion_proof p50=%.3fms p99=%.3fms client_check p50=%.3fms cpus=%d go=%s",
		r.Backend, r.Entries, r.Build.Seconds(), float64(r.Entries)/r.Build.Seconds(), r.Verify.Seconds(), float64(r.Entries)/r.Verify.Seconds(),
		ms(r.ProofP50), ms(r.ProofP99), ms(r.ProofVerifyP50), runtime.NumCPU(), runtime.Version())
}

// Audit builds a log of o.Entries entries shaped like a regional
// platform's (reads of a patient's records by a doctor, with the resources
// disclosed), signs a checkpoint every million entries, then times a full
// verification and inclusion proofs against the last checkpoint.
func Audit(ctx context.Context, o AuditOptions) (AuditResult, error) {
	res := AuditResult{Backend: o.Backend}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Proofs <= 0 {
		o.Proofs = 1000
	}
	l, err := audit.Open(ctx, audit.Config{Store: o.Store, Batch: 20000, MaxQueued: 1 << 20})
	if err != nil {
		return res, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < o.Entries; i++ {
		p := fmt.Sprintf("01a2%012x", rng.IntN(200000))
		l.Record(audit.Entry{
			Time: base.Add(time.Duration(i) * 10 * time.Millisecond), RequestID: fmt.Sprintf("%016x", rng.Uint64()),
			Action: "search-type", Type: "Observation", Outcome: audit.OutcomeSuccess, Status: 200,
			Agent:  audit.Agent{Kind: "user", ID: fmt.Sprintf("doctor-%d", rng.IntN(5000)), Role: "doctor", Org: fmt.Sprintf("Organization/h%d", rng.IntN(300))},
			Source: "10.1.2.3", Purpose: "TREAT", Patients: []string{p},
			Resources: []string{"Observation/" + p + "a", "Observation/" + p + "b", "Observation/" + p + "c"},
			Detail:    "parameters: code,date,subject",
		})
		if (i+1)%100000 == 0 || i+1 == o.Entries {
			if err := l.Flush(ctx); err != nil {
				return res, err
			}
		}
		if (i+1)%1000000 == 0 || i+1 == o.Entries {
			if _, err := l.Checkpoint(ctx); err != nil {
				return res, err
			}
			fmt.Fprintf(o.Log, "audit %s: %d entries in %.0fs\n", o.Backend, i+1, time.Since(start).Seconds())
		}
	}
	res.Build = time.Since(start)
	if err := o.Store.Analyze(ctx); err != nil {
		return res, err
	}
	start = time.Now()
	rep, err := audit.Verify(ctx, o.Store, audit.VerifyOptions{})
	res.Verify = time.Since(start)
	if err != nil {
		return res, err
	}
	res.Entries = rep.Size
	fmt.Fprintf(o.Log, "audit %s: verified %d entries and %d checkpoints in %.1fs\n", o.Backend, rep.Size, rep.Checkpoints, res.Verify.Seconds())
	cp, err := l.Latest(ctx)
	if err != nil {
		return res, err
	}
	var took, checks []time.Duration
	for i := 0; i < o.Proofs; i++ {
		idx := rng.Int64N(cp.Size)
		t0 := time.Now()
		p, err := l.InclusionProof(ctx, idx, cp.Size)
		took = append(took, time.Since(t0))
		if err != nil {
			return res, err
		}
		t0 = time.Now()
		if err := audit.VerifyInclusion(l.Hasher(), p, cp.Root); err != nil {
			return res, err
		}
		checks = append(checks, time.Since(t0))
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	sort.Slice(checks, func(i, j int) bool { return checks[i] < checks[j] })
	res.ProofP50, res.ProofP99 = took[len(took)/2], took[len(took)*99/100]
	res.ProofVerifyP50 = checks[len(checks)/2]
	return res, nil
}
