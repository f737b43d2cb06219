package workloads

import (
	"errors"
	"fmt"
	"time"

	"memcgbench/designs"
	"memcgbench/kern"
)

// A DeadCaches is the known-answer scenario of dead caches under container
// churn: Containers containers run one after another, a new one every Gap,
// each with PerMemcg caches, whose objects go as Objects says when it ends
// (some long-lived, freed Objects.LongLivedLife later); then nothing more
// starts, every object is freed, and the deferred work drains. The answer
// is the number of dead caches (child caches of offline memcgs, not yet
// destroyed) over time, and how many are left at the end: none where a
// dead cache goes once its objects are, and a number that grows with the
// containers where it stays (designs.Design.DeadCachesStay). That is the
// memory side of bd67314586: a 3.16 dead cache is destroyed only with its
// root (Vladimir Davydov's self-destruction series was dropped from -mm
// in July 2014); v4.0 destroys them with their memcg, once
// d6e0b7fa1186 lets their pages reach 0; v5.9 has no per-memcg caches.
//
// KeepEmpty and ReapEmpty are the allocator's (designs.Config): SLUB
// keeps 5 empty slabs a cache and never frees an idle cache's; SLAB
// keeps them all and reaps them (designs.SLABKeepEmpty, SLABReapEmpty).
type DeadCaches struct {
	Population
	Containers, PerMemcg int
	Gap                  time.Duration
	Objects              Objects
	KeepEmpty            int
	ReapEmpty            time.Duration
}

// A DeadCachesResult is one run of a DeadCaches.
type DeadCachesResult struct {
	Design string
	// Caches is the child caches the containers made, Containers x
	// PerMemcg (none where the memcgs share the roots).
	Caches int
	// Samples are the dead caches and their pages when each container
	// ends (before its removal) and, last, at the end.
	Samples []DeadSample
	// Dead and DeadPages are what is left once every object is freed and
	// the deferred work has drained; Max the most dead caches at once.
	Dead, DeadPages, Max int64
	// Dying is the dying memcgs (offline, not yet freed) once the last
	// container is removed and the deferred work has drained, the
	// long-lived objects still held; DyingLeft once they are freed too.
	Dying, DyingLeft int64
}

// A DeadSample is the dead caches and dying memcgs at one moment of a
// DeadCaches run.
type DeadSample struct {
	At                 time.Duration // virtual time from the first start
	Dead, Pages, Dying int64
}

// Run runs the scenario on design d on the virtual clock.
func (s DeadCaches) Run(d designs.Design) (DeadCachesResult, error) {
	res := DeadCachesResult{Design: d.Name, Caches: s.Containers * s.PerMemcg * childCaches(d)}
	if s.Containers < 1 || s.PerMemcg < 1 || s.PerMemcg > s.Roots || s.Gap < 0 || s.Objects.PagesPerCache < 1 {
		return res, fmt.Errorf("%w: dead caches of %d containers of %d caches each, %d roots, gap %v, %d pages a cache: want 1 or more containers, 1 to the roots caches, a gap of 0 or more, a page or more",
			ErrScenario, s.Containers, s.PerMemcg, s.Roots, s.Gap, s.Objects.PagesPerCache)
	}
	pop := s.Population
	pop.Memcgs = 1 // the containers are activated as they start
	sc, err := pop.setUpKeeping("dead caches", d, s.KeepEmpty, s.ReapEmpty)
	if err != nil {
		return res, err
	}
	defer sc.close()
	rt, reg, roots := sc.rt, sc.reg, sc.roots
	var runErr error
	start := rt.Now()
	sample := func(t *kern.Task) {
		snap := reg.Snapshot()
		res.Samples = append(res.Samples, DeadSample{At: time.Duration(t.Now() - start), Dead: snap.Dead, Pages: snap.DeadPages,
			Dying: int64(snap.Memcgs - snap.OnlineMemcgs)})
	}
	type longLivedObjects struct {
		m designs.Memcg
		r designs.Root
	}
	var kept []longLivedObjects
	rt.Go("containers", func(t *kern.Task) {
		pages := s.Objects.PagesPerCache
		for c := range s.Containers {
			m, err := reg.ActivateMemcg(t)
			if err != nil {
				runErr = err
				return
			}
			js := make([]int, s.PerMemcg)
			for k := range js {
				js[k] = (c*s.PerMemcg + k) % len(roots)
				if _, err := reg.Alloc(t, m, roots[js[k]]); err != nil {
					runErr = err
					return
				}
			}
			reg.Quiesce(t) // its caches exist
			for _, j := range js {
				if s.Objects.kind(j, s.RCUShare) == neverFilled {
					continue
				}
				if runErr = reg.Charge(t, m, roots[j], pages); runErr != nil {
					return
				}
			}
			t.Sleep(s.Gap)
			for _, j := range js {
				switch s.Objects.kind(j, s.RCUShare) {
				case longLived:
					kept = append(kept, longLivedObjects{m, roots[j]})
				case rcuFreed:
					runErr = reg.FreeRCU(t, m, roots[j], pages)
				case neverFilled:
				default:
					runErr = reg.Free(t, m, roots[j], pages)
				}
				if runErr != nil {
					return
				}
			}
			sample(t)
			if runErr = reg.RemoveMemcg(t, m); runErr != nil {
				return
			}
		}
		reg.Quiesce(t)
		sample(t)
		// Reclaim frees the long-lived objects.
		t.Sleep(s.Objects.LongLivedLife)
		for _, o := range kept {
			if runErr = reg.Free(t, o.m, o.r, pages); runErr != nil {
				return
			}
		}
		reg.Quiesce(t)
		sample(t)
	})
	if err := errors.Join(rt.Wait(), runErr); err != nil {
		return res, fmt.Errorf("dead caches on %s: %w", d.Name, err)
	}
	snap := reg.Snapshot()
	res.Dead, res.DeadPages, res.Max = snap.Dead, snap.DeadPages, snap.DeadMax
	res.Dying = res.Samples[s.Containers].Dying
	res.DyingLeft = res.Samples[s.Containers+1].Dying
	return res, nil
}

// DyingHolds reports whether a DeadCaches run shows its design's dying
// memcgs (offline, not yet freed) as Roman Gushchin's v5.3 reparenting
// letter measured them on production hosts: with per-memcg caches, a
// memcg whose container left objects behind cannot be freed while they
// live, so the dying memcgs grow with the containers ("almost
// linearly": 39 to 1574 in six days); with the objects reparented
// (v5.9's obj_cgroup, shared is designs.Design.SharedCaches) slab
// objects pin none. His patched hosts (v5.3's series, which moved a
// dying memcg's kmem caches to its parent, a release the model has no
// design of) stayed at about 50, held by page cache, which the model
// has not. So, once the churn has drained: shared, no
// dying memcg; else at least every container that left a long-lived
// object, and at most the containers.
func DyingHolds(shared bool, dying, longLivedContainers, containers int64) bool {
	if shared {
		return dying == 0
	}
	return dying >= longLivedContainers && dying <= containers && longLivedContainers > 0
}

// LongLivedContainers returns how many of the scenario's containers hold
// a long-lived object when they end.
func (s DeadCaches) LongLivedContainers() int {
	_, containers := s.longLived()
	return containers
}

// DeadCachesHold reports whether a DeadCaches run is its design's known
// answer: where dead caches stay, every container leaves at least its
// long-lived caches dead (so the count grows with the containers, without
// bound); where they go, none is left.
func DeadCachesHold(stay bool, res DeadCachesResult, s DeadCaches) bool {
	return DeadLeftHolds(stay, res.Dead, int64(s.LongLivedCaches()))
}

// DeadLeftHolds is DeadCachesHold on the counts: dead caches left, and
// caches that held long-lived objects.
func DeadLeftHolds(stay bool, left, longLived int64) bool {
	if !stay {
		return left == 0
	}
	return left >= longLived && longLived > 0
}

// LongLivedCaches returns how many of the scenario's caches hold
// long-lived objects.
func (s DeadCaches) LongLivedCaches() int {
	caches, _ := s.longLived()
	return caches
}

// longLived counts the scenario's caches that hold long-lived objects,
// and the containers with at least one.
func (s DeadCaches) longLived() (caches, containers int) {
	for c := range s.Containers {
		n := 0
		for k := range s.PerMemcg {
			if s.Objects.kind((c*s.PerMemcg+k)%s.Roots, s.RCUShare) == longLived {
				n++
			}
		}
		caches += n
		if n > 0 {
			containers++
		}
	}
	return caches, containers
}

// setUpKeeping is setUp with the registry keeping keepEmpty empty slabs
// a cache and reaping them reapEmpty after a free (0: never).
func (p Population) setUpKeeping(scenario string, d designs.Design, keepEmpty int, reapEmpty time.Duration) (*scene, error) {
	cfg, err := p.config(scenario)
	if err != nil {
		return nil, err
	}
	cfg.KeepEmpty, cfg.ReapEmpty = keepEmpty, reapEmpty
	return p.setUpWith(scenario, d, cfg, false)
}
