package workloads

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"memcgbench/designs"
	"memcgbench/designs/catalog"
	"memcgbench/kern"
)

// TestVirtualCalibrateExact runs calibrate on the virtual clock, where
// nothing but the critical section takes time, and expects its known
// answers exactly: 1/H under the new design's global lock, min(P, M, C)/H
// under the old design's per-memcg locks.
func TestVirtualCalibrateExact(t *testing.T) {
	tests := []struct{ workers, memcgs, cpus int }{
		{1, 64, 1}, {4, 64, 2}, {4, 64, 8}, {16, 64, 8}, {128, 64, 64}, {64, 4, 64}, {2, 64, 1024},
	}
	for _, tt := range tests {
		for _, d := range catalog.All() {
			if !Applies("calibrate", d) {
				continue
			}
			t.Run(fmt.Sprintf("%s/P=%d/M=%d/C=%d", d.Name, tt.workers, tt.memcgs, tt.cpus), func(t *testing.T) {
				spec, _ := Preset("calibrate")
				spec.Workers, spec.Memcgs = tt.workers, tt.memcgs
				const ops = 1280 // divisible by every min(P, M, C) above
				res := mustRun(t, spec, d, Options{Virtual: &kern.Virtual{CPUs: tt.cpus}}, ops, 0)
				limit, _ := CalibrateLimit(d, tt.workers, tt.memcgs, tt.cpus, CalibrateHold)
				if got := res.OpsPerSec(); math.Abs(got/limit-1) > 1e-9 {
					t.Errorf("%.3f ops/s, known answer %.3f (ratio %.9f); elapsed %v", got, limit, got/limit, res.Elapsed)
				}
			})
		}
	}
}

// TestVirtualDeterministic runs a churning workload twice on the virtual
// clock and expects the same results, bit for bit.
func TestVirtualDeterministic(t *testing.T) {
	run := func() string {
		spec, _ := Preset("stress-mixed")
		spec.Workers, spec.Roots, spec.Memcgs, spec.CachesPerMemcg = 12, 30, 16, 8
		res := mustRun(t, spec, mustDesign("old"), Options{LockStats: true,
			Virtual: &kern.Virtual{CPUs: 8, LineTransfer: kern.DefaultLineTransfer, WakeLatency: kern.DefaultWakeLatency}}, 3000, 0)
		return fmt.Sprint(res.Elapsed, res.Ops, res.PerOp, res.Locks, res.Snapshot.ChildrenCreated)
	}
	first := run()
	if again := run(); again != first {
		t.Fatalf("two virtual runs differ:\n%s\n%s", first, again)
	}
}

// TestVirtualDuration stops a virtual run at a virtual duration.
func TestVirtualDuration(t *testing.T) {
	spec, _ := Preset("calibrate")
	spec.Workers = 2
	res := mustRun(t, spec, mustDesign("new"), Options{Virtual: &kern.Virtual{CPUs: 2}}, 0, time.Millisecond)
	// 1 ms at one 20 µs critical section at a time: 50 operations, and the
	// one in progress at the deadline.
	if res.Ops < 50 || res.Ops > 51 || res.Elapsed < time.Millisecond || res.Elapsed > time.Millisecond+CalibrateHold {
		t.Errorf("%d ops in %v, want 50 or 51 in 1ms to 1.02ms", res.Ops, res.Elapsed)
	}
}

// TestVirtualCancel stops a virtual run that would last a virtual hour by
// cancelling its context, as Ctrl-C does.
func TestVirtualCancel(t *testing.T) {
	spec, _ := Preset("steady")
	spec.Workers = 2
	r, err := NewRunner(spec, mustDesign("old"), Options{Virtual: &kern.Virtual{CPUs: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	res, err := r.Run(ctx, 0, time.Hour)
	if err != nil || res.Ops == 0 || res.Elapsed >= time.Hour {
		t.Fatalf("cancelled virtual run: %v ops in %v, %v; want it stopped early with its operations", res.Ops, res.Elapsed, err)
	}
}

// TestVirtualBatchKeepsLockFreeThroughput runs steady (lock-free only) with
// and without batching: P workers on C CPUs at OpCost each give C/OpCost,
// exactly per operation and, batched, within one batch over the run's
// length (the budget can end unevenly by up to a batch per worker).
func TestVirtualBatchKeepsLockFreeThroughput(t *testing.T) {
	for _, tt := range []struct {
		batch time.Duration
		ops   int64
	}{{0, 80_000}, {10 * time.Microsecond, 800_000}} {
		spec, _ := Preset("steady")
		spec.Workers, spec.OpBatch = 8, tt.batch
		res := mustRun(t, spec, mustDesign("new"), Options{Virtual: &kern.Virtual{CPUs: 4}}, tt.ops, 0)
		want := 4 / spec.OpCost.Seconds()
		tol := 1e-9 + float64(tt.batch)/float64(res.Elapsed)
		if got := res.OpsPerSec(); math.Abs(got/want-1) > tol {
			t.Errorf("batch %v: %.0f ops/s, want %.0f within %.2g", tt.batch, got, want, tol)
		}
	}
}

// mustRun sets spec up on d, runs it for ops operations or dur, closes
// it, and returns the result, failing the test on any error.
func mustRun(t *testing.T, spec Spec, d designs.Design, opts Options, ops int64, dur time.Duration) *Result {
	t.Helper()
	r, err := NewRunner(spec, d, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := r.Run(context.Background(), ops, dur)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestVirtualBudgetShared runs lock-free steady work on P virtual CPUs with
// a budget of a few operations per worker, far less than one batch
// (Spec.OpBatch): the workers must still share the budget evenly, so the
// throughput is exactly P/OpCost.
func TestVirtualBudgetShared(t *testing.T) {
	for _, p := range []int{1, 2, 8, 64} {
		t.Run(fmt.Sprint("P=", p), func(t *testing.T) {
			spec, _ := Preset("steady")
			spec.Mix = Mix{OpAlloc: 1}
			spec.Workers = p
			res := mustRun(t, spec, mustDesign("new"), Options{Virtual: &kern.Virtual{CPUs: p}}, int64(16*p), 0)
			want := float64(p) / spec.OpCost.Seconds()
			if got := res.OpsPerSec(); math.Abs(got/want-1) > 1e-9 {
				t.Errorf("%.0f ops/s, want P/OpCost = %.0f; elapsed %v", got, want, res.Elapsed)
			}
		})
	}
}

// TestBackgroundGrain checks the thinning of background lock-free
// operations on the virtual clock: each one that runs counts as
// BackgroundGrain/OpCost operations, so the background allocators still
// count as running at full speed, one operation per OpCost on each of their
// CPUs; with BackgroundGrain 0 every operation runs.
func TestBackgroundGrain(t *testing.T) {
	for _, grain := range []time.Duration{0, 10 * time.Microsecond} {
		t.Run(fmt.Sprint("grain=", grain), func(t *testing.T) {
			spec, _ := Preset("stress-slabinfo-scrape")
			spec.Workers, spec.BackgroundGrain = 6, grain // 2 scrapers, 1 churner, 3 allocators
			res := mustRun(t, spec, mustDesign("old"), Options{Virtual: &kern.Virtual{CPUs: 6}}, 100, 0)
			alloc := res.Roles[2]
			if alloc.Name != "alloc" || alloc.Workers != 3 {
				t.Fatalf("role 2 is %+v, want 3 allocators", alloc)
			}
			weight := int64(1)
			if grain > 0 {
				weight = int64(grain / spec.OpCost)
			}
			if alloc.Ops == 0 || alloc.Ops%weight != 0 {
				t.Errorf("allocators counted %d operations, want a positive multiple of %d", alloc.Ops, weight)
			}
			// They ran for the measured role's time on 3 CPUs of their own,
			// and may run on for a batch and a grain before they see the
			// stop.
			full := 3 * res.Elapsed.Seconds() / spec.OpCost.Seconds()
			over := 1 + (spec.OpBatch+grain).Seconds()/res.Elapsed.Seconds()
			if r := float64(alloc.Ops) / full; r < 0.9 || r > over {
				t.Errorf("allocators counted %d operations, %.3f of the %.0f that full speed gives; want 0.9 to %.3f", alloc.Ops, r, full, over)
			}
		})
	}
}
