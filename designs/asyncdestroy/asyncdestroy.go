// Package asyncdestroy models the memcg kmem cache registry of Linux
// v4.11, after Tejun Heo's series "slab: make memcg slab destruction
// scalable" (reported at Facebook: hundreds of thousands of caches, whose
// destruction walked every cache per memcg and waited synchronously in
// rcu_barrier() and synchronize_sched(), "can easily keep running for half
// a day"). slab_mutex is still the one lock, but nothing walks every cache
// any more:
//
//   - each memcg lists its own caches again (memcg->kmem_caches, "slab:
//     link memcg kmem_caches on their associated memory cgroup"), so its
//     css_free (memcg_destroy_kmem_caches) walks only them;
//   - the roots have a list of their own (slab_root_caches, "slab:
//     implement slab_root_caches list"), which offline's deactivation,
//     array growth and /proc/slabinfo walk instead of slab_caches;
//   - deactivation shrinks each cache in work on memcg_kmem_cache_wq,
//     queued from an RCU-sched callback ("slab: remove synchronous
//     synchronize_sched() from memcg cache deactivation path"), and the
//     release of SLAB_DESTROY_BY_RCU caches waits for its rcu_barrier() in
//     work on system_wq, batched ("slab: remove synchronous rcu_barrier()
//     call in memcg cache release path"): no path holds a lock across a
//     grace period.
//
// Child creation runs on memcg_kmem_cache_wq (alloc_workqueue with
// max_active 1: one item per CPU), the workqueue v4.10 gave it, renamed.
//
// Lock order: cgroup_mutex -> memcg_cache_ids_sem -> slab_mutex (->
// kmemcg_ida, kernfs_mutex).
//
// # Audit against v4.11
//
// Lock sequences and costs are package designs' table; here the context,
// the conditions and what runs after each lock is dropped (Tejun Heo's
// series as merged, v3 of January 2017, and dated copies of the sources):
//
//   - ActivateMemcg: css_alloc -> memcg_online_kmem under cgroup_mutex
//     (every memcg, from v4.6); no memcg_limit_mutex. An id that does not
//     fit grows the arrays under memcg_cache_ids_sem: slab_mutex, then
//     list_lrus_mutex {ListLRUs}.
//   - create work: memcg_kmem_cache_wq (max_active 1 a CPU), dropped for
//     a memcg no longer online; each copy pins the css until it has run.
//   - OfflineMemcg: cgroup_destroy_wq, cgroup_mutex -> slab_mutex: every
//     cache of the memcg (walking slab_root_caches) loses its slot and
//     has its deactivation queued, pinning the memcg (css_get), not the
//     cache, from an RCU-sched callback a grace period later
//     (slab_deactivate_memcg_cache_rcu_sched). memcg_kmem_cache_wq runs
//     one item a CPU, and one offline's callbacks all run on its CPU, so
//     its deactivations run one after another, as the model's one work
//     item an offline runs them; different offlines' run at once. Then,
//     under cgroup_mutex, list_lrus_mutex: memcg_drain_all_list_lrus
//     {ListLRUs}.
//   - deactivation: kmemcg_deactivate_workfn on memcg_kmem_cache_wq:
//     slab_mutex, the dead cache shrunk (its free slabs go at once from
//     then), the pin dropped. A root destroy that freed the cache first
//     leaves it to run on freed memory (Flaws; fixed in v4.18).
//   - Charge, Uncharge, Free: no lock; the last css_put queues css_free
//     as in v4.0.
//   - css_free: memcg_destroy_kmem_caches, no cgroup_mutex: slab_mutex,
//     the memcg's own list (memcg->kmem_caches), each cache shut down; a
//     SLAB_DESTROY_BY_RCU one onto slab_caches_to_rcu_destroy for
//     slab_caches_to_rcu_destroy_workfn on system_wq (one rcu_barrier()
//     a batch, no lock held), the rest released at once. Per-memcg caches
//     have no sysfs directory (memcg_sysfs_enabled off by default).
//   - DestroyRoot: shutdown_memcg_caches under slab_mutex, live children
//     from the array, dead ones from the root's list.
//   - Slabinfo: memory.kmem.slabinfo, a seq_file over the memcg's list
//     under slab_mutex: the fill and the read() that ends each take it.
//     ProcSlabinfo: slab_root_caches (510ded33e075), under slab_mutex.
//
// As in v4.0, the kmemcg id is kept until css_free where the kernel frees
// it at offline (memcg_free_cache_id).
package asyncdestroy

import (
	"fmt"

	"memcgbench/designs"
	"memcgbench/designs/internal/globalwalk"
	"memcgbench/designs/internal/slab"
	"memcgbench/kern"
)

// Design is this design as the list of designs (designs/catalog) holds it.
var Design = designs.Design{
	Name:    "asyncdestroy",
	Mutex:   kern.HandoffKernelMutex,
	Kernel:  "v4.11 (slab: make memcg slab destruction scalable)",
	Summary: "slab_mutex alone; per-memcg and root cache lists, deactivation and RCU release in work, no lock held across a grace period",
	Why:     "destroying hundreds of thousands of caches took time quadratic in them, each memcg's walking every cache, and slept in synchronize_sched() under cgroup_mutex and in rcu_barrier(): \"can easily keep running for half a day\" (Tejun Heo, from Facebook's hosts, v4.11)",
	New:     designs.Constructor(New),
	// memory.kmem.slabinfo walks the memcg's list under slab_mutex: one
	// read at a time.
	SlabinfoReaders: func(workers, memcgs, cpus int) int { return 1 },
	// Offline walks the roots, css_free the memcg's own list.
	DestroyGrowth: 1,
	// Creations run on memcg_kmem_cache_wq, not system_wq.
	CreateStalls: false,
	// /proc/slabinfo walks slab_root_caches: the roots alone.
	SlabinfoSeeksChildren: false,
	DeactivateOnOffline:   true,
	// Dead caches discard their free slabs at once (d6e0b7fa1186, v4.0).
	DiscardDead: true,
}

// Registry is the v4.11 registry. Create it with New.
type Registry struct {
	*slab.Core
	cacheIDsSem *kern.Mutex
}

var _ designs.Registry = (*Registry)(nil)

// New returns an empty registry running on rt. It declares the lock order
// to rt and fails with designs.ErrBadConfig if cfg is out of range.
func New(rt *kern.Runtime, cfg designs.Config) (*Registry, error) {
	r := &Registry{
		cacheIDsSem: kern.NewMutex(globalwalk.CacheIDsSemClass),
	}
	core, err := slab.NewCore(rt, cfg, paths{r})
	if err != nil {
		return nil, fmt.Errorf("asyncdestroy: %w", err)
	}
	r.Core = core
	core.SetDiscardDead()
	core.SetListLRUs()
	core.SetNoChildSysfs() // memcg_sysfs_enabled is off by default from v4.11
	core.SetCreateWorkqueue(rt.NewWorkqueue("memcg_kmem_cache", min(cfg.Kworkers, 1)*max(cfg.CPUs, 1)))
	rt.DeclareOrder(slab.CgroupMutexClass, globalwalk.CacheIDsSemClass, slab.SlabMutexClass, slab.IDAClass, slab.KernfsMutexClass)
	rt.DeclareOrder(slab.CgroupMutexClass, globalwalk.CacheIDsSemClass, slab.ListLRUsMutexClass)
	return r, nil
}

// Name returns "asyncdestroy".
func (r *Registry) Name() string { return "asyncdestroy" }

// Flaws returns WorkOnDestroyed: the deferred deactivation pins the
// memcg (css_get, "pin memcg so that @s doesn't get destroyed in the
// middle"), not the cache, so a root destroy that frees a dead child
// while its deactivation is queued leaves kmemcg_deactivate_workfn to run
// on freed memory, a crash fixed only in v4.18 (Shakeel Butt, "mm: fix
// race between kmem_cache destroy, create and deactivate").
func (r *Registry) Flaws() []designs.Flaw { return []designs.Flaw{designs.WorkOnDestroyed} }

// ActivateMemcg is memcg_online_kmem from css_alloc, under cgroup_mutex
// (every memcg accounts kmem from v4.6): take an id, and if it does not
// fit the arrays, grow them under memcg_cache_ids_sem and slab_mutex,
// walking slab_root_caches.
func (r *Registry) ActivateMemcg(t *kern.Task) (designs.Memcg, error) {
	m, err := r.ActivateKmem(t, nil, r.cacheIDsSem, r.List.NumRoots, r.free)
	if err != nil {
		return nil, fmt.Errorf("activate memcg: %w", err)
	}
	return m, nil
}

// offline is memcg_deactivate_kmem_caches, run by css_offline with
// cgroup_mutex and slab_mutex held: walk slab_root_caches; for each of the
// memcg's caches, clear its slot and deactivate it
// (slab_deactivate_memcg_cache_rcu_sched: pin the memcg now; a grace
// period later an RCU-sched callback queues the shrink on
// memcg_kmem_cache_wq). The callbacks of one offline run on the CPU that
// queued them, and the workqueue runs one item a CPU, so its
// deactivations run one after another: the model queues one work item
// that runs them in turn.
func (r *Registry) offline(t *kern.Task, m *slab.Memcg) {
	r.Walk(t, r.List.NumRoots())
	free := slab.FreeOf(m)
	caches := m.Caches()
	for _, c := range caches {
		slab.SetSlot(c.Root, m.ID(), nil)
		free.Pins++
	}
	if len(caches) > 0 {
		w := new(kern.WorkItem)
		w.Init(func(t *kern.Task) {
			for _, c := range caches {
				r.deactivate(t, c)
			}
		})
		r.RCU.Call(t, r.Costs.GracePeriod, func(t *kern.Task) { r.CreateWQ.Queue(t, w) })
	}
	r.QueueFree(t, m)
}

// deactivate is kmemcg_deactivate_workfn running the deactivation's second half on
// memcg_kmem_cache_wq: under slab_mutex shrink the cache, then drop the
// memcg's pin, which may free it.
func (r *Registry) deactivate(t *kern.Task, c *slab.Cache) {
	t.Lock(r.SlabMutex)
	defer t.Unlock(r.SlabMutex)
	t.Point("deactivate:start")
	if c.Destroyed() {
		// Root destroy freed the cache after offline queued this: the
		// kernel runs it on freed memory (Flaws).
		r.Anomaly(designs.WorkOnDestroyed)
	} else {
		r.ShrinkCache(t, c)
	}
	slab.FreeOf(c.Memcg).Pins--
	r.QueueFree(t, c.Memcg)
}

// free is css_free -> memcg_destroy_kmem_caches: under slab_mutex, shut
// down each cache on the memcg's own list (shutdown_cache).
func (r *Registry) free(t *kern.Task, m *slab.Memcg) {
	r.CSSReleased(t)
	t.Lock(r.SlabMutex)
	defer t.Unlock(r.SlabMutex)
	f := slab.FreeOf(m)
	f.Queued = false
	if m.Freed || slab.Pinned(m) {
		return // still pinned: the last page, create or deactivation work queues it again
	}
	for _, c := range m.Caches() {
		t.Point("cache-destroy:begin")
		if r.ClaimDestroy(c) {
			m.RemoveCache(c)
			r.ShutdownCache(t, c)
		}
	}
	r.MaybeFree(t, m)
}

// DestroyRoot is kmem_cache_destroy of a root: after the refcount drop,
// under slab_mutex shut down its children (shutdown_memcg_caches: the live
// ones in the array, then the dead ones on the root's list), then the root.
func (r *Registry) DestroyRoot(t *kern.Task, rh designs.Root) error {
	root, err := r.BeginDestroyRoot(t, rh)
	if err != nil {
		return err
	}
	t.Lock(r.SlabMutex)
	defer t.Unlock(r.SlabMutex)
	for _, c := range r.ChildrenOf(root) {
		if r.UnlinkChild(t, c) {
			r.ShutdownCache(t, c)
		}
	}
	r.ShutdownCache(t, root)
	return nil
}

// Slabinfo is memory.kmem.slabinfo (memcg_slab_show), a seq_file over the
// memcg's own list (memcg->kmem_caches): a read() takes slab_mutex and
// prints the memcg's caches, and the read() that finds the end takes it
// again.
func (r *Registry) Slabinfo(t *kern.Task, mh designs.Memcg) (int, error) {
	n, err := r.Core.Slabinfo(t, mh)
	if err == nil {
		t.Lock(r.SlabMutex)
		t.Unlock(r.SlabMutex)
	}
	return n, err
}

// ProcSlabinfo is /proc/slabinfo, one read() a 4 KiB chunk, each under
// slab_mutex: seek along slab_root_caches (510ded33e075), the roots alone,
// to where the last read stopped, and print root lines with their
// children, dead ones included, summed from each root's list. See
// slab.Core.ReadProcSlabinfo.
func (r *Registry) ProcSlabinfo(t *kern.Task, readBytes int) (roots, children int) {
	return r.ReadProcSlabinfo(t, slab.SlabinfoList{RootsOnly: true, Sum: r.SumListed}, readBytes)
}

// paths are this design's create worker, offline walk and list lock
// (slab.Paths).
type paths struct{ r *Registry }

// CreateChild is the create worker (memcg_create_kmem_cache) on
// memcg_kmem_cache_wq.
func (p paths) CreateChild(t *kern.Task, m *slab.Memcg, root *slab.Cache) {
	p.r.CreateUnderSlabMutex(t, m, root)
}
func (p paths) OfflineCaches(t *kern.Task, m *slab.Memcg) { p.r.offline(t, m) }

// PagesGone is the css_put of the cache's last page (slab.Core.PinGone).
func (p paths) PagesGone(t *kern.Task, c *slab.Cache) { p.r.PinGone(t, c) }

// ListLock is slab_mutex: memcg->kmem_caches is written and walked under
// it, memory.kmem.slabinfo included.
func (p paths) ListLock(*slab.Memcg) *kern.Mutex { return p.r.SlabMutex }
