// Package old models the memcg kmem cache registry of Linux v3.15, before
// the series that ends in bd67314586: each memcg has its own
// slab_caches_mutex guarding its cache list, the per-memcg arrays are written
// under slab_mutex, and a memcg going offline defers the destruction of each
// of its caches to a per-cache work item run by the kworkers, which destroys
// a cache once it holds no pages: at once if it holds none, else after a
// shrink or when its last page is freed (memcg_release_pages queues the
// work again).
//
// bd67314586's parent, c67a8a685a6e, has the same locks; it differs in one
// thing, which the model does not follow: 1e32e77f95d6 ("memcg, slab: do
// not schedule cache destruction when last page goes away", the first of
// the series) had taken out the queueing from memcg_release_pages, so its
// destroy work shrank a cache and destroyed it only if that left no page,
// and a SLAB_DESTROY_BY_RCU cache, whose slabs the shrink frees a grace
// period later, stayed dead as in 3.16. That changes when dead caches go
// (memory), not which locks any path takes.
//
// Lock order: cgroup_mutex -> activate_kmem_mutex -> slab_mutex ->
// memcg::slab_caches_mutex (-> kmemcg_ida, the id allocator's own lock;
// -> kernfs_mutex); offline takes cgroup_mutex -> memcg::slab_caches_mutex.
//
// # Audit against v3.15
//
// Each method: the kernel function; the task or workqueue and the locks,
// "->" nested, ";" released; the condition that picks the path; what runs
// after the lock is dropped; the costs ({X}, workloads.Constants gives
// each one's source). mm/memcontrol.c, mm/slab_common.c, mm/slub.c and
// kernel/cgroup.c of 3.15, read in dated copies and the linux-mm patches
// of the series (the v3.15 tag itself is not in the sources searched).
//
//   - CreateRoot: kmem_cache_create, the caller's task: slab_mutex
//     {Create}, sysfs_slab_add -> kernfs_mutex {Sysfs}. Name unique.
//   - ActivateMemcg: mkdir (cgroup_mutex -> kernfs_mutex {Sysfs}; css_online
//     activates nothing, the parent being inactive), then the runtime's
//     write of memory.kmem.limit_in_bytes: memcg_update_kmem_limit ->
//     memcg_activate_kmem, no cgroup_mutex: activate_kmem_mutex ->
//     kmemcg_ida; -> slab_mutex: memcg_update_all_caches walks
//     slab_caches, children included {WalkPerCache a cache}, and grows
//     each root's array {GrowPerRoot} if the id does not fit.
//   - Alloc, Lookup: memcg_kmem_get_cache under rcu_read_lock, no lock; a
//     filled slot is a hit; a miss {Miss} kmallocs a create work item
//     (memcg_create_cache_enqueue), one per miss, on system_wq.
//   - create work: memcg_create_cache_work_func, a system_wq kworker:
//     slab_mutex; skip if the slot is filled; {Create}, kernfs_mutex
//     {Sysfs}; -> memcg::slab_caches_mutex: fill the slot, list add. Work
//     for an offline memcg or a dying root is dropped (the kernel's race
//     left in both: see package designs).
//   - RemoveMemcg: cgroup_rmdir -> kill_css, the caller's task:
//     cgroup_mutex -> kernfs_mutex {Sysfs}; css_offline is queued a grace
//     period later (percpu_ref_kill_and_confirm's call_rcu_sched) on
//     cgroup_destroy_wq.
//   - OfflineMemcg: css_killed_work_fn -> mem_cgroup_css_offline ->
//     mem_cgroup_destroy_all_caches on cgroup_destroy_wq: cgroup_mutex
//     {Reparent: mem_cgroup_reparent_charges} -> memcg::slab_caches_mutex:
//     every cache marked dead and its destroy work queued on system_wq.
//   - destroy work: kmem_cache_destroy_work_func, a system_wq kworker, no
//     memcg lock: nr_pages != 0: kmem_cache_shrink {Shrink, ShrinkIPI,
//     ShrinkPerCPU x Config.CacheCPUs, ShrinkPoll x CPUs}, which frees the kept empty slabs
//     (a SLAB_DESTROY_BY_RCU cache's a grace period later); nr_pages == 0:
//     kmem_cache_destroy: slab_mutex: clear the slot, -> memcg::
//     slab_caches_mutex (list del); {Shutdown}; then with slab_mutex
//     dropped kernfs_mutex {Sysfs}, rcu_barrier() [GracePeriod] for a
//     SLAB_DESTROY_BY_RCU cache, {Release}: no lock held.
//   - Charge, Uncharge, Free, FreeRCU: memcg_charge_slab, __free_slab ->
//     memcg_release_pages, SLUB's __slab_free and discard_slab: no lock.
//     An object free leaves its slab empty, kept while the cache has
//     Config.KeepEmpty (min_partial) or fewer; a dead cache's last page
//     queues its destroy work unless pending (mem_cgroup_destroy_cache),
//     from an RCU callback for a SLAB_DESTROY_BY_RCU cache.
//   - DestroyRoot: kmem_cache_destroy: slab_mutex (refcount drop, dying);
//     kmem_cache_destroy_memcg_children under activate_kmem_mutex, which
//     excludes neither offline nor the destroy work: per filled slot,
//     memcg_params->dead cleared (a last page freed from then on queues
//     nothing), cancel_work_sync, child destroy as above (under
//     activate_kmem_mutex);
//     then the root: slab_mutex {Shutdown}; kernfs_mutex {Sysfs},
//     [GracePeriod], {Release}. Every child in a slot, with pages or not
//     (3.15 fails the root's destroy if a child still has objects; the
//     model's workloads free a module's objects before it unloads).
//   - Shrink: kmem_cache_shrink of a root, the caller's task, hotplug
//     locks only {Shrink, ShrinkIPI, ShrinkPerCPU and ShrinkPoll x every CPU}.
//   - Slabinfo: memory.kmem.slabinfo, memcg::slab_caches_mutex
//     {SlabinfoPerCache a cache}.
//   - ProcSlabinfo: /proc/slabinfo, per read(): slab_mutex, seeking along
//     slab_caches {WalkPerCache}, root lines {SlabinfoPerCache}, children
//     summed from the slots {SlabinfoPerChild, SlabinfoPerSlot}.
//
// The design keeps the kernel's flaw: memcg offline and root cache destroy
// are not synchronized. Root destroy walks the array under
// activate_kmem_mutex, which excludes neither offline (the memcg's mutex) nor
// the destroy worker (no memcg lock), so a child can be destroyed twice or
// its destroy work can run after root destroy freed it. The model detects
// both instead of crashing and counts them as the designs.DoubleDestroy and
// designs.WorkOnDestroyed anomalies.
package old

import (
	"fmt"
	"sync/atomic"

	"memcgbench/designs"
	"memcgbench/designs/internal/slab"
	"memcgbench/kern"
)

// Design is this design as the list of designs (designs/catalog) holds it.
var Design = designs.Design{
	Name:    "old",
	Mutex:   kern.KernelMutex,
	Kernel:  "v3.15 (the locks of bd67314586's parent c67a8a685a6e; 3.15's destroy of dead caches at their last page)",
	Summary: "per-memcg slab_caches_mutex; offline defers each cache's destroy to a work item",
	Why:     "the state bd67314586 started from: memcg offline and root cache destroy were not synchronized, so a child cache could be destroyed twice, or its destroy work run on freed memory",
	New:     designs.Constructor(New),
	// memory.kmem.slabinfo of a memcg takes that memcg's own mutex: reads
	// of different memcgs run in parallel, as many as there are readers,
	// memcgs and CPUs.
	SlabinfoReaders: func(workers, memcgs, cpus int) int { return min(workers, memcgs, cpus) },
	// Offline walks the memcg's own cache list: destroying N memcgs' caches
	// takes time linear in N.
	DestroyGrowth: 1,
	// Child creation is queued on system_wq and holds slab_mutex.
	CreateStalls: true,
	// /proc/slabinfo seeks along slab_caches, children included.
	SlabinfoSeeksChildren: true,
	DeferredDestroy:       true,
	// A dead cache is destroyed at its last page, which SLUB's kept empty
	// slabs never let come.
	DeadCachesStay: func(reaps bool) bool { return !reaps },
}

// slabCachesClass is the class of every memcg's slab_caches_mutex.
var slabCachesClass = kern.NewClass("memcg::slab_caches_mutex")

// Registry is the registry before bd67314586. Create it with New.
type Registry struct {
	*slab.Core
	// The destroy work's counters: queued in all, queued and not yet
	// started or cancelled, and the most that ever were.
	destroyQueued, destroyBacklog, backlogMax atomic.Int64
}

var _ designs.Registry = (*Registry)(nil)

// New returns an empty registry running on rt. It declares the design's lock
// order to rt and fails with designs.ErrBadConfig if cfg is out of range.
func New(rt *kern.Runtime, cfg designs.Config) (*Registry, error) {
	r := &Registry{}
	core, err := slab.NewCore(rt, cfg, paths{r})
	if err != nil {
		return nil, fmt.Errorf("old: %w", err)
	}
	r.Core = core
	core.SetReparent()
	rt.DeclareOrder(slab.CgroupMutexClass, slab.ActivateMutexClass, slab.SlabMutexClass, slabCachesClass, slab.IDAClass, slab.KernfsMutexClass)
	return r, nil
}

// Name returns "old".
func (r *Registry) Name() string { return "old" }

// Flaws returns the two anomalies of the offline-vs-root-destroy race.
func (r *Registry) Flaws() []designs.Flaw {
	return []designs.Flaw{designs.DoubleDestroy, designs.WorkOnDestroyed}
}

// ActivateMemcg is a container's cgroup made and its kmem accounting
// activated as container runtimes did it: mkdir (Core.Mkdir, cgroup_mutex
// held and dropped), then a write of memory.kmem.limit_in_bytes before
// any task joins (libcontainer from 2015, runc's
// EnableKernelMemoryAccounting from 2017), which runs
// memcg_update_kmem_limit -> memcg_activate_kmem holding no
// cgroup_mutex: under activate_kmem_mutex take an id, then grow every
// root's array under slab_mutex (memcg_update_all_caches) and give the
// memcg its own slab_caches_mutex.
// With designs.Config.ActivateAtOnline the mkdir's css_online does it
// instead (memcg_propagate_kmem, cgroup_mutex held: Core.BeginActivation).
func (r *Registry) ActivateMemcg(t *kern.Task) (designs.Memcg, error) {
	defer r.BeginActivation(t)()
	t.Lock(r.ActivateMutex)
	defer t.Unlock(r.ActivateMutex)
	m, err := r.NewMemcg(t, kern.NewMutex(slabCachesClass))
	if err != nil {
		return nil, fmt.Errorf("activate memcg: %w", err)
	}
	t.Lock(r.SlabMutex)
	r.WalkAllCaches(t)
	r.GrowAll(t, m.ID())
	t.Unlock(r.SlabMutex)
	r.Activated()
	return m, nil
}

// offline is mem_cgroup_destroy_all_caches, run by css_offline with
// cgroup_mutex and the memcg's slab_caches_mutex held: set each cache's
// memcg_params->dead and queue its destroy work. Nothing is destroyed
// before the kworkers run it.
func (r *Registry) offline(t *kern.Task, m *slab.Memcg) {
	for _, c := range m.Caches() {
		stateOf(c).dead.Store(true)
		r.queueDestroy(t, c)
	}
}

// queueDestroy queues c's destroy work (schedule_work of its
// memcg_params->destroy), counted unless it was pending already.
func (r *Registry) queueDestroy(t *kern.Task, c *slab.Cache) {
	if r.WQ.Queue(t, &stateOf(c).destroy) {
		r.destroyQueued.Add(1)
		slab.StoreMax(&r.backlogMax, r.destroyBacklog.Add(1))
	}
}

// Snapshot is the core's counters with the destroy work's.
func (r *Registry) Snapshot() designs.Snapshot {
	s := r.Core.Snapshot()
	s.DestroyQueued = r.destroyQueued.Load()
	s.DestroyBacklog = int(r.destroyBacklog.Load())
	s.DestroyBacklogMax = int(r.backlogMax.Load())
	return s
}

// destroyWork is kmem_cache_destroy_work_func (mm/memcontrol.c of 3.15),
// run by a kworker holding no memcg lock: a cache that still holds pages
// is shrunk, and one that holds none destroyed. If the shrink frees its
// last page, memcg_release_pages queues this work again (PagesGone), and
// that run destroys it; a SLAB_DESTROY_BY_RCU cache's slabs are freed a
// grace period after the shrink, and the work is queued again then. A
// cache whose objects outlive the offline stays dead until the last of
// its pages is freed, if that ever happens (SLUB keeps up to
// Config.KeepEmpty empty slabs: see PagesGone).
func (r *Registry) destroyWork(t *kern.Task, c *slab.Cache) {
	r.destroyBacklog.Add(-1)
	t.Point("destroy-work:start")
	if c.Destroyed() {
		// The kernel runs this on freed memory: root destroy freed the
		// cache after offline queued this work.
		r.Anomaly(designs.WorkOnDestroyed)
		return
	}
	if c.Pages.Load() != 0 {
		r.ShrinkCache(t, c)
		return
	}
	r.destroyChild(t, c)
}

// pagesGone is memcg_release_pages -> mem_cgroup_destroy_cache (3.15):
// when the last page of a cache whose memcg_params->dead is set is freed,
// its destroy work is queued again unless it is pending; it runs on
// system_wq, holding no lock. Root destroy clears the flag first.
func (r *Registry) pagesGone(t *kern.Task, c *slab.Cache) {
	if stateOf(c).dead.Load() {
		r.queueDestroy(t, c)
	}
}

// destroyChild is kmem_cache_destroy of a child (at bd67314586^, which
// differs from the v3.15 release in where the children loop runs): under
// slab_mutex clear the slot and take the cache off its memcg's list under
// the memcg's slab_caches_mutex (memcg_unregister_cache), then shut it
// down; with
// slab_mutex dropped, rcu_barrier() for a SLAB_DESTROY_BY_RCU cache and the
// release, under the caller's locks only: none in the destroy work,
// activate_kmem_mutex in root destroy.
func (r *Registry) destroyChild(t *kern.Task, c *slab.Cache) {
	t.Point("cache-destroy:begin")
	t.Lock(r.SlabMutex)
	if !r.ClaimDestroy(c) {
		t.Unlock(r.SlabMutex)
		return // destroyed already: counted as DoubleDestroy
	}
	slab.SetSlot(c.Root, c.Memcg.ID(), nil)
	t.Lock(slabCachesMutex(c.Memcg))
	c.Memcg.RemoveCache(c)
	r.MaybeFree(t, c.Memcg)
	t.Unlock(slabCachesMutex(c.Memcg))
	r.ShutdownChild(t, c)
	t.Unlock(r.SlabMutex)
	r.ReleaseChild(t, c)
}

// DestroyRoot is kmem_cache_destroy of a root. After the refcount drop under
// slab_mutex, the children loop (kmem_cache_destroy_memcg_children) runs under
// activate_kmem_mutex, which only keeps the array from moving: for each filled
// slot, clear the child's memcg_params->dead, so that its last page no
// longer queues the destroy work, cancel the work and destroy the child.
// Nothing here excludes a concurrent offline or destroy worker.
func (r *Registry) DestroyRoot(t *kern.Task, rh designs.Root) error {
	root, err := r.BeginDestroyRoot(t, rh)
	if err != nil {
		return err
	}
	t.Lock(r.ActivateMutex)
	for _, c := range slab.Children(root) {
		st := stateOf(c)
		st.dead.Store(false)
		if r.WQ.Cancel(t, &st.destroy) {
			r.destroyBacklog.Add(-1)
		}
		t.Point("root-destroy:child")
		r.destroyChild(t, c)
	}
	t.Unlock(r.ActivateMutex)
	r.FinishDestroyRoot(t, root)
	return nil
}

// createChild is the create worker (memcg_create_kmem_cache ->
// kmem_cache_create_memcg): under slab_mutex skip if the child exists, create
// it and put it on the global list; then, nested, under the memcg's
// slab_caches_mutex fill the slot and put it on the memcg's list. (The kernel
// fills the slot just before taking the memcg's mutex; both are under
// slab_mutex, so lookups see the same thing.)
//
// One change from the kernel: if the memcg went offline meanwhile (its list
// walk is done), the child is dropped here instead of leaking; see
// designs.Snapshot.CreateDropped. The check sits under the memcg's mutex,
// which offline holds while it sets the flag, so it is exact.
func (r *Registry) createChild(t *kern.Task, m *slab.Memcg, root *slab.Cache) {
	t.Lock(r.SlabMutex)
	defer t.Unlock(r.SlabMutex)
	if r.SkipCreate(m, root) || r.DropCreate(m, root) {
		return
	}
	child := r.NewChild(t, m, root)
	st := new(childState)
	st.destroy.Init(func(t *kern.Task) { r.destroyWork(t, child) })
	child.Design = st
	mu := slabCachesMutex(m)
	t.Lock(mu)
	if m.IsOffline() {
		t.Unlock(mu)
		r.DropCreated(t, child)
		return
	}
	slab.SetSlot(root, m.ID(), child)
	m.AddCache(child)
	t.Unlock(mu)
}

// listLock returns the lock of m's cache list: m's own slab_caches_mutex.
// Slabinfo (memory.kmem.slabinfo) and Inventory walk the list under it.
func listLock(m *slab.Memcg) *kern.Mutex { return slabCachesMutex(m) }

// slabCachesMutex is m's own slab_caches_mutex, the old design's state of
// a memcg.
func slabCachesMutex(m *slab.Memcg) *kern.Mutex { return m.Design.(*kern.Mutex) }

// childState is the old design's state of a child cache, two fields of
// its memcg_params: the destroy work item, and dead, which offline sets
// and root destroy clears (kmem_cache_destroy_memcg_children, before its
// cancel_work_sync) and which lets the last page queue the work. It is
// not slab.Cache's Dead, which counts the cache dead from offline to
// destroy in every design.
type childState struct {
	destroy kern.WorkItem
	dead    atomic.Bool
}

// stateOf returns c's childState.
func stateOf(c *slab.Cache) *childState { return c.Design.(*childState) }

// paths are this design's versions of the paths bd67314586 changed
// (slab.Paths).
type paths struct{ r *Registry }

func (p paths) CreateChild(t *kern.Task, m *slab.Memcg, root *slab.Cache) {
	p.r.createChild(t, m, root)
}
func (p paths) OfflineCaches(t *kern.Task, m *slab.Memcg) { p.r.offline(t, m) }
func (p paths) ListLock(m *slab.Memcg) *kern.Mutex        { return listLock(m) }
func (p paths) PagesGone(t *kern.Task, c *slab.Cache)     { p.r.pagesGone(t, c) }
