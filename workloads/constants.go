package workloads

import (
	"math"
	"strconv"
	"time"

	"memcgbench/designs"
	"memcgbench/kern"
)

// A Constant is one number the model's answer depends on that no workload
// chooses: a cost, a size, a property of the kernel or of the machine. Each
// names where its default comes from, so a reader can tell a measurement
// from a citation from a guess, and the range it may take, so a
// sensitivity run can vary it.
type Constant struct {
	// Name is the constant's name in Go (its field) and in reports.
	Name string
	// Unit is "ns" for durations, or what a count counts.
	Unit string
	// Min and Max bound the values Set accepts (Set clamps to them).
	Min, Max float64
	// Low and High are the range the constant may take on real hosts, as
	// its source gives it or, for an estimate, as Source reasons it:
	// the uncertainty run (memcgbench sensitivity) takes it to each end.
	Low, High float64
	// Kind is how the default is sourced: Measured (with the command in
	// Source), Cited (a kernel source line or a published figure) or
	// Estimate.
	Kind SourceKind
	// Source says where the default comes from.
	Source string
	// Get reads the constant from a workload and the virtual machine it
	// runs on; Set writes it, clamped to [Min, Max] (and, for caches per
	// memcg, to the roots there are).
	Get func(s *Spec, v *kern.Virtual) float64
	Set func(s *Spec, v *kern.Virtual, x float64)
}

// SourceKind says how a Constant's default is sourced.
type SourceKind string

// The kinds of source.
const (
	Measured SourceKind = "measured"
	Cited    SourceKind = "cited"
	Estimate SourceKind = "estimate"
)

// Format writes x in the constant's unit: a duration for "ns", "on" or
// "off" for a switch, where in the hosts' range for a position, else the
// number and its unit ("0.15 share"). It writes no '/' or '=', so a
// benchmark name's key can carry it.
func (c Constant) Format(x float64) string {
	switch c.Unit {
	case "ns":
		return time.Duration(math.Round(x)).String()
	case "switch":
		if x >= 0.5 {
			return "on"
		}
		return "off"
	case "kworkers a CPU":
		if x <= 0 {
			return "managed"
		}
	case "position": // HostRates
		switch x {
		case -1:
			return "the hosts' lowest rates"
		case 0:
			return "the presets' rates"
		case 1:
			return "the hosts' highest rates"
		}
		return strconv.FormatFloat(x, 'g', 3, 64) + " of the hosts' range"
	}
	return strconv.FormatFloat(x, 'g', 4, 64) + " " + c.Unit
}

// Default returns the constant's value in DefaultSpec on DefaultVirtual.
func (c Constant) Default() float64 {
	s, v := DefaultSpec, DefaultVirtual(64)
	return c.Get(&s, &v)
}

// DefaultVirtual returns the virtual machine the reports model, with cpus
// CPUs: the default time slice, line transfer and wake-up latency.
func DefaultVirtual(cpus int) kern.Virtual {
	return kern.Virtual{CPUs: cpus, Quantum: kern.DefaultQuantum,
		LineTransfer: kern.DefaultLineTransfer, WakeLatency: kern.DefaultWakeLatency}
}

// durationConstant is a Constant held in a time.Duration.
func durationConstant(name string, kind SourceKind, source string, max, low, high time.Duration,
	field func(s *Spec, v *kern.Virtual) *time.Duration) Constant {
	return Constant{Name: name, Unit: "ns", Min: 0, Max: float64(max), Low: float64(low), High: float64(high), Kind: kind, Source: source,
		Get: func(s *Spec, v *kern.Virtual) float64 { return float64(*field(s, v)) },
		Set: func(s *Spec, v *kern.Virtual, x float64) {
			*field(s, v) = time.Duration(math.Round(clamp(x, 0, float64(max))))
		},
	}
}

func clamp(x, lo, hi float64) float64 { return math.Min(math.Max(x, lo), hi) }

// Constants returns every constant of the model, in the order the docs
// list them. The costs are designs.Costs; the sizes are Spec's; the
// machine's are kern.Virtual's.
func Constants() []Constant {
	cost := func(name string, kind SourceKind, source string, low, high time.Duration, f func(c *designs.Costs) *time.Duration) Constant {
		return durationConstant("Costs."+name, kind, source, designs.MaxCost, low, high,
			func(s *Spec, _ *kern.Virtual) *time.Duration { return f(&s.Costs) })
	}
	const ns, us, ms = time.Nanosecond, time.Microsecond, time.Millisecond
	return []Constant{
		cost("Create", Estimate, "creating a cache under slab_mutex: kmem_cache_open (per-node structures, alloc_percpu of the CPU slabs, which may populate a percpu chunk), the memcg params, the name (its sysfs directory is Costs.Sysfs); no published timing found: 30 µs to 1 ms", 30*us, ms,
			func(c *designs.Costs) *time.Duration { return &c.Create }),
		cost("Shutdown", Estimate, "__kmem_cache_shutdown under slab_mutex: flush_all, free_partial per node, free the per-CPU and per-node structures: 10 to 300 µs", 10*us, 300*us,
			func(c *designs.Costs) *time.Duration { return &c.Shutdown }),
		cost("Release", Estimate, "after slab_mutex and the rcu_barrier(): three frees, memcg_free_cache_params, kfree of the name and kmem_cache_free of the cache (3.16's kmem_cache_destroy; slab_kmem_cache_release from v4.0; sysfs_slab_remove is Costs.Sysfs): 0.3 to 10 µs", 300*ns, 10*us,
			func(c *designs.Costs) *time.Duration { return &c.Release }),
		cost("Sysfs", Estimate, "making or removing one kernfs directory under the global kernfs_mutex: a cache's SLUB sysfs directory of 31 to 57 attributes (sysfs_slab_add, sysfs_slab_remove; per-memcg caches to v4.10, roots always) or a cgroup's (mkdir, rmdir), each node about a microsecond, with the KOBJ_ADD/REMOVE uevent: 10 µs to 0.5 ms", 10*us, 500*us,
			func(c *designs.Costs) *time.Duration { return &c.Sysfs }),
		cost("GracePeriod", Estimate, "rcu_barrier() in kmem_cache_destroy for SLAB_DESTROY_BY_RCU caches: at least one RCU grace period, a few jiffies (4 ms at HZ=250); netns teardown spent ~45 of ~50 ms per create/delete pair in such barriers (Eric Dumazet, \"net: speedup netns create/delete time\"); estimate: 1 ms (HZ=1000, idle CPUs) to 30 ms (a busy many-CPU host)", ms, 30*ms,
			func(c *designs.Costs) *time.Duration { return &c.GracePeriod }),
		{Name: "RCUShare", Unit: "share", Min: 0, Max: 1, Low: 0.05, High: 0.3, Kind: Cited,
			Source: "SLAB_DESTROY_BY_RCU caches in 3.16: anon_vma (mm/rmap.c anon_vma_init), sighand_cache (kernel/fork.c proc_caches_init), TCP, TCPv6, UDP, UDPv6 (their protos' slab_flags): 6 of a working set of about 40; estimate: 2 of 40 (a container with no sockets) to 6 of 20",
			Get:    func(s *Spec, _ *kern.Virtual) float64 { return s.RCUShare },
			Set:    func(s *Spec, _ *kern.Virtual, x float64) { s.RCUShare = clamp(x, 0, 1) }},
		cost("Shrink", Estimate, "__kmem_cache_shrink's fixed part: a kmalloc'd list array and the per-node partial-list sort under n->list_lock: 5 to 100 µs", 5*us, 100*us,
			func(c *designs.Costs) *time.Duration { return &c.Shrink }),
		cost("ShrinkIPI", Estimate, "flush_all's on_each_cpu_cond(has_cpu_slab, flush_cpu_slab, s, 1): smp_call_function_many sends the IPIs at once and waits for the flushes, which run in parallel: one cross-CPU call's round trip, 1 to 5 µs on bare x86, up to 20 µs in a VM (each IPI exits to the hypervisor)", us, 20*us,
			func(c *designs.Costs) *time.Duration { return &c.ShrinkIPI }),
		cost("ShrinkPerCPU", Estimate, "flush_all's sender, per CPU that holds a slab of the cache (has_cpu_slab: its cpu slab or cpu partial list): queueing the call and the IPI's send, 0.1 to 1 µs", 100*ns, us,
			func(c *designs.Costs) *time.Duration { return &c.ShrinkPerCPU }),
		cost("ShrinkPoll", Estimate, "flush_all's on_each_cpu_cond tests has_cpu_slab on every online CPU to build the IPI mask (for_each_online_cpu in kernel/smp.c, 3.15 to v5.9): a read of that CPU's kmem_cache_cpu, a cache line another CPU writes: 5 to 100 ns", 5*ns, 100*ns,
			func(c *designs.Costs) *time.Duration { return &c.ShrinkPoll }),
		cost("Miss", Estimate, "memcg_kmem_get_cache's miss: css_tryget, kmalloc(GFP_NOWAIT) of the work item, schedule_work on system_wq: 0.3 to 5 µs", 300*ns, 5*us,
			func(c *designs.Costs) *time.Duration { return &c.Miss }),
		cost("Reparent", Estimate, "mem_cgroup_reparent_charges in 3.15 and 3.16's css_offline, under cgroup_mutex: a container's LRU pages moved to the parent, with lru_add_drain_all() (work on every CPU, flushed) between passes: 0.1 to 10 ms", 100*us, 10*ms,
			func(c *designs.Costs) *time.Duration { return &c.Reparent }),
		cost("ListLRUs", Estimate, "one pass over every memcg-aware list_lru under list_lrus_mutex (v4.0 on): memcg_drain_all_list_lrus at offline, each node's lists spliced under its lock, or memcg_update_all_list_lrus at array growth; two list_lrus a mounted superblock (dentries, inodes) and the workingset's shadow nodes, a few hundred on a container host, each a few cache misses: 2 µs to 1 ms", 2*us, ms,
			func(c *designs.Costs) *time.Duration { return &c.ListLRUs }),
		cost("GrowPerRoot", Estimate, "memcg_update_cache_size: allocate, copy and publish one root's per-memcg array (a few hundred pointers): 0.5 to 20 µs", 500*ns, 20*us,
			func(c *designs.Costs) *time.Duration { return &c.GrowPerRoot }),
		cost("SlabinfoPerCache", Estimate, "printing one cache's line of memory.kmem.slabinfo (s_show: walking its nodes' partial lists): 0.3 to 10 µs", 300*ns, 10*us,
			func(c *designs.Costs) *time.Duration { return &c.SlabinfoPerCache }),
		cost("SlabinfoPerChild", Estimate, "get_slabinfo of one child cache that /proc/slabinfo sums into its root's line (memcg_accumulate_slabinfo): per node the counters' line and count_partial's walk of the partial list under list_lock; a dead cache holds a slab or two, so three or four cache misses: 0.1 to 1 µs", 100*ns, us,
			func(c *designs.Costs) *time.Duration { return &c.SlabinfoPerChild }),
		cost("SlabinfoPerSlot", Estimate, "one slot of a root's per-memcg array that 3.15 and 3.16's /proc/slabinfo visits to sum the root's children (for_each_memcg_cache_index to memcg_limited_groups_array_size): a sequential pointer load, eight slots to a cache line: 1 to 5 ns", ns, 5*ns,
			func(c *designs.Costs) *time.Duration { return &c.SlabinfoPerSlot }),
		cost("WalkPerCache", Estimate, "stepping over one struct kmem_cache of a list walked under slab_mutex (list_for_each_entry and an is_root_cache or memcg test): one dependent load, about a last-level-cache miss on a long cold list: 10 to 100 ns", 10*ns, 100*ns,
			func(c *designs.Costs) *time.Duration { return &c.WalkPerCache }),
		{Name: "Objects.PagesPerCache", Unit: "pages", Min: 0, Max: MaxPagesPerCache, Low: 1, High: 64, Kind: Estimate,
			Source: "slab pages a container's objects hold in each cache it uses: a CPU slab on each of the few CPUs it ran on and a partial slab or two (1 to 64)",
			Get:    func(s *Spec, _ *kern.Virtual) float64 { return float64(s.Objects.PagesPerCache) },
			Set: func(s *Spec, _ *kern.Virtual, x float64) {
				s.Objects.PagesPerCache = int(math.Round(clamp(x, 0, MaxPagesPerCache)))
			}},
		{Name: "Objects.EmptyShare", Unit: "share", Min: 0, Max: 1, Low: 0, High: 0.5, Kind: Estimate,
			Source: "caches a container makes and never fills: the miss that creates one goes to the root cache (memcg_kmem_get_cache) and SLUB gives a new cache no slab, so a cache used only at start-up holds no page at offline; 0 to a half",
			Get:    func(s *Spec, _ *kern.Virtual) float64 { return s.Objects.EmptyShare },
			Set: func(s *Spec, _ *kern.Virtual, x float64) {
				s.Objects.EmptyShare = clamp(x, 0, 1-s.Objects.LongLivedShare-s.Objects.RCUFreedShare)
			}},
		{Name: "Objects.LongLivedShare", Unit: "share", Min: 0, Max: 1, Low: 0.1, High: 0.5, Kind: Estimate,
			Source: "caches whose objects outlive the container: the dentry and inode caches of its filesystems, radix_tree_node, buffer_head; about 10 of 40, from 4 (a container that writes no file) to 20",
			Get:    func(s *Spec, _ *kern.Virtual) float64 { return s.Objects.LongLivedShare },
			Set: func(s *Spec, _ *kern.Virtual, x float64) {
				s.Objects.LongLivedShare = clamp(x, 0, 1-s.Objects.EmptyShare-s.Objects.RCUFreedShare)
			}},
		durationConstant("Objects.LongLivedLife", Estimate, "how long a dead container's dentries and inodes live until reclaim frees them: 0 keeps them past the run, as a host without memory pressure does (seconds under pressure to days without): 0 to 10 s",
			MaxDuration, 0, 10*time.Second, func(s *Spec, _ *kern.Virtual) *time.Duration { return &s.Objects.LongLivedLife }),
		{Name: "Objects.RCUFreedShare", Unit: "share", Min: 0, Max: 1, Low: 0.05, High: 0.2, Kind: Estimate,
			Source: "caches whose objects are freed by RCU a grace period after kfree (file_free_rcu for filp, put_cred_rcu, delayed_put_pid, delayed_put_task_struct): about 4 of 40, from 2 to 8",
			Get:    func(s *Spec, _ *kern.Virtual) float64 { return s.Objects.RCUFreedShare },
			Set: func(s *Spec, _ *kern.Virtual, x float64) {
				s.Objects.RCUFreedShare = clamp(x, 0, 1-s.Objects.EmptyShare-s.Objects.LongLivedShare)
			}},
		{Name: "KeepEmpty", Unit: "slabs", Min: 0, Max: designs.MaxKeepEmpty, Low: 5, High: 10, Kind: Cited,
			Source: "SLUB's min_partial for objects up to 2 KiB: set_min_partial(s, ilog2(s->size) / 2) clamped to MIN_PARTIAL 5 and MAX_PARTIAL 10 (mm/slub.c); __slab_free frees an empty slab only while the node has more partial slabs (3.15, 3.16); SLAB keeps every free slab until cache_reap (1000 with ReapEmpty 4s)",
			Get:    func(s *Spec, _ *kern.Virtual) float64 { return float64(s.KeepEmpty) },
			Set: func(s *Spec, _ *kern.Virtual, x float64) {
				s.KeepEmpty = int(math.Round(clamp(x, 0, designs.MaxKeepEmpty)))
			}},
		durationConstant("ReapEmpty", Cited, "0: SLUB, which never frees an idle cache's kept empty slabs (d6e0b7fa1186: \"The issue is only relevant to SLUB, because SLAB periodically reaps empty slabs\"); SLAB's cache_reap passes every REAPTIMEOUT_AC (2 s) and a node's free slabs every REAPTIMEOUT_NODE (4 s), mm/slab.c: 0 to 4 s",
			designs.MaxReap, 0, 4*time.Second, func(s *Spec, _ *kern.Virtual) *time.Duration { return &s.ReapEmpty }),
		{Name: "ContainerCPUs", Unit: "CPUs", Min: 1, Max: designs.MaxCPUs, Low: 1, High: 64, Kind: Estimate,
			Source: "CPUs a container's tasks allocate on over its life, which hold a slab of its caches and get a shrink's IPIs (has_cpu_slab): a few of a many-CPU host (1 to every CPU of a 64-CPU host)",
			Get:    func(s *Spec, _ *kern.Virtual) float64 { return float64(s.ContainerCPUs) },
			Set: func(s *Spec, _ *kern.Virtual, x float64) {
				s.ContainerCPUs = int(math.Round(clamp(x, 1, designs.MaxCPUs)))
			}},
		{Name: "CachesPerMemcg", Unit: "caches", Min: 1, Max: MaxRoots, Low: 10, High: 80, Kind: Estimate,
			Source: "tens of caches per container: in 3.16 every slab allocation of a kmem-limited memcg was accounted (__GFP_ACCOUNT opt-in came in 4.5): 10 to 80",
			Get:    func(s *Spec, _ *kern.Virtual) float64 { return float64(s.CachesPerMemcg) },
			Set: func(s *Spec, _ *kern.Virtual, x float64) {
				s.CachesPerMemcg = int(math.Round(clamp(x, 1, float64(s.Roots))))
			}},
		{Name: "Roots", Unit: "caches", Min: 1, Max: MaxRoots, Low: 86, High: 200, Kind: Cited,
			Source: "/proc/slabinfo of a CentOS 7 host (3.10): \"Active / Total Caches (% used) : 86 / 116\" (moby/moby#37722); estimate: 86 (the active ones) to 200 (a host with more modules loaded)",
			Get:    func(s *Spec, _ *kern.Virtual) float64 { return float64(s.Roots) },
			Set: func(s *Spec, _ *kern.Virtual, x float64) {
				s.Roots = int(math.Round(clamp(x, 1, MaxRoots)))
				s.CachesPerMemcg = min(s.CachesPerMemcg, s.Roots)
			}},
		{Name: "Memcgs", Unit: "memcgs", Min: 1, Max: designs.MaxMemcgs, Low: 16, High: 512, Kind: Estimate,
			Source: "active kmem-accounted memcgs of a container host: tens to hundreds (kernel-model.md): 16 to 512",
			Get:    func(s *Spec, _ *kern.Virtual) float64 { return float64(s.Memcgs) },
			Set: func(s *Spec, _ *kern.Virtual, x float64) {
				s.Memcgs = int(math.Round(clamp(x, 1, designs.MaxMemcgs)))
			}},
		{Name: "KworkersPerCPU", Unit: "kworkers a CPU", Min: 0, Max: 64, Low: 0.25, High: 4, Kind: Cited,
			Source: "system_wq's concurrency management (Documentation/workqueue.txt) keeps one running kworker per CPU and starts another when the running ones sleep, up to max_active (256 a CPU): the default, 0 (managed), models it; the uncertainty run puts a fixed pool of 1/4 to 4 a CPU in its place, a bound on what concurrency management changes",
			Get:    func(s *Spec, v *kern.Virtual) float64 { return float64(s.Kworkers) / float64(max(v.CPUs, 1)) },
			Set: func(s *Spec, v *kern.Virtual, x float64) {
				if x <= 0 {
					s.Kworkers = 0 // managed
					return
				}
				s.Kworkers = int(math.Round(clamp(x*float64(max(v.CPUs, 1)), 1, MaxKworkers)))
			}},
		{Name: "HostRates", Unit: "position", Min: -1, Max: 1, Low: -1, High: 1, Kind: Estimate,
			Source: "every real-rate role's rate (container starts, module loads, slabinfo reads from inside a container) moved together " +
				"through the range its HostRate gives, on a log scale: -1 each at the lowest rate hosts see (a reader at 0 is off), " +
				"0 the preset's rate, 1 each at the highest",
			Get: func(s *Spec, _ *kern.Virtual) float64 { return hostPosition(s) },
			Set: func(s *Spec, _ *kern.Virtual, x float64) { s.SetHostRates(x) }},
		{Name: "ActivateAtOnline", Unit: "switch", Min: 0, Max: 1, Low: 0, High: 1, Kind: Estimate,
			Source: "where a new memcg's kmem accounting is activated in 3.15 to v4.5: 0, the runtime's write of memory.kmem.limit_in_bytes " +
				"after mkdir, holding no cgroup_mutex (memcg_update_kmem_limit; libcontainer, runc's EnableKernelMemoryAccounting); " +
				"1, inside the mkdir under a kmem-active parent, css_online's memcg_propagate_kmem under cgroup_mutex; " +
				"which one hosts ran depends on their runtime and hierarchy",
			Get: func(s *Spec, _ *kern.Virtual) float64 {
				if s.ActivateAtOnline {
					return 1
				}
				return 0
			},
			Set: func(s *Spec, _ *kern.Virtual, x float64) { s.ActivateAtOnline = x >= 0.5 }},
		durationConstant("WakeLatency", Measured, "go test -run '^$' -bench Wakeup -count 6 ./kern on the 2-CPU AMD EPYC VM: median 3.1 µs from waking a parked thread to its running on the other CPU; estimate for hosts: 1 µs (bare metal, shallow idle) to 50 µs (a deep C-state's exit)",
			kern.MaxWakeLatency, us, 50*us, func(_ *Spec, v *kern.Virtual) *time.Duration { return &v.WakeLatency }),
		durationConstant("LineTransfer", Estimate, "a contended lock's cache line moving between cores: tens of ns within a socket, about 100 ns across sockets on x86 servers: 20 to 300 ns",
			time.Millisecond, 20*ns, 300*ns, func(_ *Spec, v *kern.Virtual) *time.Duration { return &v.LineTransfer }),
		durationConstant("Quantum", Cited, "Go's forced preemption period (10 ms, runtime/proc.go forcePreemptNS); CFS slices on many-CPU hosts are 3 to 24 ms",
			time.Second, 3*ms, 24*ms, func(_ *Spec, v *kern.Virtual) *time.Duration { return &v.Quantum }),
		durationConstant("OpCost", Measured, "an allocation hit through the driver on the 2-CPU AMD EPYC VM, with DefaultSpec's 116 roots and 40 caches per memcg: 22.4 to 23.6 ns (go test -run '^$' -bench 'HarnessOverhead/op=alloc-hit' -count 5 ./bench, impl=driver); the harness's own cost, which issue 11 is to cut: 20 to 30 ns",
			MaxOpCost, 20*ns, 30*ns, func(s *Spec, _ *kern.Virtual) *time.Duration { return &s.OpCost }),
		durationConstant("ChurnPoll", Estimate, "a starting container's own work between two rounds of first allocations: 5 to 100 µs",
			MaxChurnPoll, 5*us, 100*us, func(s *Spec, _ *kern.Virtual) *time.Duration { return &s.ChurnPoll }),
	}
}

// SetHostRates puts every real-rate role of s (one with a Host) at
// position x of its hosts' range (HostRate.At), x clamped to -1 to 1.
func (s *Spec) SetHostRates(x float64) {
	x = clamp(x, -1, 1)
	for i := range s.Roles {
		if h := s.Roles[i].Host; h != nil {
			s.Roles[i].Rate.PerSecond = h.At(x)
		}
	}
}

// hostPosition is where s's first real-rate role sits in its hosts'
// range (HostRate.Position); 0 where s has none.
func hostPosition(s *Spec) float64 {
	for _, r := range s.Roles {
		if r.Host != nil {
			return r.Host.Position(r.Rate.PerSecond)
		}
	}
	return 0
}
