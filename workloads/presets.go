package workloads

import (
	"fmt"
	"math"
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

// A HostRate is how often a kind of event happens on one real host: the
// rate the presets use, the range of rates hosts see, and where both come
// from. A rate is per host, whatever its CPUs, unless its source says
// otherwise.
type HostRate struct {
	Rate Rate
	// Low and High are the range hosts see, in events per second.
	Low, High float64
	// Kind says whether a figure stands behind the rate or it is an
	// estimate; Source gives the figure or the reasoning.
	Kind   SourceKind
	Source string
}

// At is the rate at position x of the hosts' range, -1 to 1, on a log
// scale: Low at -1 (or, where Low is 0, a straight line down to it), the
// preset's Rate at 0, High at 1.
func (h *HostRate) At(x float64) float64 {
	r := h.Rate.PerSecond
	switch {
	case x > 0:
		return r * math.Pow(h.High/r, x)
	case x < 0 && h.Low <= 0:
		return r * (1 + x)
	case x < 0:
		return r * math.Pow(h.Low/r, -x)
	}
	return r
}

// Position is At's inverse: where rate sits in the hosts' range, clamped
// to -1 to 1.
func (h *HostRate) Position(rate float64) float64 {
	r := h.Rate.PerSecond
	var x float64
	switch {
	case rate > r && h.High > r:
		x = math.Log(rate/r) / math.Log(h.High/r)
	case rate < r && h.Low <= 0:
		x = rate/r - 1
	case rate < r && h.Low < r:
		x = -math.Log(rate/r) / math.Log(h.Low/r)
	}
	return clamp(x, -1, 1)
}

// Rates of the real-rate presets, per host, each with its source and
// range. The rate sweep (make report) runs every open-loop role from a
// tenth of its rate to past saturation, and the report draws each range
// against the designs' knees.
var (
	// KubernetesStarts is a busy Kubernetes node's pod starts.
	KubernetesStarts = HostRate{Rate: Rate{PerSecond: 0.5, Arrival: Poisson}, Low: 0.03, High: 5.5, Kind: Estimate,
		Source: "the kubelet's default --max-pods is 110 pods a node, whatever its CPUs; a node kept full of pods that live 4 minutes " +
			"on average (batch, CronJob and CI pods among services) starts 110/220 s = 0.5 a second; 110 pods living an hour " +
			"start 0.03/s, 110 living 20 s 5.5/s"}
	// FaaSStarts is a function-as-a-service or CI host's sandbox starts,
	// each in a cgroup of its own.
	FaaSStarts = HostRate{Rate: Rate{PerSecond: 10, Arrival: Poisson}, Low: 1, High: 150, Kind: Estimate,
		Source: "Firecracker's authors report up to 150 microVM creations a second on one host (Agache et al., NSDI '20), " +
			"each microVM in a cgroup of its jailer's: the ceiling; a host kept at a fifteenth of it starts 10 a second; " +
			"a CI host running jobs of a few minutes on each of its CPUs, about 1"}
	// InsideSlabinfoReads is a container's own /proc/slabinfo read from
	// inside it, which a /proc virtualizer serves from the container's
	// memcg: the reader a real host runs.
	InsideSlabinfoReads = HostRate{Rate: Rate{PerSecond: 1.0 / 3, Arrival: Poisson}, Low: 0, High: 10.0 / 3, Kind: Estimate,
		Source: "LXCFS serves a container's /proc/slabinfo from its cgroup's memory.kmem.slabinfo (proc_slabinfo_read, " +
			"src/proc_fuse.c; Sysbox does the same); slabtop(1) run in one container reads it every 3 s by default: " +
			"1/3 a second with one such reader on the host, none without, 10/3 with ten"}
	// ModuleLoads is module loads and unloads with caches of their own on
	// a container host.
	ModuleLoads = HostRate{Rate: Rate{PerSecond: 0.01, Arrival: Poisson}, Low: 0.001, High: 0.1, Kind: Estimate,
		Source: "modules load at boot and when a container first needs a netfilter, filesystem or protocol module; " +
			"unloads are rarer still (most hosts never unload): one every 100 s on a busy host, one every 1000 s to " +
			"one every 10 s"}
)

// What-if rates: readers that no real program is known to run, for a
// "what if" preset outside the claim.
var (
	// AgentScrapes is a monitoring agent reading every memcg's
	// memory.kmem.slabinfo at cAdvisor's default --housekeeping_interval
	// of 1 s. cAdvisor and the kubelet read memory.stat and the usage
	// files, and node_exporter's slabinfo collector (off by default)
	// reads /proc/slabinfo: no agent known reads this file.
	AgentScrapes = Rate{PerMemcg: 1, Arrival: Poisson}
	// SlabtopReads is slabtop left running on the host: /proc/slabinfo
	// every 3 s (slabtop(1), --delay), on a timer.
	SlabtopReads = Rate{PerSecond: 1.0 / 3, Arrival: Fixed}
)

// Pools of the real-rate presets' open-loop roles: how many events of a
// kind may be in the kernel at once. Each container start is a process of
// its own (runc), so the starts' pool is large enough never to be what
// limits them; a reader reads one file at a time per thread.
const (
	startPool    = 64
	scrapePool   = 4
	slabinfoPool = 4
)

// RealRateWindow is the window of arrivals of the real-rate presets: a
// Kubernetes node starts 5 pods in it at KubernetesStarts, a FaaS host
// 100.
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

// hostRole is an open-loop role whose events come at a host's rate h,
// which it keeps as its source and range (Role.Host) while -rate may
// replace its Rate.
func hostRole(name string, workers int, mix Mix, h *HostRate) Role {
	return Role{Name: name, Workers: workers, Mix: mix, Rate: h.Rate, Host: h}
}

// starts is the container starts of the real-rate presets at h.
func starts(h *HostRate) Role { return hostRole("start", startPool, Mix{OpChurn: 1}, h) }

// insideReads is the reads of a container's /proc/slabinfo from inside it
// (InsideSlabinfoReads).
func insideReads() Role {
	return hostRole("slabinfo", slabinfoPool, Mix{OpSlabinfo: 1}, &InsideSlabinfoReads)
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
	// k8s-node: a busy Kubernetes node. Pods start at KubernetesStarts
	// (each activates a memcg, makes the first allocations that create
	// its caches, and removes an old one, whose offline destroys them)
	// while a container's /proc/slabinfo is read from inside it at
	// InsideSlabinfoReads and every CPU allocates.
	"k8s-node": func() Spec {
		return realRate(
			starts(&KubernetesStarts),
			insideReads())
	},
	// faas-host: a function-as-a-service or CI host, starting sandboxes
	// at FaaSStarts, with the same reads from inside.
	"faas-host": func() Spec {
		return realRate(
			starts(&FaaSStarts),
			insideReads())
	},
	// whatif-slabinfo-agent: what if an agent read every memcg's
	// memory.kmem.slabinfo every second (AgentScrapes; none is known to)
	// and slabtop ran on the host, on the Kubernetes node. In the new
	// design every read takes memcg_slab_mutex, as every container start
	// and offline does. Outside the claim (Spec.WhatIf).
	"whatif-slabinfo-agent": func() Spec {
		s := realRate(
			Role{Name: "scrape", Workers: scrapePool, Mix: Mix{OpSlabinfo: 1}, Rate: AgentScrapes},
			Role{Name: "slabtop", Workers: 1, Mix: Mix{OpProcSlabinfo: 1}, Rate: SlabtopReads},
			starts(&KubernetesStarts))
		s.WhatIf = "no agent is known to read memory.kmem.slabinfo of every memcg; cAdvisor and the kubelet read memory.stat and the usage files"
		return s
	},
	// module-load: the Kubernetes node loading and unloading modules at
	// ModuleLoads: each unload destroys a root cache with every memcg's
	// child of it, each load creates one whose children the allocators'
	// first allocations create.
	"module-load": func() Spec {
		return realRate(
			hostRole("module", 2, Mix{OpRootChurn: 1}, &ModuleLoads),
			starts(&KubernetesStarts))
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
