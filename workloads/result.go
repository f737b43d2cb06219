package workloads

import (
	"strings"
	"time"

	"memcgbench/designs"
	"memcgbench/kern"
)

// A Result is what one run measured.
type Result struct {
	Design     string
	Spec       Spec
	Workers    int
	GOMAXPROCS int
	// CPUs is the CPUs the run had: the virtual CPUs, or GOMAXPROCS.
	CPUs int
	// Virtual says the run was on the virtual clock: Elapsed, Drain and
	// the latencies are virtual time.
	Virtual bool
	// Elapsed is the run's length, from the start of the workers to the end
	// of the drain of the deferred work they queued; Drain is that drain.
	// Both are on the runtime's clock (kern's Runtime.Now). With background
	// roles, Elapsed ends when the last measured worker finishes instead:
	// the background's last operation (a churn takes milliseconds) and the
	// drain are not the measured role's time.
	Elapsed, Drain time.Duration
	// Ops is the number of measured operations: those of the first role,
	// or of every worker when the Spec has no roles. Throughput and the
	// per-operation metrics divide by it.
	Ops int64
	// PerOp has, for each Op, its count and, for slow ops, its latency.
	PerOp [NumOps]OpResult
	// Start is the time to accounting of the containers churn started:
	// activation to the first allocation served by the memcg's own cache.
	Start Latency
	// Roles has each role's name, workers and operations.
	Roles []RoleResult
	// Locks are the merged lock statistics (nil with Options.LockStats off).
	Locks []kern.ClassStat
	// Snapshot is the registry's counters after the drain.
	Snapshot designs.Snapshot
	// WorkAsked and WorkHeld sum the lengths the run's critical-section
	// work (kern's Task.Work) was asked for and took on the runtime's
	// clock: equal on the virtual clock, and within a clock read per Work
	// on the real one unless the machine is overloaded.
	WorkAsked, WorkHeld time.Duration
}

// OpResult is one op kind's share of a run.
type OpResult struct {
	Count int64 // operations
	Stale int64 // of those, ones that found a handle gone (another worker's churn)
	Hits  int64 // allocations served by the memcg's own cache
	// Latency of each operation, for slow ops only.
	Latency Latency
}

// RoleResult is one role's share of a run.
type RoleResult struct {
	Name    string
	Workers int
	Ops     int64
	// Rate is the role's arrival rate in events per second (0: a closed
	// loop). Arrived counts the events that arrived in the window and
	// Backlog those of them never started; the others all finished.
	Rate             float64
	Arrived, Backlog int64
	// Latency of the role's timed operations; for an open-loop role from
	// each event's arrival, with the backlog's waits at the end of the
	// window as censored values.
	Latency Latency
	// Lag is an open-loop role's delay from an arrival it waited for to
	// the moment it ran.
	Lag Latency
}

// OpsPerSec returns the run's throughput.
func (r *Result) OpsPerSec() float64 { return float64(r.Ops) / r.Elapsed.Seconds() }

func (r *Runner) result(elapsed, drain time.Duration) *Result {
	asked, held := r.rt.WorkAccuracy()
	res := &Result{
		WorkAsked: asked, WorkHeld: held,
		Design: r.design.Name, Spec: r.spec, Workers: len(r.workers), GOMAXPROCS: gomaxprocs(),
		CPUs: cpusOf(r.opts), Virtual: r.virtual,
		Elapsed: elapsed, Drain: drain,
		Locks:    r.rt.LockStats(),
		Snapshot: r.reg.Snapshot(),
	}
	for _, role := range r.roles {
		res.Roles = append(res.Roles, RoleResult{Name: role.Name, Workers: role.Workers,
			Rate: role.Rate.Of(res.CPUs, r.spec.Memcgs)})
	}
	for _, w := range r.workers {
		for op := range NumOps {
			c := w.count[op]
			res.PerOp[op].Count += c.n
			res.PerOp[op].Stale += c.stale
			res.PerOp[op].Hits += c.hits
			res.Roles[w.role].Ops += c.n
			if r.measured(w) {
				res.Ops += c.n
			}
		}
	}
	for op := range NumOps {
		if !Op(op).Slow() {
			continue
		}
		var hs []*histogram
		for _, w := range r.workers {
			hs = append(hs, &w.lat[op])
		}
		res.PerOp[op].Latency = mergeLatency(hs, nil)
	}
	var starts []*histogram
	for _, w := range r.workers {
		starts = append(starts, &w.toAccounting)
	}
	res.Start = mergeLatency(starts, nil)
	for i := range res.Roles {
		var hs, lags []*histogram
		for _, w := range r.workers {
			if w.role == i {
				hs = append(hs, &w.roleLat)
				lags = append(lags, &w.lag)
			}
		}
		role := &res.Roles[i]
		var waits []int64
		if a := r.arrivals[i]; a != nil {
			role.Backlog, waits = a.backlog(r.windowEnd)
			role.Arrived = role.Ops + role.Backlog
			role.Lag = mergeLatency(lags, nil)
		}
		role.Latency = mergeLatency(hs, waits)
	}
	return res
}

// A Metric is one measured value with its unit, as go test -bench reports
// extra metrics: units ending in sec or sec/op are durations in seconds
// (not ns: benchfmt turns ns into sec by scaling, but leaves an exact 0 in
// ns, so a lock never waited on in one sample would split its unit in two
// in benchstat's tables), "-%" units are percentages.
type Metric struct {
	Value float64
	Unit  string
}

// Metrics returns the run's metrics beside ns/op, in a fixed order:
//
//   - throughput: ops/s of the measured role, and with several roles each
//     role's completed operations per second (<role>-ops/s);
//   - allocation: the hit rate, and allocations per second split into
//     accounted ones (served by the memcg's own cache: work done) and
//     fallbacks to the root cache (unaccounted: no design gains by them);
//   - locks: the share of contended acquisitions, and per lock class the
//     wait and hold per operation, the longest single wait and hold, its
//     share of contended acquisitions
//     and its occupancy (hold time over the run's time, summed over the
//     class's locks: one lock busy all the time reads 100);
//   - latency, p50, p99 and p99.9 from HDR histograms: per slow op kind
//     with one role, per role with several (an open-loop role's from each
//     event's arrival, its unserved events counted with their waits so
//     far); for an open-loop role also the share of its arrivals never
//     started (<role>-unserved-%) and its scheduling lag (p99);
//   - a churned container's time to accounting (to-accounting-p50-ns,
//     p99 and p99.9);
//   - offline: the mean and longest time from rmdir to the end of offline;
//     the old design's destroy backlog and the mean time from offline to
//     destroy; the dead caches (child caches of offline memcgs not yet
//     destroyed) and the pages they hold, after the drain and at most
//     during the run (dead-caches, dead-caches-max, dead-cache-pages,
//     dead-cache-pages-max): memory that bd67314586's offline leaves
//     behind, not time;
//   - the drain, a fixed scenario's makespan (the run's time with its
//     drain), and how closely the critical sections' work held its asked
//     length (work-held/asked).
func (r *Result) Metrics() []Metric {
	ops := float64(max(r.Ops, 1))
	ms := []Metric{{r.OpsPerSec(), "ops/s"}}
	if len(r.Roles) > 1 {
		for _, role := range r.Roles {
			ms = append(ms, Metric{float64(role.Ops) / r.Elapsed.Seconds(), role.Name + "-ops/s"})
		}
	}
	if a := r.PerOp[OpAlloc].Count + r.PerOp[OpMiss].Count; a > 0 {
		hits := r.PerOp[OpAlloc].Hits + r.PerOp[OpMiss].Hits
		ms = append(ms, Metric{100 * float64(hits) / float64(a), "hit-%"},
			Metric{float64(hits) / r.Elapsed.Seconds(), "accounted-allocs/s"},
			Metric{float64(a-hits) / r.Elapsed.Seconds(), "fallback-allocs/s"})
	}
	if r.Locks != nil {
		var acq, cont int64
		for _, l := range r.Locks {
			acq += l.Acquisitions
			cont += l.Contentions
		}
		ms = append(ms, Metric{100 * float64(cont) / float64(max(acq, 1)), "contended-%"})
		for _, l := range r.Locks {
			name := UnitName(l.Class)
			ms = append(ms,
				Metric{float64(l.WaitTotal) / ops / 1e9, name + "-wait-sec/op"},
				Metric{float64(l.HoldTotal) / ops / 1e9, name + "-hold-sec/op"},
				Metric{float64(l.WaitMax) / 1e9, name + "-wait-max-sec"},
				Metric{float64(l.HoldMax) / 1e9, name + "-hold-max-sec"},
				Metric{100 * float64(l.Contentions) / float64(max(l.Acquisitions, 1)), name + "-contended-%"},
				Metric{100 * float64(l.HoldTotal) / float64(r.Elapsed), name + "-occupancy-%"})
		}
	}
	if len(r.Roles) > 1 {
		for _, role := range r.Roles {
			ms = appendLatency(ms, role.Name, role.Latency)
			if role.Rate > 0 {
				ms = append(ms, Metric{100 * float64(role.Backlog) / float64(max(role.Arrived, 1)), role.Name + "-unserved-%"})
				if role.Lag.N > 0 {
					ms = append(ms, Metric{role.Lag.P99 / 1e9, role.Name + "-lag-p99-sec"})
				}
			}
		}
	} else {
		for op := range NumOps {
			ms = appendLatency(ms, Op(op).String(), r.PerOp[op].Latency)
		}
	}
	ms = appendLatency(ms, "to-accounting", r.Start)
	s := r.Snapshot
	if s.Removed > 0 {
		ms = append(ms, Metric{float64(s.OfflineLatency) / float64(s.Removed) / 1e9, "offline-sec"},
			Metric{float64(s.OfflineLatencyMax) / 1e9, "offline-max-sec"})
	}
	if s.DestroyQueued > 0 {
		ms = append(ms, Metric{float64(s.DestroyBacklogMax), "destroy-backlog-max"})
	}
	if s.DeadDestroyed > 0 {
		ms = append(ms, Metric{float64(s.DeadLifetime) / float64(s.DeadDestroyed) / 1e9, "dead-lifetime-sec"})
	}
	ms = append(ms, Metric{float64(s.Dead), "dead-caches"}, Metric{float64(s.DeadMax), "dead-caches-max"},
		Metric{float64(s.DeadPages), "dead-cache-pages"}, Metric{float64(s.DeadPagesMax), "dead-cache-pages-max"})
	ms = append(ms, Metric{r.Drain.Seconds(), "drain-sec"})
	if r.Spec.LifecycleAllocs > 0 {
		ms = append(ms, Metric{r.Elapsed.Seconds(), "makespan-sec"})
	}
	if r.WorkAsked > 0 {
		ms = append(ms, Metric{float64(r.WorkHeld) / float64(r.WorkAsked), "work-held/asked"})
	}
	return ms
}

// appendLatency appends the p50, p99 and p99.9 of lat as <name>-pNN-sec,
// if it has values.
func appendLatency(ms []Metric, name string, lat Latency) []Metric {
	if lat.N == 0 {
		return ms
	}
	return append(ms, Metric{lat.P50 / 1e9, name + "-p50-sec"}, Metric{lat.P99 / 1e9, name + "-p99-sec"},
		Metric{lat.P999 / 1e9, name + "-p99.9-sec"})
}

// UnitName turns a lock class name into a piece of a benchmark unit:
// "memcg::slab_caches_mutex" becomes "memcg.slab_caches_mutex".
func UnitName(class string) string { return strings.ReplaceAll(class, "::", ".") }
