package workloads

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"gonum.org/v1/gonum/stat"

	"memcgbench/designs"
	"memcgbench/kern"
)

// A MassDestroy is the known-answer scenario of mass cgroup destruction,
// the problem Tejun Heo reported from Facebook's hosts for v4.10 ("slab:
// make memcg slab destruction scalable", v4.11): Memcgs memcgs, each with
// one child cache of each of Roots root caches, all removed at once. The
// answer is the time from the first rmdir until every offline and every
// cache destroy it caused has run. A design that finds a memcg's caches
// through a list of its own destroys them in time linear in the caches; one
// that walks every cache of the system for each memcg (v4.0 to v4.10) in
// time quadratic in the memcgs.
//
// It runs on the virtual clock, with the model's costs, so that its answer
// is the design's shape, not this machine's.
type MassDestroy struct{ Population }

// A Population is what a known-answer scenario runs on: Memcgs memcgs and
// Roots root caches on CPUs virtual CPUs (with a kworker each), with the
// model's Costs and RCUShare (DefaultSpec's where Costs is zero).
type Population struct {
	Memcgs, Roots, CPUs int
	Costs               designs.Costs
	RCUShare            float64
}

// config checks the population and returns the registry configuration it
// asks for.
func (p Population) config(scenario string) (designs.Config, error) {
	if p.Memcgs < 1 || p.Roots < 1 || p.CPUs < 1 {
		return designs.Config{}, fmt.Errorf("%w: %s of %d memcgs x %d roots on %d CPUs: want at least 1 of each", ErrScenario, scenario, p.Memcgs, p.Roots, p.CPUs)
	}
	if p.Costs == (designs.Costs{}) {
		p.Costs, p.RCUShare = DefaultSpec.Costs, DefaultSpec.RCUShare
	}
	kworkers, most := systemWQ(p.CPUs)
	return designs.Config{Costs: p.Costs, Kworkers: kworkers, KworkersMax: most, RCUShare: p.RCUShare, CPUs: p.CPUs}, nil
}

// systemWQ returns the kworkers system_wq starts with on cpus CPUs, one a
// CPU, and the most it starts under concurrency management: its
// max_active, SystemWQActive a CPU, up to MaxManagedKworkers.
func systemWQ(cpus int) (kworkers, most int) {
	return cpus, min(SystemWQActive*cpus, MaxManagedKworkers)
}

// MaxManagedKworkers bounds the kworkers a concurrency-managed system_wq
// starts, for the model's memory (a kworker is a goroutine and a task);
// the kernel's bound is system_wq's max_active, SystemWQActive a CPU
// (16,384 on 64 CPUs). Kernel bugzilla 172981 saw thousands of kworkers
// in one burst of cache creations.
const MaxManagedKworkers = 4096

// A MassDestroyResult is one run of a MassDestroy.
type MassDestroyResult struct {
	Design string
	// Caches is the child caches destroyed, Memcgs x Roots (none where
	// the memcgs share the roots).
	Caches int
	// Elapsed is the virtual time from the first rmdir until the last
	// destroy.
	Elapsed time.Duration
}

// ErrScenario is the error of a known-answer scenario that did not reach
// its end state.
var ErrScenario = errors.New("known-answer scenario")

// Run sets the scenario up on design d (every memcg activated and its
// caches created, then the deferred work drained), removes every memcg, and
// times the removal on the virtual clock.
func (s MassDestroy) Run(d designs.Design) (MassDestroyResult, error) {
	sc, err := s.setUp("mass destroy", d, false)
	if err != nil {
		return MassDestroyResult{}, err
	}
	defer sc.close()
	rt, reg, roots := sc.rt, sc.reg, sc.roots
	var runErr error
	rt.Go("first-allocations", func(t *kern.Task) {
		if runErr = sc.allocFirst(t, func(int) []designs.Root { return roots }); runErr == nil {
			reg.Quiesce(t)
		}
	})
	if err := rt.Wait(); err != nil || runErr != nil {
		return MassDestroyResult{}, fmt.Errorf("mass destroy on %s, setup: %w", d.Name, errors.Join(err, runErr))
	}
	created := reg.Snapshot().ChildrenCreated
	if want := int64(s.Memcgs * s.Roots * childCaches(d)); created != want {
		return MassDestroyResult{}, fmt.Errorf("%w: mass destroy on %s: %d child caches created, want %d", ErrScenario, d.Name, created, want)
	}
	start := rt.Now()
	rt.Go("rmdir", func(t *kern.Task) {
		if runErr = sc.removeAll(t); runErr == nil {
			reg.Quiesce(t)
		}
	})
	if err := rt.Wait(); err != nil || runErr != nil {
		return MassDestroyResult{}, fmt.Errorf("mass destroy on %s, removal: %w", d.Name, errors.Join(err, runErr))
	}
	res := MassDestroyResult{Design: d.Name, Caches: int(created), Elapsed: time.Duration(rt.Now() - start)}
	if destroyed := reg.Snapshot().ChildrenDestroyed; destroyed != created {
		return res, fmt.Errorf("%w: mass destroy on %s: %d of %d child caches destroyed", ErrScenario, d.Name, destroyed, created)
	}
	return res, nil
}

// Exponent fits y = c * x^k to the points by least squares on their
// logarithms and returns k and the fit's R²: the shape of a known answer,
// 1 for linear growth, 2 for quadratic. Points at or below zero are an
// error.
func Exponent(x, y []float64) (k, r2 float64, err error) {
	if len(x) != len(y) || len(x) < 2 {
		return 0, 0, fmt.Errorf("exponent of %d and %d points: want two or more pairs", len(x), len(y))
	}
	lx, ly := make([]float64, len(x)), make([]float64, len(y))
	for i := range x {
		if x[i] <= 0 || y[i] <= 0 {
			return 0, 0, fmt.Errorf("exponent: point (%g, %g) is not positive", x[i], y[i])
		}
		lx[i], ly[i] = math.Log(x[i]), math.Log(y[i])
	}
	a, k := stat.LinearRegression(lx, ly, nil, false)
	return k, stat.RSquared(lx, ly, nil, a, k), nil
}

// Superlinear measures the part of a growth beyond linear, the known
// answer of mass destruction, from times t at sizes n that form a
// geometric ladder (n[i+1] = r x n[i], one r, four sizes or more). Where
// t = c + a x n + b x n^k, the steps d[i] = t[i+1] - t[i] hold no c, and
// their second differences f[i] = d[i+1] - r x d[i] hold no a x n either:
// f[i] = b x n[i]^k x (r^k - 1) x (r^k - r), which grows as n^k. It returns
// the fitted exponent k of f (NaN, with ok false, when an f is not
// positive: nothing grows faster than linear) and share, the last f as a
// share of the largest time: near 0 for growth no faster than linear,
// large where the superlinear part dominates.
func Superlinear(n, t []float64) (k, share float64, ok bool, err error) {
	if len(n) != len(t) || len(n) < 4 {
		return 0, 0, false, fmt.Errorf("superlinear growth of %d sizes and %d times: want four or more pairs", len(n), len(t))
	}
	for i := range n {
		if n[i] <= 0 || t[i] <= 0 {
			return 0, 0, false, fmt.Errorf("superlinear growth: size %g, time %g: both must be positive", n[i], t[i])
		}
	}
	r := n[1] / n[0]
	for i := 1; i+1 < len(n); i++ {
		if math.Abs(n[i+1]/n[i]-r) > 1e-9*r || r <= 1 {
			return 0, 0, false, fmt.Errorf("superlinear growth: sizes %v are not a rising geometric ladder", n)
		}
	}
	var x, f []float64
	for i := 0; i+2 < len(n); i++ {
		x, f = append(x, n[i]), append(f, (t[i+2]-t[i+1])-r*(t[i+1]-t[i]))
	}
	share = f[len(f)-1] / t[len(t)-1]
	for _, v := range f {
		if v <= 0 {
			return math.NaN(), share, false, nil
		}
	}
	k, _, err = Exponent(x, f)
	return k, share, err == nil, err
}

// SystemWQActive is system_wq's max_active per CPU: init_workqueues
// (kernel/workqueue.c) makes it with alloc_workqueue("events", 0, 0), and
// max_active 0 means WQ_DFL_ACTIVE, WQ_MAX_ACTIVE / 2 = 256
// (include/linux/workqueue.h). That many of its items run at once per CPU,
// whether they compute or sleep on a mutex; the rest wait in its queue.
const SystemWQActive = 256

// probePoll is how often, in virtual time, MassCreate's probe task looks
// for the burst's end: a setting of the scenario, not of the model (it only
// bounds how late after the burst the probe is queued; an estimate, far
// below one creation's Costs.Create of 300µs).
const probePoll = 10 * time.Microsecond

// A MassCreate is the known-answer scenario of mass cgroup creation,
// kernel bugzilla 172981 and Vladimir Davydov's fix, merged for v4.10 ("mm:
// memcontrol: use special workqueue for creating per-memcg caches"):
// Memcgs memcgs start at once, each allocating from Roots root caches, and
// each first allocation queues its cache's creation. Where the creations go
// to system_wq and each holds slab_mutex, a burst of more than
// SystemWQActive per CPU fills system_wq with items asleep on the mutex,
// and unrelated system work waits behind them. The answer is the latency
// of one unrelated work item queued on system_wq right after the burst.
//
// system_wq runs SystemWQActive items per CPU, the registry's other
// kworkers one per CPU.
type MassCreate struct{ Population }

// A MassCreateResult is one run of a MassCreate.
type MassCreateResult struct {
	Design string
	// Caches is the child caches created, Memcgs x Roots (none where the
	// memcgs share the roots).
	Caches int
	// Probe is the unrelated work item's latency, from its queueing on
	// system_wq to its start.
	Probe time.Duration
	// Elapsed is the virtual time from the first allocation until the
	// last cache was created.
	Elapsed time.Duration
}

// Run sets the roots and the memcgs up on design d (activation takes the
// design's locks, which would pace the burst), then on one task makes every
// memcg's first allocations, queues the probe on system_wq and waits for
// the creations and the probe.
func (s MassCreate) Run(d designs.Design) (MassCreateResult, error) {
	sc, err := s.setUp("mass create", d, true)
	if err != nil {
		return MassCreateResult{}, err
	}
	defer sc.close()
	rt, reg, events, roots, memcgs := sc.rt, sc.reg, sc.events, sc.roots, sc.memcgs
	res := MassCreateResult{Design: d.Name, Caches: s.Memcgs * s.Roots * childCaches(d)}
	var runErr error
	// The containers start on every CPU at once: one task per CPU makes
	// its share of the memcgs' first allocations.
	start := rt.Now()
	var starting atomic.Int64 // start tasks not yet done
	starting.Store(int64(s.CPUs))
	for c := range s.CPUs {
		rt.Go(fmt.Sprintf("start/%d", c), func(t *kern.Task) {
			defer starting.Add(-1)
			for i := c; i < len(memcgs); i += s.CPUs {
				for _, r := range roots {
					if _, err := reg.Alloc(t, memcgs[i], r); err != nil { // a miss: queues the child's creation
						runErr = err
						return
					}
				}
			}
		})
	}
	var probe kern.WorkItem
	queued, started := int64(-1), int64(-1)
	probe.Init(func(w *kern.Task) { started = w.Now() })
	rt.Go("probe", func(t *kern.Task) {
		// Right after the burst: within probePoll of the last start task's end.
		for starting.Load() > 0 {
			t.Sleep(probePoll)
		}
		queued = t.Now()
		events.Queue(t, &probe)
		reg.Quiesce(t)
		res.Elapsed = time.Duration(t.Now() - start)
		events.Flush(t)
	})
	if err := rt.Wait(); err != nil || runErr != nil {
		return res, fmt.Errorf("mass create on %s: %w", d.Name, errors.Join(err, runErr))
	}
	res.Probe = time.Duration(started - queued)
	if created := reg.Snapshot().ChildrenCreated; created != int64(res.Caches) {
		return res, fmt.Errorf("%w: mass create on %s: %d of %d child caches created", ErrScenario, d.Name, created, res.Caches)
	}
	return res, nil
}

// A DeadSlabinfo is the known-answer scenario of /proc/slabinfo against dead
// caches, the problem Tejun Heo's slab_root_caches list fixed for v4.11
// (510ded33e075: "seq_file processes reads in 4k chunks and seeks to the
// previous Nth position on slab_caches list to resume after each chunk",
// reported by Jay Vana at Facebook): Memcgs memcgs, each with PerMemcg
// child caches that still hold a page, all removed, so that their caches
// stay as dead caches; then one read of /proc/slabinfo, whole, with
// read() calls of ReadBytes (designs.ReadBytesCat where 0), on an idle
// system. The answer is the read's time against the dead caches. Where
// the reads seek along slab_caches (to v4.10), every read() that takes
// slab_mutex steps over every dead cache, so each dead cache costs the
// seeks of designs.SlabinfoSeeks in list steps, and its sum into its
// root's line; on slab_root_caches (v4.11 on) no list step, the sum alone.
//
// Memcg i's caches are the PerMemcg roots from root i x PerMemcg on, round
// the list, so the dead caches spread evenly over the roots' lines.
type DeadSlabinfo struct {
	Population
	PerMemcg, ReadBytes int
}

// A DeadSlabinfoResult is one run of a DeadSlabinfo.
type DeadSlabinfoResult struct {
	Design string
	// Dead is the dead child caches when the read starts, Memcgs x
	// PerMemcg (none where the memcgs share the roots).
	Dead int
	// Lines and Children are what the read printed: a line per root, with
	// the children summed into them.
	Lines, Children int
	// Seeks and Reprinted are the read() calls that took slab_mutex and
	// walked the list, and the lines printed twice (one that did not fit
	// in the seq_file's buffer), by seq_read's arithmetic
	// (designs.SlabinfoSeeks).
	Seeks, Reprinted int
	// Elapsed is the read's virtual time, from open to the read() that
	// returns nothing.
	Elapsed time.Duration
}

// Run sets the scenario up on design d (the roots, every memcg's first
// allocations and a page charged to each of its caches, every memcg
// removed and the deferred work drained) and times one read of
// /proc/slabinfo on the virtual clock.
func (s DeadSlabinfo) Run(d designs.Design) (DeadSlabinfoResult, error) {
	if s.PerMemcg < 1 || s.PerMemcg > s.Roots {
		return DeadSlabinfoResult{}, fmt.Errorf("%w: dead slabinfo of %d caches per memcg: want 1 to the %d roots", ErrScenario, s.PerMemcg, s.Roots)
	}
	if s.ReadBytes < 0 {
		return DeadSlabinfoResult{}, fmt.Errorf("%w: dead slabinfo with read() calls of %d bytes: want 1 or more, or 0 for cat's", ErrScenario, s.ReadBytes)
	}
	sc, err := s.setUp("dead slabinfo", d, false)
	if err != nil {
		return DeadSlabinfoResult{}, err
	}
	defer sc.close()
	rt, reg, roots, memcgs := sc.rt, sc.reg, sc.roots, sc.memcgs
	res := DeadSlabinfoResult{Design: d.Name}
	var runErr error
	rt.Go("setup", func(t *kern.Task) {
		cachesOf := func(i int) []designs.Root {
			var rs []designs.Root
			for j := range s.PerMemcg {
				rs = append(rs, roots[(i*s.PerMemcg+j)%len(roots)])
			}
			return rs
		}
		if runErr = sc.allocFirst(t, cachesOf); runErr != nil {
			return
		}
		reg.Quiesce(t)
		if d.SharedCaches {
			return
		}
		for i, m := range memcgs {
			for _, r := range cachesOf(i) {
				if err := reg.Charge(t, m, r, 1); err != nil {
					runErr = err
					return
				}
			}
		}
		if runErr = sc.removeAll(t); runErr == nil {
			reg.Quiesce(t)
		}
	})
	if err := rt.Wait(); err != nil || runErr != nil {
		return res, fmt.Errorf("dead slabinfo on %s, setup: %w", d.Name, errors.Join(err, runErr))
	}
	snap := reg.Snapshot()
	res.Dead = int(snap.ChildrenCreated - snap.ChildrenDestroyed)
	if want := s.Memcgs * s.PerMemcg * childCaches(d); res.Dead != want {
		return res, fmt.Errorf("%w: dead slabinfo on %s: %d dead caches, want %d", ErrScenario, d.Name, res.Dead, want)
	}
	start := rt.Now()
	readBytes := cmp.Or(s.ReadBytes, designs.ReadBytesCat)
	res.Seeks, res.Reprinted = designs.SlabinfoSeeks(s.Roots, readBytes)
	rt.Go("reader", func(t *kern.Task) { res.Lines, res.Children = reg.ProcSlabinfo(t, readBytes) })
	if err := rt.Wait(); err != nil {
		return res, fmt.Errorf("dead slabinfo on %s, read: %w", d.Name, err)
	}
	res.Elapsed = time.Duration(rt.Now() - start)
	if res.Lines != s.Roots || res.Children != res.Dead {
		return res, fmt.Errorf("%w: dead slabinfo on %s: read %d lines summing %d children, want %d and %d", ErrScenario, d.Name, res.Lines, res.Children, s.Roots, res.Dead)
	}
	return res, nil
}

// SlabinfoSlope fits the read time t (seconds) of a DeadSlabinfo against
// its dead caches n by least squares and returns the time each dead cache
// adds and the read's time with none; r2 is the fit's R².
func SlabinfoSlope(n, t []float64) (perCache, base time.Duration, r2 float64, err error) {
	if len(n) != len(t) || len(n) < 2 {
		return 0, 0, 0, fmt.Errorf("slabinfo slope of %d sizes and %d times: want two or more pairs", len(n), len(t))
	}
	a, b := stat.LinearRegression(n, t, nil, false)
	sec := func(x float64) time.Duration { return time.Duration(math.Round(x * 1e9)) }
	return sec(b), sec(a), stat.RSquared(n, t, nil, a, b), nil
}

// childCaches is 1 where each memcg's first allocation from a root
// creates a child cache, 0 where the memcgs share the roots
// (designs.Design.SharedCaches).
func childCaches(d designs.Design) int {
	if d.SharedCaches {
		return 0
	}
	return 1
}

// SlabinfoSteps is the list steps a dead cache costs a read of
// /proc/slabinfo, from the time it adds (SlabinfoSlope's perCache): less
// its sum into its root's line, childCost, which the read pays again for
// each reprinted line of the roots (the dead caches spread evenly over
// them), in units of walkCost. It is the read's seeks where they walk
// slab_caches, 0 where they walk slab_root_caches.
func SlabinfoSteps(perCache, childCost, walkCost time.Duration, roots, reprinted int) float64 {
	sums := float64(childCost) * (1 + float64(reprinted)/float64(max(roots, 1)))
	return (float64(perCache) - sums) / float64(walkCost)
}

// SlabinfoShapeHolds reports whether the list steps a dead cache costs
// (SlabinfoSteps) are a design's known answer: where its reads seek along
// slab_caches (seeksChildren), one for each of the seeks, from half a step
// under to a step over (3.15 and 3.16 also loop over every slot of each
// root's array, dead memcgs' included, which adds under a step at ten
// caches a memcg); otherwise none, to within half a step.
func SlabinfoShapeHolds(seeksChildren bool, steps float64, seeks int) bool {
	if seeksChildren {
		return steps >= float64(seeks)-0.5 && steps <= float64(seeks)+1
	}
	return math.Abs(steps) <= 0.5
}

// A scene is a known-answer scenario's machine: a virtual runtime, one
// design's registry on it, the population's roots and memcgs, and, where
// the scenario asks for it, system_wq.
type scene struct {
	rt     *kern.Runtime
	reg    designs.Registry
	events *kern.Workqueue
	roots  []designs.Root
	memcgs []designs.Memcg
}

// setUp checks the population, starts its runtime with design d's
// registry (and a system_wq of SystemWQActive items per CPU if systemWQ),
// and makes its roots and memcgs. The caller closes the scene.
func (p Population) setUp(scenario string, d designs.Design, systemWQ bool) (*scene, error) {
	cfg, err := p.config(scenario)
	if err != nil {
		return nil, err
	}
	return p.setUpWith(scenario, d, cfg, systemWQ)
}

// setUpWith is setUp with the registry configured by cfg.
func (p Population) setUpWith(scenario string, d designs.Design, cfg designs.Config, systemWQ bool) (*scene, error) {
	var err error
	v := DefaultVirtual(p.CPUs)
	sc := &scene{rt: kern.New(kern.Config{Virtual: &v, Mutex: d.Mutex})}
	if systemWQ {
		sc.events = sc.rt.NewWorkqueue("events", SystemWQActive*p.CPUs)
		cfg.SystemWQ = sc.events
	}
	if sc.reg, err = d.New(sc.rt, cfg); err != nil {
		sc.close()
		return nil, fmt.Errorf("%s on %s: %w", scenario, d.Name, err)
	}
	if sc.roots, sc.memcgs, err = populate(sc.rt, sc.reg, p.Roots, p.Memcgs); err != nil {
		sc.close()
		return nil, fmt.Errorf("%s on %s, setup: %w", scenario, d.Name, err)
	}
	return sc, nil
}

// allocFirst makes, on t, every memcg's first allocation from each of its
// roots, rootsOf(i) for memcg i: each a miss that queues the child's
// creation.
func (sc *scene) allocFirst(t *kern.Task, rootsOf func(i int) []designs.Root) error {
	for i, m := range sc.memcgs {
		for _, r := range rootsOf(i) {
			if _, err := sc.reg.Alloc(t, m, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// removeAll removes every memcg on t, as rmdir does: each offline is
// queued.
func (sc *scene) removeAll(t *kern.Task) error {
	for _, m := range sc.memcgs {
		if err := sc.reg.RemoveMemcg(t, m); err != nil {
			return err
		}
	}
	return nil
}

// close stops the registry's kworkers, system_wq's and the runtime, in
// that order.
func (sc *scene) close() {
	if sc.reg != nil {
		sc.reg.Close()
	}
	if sc.events != nil {
		sc.events.Close()
	}
	sc.rt.Close()
}

// populate creates roots root caches and activates memcgs memcgs on reg, on
// one task of rt, and waits for it.
func populate(rt *kern.Runtime, reg designs.Registry, roots, memcgs int) ([]designs.Root, []designs.Memcg, error) {
	var rs []designs.Root
	var ms []designs.Memcg
	var runErr error
	rt.Go("populate", func(t *kern.Task) {
		for i := range roots {
			r, err := reg.CreateRoot(t, fmt.Sprintf("root-%d", i))
			if err != nil {
				runErr = err
				return
			}
			rs = append(rs, r)
		}
		for range memcgs {
			m, err := reg.ActivateMemcg(t)
			if err != nil {
				runErr = err
				return
			}
			ms = append(ms, m)
		}
	})
	if err := errors.Join(rt.Wait(), runErr); err != nil {
		return nil, nil, err
	}
	return rs, ms, nil
}
