package workloads

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"memcgbench/designs"
)

// CalibrateHold is the critical section of the calibrate preset: the only
// work its operations do, under one lock each.
const CalibrateHold = 20 * time.Microsecond

// presets maps each preset name to a function returning a fresh Spec.
var presets = map[string]func() Spec{
	// steady: allocation-dominated, every memcg's caches already exist. The
	// allocation path is lock-free in both designs and charging is atomic,
	// so the two designs should tie: this is the control.
	"steady": func() Spec {
		s := DefaultSpec
		s.Mix = Mix{OpAlloc: 95, OpCharge: 5}
		return s
	},
	// container-churn: a container host starting and stopping containers.
	// Each churn activates a memcg, makes the first allocations that create
	// its caches and takes an old memcg offline, which destroys its caches,
	// while the other workers allocate. The old design serializes creates and
	// destroys on slab_mutex; the new one also holds memcg_slab_mutex across
	// them, across offline's shrinks and across the rcu_barrier() of every
	// SLAB_DESTROY_BY_RCU cache it destroys. A closed loop: a stress preset,
	// whose container starts run the registry at saturation.
	"container-churn": func() Spec {
		s := DefaultSpec
		s.Mix = Mix{OpAlloc: 85, OpCharge: 5, OpChurn: 10}
		return s
	},
	// module-churn: kernel modules with their own caches loaded and unloaded
	// while memcgs live: root caches are destroyed (with every child they
	// have) and created, and allocations from the new roots create children.
	"module-churn": func() Spec {
		s := DefaultSpec
		s.Mix = Mix{OpAlloc: 88, OpCharge: 5, OpRootChurn: 5, OpShrink: 2}
		return s
	},
	// slabinfo-scrape: monitoring agents (two readers, the measured role)
	// walking memory.kmem.slabinfo of every memcg while, in the background,
	// one worker churns containers and the rest allocate. In the new design
	// every reader takes the global memcg_slab_mutex, so readers of
	// different memcgs wait for each other and for every create and offline:
	// where the global mutex should show.
	"slabinfo-scrape": func() Spec {
		s := DefaultSpec
		s.Roles = []Role{
			{Name: "scrape", Workers: 2, Mix: Mix{OpSlabinfo: 100}},
			{Name: "churn", Workers: 1, Mix: Mix{OpChurn: 100}},
			{Name: "alloc", Mix: Mix{OpAlloc: 95, OpCharge: 5}},
		}
		return s
	},
	// mixed: all of the above at once, at rates a busy container host might
	// see: mostly allocation, some first allocations, container and module
	// churn, slabinfo reads by monitoring, and shrinking under pressure.
	"mixed": func() Spec {
		s := DefaultSpec
		s.Mix = Mix{OpAlloc: 80, OpMiss: 3, OpCharge: 5, OpChurn: 3, OpRootChurn: 1,
			OpSlabinfo: 5, OpProcSlabinfo: 1, OpShrink: 2}
		return s
	},
	// calibrate: the known-answer workload. Every memcg has exactly one
	// cache and the only work is reading memory.kmem.slabinfo, which holds
	// one lock for CalibrateHold: the global memcg_slab_mutex in the new
	// design (throughput limit 1/H) and the memcg's own mutex in the old
	// (min(P, M, C)/H on P workers, M memcgs and C CPUs). Workers read
	// disjoint memcgs, so the old design's locks never collide.
	"calibrate": func() Spec {
		s := DefaultSpec
		s.Roots = 16
		s.CachesPerMemcg = 1
		s.Mix = Mix{OpSlabinfo: 100}
		s.Costs = designs.Costs{SlabinfoPerCache: CalibrateHold}
		s.Kworkers = 1
		s.Partition = true // no two workers share a memcg's lock
		s.OpCost = 0       // the critical section is the only work
		return s
	},
}

// PresetNames returns the preset names, sorted.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Preset returns the named preset's Spec. An unknown name is an error
// listing the valid ones.
func Preset(name string) (Spec, error) {
	p, ok := presets[name]
	if !ok {
		return Spec{}, fmt.Errorf("%w: unknown preset %q; valid presets are %s",
			ErrSpec, name, strings.Join(PresetNames(), ", "))
	}
	s := p()
	s.Name = name
	return s, nil
}
