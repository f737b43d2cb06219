package workloads

import (
	"errors"
	"fmt"
	"math"
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
type MassDestroy struct {
	Memcgs, Roots int
	// CPUs are the virtual CPUs, and as many kworkers.
	CPUs int
	// Costs and RCUShare are the model's (DefaultSpec's unless set).
	Costs    designs.Costs
	RCUShare float64
}

// A MassDestroyResult is one run of a MassDestroy.
type MassDestroyResult struct {
	Design string
	// Caches is the child caches destroyed, Memcgs x Roots.
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
	if s.Memcgs < 1 || s.Roots < 1 || s.CPUs < 1 {
		return MassDestroyResult{}, fmt.Errorf("%w: mass destroy of %d memcgs x %d roots on %d CPUs: want at least 1 of each", ErrScenario, s.Memcgs, s.Roots, s.CPUs)
	}
	if s.Costs == (designs.Costs{}) {
		s.Costs, s.RCUShare = DefaultSpec.Costs, DefaultSpec.RCUShare
	}
	v := DefaultVirtual(s.CPUs)
	rt := kern.New(kern.Config{Virtual: &v})
	defer rt.Close()
	reg, err := d.New(rt, designs.Config{Costs: s.Costs, Kworkers: s.CPUs, RCUShare: s.RCUShare, CPUs: s.CPUs})
	if err != nil {
		return MassDestroyResult{}, fmt.Errorf("mass destroy on %s: %w", d.Name, err)
	}
	defer reg.Close()
	var memcgs []designs.Memcg
	var runErr error
	rt.Go("setup", func(t *kern.Task) {
		var roots []designs.Root
		for i := range s.Roots {
			r, err := reg.CreateRoot(t, fmt.Sprintf("root-%d", i))
			if err != nil {
				runErr = err
				return
			}
			roots = append(roots, r)
		}
		for range s.Memcgs {
			m, err := reg.ActivateMemcg(t)
			if err != nil {
				runErr = err
				return
			}
			memcgs = append(memcgs, m)
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
	if want := int64(s.Memcgs * s.Roots); created != want {
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
	res := MassDestroyResult{Design: d.Name, Caches: s.Memcgs * s.Roots, Elapsed: time.Duration(rt.Now() - start)}
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
