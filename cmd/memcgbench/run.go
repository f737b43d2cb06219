package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"

	"memcgbench/designs"
	"memcgbench/designs/catalog"
	"memcgbench/internal/outfile"
	"memcgbench/kern"
	"memcgbench/workloads"
)

// runFlags are the flags of memcgbench run; each usage string states the
// allowed range, which error messages repeat.
type runFlags struct {
	fs                                                           *flag.FlagSet
	workload, mix, design, skew, cpu                             string
	clock, vcpus, mutex                                          string
	lineTransfer, quantum, wake                                  time.Duration
	workers, roots, memcgs, caches                               int
	kworkers, count, lifeAllocs                                  int
	seed                                                         uint64
	ops                                                          int64
	duration, poll                                               time.Duration
	create, shutdown, release, grace                             time.Duration
	shrink, shrinkCPU, miss, grow, sli, slichild, slislot, walk  time.Duration
	shrinkIPI, shrinkPoll, longLife, sysfs, reap, reparent, lrus time.Duration
	pages, keepEmpty, containerCPUs                              int
	rcuShare, rateScale, longLived, rcuFreed, empty, hostRates   float64
	rates, roleWorkers                                           string
	grain                                                        time.Duration
	stats, force, atOnline                                       bool
	out, mutexProfile                                            string
	// set holds the flags given on the command line: the others keep the
	// preset's values.
	set map[string]bool
}

// fieldFlags maps workloads.Spec fields to the flags that set them.
var fieldFlags = map[string]string{
	"Workers": "-workers", "Roots": "-roots", "Memcgs": "-memcgs", "CachesPerMemcg": "-caches",
	"ChurnPoll": "-churn-poll", "Skew.S": "-skew", "Kworkers": "-kworkers", "Duration": "-duration",
	"Ops": "-ops", "Costs.Create": "-create", "Costs.Shutdown": "-shutdown", "Costs.Release": "-release",
	"Costs.GracePeriod": "-grace-period", "Costs.ShrinkPerCPU": "-shrink-per-cpu", "Costs.Miss": "-miss",
	"RCUShare": "-rcu-share", "Costs.Shrink": "-shrink",
	"Costs.GrowPerRoot": "-grow", "Costs.SlabinfoPerCache": "-slabinfo-cost", "Costs.SlabinfoPerChild": "-slabinfo-child-cost", "Costs.SlabinfoPerSlot": "-slabinfo-slot-cost", "Costs.WalkPerCache": "-walk-cost", "Mix": "-mix",
	"BackgroundGrain": "-grain", "LifecycleAllocs": "-lifecycle-allocs", "Costs.ShrinkIPI": "-shrink-ipi", "Costs.ShrinkPoll": "-shrink-poll",
	"Objects.PagesPerCache": "-pages-per-cache", "Objects.LongLivedShare": "-long-lived",
	"Objects.LongLivedLife": "-long-lived-life", "Objects.RCUFreedShare": "-rcu-freed",
	"KeepEmpty": "-keep-empty", "ContainerCPUs": "-container-cpus", "Costs.Sysfs": "-sysfs",
	"ActivateAtOnline": "-activate-at-online", "Costs.Reparent": "-reparent", "Costs.ListLRUs": "-list-lrus", "Objects.EmptyShare": "-never-filled", "ReapEmpty": "-reap-empty", "Objects": "-never-filled, -long-lived and -rcu-freed",
}

func newRunFlags() *runFlags {
	f := &runFlags{fs: newFlagSet("run")}
	d := workloads.DefaultSpec
	fs := f.fs
	fs.StringVar(&f.workload, "workload", "steady", "preset: "+strings.Join(workloads.PresetNames(), ", "))
	fs.StringVar(&f.mix, "mix", "", "custom op mix replacing the preset's, e.g. alloc=90,churn=5,slabinfo=5; keys: alloc, miss, churn, rootchurn, slabinfo, procslabinfo, shrink, charge; weights 0 to 1000000")
	fs.StringVar(&f.design, "design", "all", "designs, comma-separated ("+strings.Join(catalog.Names(), ", ")+"), or all")
	fs.StringVar(&f.cpu, "cpu", "", "comma-separated GOMAXPROCS values, each 1 to 4096 (default: the current GOMAXPROCS); real clock")
	fs.StringVar(&f.clock, "clock", "real", "clock: real (this machine) or virtual (kern's simulation, -cpus CPUs)")
	fs.StringVar(&f.vcpus, "cpus", "1,2,4,8,16,32,64,128,256,512,1024", fmt.Sprintf("comma-separated virtual CPU counts, each 1 to %d; virtual clock", kern.MaxVirtualCPUs))
	fs.DurationVar(&f.lineTransfer, "line-transfer", kern.DefaultLineTransfer, "virtual cost of taking a lock last held by another task, 0 to 1ms; virtual clock")
	fs.DurationVar(&f.quantum, "quantum", kern.DefaultQuantum, "virtual time slice, 1µs to 1s; virtual clock")
	fs.DurationVar(&f.wake, "wake-latency", kern.DefaultWakeLatency, fmt.Sprintf("virtual time from waking a sleeping task to its running, 0 to %v; virtual clock", kern.MaxWakeLatency))
	fs.StringVar(&f.mutex, "mutex", mutexDesign, "mutex model: design (each design on its kernel's mutex: kernel to v4.9, kernel-handoff from v4.10), or one for every design: kernel (3.15: spin while the owner runs, else sleep; no hand-off), kernel-handoff (v4.10: the first woken waiter gets the lock handed to it) or go-handoff (the model before issue 9, for comparison)")
	fs.IntVar(&f.workers, "workers", 0, "workers, 0 (GOMAXPROCS) to 4096 (default: the preset's)")
	fs.IntVar(&f.roots, "roots", 0, fmt.Sprintf("root caches, 1 to %d (default: the preset's)", workloads.MaxRoots))
	fs.IntVar(&f.memcgs, "memcgs", 0, fmt.Sprintf("active memcgs, 1 to %d (default: the preset's)", designs.MaxMemcgs))
	fs.IntVar(&f.caches, "caches", 0, "working-set caches per memcg, 1 to -roots (default: the preset's)")
	fs.IntVar(&f.kworkers, "kworkers", 0, fmt.Sprintf("kworkers, 0 (one per CPU) to %d (default: the preset's)", workloads.MaxKworkers))
	fs.IntVar(&f.lifeAllocs, "lifecycle-allocs", 0, fmt.Sprintf("allocations of each churned container once its caches exist, 0 to %d (default: the preset's; lifecycles: 1000)", workloads.MaxLifecycleAllocs))
	fs.IntVar(&f.count, "count", 1, "runs of each design and -cpu value, 1 to 1000")
	fs.Uint64Var(&f.seed, "seed", d.Seed, "random seed, 0 to 2^64-1")
	fs.StringVar(&f.skew, "skew", "", "uniform or zipf:S with S above 1 and at most 10 (default: the preset's)")
	fs.Int64Var(&f.ops, "ops", 0, "operations per run, 1 or more; replaces -duration")
	fs.DurationVar(&f.duration, "duration", 0, fmt.Sprintf("length of each run, 1ns to %v; an open-loop preset's window of arrivals (default: the preset's, %v or the real-rate presets' %v)", workloads.MaxDuration, d.Duration, workloads.RealRateWindow))
	fs.StringVar(&f.rates, "rate", "", "open-loop rates replacing the preset's, role=RATE,...: RATE is poisson: or fixed: then N/s, N/cpu and N/memcg terms joined by + (e.g. start=poisson:0.5/s,slabinfo=fixed:2/s; the roles are the preset's, as -role-workers's), or closed; N 0 to 1e6")
	fs.StringVar(&f.roleWorkers, "role-workers", "", fmt.Sprintf("workers of roles replacing the preset's, role=N,... (e.g. start=16,slabinfo=1): N 1 to %d; a role at -rate 0 is off", workloads.MaxWorkers))
	fs.Float64Var(&f.rateScale, "rate-scale", 1, "multiply every open-loop role's rate, above 0 to 1e6 (a rate sweep's step)")
	fs.Float64Var(&f.hostRates, "host-rates", 0, "move every real-rate role's rate through the range hosts see, -1 (each at its lowest) to 1 (its highest), 0 the preset's rate, on a log scale; applied before -rate and -rate-scale")
	fs.BoolVar(&f.atOnline, "activate-at-online", false, "activate a new memcg's kmem accounting inside its mkdir, under cgroup_mutex, as under a kmem-active parent (memcg_propagate_kmem, 3.15 to v4.5); default: the runtime's later write of the kmem limit")
	fs.DurationVar(&f.grain, "grain", 0, fmt.Sprintf("virtual time one thinned step of a background or real-rate allocator stands for, 0 to %v (default: the preset's)", workloads.MaxGrain))
	fs.DurationVar(&f.poll, "churn-poll", 0, fmt.Sprintf("start-up work between a new memcg's allocation rounds, 0 to %v (default: the preset's)", workloads.MaxChurnPoll))
	maxCost := " 0 to " + designs.MaxCost.String() + " (default: the preset's)"
	fs.DurationVar(&f.create, "create", 0, "cost of creating a cache,"+maxCost)
	fs.DurationVar(&f.shutdown, "shutdown", 0, "cost of shutting a cache down under slab_mutex,"+maxCost)
	fs.DurationVar(&f.release, "release", 0, "cost of a destroy's sysfs removal and free, after slab_mutex,"+maxCost)
	fs.DurationVar(&f.grace, "grace-period", 0, "rcu_barrier() wait when a SLAB_DESTROY_BY_RCU cache is destroyed,"+maxCost)
	fs.Float64Var(&f.rcuShare, "rcu-share", 0, "share of root caches that are SLAB_DESTROY_BY_RCU, 0 to 1 (default: the preset's)")
	fs.DurationVar(&f.shrink, "shrink", 0, "fixed cost of shrinking a cache,"+maxCost)
	fs.DurationVar(&f.reparent, "reparent", 0, "cost of reparenting a memcg's charges at offline under cgroup_mutex (3.15, 3.16),"+maxCost)
	fs.DurationVar(&f.lrus, "list-lrus", 0, "cost of one pass over every memcg-aware list_lru under list_lrus_mutex (v4.0 on: drained at offline, grown at activation),"+maxCost)
	fs.DurationVar(&f.sysfs, "sysfs", 0, "cost of making or removing a kernfs directory (a cache's sysfs, a cgroup's) under kernfs_mutex,"+maxCost)
	fs.DurationVar(&f.shrinkIPI, "shrink-ipi", 0, "cost of flush_all's round of IPIs when a cache is shrunk,"+maxCost)
	fs.DurationVar(&f.shrinkPoll, "shrink-poll", 0, "cost of flush_all's has_cpu_slab test of one online CPU when a cache is shrunk,"+maxCost)
	fs.DurationVar(&f.shrinkCPU, "shrink-per-cpu", 0, "cost of shrinking a cache per CPU holding a slab of it (flush_all's IPI to it),"+maxCost)
	fs.IntVar(&f.pages, "pages-per-cache", 0, fmt.Sprintf("slab pages a container's objects hold in each of its caches, 0 to %d (default: the preset's)", workloads.MaxPagesPerCache))
	fs.Float64Var(&f.longLived, "long-lived", 0, "share of caches whose objects outlive their container (dentries, inodes), 0 to 1, with -never-filled and -rcu-freed at most 1 in all (default: the preset's)")
	fs.DurationVar(&f.longLife, "long-lived-life", 0, fmt.Sprintf("how long after its container ends reclaim frees a long-lived object, 0 (kept past the run) to %v (default: the preset's)", workloads.MaxDuration))
	fs.Float64Var(&f.empty, "never-filled", 0, "share of caches a container makes but never allocates from again (no page at offline), 0 to 1, with -long-lived and -rcu-freed at most 1 in all (default: the preset's)")
	fs.DurationVar(&f.reap, "reap-empty", 0, fmt.Sprintf("how soon SLAB's cache_reap frees a cache's kept empty slabs, 0 (SLUB: never) to %v; with -keep-empty %d, SLAB (default: the preset's)", designs.MaxReap, designs.SLABKeepEmpty))
	fs.Float64Var(&f.rcuFreed, "rcu-freed", 0, "share of caches whose objects are freed by RCU a grace period after their container ends, 0 to 1, with -never-filled and -long-lived at most 1 in all (default: the preset's)")
	fs.IntVar(&f.keepEmpty, "keep-empty", 0, fmt.Sprintf("empty slabs a cache keeps until shrunk: 5 is SLUB's min_partial, 0 models SLAB; 0 to %d (default: the preset's)", designs.MaxKeepEmpty))
	fs.IntVar(&f.containerCPUs, "container-cpus", 0, fmt.Sprintf("CPUs a container's tasks allocate on (a shrink's IPIs go to them), 1 to %d (default: the preset's)", designs.MaxCPUs))
	fs.DurationVar(&f.miss, "miss", 0, "cost of an allocation that misses its memcg's cache,"+maxCost)
	fs.DurationVar(&f.grow, "grow", 0, "cost of growing one root's array,"+maxCost)
	fs.DurationVar(&f.sli, "slabinfo-cost", 0, "cost of printing one slabinfo line,"+maxCost)
	fs.DurationVar(&f.slichild, "slabinfo-child-cost", 0, "cost of summing one child cache into its root's /proc/slabinfo line,"+maxCost)
	fs.DurationVar(&f.slislot, "slabinfo-slot-cost", 0, "cost of visiting one per-memcg array slot when /proc/slabinfo sums a root's children (3.15, 3.16),"+maxCost)
	fs.DurationVar(&f.walk, "walk-cost", 0, "cost of stepping over one cache of a list walked under slab_mutex,"+maxCost)
	fs.BoolVar(&f.stats, "stats", true, "collect lock statistics (per-lock metrics)")
	fs.StringVar(&f.out, "o", "", "write results to this file (refuses an existing one without -force); default stdout")
	fs.BoolVar(&f.force, "force", false, "let -o and -mutexprofile overwrite existing files")
	fs.StringVar(&f.mutexProfile, "mutexprofile", "", "write a pprof mutex profile to this file")
	return f
}

// parse parses args and turns every error into one line naming the flag and
// its allowed range.
func (f *runFlags) parse(args []string, stdout io.Writer) error {
	if err := parseFlags(f.fs, args, stdout, "[flags]"); err != nil {
		return err
	}
	f.set = setFlags(f.fs)
	if err := f.checkClockFlags(); err != nil {
		return err
	}
	if f.count < 1 || f.count > 1000 {
		return usagef("-count = %d: allowed range is 1 to 1000", f.count)
	}
	if f.set["duration"] && f.duration <= 0 {
		return usagef("-duration = %v: allowed range is 1ns to %v", f.duration, workloads.MaxDuration)
	}
	if !(f.hostRates >= -1 && f.hostRates <= 1) {
		return usagef("-host-rates = %v: allowed range is -1 to 1", f.hostRates)
	}
	if !(f.rateScale > 0 && f.rateScale <= workloads.MaxRate) {
		return usagef("-rate-scale = %v: allowed range is above 0 to 1e6", f.rateScale)
	}
	if f.set["ops"] && f.ops < 1 {
		return usagef("-ops = %d: allowed range is 1 or more", f.ops)
	}
	return nil
}

// spec builds the workload from the preset and the flags that were set.
func (f *runFlags) spec() (workloads.Spec, error) {
	s, err := workloads.Preset(f.workload)
	if err != nil {
		return s, usagef("-workload %q: valid presets are %s", f.workload, strings.Join(workloads.PresetNames(), ", "))
	}
	if f.set["mix"] {
		m, err := workloads.ParseMix(f.mix)
		if err != nil {
			return s, usagef("-%v", err)
		}
		s.Name, s.Mix, s.Roles = "custom", m, nil
	}
	setInt := func(name string, dst *int, v int) {
		if f.set[name] {
			*dst = v
		}
	}
	setDur := func(name string, dst *time.Duration, v time.Duration) {
		if f.set[name] {
			*dst = v
		}
	}
	setInt("workers", &s.Workers, f.workers)
	setInt("roots", &s.Roots, f.roots)
	setInt("memcgs", &s.Memcgs, f.memcgs)
	setInt("caches", &s.CachesPerMemcg, f.caches)
	setInt("kworkers", &s.Kworkers, f.kworkers)
	setInt("lifecycle-allocs", &s.LifecycleAllocs, f.lifeAllocs)
	setDur("churn-poll", &s.ChurnPoll, f.poll)
	setDur("create", &s.Costs.Create, f.create)
	setDur("shutdown", &s.Costs.Shutdown, f.shutdown)
	setDur("release", &s.Costs.Release, f.release)
	setDur("grace-period", &s.Costs.GracePeriod, f.grace)
	setDur("shrink", &s.Costs.Shrink, f.shrink)
	setDur("shrink-ipi", &s.Costs.ShrinkIPI, f.shrinkIPI)
	setDur("shrink-poll", &s.Costs.ShrinkPoll, f.shrinkPoll)
	setDur("sysfs", &s.Costs.Sysfs, f.sysfs)
	setDur("reparent", &s.Costs.Reparent, f.reparent)
	setDur("list-lrus", &s.Costs.ListLRUs, f.lrus)
	setDur("shrink-per-cpu", &s.Costs.ShrinkPerCPU, f.shrinkCPU)
	setInt("pages-per-cache", &s.Objects.PagesPerCache, f.pages)
	setDur("long-lived-life", &s.Objects.LongLivedLife, f.longLife)
	setInt("keep-empty", &s.KeepEmpty, f.keepEmpty)
	setInt("container-cpus", &s.ContainerCPUs, f.containerCPUs)
	if f.set["long-lived"] {
		s.Objects.LongLivedShare = f.longLived
	}
	if f.set["rcu-freed"] {
		s.Objects.RCUFreedShare = f.rcuFreed
	}
	if f.set["never-filled"] {
		s.Objects.EmptyShare = f.empty
	}
	setDur("reap-empty", &s.ReapEmpty, f.reap)
	s.ActivateAtOnline = f.atOnline
	setDur("miss", &s.Costs.Miss, f.miss)
	if f.set["rcu-share"] {
		s.RCUShare = f.rcuShare
	}
	setDur("grow", &s.Costs.GrowPerRoot, f.grow)
	setDur("slabinfo-cost", &s.Costs.SlabinfoPerCache, f.sli)
	setDur("slabinfo-child-cost", &s.Costs.SlabinfoPerChild, f.slichild)
	setDur("slabinfo-slot-cost", &s.Costs.SlabinfoPerSlot, f.slislot)
	setDur("walk-cost", &s.Costs.WalkPerCache, f.walk)
	setDur("grain", &s.BackgroundGrain, f.grain)
	s.Seed = f.seed
	setDur("duration", &s.Duration, f.duration)
	if f.set["ops"] {
		s.Duration, s.Ops = 0, f.ops
	}
	if err := f.setRates(&s); err != nil {
		return s, err
	}
	switch {
	case !f.set["skew"]:
	case f.skew == "uniform":
		s.Skew = workloads.Skew{}
	case strings.HasPrefix(f.skew, "zipf:"):
		v, err := strconv.ParseFloat(strings.TrimPrefix(f.skew, "zipf:"), 64)
		if err != nil {
			return s, usagef("-skew %q: want uniform or zipf:S with S above 1 and at most 10", f.skew)
		}
		s.Skew = workloads.Skew{Zipf: true, S: v}
	default:
		return s, usagef("-skew %q: want uniform or zipf:S with S above 1 and at most 10", f.skew)
	}
	if err := s.Validate(); err != nil {
		var fe *designs.FieldError
		if errors.As(err, &fe) {
			name := fieldFlags[fe.Field]
			if name == "" {
				name = fe.Field
			}
			return s, usagef("%s = %v: allowed range is %s", name, fe.Value, fe.Allowed)
		}
		return s, usagef("%v", err)
	}
	return s, nil
}

// setRates applies -rate, -rate-scale and -role-workers to s's roles.
func (f *runFlags) setRates(s *workloads.Spec) error {
	if f.set["host-rates"] {
		s.SetHostRates(f.hostRates)
	}
	if f.set["rate"] {
		err := eachRole(s, "rate", f.rates, "role=RATE", func(r *workloads.Role, v string) error {
			rate, err := workloads.ParseRate(v)
			if err != nil {
				return usagef("-rate: %v", err)
			}
			r.Rate = rate
			return nil
		})
		if err != nil {
			return err
		}
	}
	for i := range s.Roles {
		s.Roles[i].Rate = s.Roles[i].Rate.Scaled(f.rateScale)
	}
	if f.set["role-workers"] {
		return eachRole(s, "role-workers", f.roleWorkers, "role=N", func(r *workloads.Role, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 || n > workloads.MaxWorkers {
				return usagef("-role-workers: %s=%q: allowed range is 1 to %d workers", r.Name, v, workloads.MaxWorkers)
			}
			r.Workers = n
			return nil
		})
	}
	return nil
}

// eachRole applies a role=VALUE,... flag to s's roles: set gets each
// named role and its value; a pair without "=", a role s has not, or one
// given twice is a usage error naming the flag.
func eachRole(s *workloads.Spec, flag, value, form string, set func(r *workloads.Role, v string) error) error {
	var names []string
	for _, r := range s.Roles {
		names = append(names, r.Name)
	}
	given := map[string]bool{}
	for _, pair := range strings.Split(value, ",") {
		name, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			return usagef("-%s %q: %q is not %s", flag, value, pair, form)
		}
		i := slices.Index(names, name)
		if i < 0 {
			return usagef("-%s %q: no role %q in %s; its roles are %s", flag, value, name, s.Name, strings.Join(names, ", "))
		}
		if given[name] {
			return usagef("-%s %q: role %q given twice", flag, value, name)
		}
		given[name] = true
		if err := set(&s.Roles[i], v); err != nil {
			return err
		}
	}
	return nil
}

// clockFlags are the flags that apply to one clock only.
var clockFlags = map[string][]string{
	"real":    {"cpu"},
	"virtual": {"cpus", "line-transfer", "quantum", "wake-latency"},
}

// checkClockFlags refuses a flag of the clock not chosen, which would
// otherwise be ignored.
func (f *runFlags) checkClockFlags() error {
	for clock, names := range clockFlags {
		if clock == f.clock {
			continue
		}
		for _, name := range names {
			if f.set[name] {
				return usagef("-%s applies to -clock %s only, not %s", name, clock, f.clock)
			}
		}
	}
	return nil
}

// cpus parses -cpu (real clock) or -cpus (virtual clock).
func (f *runFlags) cpus() ([]int, error) {
	list, name, limit := f.cpu, "-cpu", workloads.MaxWorkers
	switch f.clock {
	case "real":
		if !f.set["cpu"] {
			return []int{runtime.GOMAXPROCS(0)}, nil
		}
	case "virtual":
		list, name, limit = f.vcpus, "-cpus", kern.MaxVirtualCPUs
		if f.lineTransfer < 0 || f.lineTransfer > time.Millisecond {
			return nil, usagef("-line-transfer = %v: allowed range is 0 to 1ms", f.lineTransfer)
		}
		if f.quantum < time.Microsecond || f.quantum > time.Second {
			return nil, usagef("-quantum = %v: allowed range is 1µs to 1s", f.quantum)
		}
		if f.wake < 0 || f.wake > kern.MaxWakeLatency {
			return nil, usagef("-wake-latency = %v: allowed range is 0 to %v", f.wake, kern.MaxWakeLatency)
		}
	default:
		return nil, usagef("-clock %q: valid clocks are real, virtual", f.clock)
	}
	var out []int
	for _, p := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || n > limit {
			return nil, usagef("%s %q: each value must be an integer from 1 to %d", name, list, limit)
		}
		out = append(out, n)
	}
	return out, nil
}

// mutexDesign is -mutex's default: each design on its kernel's mutex.
const mutexDesign = "design"

// mutexKind parses -mutex: nil for each design's own mutex.
func (f *runFlags) mutexKind() (*kern.MutexKind, error) {
	if f.mutex == mutexDesign {
		return nil, nil
	}
	for _, k := range kern.MutexKinds() {
		if f.mutex == k.String() {
			return &k, nil
		}
	}
	return nil, usagef("-mutex %q: valid mutex models are %s", f.mutex, strings.Join(mutexNames(), ", "))
}

// mutexNames lists -mutex's values.
func mutexNames() []string {
	names := []string{mutexDesign}
	for _, k := range kern.MutexKinds() {
		names = append(names, k.String())
	}
	return names
}

// mutexConfig is the results' mutex config line for -mutex's kind, nil
// for each design's own, which names each kind with the designs that use
// it.
func mutexConfig(kind *kern.MutexKind, ds []designs.Design) string {
	if kind != nil {
		return kind.String()
	}
	var parts []string
	for _, k := range kern.MutexKinds() {
		var names []string
		for _, d := range ds {
			if d.Mutex == k {
				names = append(names, d.Name)
			}
		}
		if len(names) > 0 {
			parts = append(parts, k.String()+" ("+strings.Join(names, ", ")+")")
		}
	}
	return "each design's kernel's: " + strings.Join(parts, ", ")
}

func (f *runFlags) designs() ([]designs.Design, error) {
	ds, err := catalog.Parse(f.design)
	if err != nil {
		return nil, usagef("-design %q: %v; give one or more of %s, comma-separated, or all", f.design, err, strings.Join(catalog.Names(), ", "))
	}
	return ds, nil
}

// availableMemory returns the memory the kernel says a new process can
// use (MemAvailable), or ok false where it cannot be read.
var availableMemory = func() (bytes int64, ok bool) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, found := strings.CutPrefix(line, "MemAvailable:"); found {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// checkMemory refuses a run whose sizes would not fit in this machine's
// available memory (workloads' MemoryEstimate), before it starts.
func checkMemory(spec workloads.Spec, cpus []int, virtual bool) error {
	avail, ok := availableMemory()
	if !ok {
		return nil
	}
	for _, c := range cpus {
		if need := spec.MemoryEstimate(c, virtual); need > avail {
			return usagef("-roots %d, -memcgs %d, -caches %d at %d CPUs need about %s (workloads.MemoryEstimate), and this machine has %s available: lower the sizes",
				spec.Roots, spec.Memcgs, spec.CachesPerMemcg, c, workloads.FormatBytes(need), workloads.FormatBytes(avail))
		}
	}
	return nil
}

// checkOutput refuses an output path that outfile cannot write whole: a
// special file, a link, a missing directory, or an existing file without
// -force.
func checkOutput(flagName, path string, force bool) error {
	if path == "" {
		return nil
	}
	if err := outfile.Check(path, force); err != nil {
		if errors.Is(err, outfile.ErrExists) {
			return usagef("-%s %s: file exists; use -force to overwrite it", flagName, path)
		}
		return usagef("-%s %s: %v", flagName, path, err)
	}
	return nil
}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	f := newRunFlags()
	if err := f.parse(args, stdout); err != nil {
		return helped(err)
	}
	spec, err := f.spec()
	if err != nil {
		return err
	}
	cpus, err := f.cpus()
	if err != nil {
		return err
	}
	ds, err := f.designs()
	if err != nil {
		return err
	}
	ds = slices.DeleteFunc(ds, func(d designs.Design) bool {
		if workloads.Applies(spec.Name, d) {
			return false
		}
		fmt.Fprintf(stderr, "memcgbench: -workload %s does not run on design %s: its memory.kmem.slabinfo takes no lock, so there is no known answer\n", spec.Name, d.Name)
		return true
	})
	if len(ds) == 0 {
		return usagef("-workload %s: none of the designs given runs it", spec.Name)
	}
	kind, err := f.mutexKind()
	if err != nil {
		return err
	}
	if err := checkMemory(spec, cpus, f.clock == "virtual"); err != nil {
		return err
	}
	for _, o := range []struct{ flag, path string }{{"o", f.out}, {"mutexprofile", f.mutexProfile}} {
		if err := checkOutput(o.flag, o.path, f.force); err != nil {
			return err
		}
	}

	out := stdout
	var buf bytes.Buffer
	if f.out != "" {
		out = &buf
	}
	if f.mutexProfile != "" {
		runtime.SetMutexProfileFraction(1)
		defer func() {
			if perr := writeMutexProfile(f.mutexProfile); err == nil {
				err = perr
			}
		}()
	}
	n, partial, err := f.runAll(ctx, out, spec, ds, cpus, kind, stderr)
	if f.out != "" && n > 0 {
		if werr := outfile.Write(f.out, func(w io.Writer) error { _, err := buf.WriteTo(w); return err }); werr != nil {
			return fmt.Errorf("-o %w", werr)
		}
	}
	switch {
	case err != nil:
		return err
	case ctx.Err() != nil:
		where := "stdout"
		if f.out != "" {
			where = f.out
		}
		msg := fmt.Sprintf("%d results written to %s", n, where)
		if partial {
			msg += ", the last cut short (its config line partial: true)"
		}
		return fmt.Errorf("%w: %s", errInterrupted, msg)
	}
	return nil
}

// runAll runs every design and CPU count -count times, writing each result
// to out as it comes, and returns how many it wrote and whether the last
// was cut short by ctx.
func (f *runFlags) runAll(ctx context.Context, out io.Writer, spec workloads.Spec, ds []designs.Design, cpus []int,
	kind *kern.MutexKind, stderr io.Writer) (n int, partial bool, err error) {
	w := benchfmt.NewWriter(out)
	config := append(baseConfig(spec, ds, cpus), benchfmt.Config{Key: "clock", Value: []byte(f.clock), File: true},
		benchfmt.Config{Key: "mutex", Value: []byte(mutexConfig(kind, ds)), File: true})
	if f.clock == "virtual" {
		config = append(config, benchfmt.Config{Key: "line-transfer", Value: []byte(f.lineTransfer.String()), File: true},
			benchfmt.Config{Key: "quantum", Value: []byte(f.quantum.String()), File: true},
			benchfmt.Config{Key: "wake-latency", Value: []byte(f.wake.String()), File: true})
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range cpus {
		var virt *kern.Virtual
		if f.clock == "virtual" {
			virt = &kern.Virtual{CPUs: procs, LineTransfer: f.lineTransfer, Quantum: f.quantum, WakeLatency: f.wake}
		} else {
			runtime.GOMAXPROCS(procs)
		}
		for range f.count {
			for _, d := range ds {
				if ctx.Err() != nil {
					return n, partial, nil
				}
				res, err := runOnce(ctx, spec, d, workloads.Options{LockStats: f.stats, Virtual: virt, Mutex: kind}, stderr)
				if res != nil {
					cfg := config
					if partial = ctx.Err() != nil; partial {
						// benchstat keeps it out of the others' tables;
						// -filter -partial:true drops it.
						cfg = append(slices.Clip(config), benchfmt.Config{Key: "partial", Value: []byte("true"), File: true})
					}
					if werr := w.Write(record(cfg, res)); werr != nil {
						return n, false, werr
					}
					n++
				}
				if err != nil {
					return n, false, err
				}
			}
		}
	}
	return n, partial, nil
}

// runOnce sets up and runs spec on d, printing progress to stderr once the
// run has lasted two seconds.
func runOnce(ctx context.Context, spec workloads.Spec, d designs.Design, opts workloads.Options, stderr io.Writer) (*workloads.Result, error) {
	opts.Progress = func(elapsed time.Duration, ops int64) {
		if elapsed >= 2*time.Second {
			fmt.Fprintf(stderr, "memcgbench: %s %s GOMAXPROCS=%d: %.0fs, %.0f ops/s\n",
				spec.Name, d.Name, runtime.GOMAXPROCS(0), elapsed.Seconds(), float64(ops)/elapsed.Seconds())
		}
	}
	r, err := workloads.NewRunner(spec, d, opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.Run(ctx, spec.Ops, spec.Duration)
}

func writeMutexProfile(path string) error {
	var buf strings.Builder
	if err := pprof.Lookup("mutex").WriteTo(&buf, 0); err != nil {
		return fmt.Errorf("-mutexprofile: %w", err)
	}
	if err := outfile.Write(path, func(w io.Writer) error { _, err := io.WriteString(w, buf.String()); return err }); err != nil {
		return fmt.Errorf("-mutexprofile %w", err)
	}
	return nil
}

// baseConfig returns the file configuration lines every result carries: the
// machine, the toolchain, the commit, the designs and GOMAXPROCS values run,
// and the workload's parameters. They are the same for every result of the
// file (benchstat splits tables where config lines differ); each result's own
// design and GOMAXPROCS are in its name, /design=D and the -N suffix.
func baseConfig(s workloads.Spec, ds []designs.Design, cpus []int) []benchfmt.Config {
	host, _ := os.Hostname()
	var names, procs []string
	for _, d := range ds {
		names = append(names, d.Name)
	}
	for _, p := range cpus {
		procs = append(procs, strconv.Itoa(p))
	}
	kv := [][2]string{
		{"goos", runtime.GOOS}, {"goarch", runtime.GOARCH}, {"cpu", cpuModel()},
		{"ncpu", strconv.Itoa(runtime.NumCPU())}, {"machine", host},
		{"go", runtime.Version()}, {"commit", gitCommit()},
		{"designs", strings.Join(names, ",")}, {"gomaxprocs", strings.Join(procs, ",")},
		{"workload", s.Name}, {"mix", mixOf(s)}, {"roots", strconv.Itoa(s.Roots)},
		{"memcgs", strconv.Itoa(s.Memcgs)}, {"caches-per-memcg", strconv.Itoa(s.CachesPerMemcg)},
		{"skew", s.Skew.String()}, {"kworkers", strconv.Itoa(s.Kworkers)},
		{"costs", fmt.Sprintf("create=%v shutdown=%v release=%v sysfs=%v reparent=%v list-lrus=%v grace-period=%v shrink=%v+%v/ipi+%v/cpu+%v/online-cpu miss=%v grow=%v slabinfo=%v+%v/child+%v/slot walk=%v",
			s.Costs.Create, s.Costs.Shutdown, s.Costs.Release, s.Costs.Sysfs, s.Costs.Reparent, s.Costs.ListLRUs, s.Costs.GracePeriod, s.Costs.Shrink, s.Costs.ShrinkIPI, s.Costs.ShrinkPerCPU, s.Costs.ShrinkPoll,
			s.Costs.Miss, s.Costs.GrowPerRoot, s.Costs.SlabinfoPerCache, s.Costs.SlabinfoPerChild, s.Costs.SlabinfoPerSlot, s.Costs.WalkPerCache)},
		{"rcu-share", strconv.FormatFloat(s.RCUShare, 'g', -1, 64)},
		{"objects", fmt.Sprintf("pages-per-cache=%d never-filled=%g long-lived=%g long-lived-life=%v rcu-freed=%g",
			s.Objects.PagesPerCache, s.Objects.EmptyShare, s.Objects.LongLivedShare, s.Objects.LongLivedLife, s.Objects.RCUFreedShare)},
		{"activate-at-online", strconv.FormatBool(s.ActivateAtOnline)}, {"keep-empty", strconv.Itoa(s.KeepEmpty)}, {"reap-empty", s.ReapEmpty.String()}, {"container-cpus", strconv.Itoa(s.ContainerCPUs)},
		{"churn-poll", s.ChurnPoll.String()}, {"op-cost", s.OpCost.String()},
		{"partition", strconv.FormatBool(s.Partition)}, {"seed", strconv.FormatUint(s.Seed, 10)},
	}
	cfg := make([]benchfmt.Config, len(kv))
	for i, p := range kv {
		cfg[i] = benchfmt.Config{Key: p[0], Value: []byte(p[1]), File: true}
	}
	return cfg
}

func mixOf(s workloads.Spec) string {
	if len(s.Roles) == 0 {
		return s.Mix.String()
	}
	var parts []string
	for _, r := range s.Roles {
		n := "rest"
		if r.Workers > 0 {
			n = strconv.Itoa(r.Workers)
		}
		parts = append(parts, fmt.Sprintf("%s[%s]:%s", r.Name, n, r.Mix))
	}
	return strings.Join(parts, " ")
}

// record turns a run's result into one benchmark line with its config.
func record(base []benchfmt.Config, res *workloads.Result) *benchfmt.Result {
	r := &benchfmt.Result{
		Config: base,
		Name:   benchfmt.Name(runName(res)),
		Iters:  int(max(res.Ops, 1)),
	}
	r.Values = append(r.Values, benchfmt.Value{Value: float64(res.Elapsed) / float64(max(res.Ops, 1)), Unit: "ns/op"})
	for _, m := range res.Metrics() {
		r.Values = append(r.Values, benchfmt.Value{Value: m.Value, Unit: m.Unit})
	}
	return r
}

// runName names a result: its workload, design and workers, the clock for
// virtual runs, and its CPUs (GOMAXPROCS, or the virtual CPUs) as the -N
// suffix that benchstat and benchproc read as /gomaxprocs.
func runName(res *workloads.Result) string {
	name := fmt.Sprintf("Run/workload=%s/design=%s/workers=%d", res.Spec.Name, res.Design, res.Workers)
	if res.Virtual {
		name += "/clock=virtual"
	}
	return fmt.Sprintf("%s-%d", name, res.CPUs)
}

// cpuModel returns the CPU model name from /proc/cpuinfo, or "unknown".
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// gitCommit returns the working tree's commit, marked -dirty if it has
// uncommitted changes outside results/ and plots/ (the tool's own output),
// or "unknown" outside a git checkout.
func gitCommit() string {
	rev, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(rev))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!results", ":!plots").Output(); err == nil && len(st) > 0 {
		c += "-dirty"
	}
	return c
}
