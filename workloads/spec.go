package workloads

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"memcgbench/designs"
)

// An Op is one kind of operation a worker performs.
type Op int

const (
	// OpAlloc allocates from one of the memcg's working-set roots
	// (Spec.CachesPerMemcg of them): a hit once the child exists.
	OpAlloc Op = iota
	// OpMiss allocates from any root: mostly a miss, which queues the
	// creation of a child cache.
	OpMiss
	// OpChurn is memcg churn: activate a new memcg, allocate once from each
	// of its working-set roots (the first allocations, which create its
	// caches), put it in place of an old memcg and take that one offline.
	OpChurn
	// OpRootChurn destroys a root cache and creates a new one in its place,
	// as a module unload and load do.
	OpRootChurn
	// OpSlabinfo reads one memcg's memory.kmem.slabinfo.
	OpSlabinfo
	// OpProcSlabinfo reads /proc/slabinfo.
	OpProcSlabinfo
	// OpShrink shrinks a root cache.
	OpShrink
	// OpCharge charges one page to a working-set child and uncharges it.
	OpCharge

	// NumOps is the number of operation kinds.
	NumOps
)

var opNames = [NumOps]string{"alloc", "miss", "churn", "rootchurn", "slabinfo", "procslabinfo", "shrink", "charge"}

// String returns the op's name in a mix string.
func (o Op) String() string {
	if o < 0 || o >= NumOps {
		return "op(" + strconv.Itoa(int(o)) + ")"
	}
	return opNames[o]
}

// Slow reports whether the op takes locks and is timed per operation. The
// others (allocation, charging) take no lock and cost nanoseconds, less than
// a clock read, so only their counts are kept.
func (o Op) Slow() bool { return o != OpAlloc && o != OpMiss && o != OpCharge }

// A Mix gives each Op a relative weight, 0 to MaxWeight.
type Mix [NumOps]int

// MaxWeight is the largest weight of one op in a Mix.
const MaxWeight = 1_000_000

// String formats m as ParseMix reads it, leaving out zero weights.
func (m Mix) String() string {
	var parts []string
	for op, w := range m {
		if w != 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", Op(op), w))
		}
	}
	return strings.Join(parts, ",")
}

// Total returns the sum of the weights.
func (m Mix) Total() int {
	t := 0
	for _, w := range m {
		t += w
	}
	return t
}

// ParseMix parses a mix such as "alloc=90,churn=5,slabinfo=5". An unknown
// key is an error listing the valid ones.
func ParseMix(s string) (Mix, error) {
	var m Mix
	var seen uint64 // the keys given, by Op
	if strings.TrimSpace(s) == "" {
		return m, fmt.Errorf("mix: empty; want key=weight,... with keys %s", strings.Join(opNames[:], ", "))
	}
	for _, part := range strings.Split(s, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return m, fmt.Errorf("mix: %q is not key=weight", part)
		}
		op := slices.Index(opNames[:], key)
		if op < 0 {
			return m, fmt.Errorf("mix: unknown key %q; valid keys are %s", key, strings.Join(opNames[:], ", "))
		}
		w, err := strconv.Atoi(val)
		if err != nil || w < 0 || w > MaxWeight {
			return m, fmt.Errorf("mix: %s=%q: weight must be an integer from 0 to %d", key, val, MaxWeight)
		}
		if seen&(1<<op) != 0 {
			return m, fmt.Errorf("mix: key %q given twice", key)
		}
		seen |= 1 << op
		m[op] = w
	}
	return m, nil
}

// A Role is a group of workers that share a mix, as a JMH group does: a run
// may have, say, allocators, one churner and one slabinfo reader at once.
type Role struct {
	// Name labels the role in results ("alloc", "churn", ...).
	Name string
	// Workers is the number of workers in the role, 0 to MaxWorkers; 0 means
	// the workers of Spec.Workers that the other roles leave (maybe none).
	// A role with a fixed count always gets it, even past Spec.Workers.
	Workers int
	// Mix is the role's operation mix.
	Mix Mix
	// Rate, when its Arrival is set, makes the role open-loop: its
	// operations are events from outside the kernel (container starts,
	// module loads, slabinfo reads) that arrive at the Rate whatever the
	// kernel does with them, each served by the first of the role's
	// Workers (a fixed count, at least 1) to be free, its latency timed
	// from its arrival. The zero Rate is a closed loop: each worker runs
	// its next operation as soon as the last one ends. An open-loop
	// role, other than the first, may have a rate of 0: it is off.
	Rate Rate
	// Host, for an open-loop role of a real-rate preset, is the rate's
	// source and the range of rates real hosts see; nil where no real
	// program makes the events (a what-if) or the role is a closed loop.
	Host *HostRate
}

// An Arrival is how an open-loop role's events are spaced in time.
type Arrival int

const (
	// Closed is no arrivals: a closed loop.
	Closed Arrival = iota
	// Poisson spaces events by independent exponential gaps, as many
	// independent sources (containers, per-container agents) make them.
	Poisson
	// Fixed spaces events evenly, at a phase drawn from the seed, as one
	// agent on a timer makes them.
	Fixed
)

var arrivalNames = [...]string{"closed", "poisson", "fixed"}

func (a Arrival) String() string {
	if a < 0 || int(a) >= len(arrivalNames) {
		return "arrival(" + strconv.Itoa(int(a)) + ")"
	}
	return arrivalNames[a]
}

// A Rate is how often an open-loop role's events arrive: PerSecond in all,
// plus PerCPU for each CPU of the run and PerMemcg for each of its memcgs
// (contenders that grow with the host, as containers per node do), each 0
// to MaxRate, spaced as Arrival says.
type Rate struct {
	PerSecond, PerCPU, PerMemcg float64
	Arrival                     Arrival
}

// MaxRate bounds each part of a Rate, in events per second.
const MaxRate = 1e6

// Open reports whether r makes a role open-loop.
func (r Rate) Open() bool { return r.Arrival != Closed }

// Of returns the rate in events per second on a run with the given CPUs
// and memcgs.
func (r Rate) Of(cpus, memcgs int) float64 {
	return r.PerSecond + r.PerCPU*float64(cpus) + r.PerMemcg*float64(memcgs)
}

// Scaled returns r with every part multiplied by f.
func (r Rate) Scaled(f float64) Rate {
	r.PerSecond *= f
	r.PerCPU *= f
	r.PerMemcg *= f
	return r
}

// String formats r as ParseRate reads it, e.g. "poisson:0.1/cpu+0.1/memcg"
// or "fixed:0.333/s"; a closed loop is "closed".
func (r Rate) String() string {
	if !r.Open() {
		return "closed"
	}
	var parts []string
	for _, p := range []struct {
		v    float64
		unit string
	}{{r.PerSecond, "/s"}, {r.PerCPU, "/cpu"}, {r.PerMemcg, "/memcg"}} {
		if p.v != 0 {
			parts = append(parts, strconv.FormatFloat(p.v, 'g', -1, 64)+p.unit)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "0/s")
	}
	return r.Arrival.String() + ":" + strings.Join(parts, "+")
}

// ParseRate parses a rate such as "poisson:5/s", "fixed:0.333/s" or
// "poisson:2/s+0.1/cpu+0.1/memcg": an arrival process, then per-second
// terms in events per second, in all (/s), per CPU (/cpu) or per memcg
// (/memcg), joined by "+". "closed" is a closed loop.
func ParseRate(s string) (Rate, error) {
	var r Rate
	if strings.TrimSpace(s) == "closed" {
		return r, nil
	}
	kind, terms, ok := strings.Cut(strings.TrimSpace(s), ":")
	switch kind {
	case "poisson":
		r.Arrival = Poisson
	case "fixed":
		r.Arrival = Fixed
	default:
		return r, fmt.Errorf("rate %q: want poisson:N/s, fixed:N/s or closed (terms N/s, N/cpu, N/memcg joined by +)", s)
	}
	if !ok || terms == "" {
		return r, fmt.Errorf("rate %q: no rate after %q; want e.g. %s:5/s", s, kind+":", kind)
	}
	for _, term := range strings.Split(terms, "+") {
		num, unit, ok := strings.Cut(strings.TrimSpace(term), "/")
		v, err := strconv.ParseFloat(num, 64)
		if !ok || err != nil || !(v >= 0 && v <= MaxRate) {
			return r, fmt.Errorf("rate %q: term %q: want N/s, N/cpu or N/memcg with N from 0 to %g", s, term, float64(MaxRate))
		}
		switch unit {
		case "s":
			r.PerSecond += v
		case "cpu":
			r.PerCPU += v
		case "memcg":
			r.PerMemcg += v
		default:
			return r, fmt.Errorf("rate %q: unit %q: want /s, /cpu or /memcg", s, "/"+unit)
		}
	}
	return r, nil
}

// Objects are the lifetimes of a container's objects, by kind. A
// container (each churned memcg, and each memcg a run starts with)
// fills PagesPerCache slab pages of every cache of its working set once
// the cache exists, but for the caches it used only for the allocation
// that created them, which hold none (EmptyShare). When it ends, just
// before its cgroup is removed, the objects of each cache go as the
// cache's kind says. The kinds are given to roots by index within their
// class: designs.Config.RCUShare makes every 1/RCUShare-th root a
// SLAB_DESTROY_BY_RCU one (ShareHit), and the i-th root of its class
// gets the kind where frac((i+1) x 0.618...) falls among the shares
// (empty, then long-lived, then RCU-freed, the rest freed at the end):
// a low-discrepancy spread within the SLAB_DESTROY_BY_RCU roots and
// within the others, so that each class, and any run of roots, holds
// each share. (Drawn over all roots at once, the two evenly spread
// sequences were correlated: a quarter of the RCU roots were never
// filled at a share of a tenth.)
type Objects struct {
	// PagesPerCache is the slab pages a container's objects hold in each
	// cache of its working set, 0 to MaxPagesPerCache.
	PagesPerCache int
	// EmptyShare is the share of roots whose child a container makes and
	// never fills, 0 to 1: the allocation that misses goes to the root
	// cache (memcg_kmem_get_cache) and SLUB gives a new cache no slab, so
	// a cache used only at start-up, before its creation ran, holds no
	// page at offline, and 3.16 destroys it there, with rcu_barrier()
	// for a SLAB_DESTROY_BY_RCU one.
	EmptyShare float64
	// LongLivedShare is the share of roots whose objects outlive the
	// container, 0 to 1: dentries and inodes of the files it touched,
	// freed by reclaim.
	LongLivedShare float64
	// LongLivedLife is how long after the container's end reclaim frees
	// those objects, 0 to MaxDuration; 0 keeps them past the run, as a
	// host without memory pressure does.
	LongLivedLife time.Duration
	// RCUFreedShare is the share of roots whose objects are freed by RCU
	// (kfree_rcu, call_rcu: file structs, credentials, pids), 0 to 1: a
	// grace period after the container's end.
	RCUFreedShare float64
}

// MaxPagesPerCache bounds Objects.PagesPerCache.
const MaxPagesPerCache = 1 << 20

// An objectKind is how the objects of one cache of a container end.
type objectKind int

const (
	freedAtEnd objectKind = iota
	longLived
	rcuFreed
	neverFilled
)

// kind returns the kind of the objects of root j's caches, with
// rcuShare of the roots SLAB_DESTROY_BY_RCU ones (ShareHit).
func (o *Objects) kind(j int, rcuShare float64) objectKind {
	// j's index among the roots of its class: floor(j x share) of the
	// roots before it are SLAB_DESTROY_BY_RCU ones.
	rcuBefore := int(math.Floor(float64(j) * rcuShare))
	i := j - rcuBefore
	if ShareHit(j, rcuShare) {
		i = rcuBefore
	}
	_, u := math.Modf(float64(i+1) * invPhi)
	switch {
	case u < o.EmptyShare:
		return neverFilled
	case u < o.EmptyShare+o.LongLivedShare:
		return longLived
	case u < o.EmptyShare+o.LongLivedShare+o.RCUFreedShare:
		return rcuFreed
	}
	return freedAtEnd
}

// invPhi is 1/φ, whose multiples' fractional parts spread evenly over
// [0, 1) (Weyl's equidistribution): the sequence the object kinds are
// drawn from.
const invPhi = 0.6180339887498949

// ShareHit reports whether item k of a sequence is one of a share of it
// spread evenly: floor((k+1) x share) passes floor(k x share), so any run
// of consecutive items holds the share (designs.Config.RCUShare picks
// SLAB_DESTROY_BY_RCU roots this way).
func ShareHit(k int, share float64) bool {
	return math.Floor(float64(k+1)*share) > math.Floor(float64(k)*share)
}

// Skew is how workers pick memcgs and roots.
type Skew struct {
	// Zipf selects a Zipf distribution (rank k drawn with weight
	// 1/(1+k)^S) instead of a uniform one.
	Zipf bool
	// S is the Zipf exponent, above 1 and at most 10; ignored when uniform.
	S float64
}

func (s Skew) String() string {
	if !s.Zipf {
		return "uniform"
	}
	return "zipf:" + strconv.FormatFloat(s.S, 'g', -1, 64)
}

// Limits of Spec fields.
const (
	MaxWorkers   = 4096
	MaxRoots     = 10_000
	MaxKworkers  = 1024
	MaxDuration  = 24 * time.Hour
	MaxChurnPoll = time.Second
	MaxOpCost    = time.Millisecond
	MaxGrain     = 100 * time.Millisecond
	// MaxLifecycleAllocs bounds Spec.LifecycleAllocs.
	MaxLifecycleAllocs = 10_000_000
)

// A Spec describes one workload: the registry's starting state, who drives
// it and how, and for how long.
type Spec struct {
	// Name is the preset's name, or "custom".
	Name string
	// WhatIf, when set, says why no real host loads the registry as this
	// spec does: its answer is a "what if", outside the claim.
	WhatIf string
	// Workers is the number of workers, each a goroutine with its own
	// kern.Task, random source and sample buffers; 0 to MaxWorkers, 0 means
	// GOMAXPROCS.
	Workers int
	// Roots is the number of root caches at the start, 1 to MaxRoots.
	Roots int
	// Memcgs is the number of active memcgs, 1 to designs.MaxMemcgs; churn
	// replaces them one for one, so the number stays.
	Memcgs int
	// CachesPerMemcg is the size of each memcg's working set of roots, the
	// children created at the start and by churn's first allocations: 1 to
	// Roots.
	CachesPerMemcg int
	// LifecycleAllocs is how many allocations a churned container makes
	// from its working set once its caches exist, before it is removed,
	// 0 to MaxLifecycleAllocs: a fixed scenario ("K container lifecycles
	// of M allocations each") runs churns only, for a budget of K
	// operations, and its makespan (the run's time, with the drain of
	// the deferred work it queued) is the answer.
	LifecycleAllocs int
	// ChurnPoll is the CPU time a starting container spends between its
	// rounds of first allocations while its caches are being created (each
	// miss queues one more create work item, as the kernel's does), 0 to
	// MaxChurnPoll. Without it, a churner would poll as fast as the CPU
	// allows and flood the workqueue with duplicate create work.
	ChurnPoll time.Duration
	// OpCost is the virtual CPU time of one operation's own work outside
	// the modelled costs (the driver's step and the lock-free lookup),
	// charged on the virtual clock only, 0 to MaxOpCost; on the real clock
	// that work takes real time. The default is the 23 ns measured here
	// for an allocation hit through the driver (workloads.Constants).
	OpCost time.Duration
	// OpBatch is how much virtual cost of lock-free operations a worker
	// accumulates before spending it as one step of the simulation, 0 to
	// MaxOpCost; 0 spends it per operation. Virtual clock only.
	OpBatch time.Duration
	// BackgroundGrain thins the lock-free operations of background roles
	// (every role but the first) on the virtual clock: one operation runs
	// per BackgroundGrain of their cost and stands for the BackgroundGrain
	// / OpCost operations that time holds (counted and charged as that
	// many), 0 to MaxGrain; 0 runs every one. Without it, background
	// allocators that run until the measured role is done would cost the
	// simulation one real operation per OpCost of virtual time on every
	// virtual CPU. Their slow operations and every operation of the
	// measured role always run. Virtual clock only. The default, 100 µs,
	// moved slabinfo-scrape's measured results at 4, 64 and 256 virtual
	// CPUs by under 2 % against 10 µs, at a sixth of the simulation's cost.
	BackgroundGrain time.Duration
	// Partition gives worker i of P only the memcgs m with m mod P = i, so
	// that no two workers share a memcg (and its lock) when P <= Memcgs.
	Partition bool
	// Mix is the operation mix of every worker, when Roles is empty.
	Mix Mix
	// Roles, when set, split the workers into groups with their own mixes.
	// The first role is the one measured: a run counts its operations, and
	// the other roles run as background load until it is done.
	Roles []Role
	// Skew is the distribution over memcgs and roots.
	Skew Skew
	// Costs are the critical-section costs.
	Costs designs.Costs
	// Kworkers is the number of kworkers that run deferred work, 0 to
	// MaxKworkers. 0 is system_wq as the kernel runs it, concurrency
	// managed (Documentation/workqueue.txt): one kworker per CPU, and
	// another started whenever queued work finds none idle, as the
	// kernel's pools start one when the running ones sleep (on a mutex,
	// in rcu_barrier()), up to system_wq's max_active (SystemWQActive a
	// CPU, at most MaxManagedKworkers in the model). Another number is a
	// fixed pool of that many, which the sensitivity run varies.
	Kworkers int
	// RCUShare is the share of root caches that are SLAB_DESTROY_BY_RCU,
	// 0 to 1 (designs.Config.RCUShare).
	RCUShare float64
	// Objects are the lifetimes of a container's objects, which decide
	// what its memcg's offline finds in its caches.
	Objects Objects
	// KeepEmpty is how many empty slabs a cache keeps until a shrink, 0
	// to designs.MaxKeepEmpty: SLUB's min_partial, or all of them for SLAB
	// (designs.Config.KeepEmpty); ReapEmpty is how soon SLAB's cache_reap
	// frees them, 0 for SLUB, which never does (designs.Config.ReapEmpty).
	KeepEmpty int
	ReapEmpty time.Duration
	// ContainerCPUs is how many CPUs a container's tasks allocate on, 1 to
	// designs.MaxCPUs: the CPUs that hold a slab of each of its caches and
	// get a shrink's IPIs (designs.Config.CacheCPUs); capped by the
	// machine's.
	ContainerCPUs int
	// ActivateAtOnline activates a new memcg's kmem accounting in its
	// mkdir, under cgroup_mutex, as a kmem-active parent makes css_online
	// do, instead of on the runtime's later write of the kmem limit
	// (designs.Config.ActivateAtOnline). Which of the two hosts ran is
	// uncertain: a structural choice of the uncertainty set.
	ActivateAtOnline bool
	// Seed seeds every worker's random source (worker i uses Seed and i).
	Seed uint64
	// Duration is how long a run lasts, 0 to MaxDuration; 0 means Ops. A
	// Spec with an open-loop role needs it: it is the window in which
	// events arrive.
	Duration time.Duration
	// Ops is how many operations a run does in all, when Duration is 0;
	// at least 1.
	Ops int64
}

// Defaults of the registry's shape; workloads.Constants gives each its
// source.
const (
	// DefaultRoots is the root caches of /proc/slabinfo on a CentOS 7 host
	// (kernel 3.10): "Active / Total Caches (% used) : 86 / 116"
	// (moby/moby#37722).
	DefaultRoots = 116
	// DefaultCachesPerMemcg is an estimate: in 3.16 every slab allocation
	// of a task in a kmem-limited memcg was accounted (the __GFP_ACCOUNT
	// opt-in came in 4.5), so a container that starts processes, opens
	// files and sockets touches tens of caches (task_struct, sighand_cache,
	// signal_cache, mm_struct, vm_area_struct, anon_vma, files_cache, filp,
	// dentry, inode caches, the sockets of each protocol, kmalloc-8 to
	// kmalloc-8192, ...).
	DefaultCachesPerMemcg = 40
)

// DefaultSpec is the starting point of every preset: a container host with
// DefaultRoots root caches and 64 kmem-accounted memcgs,
// allocation-dominated.
var DefaultSpec = Spec{
	Name:            "custom",
	Workers:         0,
	Roots:           DefaultRoots,
	Memcgs:          64,
	CachesPerMemcg:  DefaultCachesPerMemcg,
	ChurnPoll:       20 * time.Microsecond,
	OpCost:          23 * time.Nanosecond,
	OpBatch:         10 * time.Microsecond,
	BackgroundGrain: 100 * time.Microsecond,
	Mix:             Mix{OpAlloc: 100},
	Skew:            Skew{},
	Costs:           designs.DefaultCosts,
	RCUShare:        designs.DefaultRCUShare,
	Objects:         DefaultObjects,
	KeepEmpty:       designs.DefaultKeepEmpty,
	ContainerCPUs:   DefaultContainerCPUs,
	Kworkers:        0,
	Seed:            1,
	Duration:        2 * time.Second,
}

// DefaultObjects are estimates (workloads.Constants gives each its
// range): 4 slab pages a cache (a CPU slab on each of the few CPUs a
// container ran on, and a partial slab or two); a tenth of the caches
// never filled (used at start-up only); a quarter long-lived (the dentry
// and inode caches of its filesystems, radix_tree_node, buffer_head:
// about 10 of 40), kept past the run; a tenth RCU-freed (filp, cred_jar,
// pid, task_struct's: about 4 of 40).
var DefaultObjects = Objects{PagesPerCache: 4, EmptyShare: 0.1, LongLivedShare: 0.25, RCUFreedShare: 0.1}

// DefaultContainerCPUs is an estimate: a container's tasks migrate over a
// few CPUs of a many-CPU host in their life (range 1 to every CPU).
const DefaultContainerCPUs = 4

// ErrSpec is wrapped by every Validate error, each a *designs.FieldError
// naming the field and its allowed range.
var ErrSpec = errors.New("bad workload spec")

// Validate reports the first field outside its allowed range, naming it and
// the range.
func (s *Spec) Validate() error {
	bad := func(field string, value any, allowed string) error {
		return &designs.FieldError{Field: field, Value: value, Allowed: allowed, Err: ErrSpec}
	}
	switch {
	case s.Workers < 0 || s.Workers > MaxWorkers:
		return bad("Workers", s.Workers, fmt.Sprintf("0 (GOMAXPROCS) to %d", MaxWorkers))
	case s.Roots < 1 || s.Roots > MaxRoots:
		return bad("Roots", s.Roots, fmt.Sprintf("1 to %d", MaxRoots))
	case s.Memcgs < 1 || s.Memcgs > designs.MaxMemcgs:
		return bad("Memcgs", s.Memcgs, fmt.Sprintf("1 to %d", designs.MaxMemcgs))
	case s.CachesPerMemcg < 1 || s.CachesPerMemcg > s.Roots:
		return bad("CachesPerMemcg", s.CachesPerMemcg, fmt.Sprintf("1 to Roots (%d)", s.Roots))
	case s.OpCost < 0 || s.OpCost > MaxOpCost:
		return bad("OpCost", s.OpCost, fmt.Sprintf("0 to %v", MaxOpCost))
	case s.OpBatch < 0 || s.OpBatch > MaxOpCost:
		return bad("OpBatch", s.OpBatch, fmt.Sprintf("0 to %v", MaxOpCost))
	case s.BackgroundGrain < 0 || s.BackgroundGrain > MaxGrain:
		return bad("BackgroundGrain", s.BackgroundGrain, fmt.Sprintf("0 to %v", MaxGrain))
	case s.LifecycleAllocs < 0 || s.LifecycleAllocs > MaxLifecycleAllocs:
		return bad("LifecycleAllocs", s.LifecycleAllocs, fmt.Sprintf("0 to %d", MaxLifecycleAllocs))
	case s.ChurnPoll < 0 || s.ChurnPoll > MaxChurnPoll:
		return bad("ChurnPoll", s.ChurnPoll, fmt.Sprintf("0 to %v", MaxChurnPoll))
	case s.Skew.Zipf && !(s.Skew.S > 1 && s.Skew.S <= 10): // NaN too
		return bad("Skew.S", s.Skew.S, "above 1 and at most 10")
	case s.Kworkers < 0 || s.Kworkers > MaxKworkers:
		return bad("Kworkers", s.Kworkers, fmt.Sprintf("0 (one per CPU) to %d", MaxKworkers))
	case !(s.RCUShare >= 0 && s.RCUShare <= 1):
		return bad("RCUShare", s.RCUShare, "0 to 1")
	case s.Objects.PagesPerCache < 0 || s.Objects.PagesPerCache > MaxPagesPerCache:
		return bad("Objects.PagesPerCache", s.Objects.PagesPerCache, fmt.Sprintf("0 to %d", MaxPagesPerCache))
	case !(s.Objects.LongLivedShare >= 0 && s.Objects.LongLivedShare <= 1):
		return bad("Objects.LongLivedShare", s.Objects.LongLivedShare, "0 to 1")
	case !(s.Objects.RCUFreedShare >= 0 && s.Objects.RCUFreedShare <= 1):
		return bad("Objects.RCUFreedShare", s.Objects.RCUFreedShare, "0 to 1")
	case !(s.Objects.EmptyShare >= 0 && s.Objects.EmptyShare <= 1):
		return bad("Objects.EmptyShare", s.Objects.EmptyShare, "0 to 1")
	case s.Objects.EmptyShare+s.Objects.LongLivedShare+s.Objects.RCUFreedShare > 1+1e-9:
		return bad("Objects", fmt.Sprintf("empty %g + long-lived %g + RCU-freed %g", s.Objects.EmptyShare, s.Objects.LongLivedShare, s.Objects.RCUFreedShare),
			"shares that sum to at most 1")
	case s.ReapEmpty < 0 || s.ReapEmpty > designs.MaxReap:
		return bad("ReapEmpty", s.ReapEmpty, fmt.Sprintf("0 (SLUB: never) to %v", designs.MaxReap))
	case s.Objects.LongLivedLife < 0 || s.Objects.LongLivedLife > MaxDuration:
		return bad("Objects.LongLivedLife", s.Objects.LongLivedLife, fmt.Sprintf("0 (kept past the run) to %v", MaxDuration))
	case s.KeepEmpty < 0 || s.KeepEmpty > designs.MaxKeepEmpty:
		return bad("KeepEmpty", s.KeepEmpty, fmt.Sprintf("0 to %d", designs.MaxKeepEmpty))
	case s.ContainerCPUs < 1 || s.ContainerCPUs > designs.MaxCPUs:
		return bad("ContainerCPUs", s.ContainerCPUs, fmt.Sprintf("1 to %d", designs.MaxCPUs))
	case s.Duration < 0 || s.Duration > MaxDuration:
		return bad("Duration", s.Duration, fmt.Sprintf("0 to %v", MaxDuration))
	case s.Duration == 0 && s.Ops < 1:
		return bad("Ops", s.Ops, "1 or more when Duration is 0")
	}
	if err := s.Costs.Validate(); err != nil {
		var fe *designs.FieldError
		if errors.As(err, &fe) {
			return bad(fe.Field, fe.Value, fe.Allowed)
		}
		return fmt.Errorf("%w: %w", ErrSpec, err)
	}
	if len(s.Roles) == 0 {
		return validateMix("Mix", s.Mix)
	}
	for i, r := range s.Roles {
		if r.Workers < 0 || r.Workers > MaxWorkers {
			return bad(fmt.Sprintf("Roles[%d].Workers", i), r.Workers, fmt.Sprintf("0 to %d", MaxWorkers))
		}
		if err := validateMix(fmt.Sprintf("Roles[%d].Mix", i), r.Mix); err != nil {
			return err
		}
		if err := validateRate(fmt.Sprintf("Roles[%d]", i), r, s); err != nil {
			return err
		}
	}
	return nil
}

func validateRate(field string, r Role, s *Spec) error {
	bad := func(f string, value any, allowed string) error {
		return &designs.FieldError{Field: field + "." + f, Value: value, Allowed: allowed, Err: ErrSpec}
	}
	rate := r.Rate
	if rate.Arrival < Closed || rate.Arrival > Fixed {
		return bad("Rate.Arrival", rate.Arrival, "closed, poisson or fixed")
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"PerSecond", rate.PerSecond}, {"PerCPU", rate.PerCPU}, {"PerMemcg", rate.PerMemcg}} {
		if !(p.v >= 0 && p.v <= MaxRate) {
			return bad("Rate."+p.name, p.v, fmt.Sprintf("0 to %g events per second", float64(MaxRate)))
		}
	}
	if !rate.Open() {
		return nil
	}
	switch {
	case rate.Of(1, s.Memcgs) <= 0 && field == "Roles[0]":
		return bad("Rate", rate.String(), "above 0 events per second for the first (measured) role; 0 turns any other open-loop role off")
	case r.Workers < 1:
		return bad("Workers", r.Workers, fmt.Sprintf("1 to %d for an open-loop role (the events it can serve at once)", MaxWorkers))
	case s.Duration <= 0:
		return &designs.FieldError{Field: "Duration", Value: s.Duration, Err: ErrSpec,
			Allowed: fmt.Sprintf("above 0 to %v with open-loop roles (the window in which events arrive)", MaxDuration)}
	}
	return nil
}

// ContendersGrow reports whether the tasks that take the registry's locks
// grow with the CPUs: every worker runs the mix (no roles), or every role
// with a slow operation in its mix is the flexible one (Workers 0, the
// rest) and none is open-loop. The Universal Scalability Law, whose N is
// the number of contenders, describes only such a workload.
func (s *Spec) ContendersGrow() bool {
	if len(s.Roles) == 0 {
		return s.Workers == 0
	}
	for _, r := range s.Roles {
		slow := false
		for op, w := range r.Mix {
			slow = slow || (w > 0 && Op(op).Slow())
		}
		if r.Rate.Open() || (slow && r.Workers != 0) {
			return false
		}
	}
	return true
}

// Open reports whether s has an open-loop role: then a run lasts
// Duration, its window of arrivals.
func (s *Spec) Open() bool {
	for _, r := range s.Roles {
		if r.Rate.Open() {
			return true
		}
	}
	return false
}

func validateMix(field string, m Mix) error {
	for op, w := range m {
		if w < 0 || w > MaxWeight {
			return &designs.FieldError{Field: field + "." + Op(op).String(), Value: w,
				Allowed: fmt.Sprintf("0 to %d", MaxWeight), Err: ErrSpec}
		}
	}
	if m.Total() == 0 {
		return &designs.FieldError{Field: field, Value: "no weight",
			Allowed: fmt.Sprintf("at least one op with weight 1 to %d", MaxWeight), Err: ErrSpec}
	}
	return nil
}

// roles returns the worker groups of a run on gomaxprocs CPUs: Roles with
// the flexible role filled in, or one role running Mix on every worker.
// MeasuredWorkers returns how many workers the measured role (the first)
// has on the given number of CPUs.
// WindowFor is a window of arrivals that holds events of s's primary
// events (its first open-loop role's) at their rate on cpus CPUs: within
// lo and hi, lo where s has no open-loop role or hi is below lo.
func (s *Spec) WindowFor(cpus int, events float64, lo, hi time.Duration) time.Duration {
	w := lo
	for _, r := range s.Roles {
		if r.Rate.Open() {
			if rate := r.Rate.Of(cpus, s.Memcgs); rate > 0 {
				w = max(w, time.Duration(events/rate*float64(time.Second)).Round(time.Second))
			}
			break
		}
	}
	return min(w, max(hi, lo)) // a bound below lo (or none, 0) is lo
}

func (s *Spec) MeasuredWorkers(cpus int) int { return s.roles(cpus)[0].Workers }

func (s *Spec) roles(gomaxprocs int) []Role {
	workers := s.Workers
	if workers == 0 {
		workers = gomaxprocs
	}
	if len(s.Roles) == 0 {
		return []Role{{Name: "all", Workers: workers, Mix: s.Mix}}
	}
	fixed := 0
	for _, r := range s.Roles {
		if !r.Rate.Open() { // an open-loop role's workers mostly wait for arrivals
			fixed += r.Workers
		}
	}
	out := slices.Clone(s.Roles)
	for i := range out {
		if out[i].Workers == 0 {
			out[i].Workers = max(workers-fixed, 0)
			fixed = workers
		}
	}
	return out
}
