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

// ScenarioLifecycles is the fixed scenario's job: 512 container
// lifecycles, the same on every machine, so that its makespan compares
// machines and designs (estimate: a CI pipeline's or a batch's worth of
// short containers).
const ScenarioLifecycles = 512

// Rates of the real-rate presets, each with its source; "estimate" marks
// the ones no measurement stands behind (the sensitivity of the answer to
// them is the rate sweep's: make report sweeps every open-loop role's rate
// from a tenth of these to past saturation).
var (
	// KubernetesStarts is a busy Kubernetes node's container starts: the
	// kubelet's default --max-pods is 110 pods a node, and a node full of
	// short batch, CronJob and CI pods that live about 20 s (estimate)
	// starts 110/20 = 5.5 a second. Nodes with more CPUs run more pods
	// (providers raise max-pods with node size), so the rate is per CPU:
	// 0.1 a second per CPU, 6.4/s on 64 CPUs (estimate).
	KubernetesStarts = Rate{PerCPU: 0.1, Arrival: Poisson}
	// FaaSStarts is a function-as-a-service or CI host's container
	// starts: Firecracker's authors report up to 150 microVM starts per
	// second on one host (Agache et al., NSDI '20); a container-based host
	// at 1.4 a second per CPU, 90/s on 64 CPUs, is below that ceiling
	// (estimate).
	FaaSStarts = Rate{PerCPU: 1.4, Arrival: Poisson}
	// KubeletScrapes is a per-container monitoring agent reading each
	// memcg's memory.kmem.slabinfo on the kubelet's 10 s housekeeping
	// interval (cAdvisor's per-container housekeeping, with jitter, so
	// Poisson): 0.1 a second per memcg. No agent we know reads this file
	// by default; this is what one that did would cause (estimate).
	KubeletScrapes = Rate{PerMemcg: 0.1, Arrival: Poisson}
	// AgentScrapes is the same agent at cAdvisor's own default
	// --housekeeping_interval of 1 s: 1 a second per memcg.
	AgentScrapes = Rate{PerMemcg: 1, Arrival: Poisson}
	// SlabtopReads is slabtop left running: it reads /proc/slabinfo every
	// 3 s by default (slabtop(1), --delay), on a timer.
	SlabtopReads = Rate{PerSecond: 1.0 / 3, Arrival: Fixed}
	// ModuleLoads is module loads and unloads with caches of their own on
	// a container host: at boot, and later on demand (a container that
	// needs a netfilter, filesystem or protocol module); one every 10 s
	// on a busy host (estimate).
	ModuleLoads = Rate{PerSecond: 0.1, Arrival: Poisson}
)

// Pools of the real-rate presets' open-loop roles: how many events of a
// kind may be in the kernel at once. Each container start is a process of
// its own (runc), so the starts' pool is large enough never to be what
// limits them; a monitoring agent reads one file at a time per thread.
const (
	startPool  = 64
	scrapePool = 4
)

// RealRateWindow is the window of arrivals of the real-rate presets: long
// enough that a 64-CPU host at the Kubernetes rate starts 64 containers.
const RealRateWindow = 10 * time.Second

// RealRateGrain is the virtual clock's grain of the real-rate presets'
// allocators (Spec.BackgroundGrain): one step of allocation per
// millisecond of a CPU. A woken task preempts an allocator in the middle
// of its step (kern.Virtual's wakeup preemption), but a task put back at
// its slice's end waits for a step to end. k8s-node at 64 virtual CPUs,
// seeds 1 to 3, gave the old design's container-start p50 as 13.37 ms at
// 100 µs, 12.85 ms at 1 ms and 15.79 ms at 10 ms, the new design's 12.06
// ms at all three; 1 ms costs a third of 100 µs.
const RealRateGrain = time.Millisecond

// realRate returns the base of the real-rate presets: DefaultSpec with a
// closed-loop allocator on every CPU (the measured role: its accounted
// allocations per second are the throughput figure) and the given
// open-loop roles, over RealRateWindow.
func realRate(open ...Role) Spec {
	s := DefaultSpec
	s.Duration = RealRateWindow
	s.BackgroundGrain = RealRateGrain
	s.Roles = append([]Role{{Name: "alloc", Mix: Mix{OpAlloc: 95, OpCharge: 5}}}, open...)
	return s
}

// presets maps each preset name to a function returning a fresh Spec. The
// real-rate presets load the registry as hosts do: events from outside
// arrive at rates (open loop) while allocation runs on every CPU; the
// stress-* presets are closed loops that run the locks at saturation, a
// bound on the cost, not what a host sees.
var presets = map[string]func() Spec{
	// steady: allocation-dominated, every memcg's caches already exist. The
	// allocation path is lock-free in both designs and charging is atomic,
	// so the two designs should tie: this is the control.
	"steady": func() Spec {
		s := DefaultSpec
		s.Mix = Mix{OpAlloc: 95, OpCharge: 5}
		return s
	},
	// k8s-node: a busy Kubernetes node. Containers start at
	// KubernetesStarts (each activates a memcg, makes the first
	// allocations that create its caches, and removes an old one, whose
	// offline destroys them) while a monitoring agent reads each memcg's
	// slabinfo at KubeletScrapes and every CPU allocates.
	"k8s-node": func() Spec {
		return realRate(
			Role{Name: "start", Workers: startPool, Mix: Mix{OpChurn: 1}, Rate: KubernetesStarts},
			Role{Name: "scrape", Workers: scrapePool, Mix: Mix{OpSlabinfo: 1}, Rate: KubeletScrapes})
	},
	// faas-host: a function-as-a-service or CI host, starting containers
	// at FaaSStarts, with the same monitoring.
	"faas-host": func() Spec {
		return realRate(
			Role{Name: "start", Workers: startPool, Mix: Mix{OpChurn: 1}, Rate: FaaSStarts},
			Role{Name: "scrape", Workers: scrapePool, Mix: Mix{OpSlabinfo: 1}, Rate: KubeletScrapes})
	},
	// monitoring: the Kubernetes node watched closely: every memcg's
	// slabinfo read at AgentScrapes and /proc/slabinfo at SlabtopReads.
	// In the new design every read takes memcg_slab_mutex, as every
	// container start and offline does.
	"monitoring": func() Spec {
		return realRate(
			Role{Name: "scrape", Workers: scrapePool, Mix: Mix{OpSlabinfo: 1}, Rate: AgentScrapes},
			Role{Name: "slabtop", Workers: 1, Mix: Mix{OpProcSlabinfo: 1}, Rate: SlabtopReads},
			Role{Name: "start", Workers: startPool, Mix: Mix{OpChurn: 1}, Rate: KubernetesStarts})
	},
	// module-load: the Kubernetes node loading and unloading modules at
	// ModuleLoads: each unload destroys a root cache with every memcg's
	// child of it, each load creates one whose children the allocators'
	// first allocations create.
	"module-load": func() Spec {
		return realRate(
			Role{Name: "module", Workers: 2, Mix: Mix{OpRootChurn: 1}, Rate: ModuleLoads},
			Role{Name: "start", Workers: startPool, Mix: Mix{OpChurn: 1}, Rate: KubernetesStarts})
	},
	// lifecycles: the fixed scenario: ScenarioLifecycles container
	// lifecycles, whatever the CPUs, back to back on every CPU, each a start (activation and the first allocations that
	// create its caches), LifecycleAllocs allocations and its removal,
	// for a budget of lifecycles; the makespan, with the drain of the
	// offlines and destroys they queued, is the answer. 1000 allocations
	// is an estimate of a short job's (a CI step, a function call); the
	// flag -lifecycle-allocs sets it.
	"lifecycles": func() Spec {
		s := DefaultSpec
		s.Mix = Mix{OpChurn: 1}
		s.LifecycleAllocs = 1000
		s.Duration, s.Ops = 0, ScenarioLifecycles
		return s
	},
	// stress-container-churn: container starts and stops in a closed
	// loop. Each churn activates a memcg, makes the first allocations that
	// create its caches and takes an old memcg offline, which destroys its
	// caches, while the other workers allocate. The old design serializes
	// creates and destroys on slab_mutex; the new one also holds
	// memcg_slab_mutex across them, across offline's shrinks and across the
	// rcu_barrier() of every SLAB_DESTROY_BY_RCU cache it destroys. The
	// churns run the registry at saturation.
	"stress-container-churn": func() Spec {
		s := DefaultSpec
		s.Mix = Mix{OpAlloc: 85, OpCharge: 5, OpChurn: 10}
		return s
	},
	// stress-module-churn: kernel modules with their own caches loaded and
	// unloaded back to back while memcgs live: root caches are destroyed
	// (with every child they have) and created, and allocations from the
	// new roots create children.
	"stress-module-churn": func() Spec {
		s := DefaultSpec
		s.Mix = Mix{OpAlloc: 88, OpCharge: 5, OpRootChurn: 5, OpShrink: 2}
		return s
	},
	// stress-slabinfo-scrape: two readers (the measured role) walking
	// memory.kmem.slabinfo of the memcgs back to back while, in the
	// background, one worker churns containers back to back and the rest
	// allocate. In the new design every reader takes the global
	// memcg_slab_mutex, so readers of different memcgs wait for each other
	// and for every create and offline.
	"stress-slabinfo-scrape": func() Spec {
		s := DefaultSpec
		s.Roles = []Role{
			{Name: "scrape", Workers: 2, Mix: Mix{OpSlabinfo: 100}},
			{Name: "churn", Workers: 1, Mix: Mix{OpChurn: 100}},
			{Name: "alloc", Mix: Mix{OpAlloc: 95, OpCharge: 5}},
		}
		return s
	},
	// stress-mixed: all of the above at once in a closed loop: mostly
	// allocation, some first allocations, container and module churn,
	// slabinfo reads and shrinking, each a share of every worker's
	// operations.
	"stress-mixed": func() Spec {
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
