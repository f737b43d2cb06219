package workloads

import (
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
	return designs.Config{Costs: p.Costs, Kworkers: p.CPUs, RCUShare: p.RCUShare, CPUs: p.CPUs}, nil
}

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
	cfg, err := s.config("mass destroy")
	if err != nil {
		return MassDestroyResult{}, err
	}
	v := DefaultVirtual(s.CPUs)
	rt := kern.New(kern.Config{Virtual: &v})
	defer rt.Close()
	reg, err := d.New(rt, cfg)
	if err != nil {
		return MassDestroyResult{}, fmt.Errorf("mass destroy on %s: %w", d.Name, err)
	}
	defer reg.Close()
	roots, memcgs, err := populate(rt, reg, s.Roots, s.Memcgs)
	if err != nil {
		return MassDestroyResult{}, fmt.Errorf("mass destroy on %s, setup: %w", d.Name, err)
	}
	var runErr error
	rt.Go("first-allocations", func(t *kern.Task) {
		for _, m := range memcgs {
			for _, r := range roots {
				if _, err := reg.Alloc(t, m, r); err != nil { // a miss: queues the child's creation
					runErr = err
					return
				}
			}
		}
		reg.Quiesce(t)
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
		for _, m := range memcgs {
			if err := reg.RemoveMemcg(t, m); err != nil {
				runErr = err
				return
			}
		}
		reg.Quiesce(t)
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
	cfg, err := s.config("mass create")
	if err != nil {
		return MassCreateResult{}, err
	}
	v := DefaultVirtual(s.CPUs)
	rt := kern.New(kern.Config{Virtual: &v})
	defer rt.Close()
	cfg.SystemWQ = rt.NewWorkqueue("events", SystemWQActive*s.CPUs)
	events := cfg.SystemWQ
	defer events.Close()
	reg, err := d.New(rt, cfg)
	if err != nil {
		return MassCreateResult{}, fmt.Errorf("mass create on %s: %w", d.Name, err)
	}
	defer reg.Close()
	res := MassCreateResult{Design: d.Name, Caches: s.Memcgs * s.Roots * childCaches(d)}
	roots, memcgs, err := populate(rt, reg, s.Roots, s.Memcgs)
	if err != nil {
		return res, fmt.Errorf("mass create on %s, setup: %w", d.Name, err)
	}
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

// childCaches is 1 where each memcg's first allocation from a root
// creates a child cache, 0 where the memcgs share the roots
// (designs.Design.SharedCaches).
func childCaches(d designs.Design) int {
	if d.SharedCaches {
		return 0
	}
	return 1
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
