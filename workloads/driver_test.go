package workloads

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"memcgbench/designs"
	"memcgbench/designs/catalog"
	"memcgbench/kern"
)

// smallCosts keep the critical sections short so the race detector's runs
// stay quick.
var smallCosts = designs.Costs{
	Create: 5 * time.Microsecond, Shutdown: 3 * time.Microsecond, Release: 2 * time.Microsecond, Shrink: 2 * time.Microsecond,
	GrowPerRoot: 100 * time.Nanosecond, SlabinfoPerCache: time.Microsecond,
}

// TestEveryPresetRuns runs each preset on each design with a fixed budget
// and checks the accounting: every operation done once, per op and per
// role; allocations hit once caches exist; slow ops timed; lock statistics
// merged; only declared anomalies.
func TestEveryPresetRuns(t *testing.T) {
	for _, name := range PresetNames() {
		for _, d := range catalog.All() {
			if !Applies(name, d) {
				continue
			}
			t.Run(name+"/"+d.Name, func(t *testing.T) {
				spec, _ := Preset(name)
				spec.Workers = 4
				spec.Roots, spec.Memcgs, spec.CachesPerMemcg = 24, 8, min(spec.CachesPerMemcg, 3)
				spec.LifecycleAllocs = min(spec.LifecycleAllocs, 10)
				if name != "calibrate" {
					spec.Costs = smallCosts
				}
				const ops = 2000
				opts, runOps, window := Options{LockStats: true}, int64(ops), time.Duration(0)
				if spec.Open() {
					// Real rates are a few events a minute: run a
					// 2 s window on eight virtual CPUs, every rate
					// x10 or more, so that each role has about ten
					// events.
					opts.Virtual, runOps, window = &kern.Virtual{CPUs: 8}, 0, 2*time.Second
					for i := range spec.Roles {
						r := spec.Roles[i].Rate
						if per := r.Of(8, spec.Memcgs); per > 0 {
							spec.Roles[i].Rate = r.Scaled(max(10, 10/(per*window.Seconds())))
						}
					}
				}
				r, err := NewRunner(spec, d, opts)
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				res, err := r.Run(context.Background(), runOps, window)
				if err != nil {
					t.Fatal(err)
				}
				// A lifecycle's allocations count as operations
				// besides the lifecycle the budget counts.
				want := int64(ops * (1 + spec.LifecycleAllocs))
				if spec.Open() {
					checkOpenRoles(t, res)
				} else if res.Ops != want {
					t.Errorf("did %d operations, budget was %d (%d with lifecycle allocations)", res.Ops, ops, want)
				}
				var perOp int64
				for op, o := range res.PerOp {
					perOp += o.Count
					if Op(op).Slow() && o.Count > 0 && o.Latency.N != o.Count {
						t.Errorf("%s: %d timed of %d", Op(op), o.Latency.N, o.Count)
					}
					if o.Latency.N > 0 && !(0 < o.Latency.P50 && o.Latency.P50 <= o.Latency.P99 && o.Latency.P99 <= o.Latency.Max) {
						t.Errorf("%s latency %+v: want 0 < p50 <= p99 <= max", Op(op), o.Latency)
					}
				}
				var perRole int64
				for _, role := range res.Roles {
					perRole += role.Ops
				}
				if perRole != perOp || (res.Roles[0].Ops != want && !spec.Open()) {
					t.Errorf("per-op sum %d, per-role sum %d, measured role %d; want the sums equal and the measured role at %d",
						perOp, perRole, res.Roles[0].Ops, want)
				}
				if a := res.PerOp[OpAlloc]; a.Count > 0 && a.Hits == 0 {
					t.Errorf("no allocation hit in %d working-set allocations", a.Count)
				}
				// steady only allocates and charges: lock-free paths. (The
				// slabinfo scrape takes no lock either where
				// memory.kmem.slabinfo is an empty file, but its churn
				// role may, or may not, have run.)
				lockFree := name == "steady"
				if lockFree != (len(res.Locks) == 0) && !(name == "stress-slabinfo-scrape" && d.SharedCaches) {
					t.Errorf("lock statistics %+v; want them empty exactly for steady", res.Locks)
				}
				for f, n := range res.Snapshot.Anomalies {
					if n > 0 && !slices.Contains(r.Registry().Flaws(), f) {
						t.Errorf("undeclared anomaly %s x%d", f, n)
					}
				}
				if s := res.Snapshot; s.PendingWork != 0 || s.Memcgs < spec.Memcgs {
					t.Errorf("after the run: %d work pending, %d memcgs (want 0 and at least %d)", s.PendingWork, s.Memcgs, spec.Memcgs)
				}
				if res.Elapsed <= 0 || res.Drain < 0 || res.Drain > res.Elapsed {
					t.Errorf("elapsed %v, drain %v", res.Elapsed, res.Drain)
				}
				if _, err := r.Run(context.Background(), 1, 0); err == nil {
					t.Error("a second Run did not fail")
				}
			})
		}
	}
}

// checkOpenRoles checks the accounting of a run's open-loop roles: events
// arrived, each served or in the backlog, each timed once.
func checkOpenRoles(t *testing.T, res *Result) {
	t.Helper()
	for _, role := range res.Roles {
		if role.Rate == 0 {
			continue
		}
		if role.Arrived == 0 || role.Arrived != role.Ops+role.Backlog || role.Latency.N != role.Arrived {
			t.Errorf("role %s: %d arrived, %d served, %d in the backlog, %d timed; want arrivals, each served or in the backlog, each timed",
				role.Name, role.Arrived, role.Ops, role.Backlog, role.Latency.N)
		}
	}
}

func TestRunStopsOnDurationAndCancel(t *testing.T) {
	spec, _ := Preset("steady")
	spec.Workers, spec.Roots, spec.Memcgs, spec.CachesPerMemcg = 2, 8, 4, 4
	d := mustDesign("new")
	r, err := NewRunner(spec, d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var calls int
	r.opts.Progress = func(time.Duration, int64) { calls++ }
	res, err := r.Run(context.Background(), 0, 1200*time.Millisecond)
	if err != nil || res.Ops == 0 {
		t.Fatalf("Run = %d ops, %v", res.Ops, err)
	}
	if calls == 0 {
		t.Error("no progress report in a run over a second")
	}

	r2, _ := NewRunner(spec, d, Options{})
	defer r2.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	res, err = r2.Run(ctx, 0, time.Hour)
	if err != nil || res.Ops == 0 {
		t.Fatalf("cancelled Run = %d ops, %v; want the operations done before the cancel", res.Ops, err)
	}
}

func TestNewRunnerRejectsBadSpec(t *testing.T) {
	spec := DefaultSpec
	spec.Roots = 0
	if _, err := NewRunner(spec, mustDesign("old"), Options{}); !errors.Is(err, ErrSpec) {
		t.Fatalf("NewRunner with Roots = 0: %v, want ErrSpec", err)
	}
	// A measured role left with no workers would measure nothing.
	spec = DefaultSpec
	spec.Workers = 1
	spec.Roles = []Role{{Name: "measured", Mix: Mix{OpAlloc: 1}}, {Name: "bg", Workers: 1, Mix: Mix{OpAlloc: 1}}}
	if _, err := NewRunner(spec, mustDesign("old"), Options{}); err == nil || !strings.Contains(err.Error(), "Roles[0].Workers = 0") {
		t.Fatalf("NewRunner with an empty measured role: %v", err)
	}
}

// TestMetricsCountWorkDone checks the allocation metrics of a made-up
// result: of 100 allocations in one second, 60 served by the memcgs' own
// caches are accounted work; the other 40 fell back to the root caches and
// count as fallbacks, not as throughput a design could gain by missing.
func TestMetricsCountWorkDone(t *testing.T) {
	res := &Result{Elapsed: time.Second, Ops: 100, Roles: []RoleResult{{Name: "all", Workers: 1, Ops: 100}}}
	res.PerOp[OpAlloc] = OpResult{Count: 90, Hits: 60}
	res.PerOp[OpMiss] = OpResult{Count: 10}
	want := map[string]float64{"ops/s": 100, "hit-%": 60, "accounted-allocs/s": 60, "fallback-allocs/s": 40}
	got := map[string]float64{}
	for _, m := range res.Metrics() {
		got[m.Unit] = m.Value
	}
	for unit, w := range want {
		if g, ok := got[unit]; !ok || g != w {
			t.Errorf("%s = %v (reported: %v), want %v", unit, g, ok, w)
		}
	}
}

// TestLifecycles runs the fixed scenario on the virtual clock: K
// lifecycles of M allocations each, every allocation a hit (a container
// allocates once its caches exist), and the makespan the run's time with
// its drain.
func TestLifecycles(t *testing.T) {
	const k, m = 16, 100
	for _, d := range catalog.All() {
		spec, _ := Preset("lifecycles")
		spec.Workers, spec.Roots, spec.Memcgs, spec.CachesPerMemcg = 4, 24, 8, 3
		spec.LifecycleAllocs = m
		res := mustRun(t, spec, d, Options{Virtual: &kern.Virtual{CPUs: 4}}, k, 0)
		if got := res.PerOp[OpChurn].Count; got != k {
			t.Errorf("%s: %d lifecycles, want %d", d.Name, got, k)
		}
		if a := res.PerOp[OpAlloc]; a.Count != k*m || a.Hits != k*m {
			t.Errorf("%s: %d allocations, %d hits; want %d of each", d.Name, a.Count, a.Hits, k*m)
		}
		if got := metric(res, "makespan-sec"); got != res.Elapsed.Seconds() || res.Drain > res.Elapsed {
			t.Errorf("%s: makespan %v, elapsed %v, drain %v; want the makespan to be the run's time, drain included", d.Name, got, res.Elapsed, res.Drain)
		}
	}
}

// TestWorkersCheckTheDeadline: a real-clock worker past its run's end
// stops itself within deadlineEvery steps and halts the run, whether or
// not the watcher's timer has fired (with thousands of runnable workers Go's
// scheduler can delay that timer by tens of seconds).
func TestWorkersCheckTheDeadline(t *testing.T) {
	spec := DefaultSpec
	spec.Workers, spec.Mix = 1, Mix{OpAlloc: 1}
	r, err := NewRunner(spec, mustDesign("new"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.realEnd = 1 // long past on the runtime's monotonic clock
	var done int64
	r.rt.Go("worker", func(task *kern.Task) {
		w := r.workers[0]
		w.task = task
		done, _ = w.runReal(10*deadlineEvery, 0)
	})
	r.rt.Wait()
	if done != deadlineEvery || !r.stop.Load() {
		t.Errorf("worker stopped after %d steps, run halted %v; want %d steps and the run halted", done, r.stop.Load(), deadlineEvery)
	}
}
