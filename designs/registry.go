package designs

import (
	"fmt"
	"reflect"
	"time"

	"memcgbench/designs/internal/kmem"
	"memcgbench/kern"
)

// A Registry is the kmem cache registry of one kernel: root caches, the memcgs
// that account kernel memory, and the per-memcg child caches that connect them.
// Each method models one kernel path (see the package documentation for the
// kernel function and the locks each design takes). Every method takes the
// calling *kern.Task, the stand-in for the kernel's current.
//
// The methods are safe for concurrent use by different tasks.
type Registry interface {
	// Name returns the design's name, "old" or "new".
	Name() string

	// CreateRoot creates a root cache (kmem_cache_create). Root names are
	// unique among live roots.
	CreateRoot(t *kern.Task, name string) (Root, error)
	// DestroyRoot destroys a root cache and every child cache it has
	// (kmem_cache_destroy).
	DestroyRoot(t *kern.Task, r Root) error

	// ActivateMemcg creates a memcg with kernel-memory accounting active
	// (memcg_activate_kmem): it takes a kmemcg id and grows every root's
	// per-memcg array to fit it.
	ActivateMemcg(t *kern.Task) (Memcg, error)
	// OfflineMemcg takes a memcg offline (mem_cgroup_css_offline, under
	// cgroup_mutex) and destroys its caches that hold no pages, at once or
	// through deferred work; Quiesce waits for the latter. It runs on the
	// calling task, as a test would call it; RemoveMemcg is the way a
	// container's end reaches it.
	OfflineMemcg(t *kern.Task, m Memcg) error
	// RemoveMemcg is rmdir of the memcg's cgroup: the memcg stops
	// accepting allocations and its offline (OfflineMemcg) is queued on
	// the cgroup_destroy workqueue, which runs one at a time; RemoveMemcg
	// returns at once. Quiesce waits for the offline.
	RemoveMemcg(t *kern.Task, m Memcg) error

	// Alloc models the cache selection of one allocation from root r by a task
	// in memcg m (memcg_kmem_get_cache). It reports true when m's own child
	// cache serves the allocation, found by a lock-free lookup; on a miss it
	// queues the child's creation and reports false (the allocation falls back
	// to the root cache). A hit takes no lock and allocates nothing.
	Alloc(t *kern.Task, m Memcg, r Root) (bool, error)
	// Lookup is Alloc's hit alone: the lock-free lookup
	// memcg_kmem_get_cache starts with (cache_from_memcg_idx under
	// rcu_read_lock). It reports true when m's own child of r is ready,
	// as Alloc would on a hit, and false on a miss and for any handle it
	// cannot vouch for (nil, another registry's, an offline or killed
	// memcg, a destroyed root); then the caller goes on to Alloc, which
	// queues the creation or says what is wrong. It takes no lock,
	// allocates nothing, changes nothing and needs no task, so that a hit
	// costs one call that calls nothing: the workloads' allocation step.
	Lookup(m Memcg, r Root) bool
	// Charge adds pages to m's child cache of r, as the slab allocator does
	// when that cache takes new pages. It fails with ErrNoCache if the child
	// does not exist.
	Charge(t *kern.Task, m Memcg, r Root, pages int) error
	// Uncharge returns pages from m's child cache of r: the allocator
	// frees that many slab pages of it at once (memcg_uncharge_slab). It
	// works on the dead caches of an offline memcg too.
	Uncharge(t *kern.Task, m Memcg, r Root, pages int) error
	// Free frees the objects that fill pages slab pages of m's child
	// cache of r (kmem_cache_free): those slabs become empty, and the
	// allocator keeps up to Config.KeepEmpty empty slabs on the cache's
	// partial lists, to be discarded by a shrink, and frees the rest: at
	// once, or a grace period later for a SLAB_DESTROY_BY_RCU cache
	// (free_slab's call_rcu). A dead cache of the kernels that discard
	// free slabs at once (v4.0 on) keeps none. It works on an offline
	// memcg's caches too. The pages must be charged and not yet freed.
	Free(t *kern.Task, m Memcg, r Root, pages int) error
	// FreeRCU is Free a grace period from now, as kfree_rcu() and
	// call_rcu() free an object (file structs, inodes): it returns at once.
	FreeRCU(t *kern.Task, m Memcg, r Root, pages int) error

	// Shrink shrinks root cache r (kmem_cache_shrink).
	Shrink(t *kern.Task, r Root) error
	// Slabinfo reads m's memory.kmem.slabinfo and returns the number of
	// caches it lists.
	Slabinfo(t *kern.Task, m Memcg) (int, error)
	// ProcSlabinfo reads /proc/slabinfo whole, with read() calls of
	// readBytes bytes (ReadBytesCat, ReadBytesStdio): every root cache's
	// line, with its children summed. It returns both counts.
	ProcSlabinfo(t *kern.Task, readBytes int) (roots, children int)

	// Quiesce waits until all deferred work (cache creation, and the old
	// design's cache destruction) has run.
	Quiesce(t *kern.Task)
	// Snapshot returns the registry's counters. It takes no locks; counters
	// read while other tasks run are each current but not mutually consistent.
	Snapshot() Snapshot
	// Inventory walks every structure under the design's own locks and
	// returns what it holds, for invariant checks.
	Inventory(t *kern.Task) Inventory
	// Flaws returns the anomalies the design is known to have: races the
	// kernel state it models had. The conformance suite allows those and no
	// others.
	Flaws() []Flaw
	// Close stops the registry's kworkers after they finish what is queued.
	Close()
}

// Limits of the kernel's per-memcg arrays (MEMCG_CACHES_MIN_SIZE and
// MEMCG_CACHES_MAX_SIZE): kmemcg ids run from 0 to MaxMemcgs-1.
const (
	MinArraySize = 4
	MaxArraySize = 65535
	MaxMemcgs    = MaxArraySize
)

// A Root is a handle to a root cache, as returned by CreateRoot: a pointer
// to the kernel object itself (package designs/internal/kmem), as the
// kernel's callers hold a struct kmem_cache *, so that an allocation's
// lock-free hit reads it with nothing between. Only the registry that
// returned it accepts it; its Name method gives the name it was created
// with. Its other methods are the designs' own.
type Root = *KmemCache

// A Memcg is a handle to a memcg, as returned by ActivateMemcg: a pointer
// to the kernel object (designs/internal/kmem), as the kernel's struct
// mem_cgroup *. Only the registry that returned it accepts it; its ID
// method gives its kmemcg id, the index of its child caches in every
// root's per-memcg array (ids are reused once a memcg is freed). Its other
// methods are the designs' own.
type Memcg = *MemCgroup

// KmemCache and MemCgroup are the kernel objects the handles point to, named
// after the kernel's struct kmem_cache and struct mem_cgroup, so that code
// outside designs can keep handles in atomic.Pointers.
type (
	KmemCache = kmem.Cache
	MemCgroup = kmem.Memcg
)

// Config configures a Registry.
type Config struct {
	// Costs are the lengths of the critical-section work.
	Costs Costs
	// Kworkers is the number of kworkers that run deferred work, at least 0.
	// With 0, deferred work (and the cgroup_destroy workqueue's offlines)
	// runs only inside Quiesce, on the calling task, which makes a
	// schedule deterministic.
	Kworkers int
	// KworkersMax, above Kworkers, makes system_wq concurrency managed,
	// as the kernel's is: Kworkers kworkers at first, and another
	// started whenever queued work finds none idle (they all sleep, on
	// a mutex or in rcu_barrier()), up to KworkersMax, system_wq's
	// max_active over the CPUs. At most Kworkers, or 0, keeps a fixed
	// pool of Kworkers.
	KworkersMax int
	// RCUShare is the share of root caches created with
	// SLAB_DESTROY_BY_RCU, whose destruction (and their children's) waits
	// for Costs.GracePeriod in rcu_barrier(), 0 to 1. Every 1/RCUShare-th
	// root created is one, so a memcg's working set of consecutive roots
	// holds that share too.
	RCUShare float64
	// CPUs is the number of CPUs of the machine modelled, for the costs
	// that grow with it (Costs.ShrinkPerCPU); 0 counts as 1.
	CPUs int
	// CacheCPUs is how many CPUs hold a CPU slab of a child cache when it
	// is shrunk: those its container's tasks allocated on, to which
	// flush_all sends its IPIs (a root cache is used on every CPU). 0, or
	// more than CPUs, counts every CPU.
	CacheCPUs int
	// KeepEmpty is how many empty slabs the allocator keeps on a cache's
	// partial lists instead of freeing them, 0 to MaxKeepEmpty: SLUB's
	// min_partial (DefaultKeepEmpty); SLAB keeps every free slab (and
	// freed objects in its per-CPU arrays) until cache_reap. A shrink
	// discards them. A dead cache keeps none in the designs that set
	// Design.DiscardDead. ReapEmpty, when above 0, is how soon after a
	// free SLAB's cache_reap frees a cache's kept slabs (REAPTIMEOUT_AC 2
	// s, REAPTIMEOUT_NODE 4 s, a part each pass); 0 is SLUB, which never
	// frees an idle cache's kept slabs.
	KeepEmpty int
	ReapEmpty time.Duration
	// SystemWQ, when set, is the kernel's system_wq, shared with work
	// that is not the registry's: the designs that schedule_work() their
	// deferred work queue it there, and the caller closes it. Nil: the
	// registry runs that work on a workqueue of its own with Kworkers
	// kworkers.
	SystemWQ *kern.Workqueue
	// ActivateAtOnline moves a new memcg's kmem activation from the
	// runtime's write of memory.kmem.limit_in_bytes after mkdir (no
	// cgroup_mutex: memcg_update_kmem_limit) into the mkdir itself, as
	// when the parent is kmem-active: css_online runs memcg_init_kmem ->
	// memcg_propagate_kmem under cgroup_mutex (3.15 and 3.16 under
	// activate_kmem_mutex, v4.0 to v4.5 under memcg_limit_mutex). It
	// changes only the designs that activate on the limit's write (3.15,
	// 3.16, v4.0); from v4.6 every memcg is activated in css_alloc,
	// under cgroup_mutex, already.
	ActivateAtOnline bool
}

// DefaultConfig is the configuration the benchmarks start from.
var DefaultConfig = Config{Costs: DefaultCosts, Kworkers: 4, RCUShare: DefaultRCUShare, KeepEmpty: DefaultKeepEmpty}

// DefaultKeepEmpty is SLUB's min_partial for caches of objects up to 2
// KiB: set_min_partial(s, ilog2(s->size) / 2) clamped to MIN_PARTIAL (5)
// and MAX_PARTIAL (10), mm/slub.c of 3.15 to v5.9; __slab_free discards
// an empty slab only while the node has more partial slabs than that.
const DefaultKeepEmpty = 5

// MaxKeepEmpty bounds Config.KeepEmpty: SLAB's "every free slab".
const MaxKeepEmpty = 1000

// SLAB's settings of Config: every free slab kept, and cache_reap's
// pass over a node's free slabs every REAPTIMEOUT_NODE, 4 s (mm/slab.c).
const (
	SLABKeepEmpty = MaxKeepEmpty
	SLABReapEmpty = 4 * time.Second
)

// MaxReap bounds Config.ReapEmpty.
const MaxReap = time.Hour

// DefaultRCUShare is the share of SLAB_DESTROY_BY_RCU caches among those a
// container touches: in 3.16, anon_vma (mm/rmap.c), sighand_cache
// (kernel/fork.c), TCP, TCPv6, UDP, UDPv6 (their protos' slab_flags) are
// six of the about forty caches of DefaultCachesPerMemcg (an estimate of
// the working set; the sensitivity run varies it).
const DefaultRCUShare = 0.15

// Validate reports the first field of c outside its allowed range.
func (c Config) Validate() error {
	if err := c.Costs.Validate(); err != nil {
		return err
	}
	if c.Kworkers < 0 {
		return &FieldError{Field: "Kworkers", Value: c.Kworkers, Allowed: "0 or more", Err: ErrBadConfig}
	}
	if c.KworkersMax < 0 {
		return &FieldError{Field: "KworkersMax", Value: c.KworkersMax, Allowed: "0 or more", Err: ErrBadConfig}
	}
	if !(c.RCUShare >= 0 && c.RCUShare <= 1) {
		return &FieldError{Field: "RCUShare", Value: c.RCUShare, Allowed: "0 to 1", Err: ErrBadConfig}
	}
	if c.CPUs < 0 || c.CPUs > MaxCPUs {
		return &FieldError{Field: "CPUs", Value: c.CPUs, Allowed: fmt.Sprintf("0 to %d", MaxCPUs), Err: ErrBadConfig}
	}
	if c.CacheCPUs < 0 || c.CacheCPUs > MaxCPUs {
		return &FieldError{Field: "CacheCPUs", Value: c.CacheCPUs, Allowed: fmt.Sprintf("0 to %d", MaxCPUs), Err: ErrBadConfig}
	}
	if c.KeepEmpty < 0 || c.KeepEmpty > MaxKeepEmpty {
		return &FieldError{Field: "KeepEmpty", Value: c.KeepEmpty, Allowed: fmt.Sprintf("0 to %d", MaxKeepEmpty), Err: ErrBadConfig}
	}
	if c.ReapEmpty < 0 || c.ReapEmpty > MaxReap {
		return &FieldError{Field: "ReapEmpty", Value: c.ReapEmpty, Allowed: "0 (SLUB) to " + MaxReap.String(), Err: ErrBadConfig}
	}
	return nil
}

// MaxCPUs bounds Config.CPUs (the virtual clock's limit).
const MaxCPUs = 1 << 16

// Costs are the times of the heavy steps of the kernel paths, spent with
// kern's Task.Work (CPU) and Task.Sleep (GracePeriod). They are the only
// place where the model's timing lives; workloads.Constants lists each with
// its source and range.
//
// The lookup, page counting, list and slot updates and queueing cost
// nanoseconds and are left at their real Go cost.
type Costs struct {
	// Create is the time to create one cache, root or child, all of it
	// under slab_mutex: per-node and per-CPU structures; then its sysfs
	// directory ({Sysfs} under kernfs_mutex, still under slab_mutex: SLUB
	// has made it there since 3.15, 421af243b1a5 "slub: do not drop
	// slab_mutex for sysfs_slab_add").
	Create time.Duration
	// Shutdown is the part of a cache's destruction under slab_mutex:
	// __kmem_cache_shutdown (kmem_cache_close: flush every CPU's slab,
	// free the partial lists, the per-CPU and per-node structures).
	Shutdown time.Duration
	// Release is the part after slab_mutex is dropped:
	// memcg_free_cache_params and the final free, after sysfs_slab_remove
	// ({Sysfs} under kernfs_mutex). It runs under whatever the caller
	// holds: nothing in the old design's destroy work, memcg_slab_mutex in
	// the new design.
	Release time.Duration
	// GracePeriod is how long one rcu_barrier() takes when a
	// SLAB_DESTROY_BY_RCU cache is destroyed (Config.RCUShare of them),
	// between Shutdown and Release: a sleep, not CPU work, and concurrent
	// callers queue for it and share it as in 3.15/3.16
	// (kern's Task.RCUBarrier).
	GracePeriod time.Duration
	// Shrink is the fixed part of shrinking one cache
	// (__kmem_cache_shrink's per-node partial-list sort). Before it,
	// flush_all (on_each_cpu_cond(has_cpu_slab, flush_cpu_slab, s, 1),
	// mm/slub.c) sends IPIs to the CPUs that hold a slab of the cache, all
	// at once, and waits for their flushes: ShrinkIPI once if any CPU has
	// one (the round trip of one cross-CPU call, the flushes running in
	// parallel), and ShrinkPerCPU for each such CPU (the sender's loop
	// over the mask). So the IPIs grow with the CPUs that used the cache
	// (Config.CacheCPUs). To build the mask, on_each_cpu_cond tests
	// has_cpu_slab on every online CPU (for_each_online_cpu, kernel/smp.c):
	// ShrinkPoll for each CPU of the machine (Config.CPUs).
	Shrink, ShrinkIPI, ShrinkPerCPU, ShrinkPoll time.Duration
	// Miss is the cost of an allocation that misses its memcg's cache
	// (memcg_kmem_get_cache's slow path: css_tryget, a GFP_NOWAIT kmalloc
	// of the work item and schedule_work), paid by the allocating task.
	Miss time.Duration
	// Sysfs is the time to make or remove one kernfs directory with its
	// files and uevent, under kernfs_mutex: a cache's SLUB sysfs directory
	// (sysfs_slab_add, sysfs_slab_remove) or a cgroup's (mkdir, rmdir).
	// Create and Release leave it out.
	Sysfs time.Duration
	// Reparent is css_offline's mem_cgroup_reparent_charges in 3.15 and
	// 3.16, under cgroup_mutex before the caches are walked: the memcg's
	// LRU pages moved to its parent, with lru_add_drain_all() between
	// passes. (3.19 dropped it: every charged page pins the css.)
	Reparent time.Duration
	// ListLRUs is the time to go once over every memcg-aware list_lru
	// (mm/list_lru.c, v4.0 on) under list_lrus_mutex: to move an offline
	// memcg's items to its parent (memcg_drain_all_list_lrus, each
	// node's lists spliced under its lock) or to grow their per-memcg
	// arrays (memcg_update_all_list_lrus).
	ListLRUs time.Duration
	// GrowPerRoot is the time to grow one root's per-memcg array (allocate,
	// copy, publish); an activation that grows the arrays pays it per root.
	GrowPerRoot time.Duration
	// SlabinfoPerCache is the time to print one cache's slabinfo line.
	SlabinfoPerCache time.Duration
	// SlabinfoPerChild is the time /proc/slabinfo spends on each child
	// cache it sums into its root's line (memcg_accumulate_slabinfo's
	// get_slabinfo of the child), dead children included.
	SlabinfoPerChild time.Duration
	// SlabinfoPerSlot is the time /proc/slabinfo of 3.15 and 3.16 spends
	// on each slot of a root's per-memcg array when it sums the root's
	// children (for_each_memcg_cache_index), filled or not.
	SlabinfoPerSlot time.Duration
	// WalkPerCache is the time to step over one entry of a cache list
	// that a walk under slab_mutex passes without working on it
	// (list_for_each_entry over struct kmem_cache with an is_root_cache
	// or memcg test: a dependent load per entry). Only the designs that
	// find a memcg's caches by walking the global slab_caches list (v4.0
	// to v4.10) or that walk the roots (v4.11) pay it.
	WalkPerCache time.Duration
}

// DefaultCosts are the best-sourced values memcgbench has; each is an
// estimate unless workloads.Constants gives a measurement or a figure for
// it, and each has a sensitivity run.
var DefaultCosts = Costs{
	Create:           300 * time.Microsecond,
	Shutdown:         100 * time.Microsecond,
	Release:          2 * time.Microsecond,  // estimate: three frees (workloads.Constants)
	Sysfs:            50 * time.Microsecond, // estimate: about 50 kernfs nodes and a uevent (workloads.Constants)
	Reparent:         time.Millisecond,      // estimate: a container's LRU pages moved, lru_add_drain_all (workloads.Constants)
	GracePeriod:      5 * time.Millisecond,
	Shrink:           20 * time.Microsecond,
	ShrinkIPI:        2 * time.Microsecond,  // estimate: an IPI round trip (workloads.Constants)
	ShrinkPerCPU:     200 * time.Nanosecond, // estimate: one target of the send loop (workloads.Constants)
	ShrinkPoll:       20 * time.Nanosecond,  // estimate: has_cpu_slab of one online CPU (workloads.Constants)
	Miss:             time.Microsecond,
	GrowPerRoot:      2 * time.Microsecond,
	ListLRUs:         20 * time.Microsecond, // estimate: every memcg-aware list_lru and node (workloads.Constants)
	SlabinfoPerCache: 1 * time.Microsecond,
	SlabinfoPerChild: 300 * time.Nanosecond, // estimate: get_slabinfo's few cache misses (workloads.Constants)
	SlabinfoPerSlot:  time.Nanosecond,       // estimate: a sequential load (workloads.Constants)
	WalkPerCache:     50 * time.Nanosecond,  // estimate: about a cache miss (workloads.Constants)
}

// Scaled returns c with every cost multiplied by f (a sensitivity run's
// step), each kept within [0, MaxCost].
func (c Costs) Scaled(f float64) Costs {
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		d := v.Field(i).Interface().(time.Duration)
		v.Field(i).SetInt(int64(time.Duration(min(max(float64(d)*f, 0), float64(MaxCost)))))
	}
	return c
}

// MaxCost is the largest cost Validate accepts for any one step.
const MaxCost = time.Second

// Validate reports the first cost outside [0, MaxCost].
func (c Costs) Validate() error {
	fields := []struct {
		name string
		d    time.Duration
	}{
		{"Create", c.Create}, {"Shutdown", c.Shutdown}, {"Release", c.Release},
		{"GracePeriod", c.GracePeriod}, {"Shrink", c.Shrink}, {"ShrinkIPI", c.ShrinkIPI}, {"ShrinkPerCPU", c.ShrinkPerCPU}, {"ShrinkPoll", c.ShrinkPoll},
		{"Miss", c.Miss}, {"Sysfs", c.Sysfs}, {"Reparent", c.Reparent}, {"ListLRUs", c.ListLRUs}, {"GrowPerRoot", c.GrowPerRoot}, {"SlabinfoPerCache", c.SlabinfoPerCache},
		{"SlabinfoPerChild", c.SlabinfoPerChild}, {"SlabinfoPerSlot", c.SlabinfoPerSlot}, {"WalkPerCache", c.WalkPerCache},
	}
	for _, f := range fields {
		if f.d < 0 || f.d > MaxCost {
			return &FieldError{Field: "Costs." + f.name, Value: f.d, Allowed: "0 to " + MaxCost.String(), Err: ErrBadConfig}
		}
	}
	return nil
}

// A Flaw is a kind of anomaly a design may show: the symptom of a race that
// would corrupt the kernel, detected and counted by the model instead.
type Flaw string

const (
	// DoubleDestroy: a cache destroyed a second time (the kernel frees it
	// twice).
	DoubleDestroy Flaw = "double-destroy"
	// WorkOnDestroyed: deferred work ran on a destroyed cache (the kernel
	// runs it on freed memory).
	WorkOnDestroyed Flaw = "work-on-destroyed"
)

// AllFlaws lists every Flaw, in a fixed order.
var AllFlaws = []Flaw{DoubleDestroy, WorkOnDestroyed}

// Snapshot holds a registry's counters.
type Snapshot struct {
	Roots             int   // live root caches
	RootsCreated      int64 // root caches ever created
	RootsDestroyed    int64 // root caches ever destroyed
	Memcgs            int   // memcgs holding a kmemcg id, online or offline
	OnlineMemcgs      int   // of those, the online ones
	Children          int   // live child caches (on the global cache list)
	ChildrenCreated   int64 // child caches ever created
	ChildrenDestroyed int64 // child caches ever destroyed (second destroys not counted)

	CreateQueued  int64 // create work items queued, one per allocation miss
	CreateSkipped int64 // create work that found the child already there
	// CreateDropped counts create work that found its memcg offline or its
	// root dying. The kernel of both states would have created a child there
	// that nothing destroys (kernel-model.md: "a race left in both"); the
	// model drops it, in both designs alike, so the invariants stay checkable.
	CreateDropped int64
	DestroyQueued int64 // destroy work items queued (old design only)
	PendingWork   int   // work items queued and not yet started

	// DestroyBacklog is the destroy work queued and not yet started or
	// cancelled (old design), and DestroyBacklogMax its high-water mark.
	DestroyBacklog, DestroyBacklogMax int
	// Removed counts memcgs whose offline, queued by RemoveMemcg, has run;
	// OfflineLatency sums, and OfflineLatencyMax bounds, the time from
	// RemoveMemcg to the end of that offline (the wait on the
	// cgroup_destroy workqueue and for cgroup_mutex included).
	Removed                           int64
	OfflineLatency, OfflineLatencyMax time.Duration
	// DeadDestroyed counts child caches destroyed after their memcg went
	// offline; DeadLifetime sums, and DeadLifetimeMax bounds, the time from
	// offline to destroy. In the new design that is the synchronous shrink
	// and destroy; in the old, the wait for a kworker too.
	DeadDestroyed                 int64
	DeadLifetime, DeadLifetimeMax time.Duration
	// Dead is the number of dead caches now (child caches whose memcg is
	// offline, not yet destroyed), DeadPages the pages they hold, and
	// DeadMax and DeadPagesMax the most there were. On the real clock an
	// uncharge that races an offline's walk may miscount by its pages.
	Dead, DeadMax           int64
	DeadPages, DeadPagesMax int64

	// Anomalies counts each Flaw seen.
	Anomalies map[Flaw]int64
}

// Inventory is a registry's content, walked under its locks.
type Inventory struct {
	// SlabCaches is the global cache list (slab_caches), roots and children.
	SlabCaches []CacheInfo
	// Roots lists each root cache with the filled slots of its array.
	Roots []RootInfo
	// Memcgs lists each memcg that holds a kmemcg id, with its cache list.
	Memcgs []MemcgInfo
	// ArraySize is the size every root's per-memcg array has at least
	// (the kernel's memcg_limited_groups_array_size).
	ArraySize int
}

// CacheInfo identifies one cache.
type CacheInfo struct {
	Root  string // the root cache's name
	Memcg int    // the memcg's kmemcg id; -1 for a root cache
	Pages int64  // pages charged (child caches)
}

// RootInfo is one root cache and its per-memcg array.
type RootInfo struct {
	Name     string
	ArrayLen int
	Children []CacheInfo // the filled slots, by kmemcg id
}

// MemcgInfo is one memcg and its list of caches.
type MemcgInfo struct {
	ID     int
	Online bool
	Caches []CacheInfo
}
