package designs

import "memcgbench/kern"

// A Design is one kernel state of the registry as every consumer sees it:
// its name, what it models, how to build it, and what the conformance suite
// and the known-answer workloads must know of it. Each design package
// exports one (old.Design, new.Design); package designs/catalog lists them.
type Design struct {
	// Name is how the CLI, the results and the report call it: short,
	// one word, e.g. "old".
	Name string
	// Kernel is the kernel state it models, e.g. "v3.15" or "v3.16,
	// bd67314586".
	Kernel string
	// Summary says in one line how it synchronizes.
	Summary string
	// Why says why the kernel made the change the design models: the
	// problem someone measured, and where it was reported.
	Why string
	// Mutex is the kernel mutex of the design's kernel, which the
	// workloads run it on unless told otherwise: kern.KernelMutex to v4.9,
	// kern.HandoffKernelMutex (9d659ae14b54: the lock handed to the
	// first waiter once it has woken and found the lock taken) from v4.10
	// on.
	Mutex kern.MutexKind
	// New returns an empty registry on rt.
	New func(rt *kern.Runtime, cfg Config) (Registry, error)
	// SlabinfoReaders is how many memory.kmem.slabinfo reads can hold
	// their lock at once with workers readers of memcgs memcgs (each
	// reader its own memcg) on cpus CPUs: the calibrate workload's known
	// answer is that many reads per critical section. Nil where the
	// read takes no lock and has no answer (SharedCaches).
	SlabinfoReaders func(workers, memcgs, cpus int) int
	// DestroyGrowth is the known shape of mass cgroup destruction (the
	// workloads.MassDestroy scenario): the exponent k of its time against
	// the number of memcgs removed at once, each with the same caches. 1
	// where a memcg's caches are on a list of its own; 2 where each memcg's
	// destroy walks every cache of the system (v4.0 to v4.10). A time of a
	// x N + b x N^2 shows 2 only once N is large; the known-answer check
	// measures the part beyond linear (workloads.Superlinear), which grows
	// as N^2 at any N. Where the memcgs have no caches to destroy
	// (SharedCaches) it is 1 too: each rmdir removes its cgroup's kernfs
	// directory (Costs.Sysfs). 0 would be a time that does not grow.
	DestroyGrowth float64
	// CreateStalls is the known answer of mass cgroup creation (the
	// workloads.MassCreate scenario): whether a burst of cache creations
	// beyond system_wq's max_active stalls unrelated system work. True
	// where creations go to system_wq and each holds slab_mutex (to v4.9);
	// false where they go to a workqueue of their own (v4.10 on).
	CreateStalls bool
	// SlabinfoSeeksChildren is the known answer of /proc/slabinfo against
	// dead caches (the workloads.DeadSlabinfo scenario): whether each
	// read() of it seeks along slab_caches, every child cache on it, dead
	// ones included (to v4.10), so that each dead cache costs a list step
	// per read; false where the reads walk slab_root_caches (v4.11 on,
	// 510ded33e075) and a dead cache costs only its sum into its root's
	// line, or where there are no child caches.
	SlabinfoSeeksChildren bool
	// DeadCachesStay is the known answer of dead caches under container
	// churn (the workloads.DeadCaches scenario): whether a cache left dead
	// at offline, its objects freed later, stays until its root is
	// destroyed, given whether the allocator ever frees an idle cache's
	// kept empty slabs (reaps: SLAB's cache_reap; SLUB never does). 3.16:
	// always (nothing destroys a dead cache at its last page); 3.15: under
	// SLUB, whose kept empty slabs hold its pages above 0, so
	// memcg_release_pages never queues its destroy; v4.0 on: never
	// (d6e0b7fa1186 lets a dead cache's pages reach 0, and css_free
	// destroys it). Nil: never.
	DeadCachesStay func(reaps bool) bool
	// DeferredDestroy says that OfflineMemcg only queues destroy work,
	// which decides on a cache's pages when it runs; otherwise offline
	// decides and destroys at once. The conformance suite's reference model
	// follows it.
	DeferredDestroy bool
	// DeactivateOnOffline says that offline only empties a memcg's slots
	// and shrinks its caches, which stay, dead, on the global list and the
	// memcg's list until the memcg is freed: at offline if they hold no
	// pages, else at the uncharge of the last one (css_free). Otherwise
	// offline destroys the caches that hold no pages and the others stay
	// in their slots. The conformance suite's reference model follows it.
	DeactivateOnOffline bool
	// DiscardDead says that a dead cache keeps no empty slab: from v4.0
	// (d6e0b7fa1186, "slub: make dead caches discard free slabs
	// immediately") offline's shrink sets the cache's min_partial and
	// cpu_partial to 0, so the last free of each slab frees it and the
	// cache's pages reach 0 when its objects are gone. Before, SLUB kept
	// up to Config.KeepEmpty empty slabs on a dead cache, whose pages
	// then never reached 0.
	DiscardDead bool
	// SharedCaches says that every memcg allocates from the root caches
	// themselves, each object charged to the memcg's obj_cgroup (v5.9):
	// there are no child caches, an allocation of an online memcg from a
	// live root always hits, Charge needs no child, and Slabinfo lists
	// nothing. The conformance suite runs its scenarios about child caches
	// only on the other designs.
	SharedCaches bool
	// GraceHolders are the lock classes a memcg's offline holds across the
	// rcu_barrier() of destroying a SLAB_DESTROY_BY_RCU cache, sorted: the
	// kernel drops slab_mutex before it, but not the locks its caller
	// holds. The conformance suite checks exactly these.
	GraceHolders []string
}

// Constructor adapts a design package's New, which returns its own
// registry type, to Design.New; on an error it returns a nil Registry, not
// a nil pointer inside a non-nil interface.
func Constructor[R Registry](newRegistry func(*kern.Runtime, Config) (R, error)) func(*kern.Runtime, Config) (Registry, error) {
	return func(rt *kern.Runtime, cfg Config) (Registry, error) {
		r, err := newRegistry(rt, cfg)
		if err != nil {
			return nil, err
		}
		return r, nil
	}
}
