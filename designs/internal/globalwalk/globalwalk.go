// Package globalwalk is the registry of Linux v4.0 to v4.10, after
// d5b3cf7139b8 ("memcg: zap memcg_slab_caches and memcg_slab_mutex"):
// slab_mutex is the only lock of the registry, and a memcg's caches are
// found by walking the global slab_caches list. The designs slabmutex
// (v4.0) and createwq (v4.10) are this registry, the second with child
// creation on a workqueue of its own; see package designs for the map of
// methods to kernel functions.
//
// # Audit against v4.0 and v4.10
//
// Lock sequences and costs are package designs' table; here the context,
// the conditions and what runs after each lock is dropped (mm/memcontrol.c,
// mm/slab_common.c, mm/slub.c, kernel/cgroup.c, read in dated copies and
// the linux-mm patches; the tags themselves are not in the sources
// searched):
//
//   - ActivateMemcg: v4.0 the runtime's write of memory.kmem.limit_in_bytes
//     after mkdir (memcg_update_kmem_limit -> memcg_activate_kmem, under
//     memcg_limit_mutex, no cgroup_mutex); v4.10 css_alloc ->
//     memcg_online_kmem under cgroup_mutex for every memcg (v4.6 on).
//     Grows the arrays only if the id does not fit: under
//     memcg_cache_ids_sem, the caches' under slab_mutex
//     (memcg_update_all_caches), then the list_lrus' under list_lrus_mutex
//     (memcg_update_all_list_lrus {ListLRUs}).
//   - create work: system_wq (v4.0) or the ordered
//     memcg_kmem_cache_create workqueue (v4.10); skipped if the slot is
//     filled or the memcg is no longer online (memcg_kmem_is_active, v4.0;
//     kmem_state != KMEM_ONLINE, v4.10: kernel behaviour here); dropped
//     too for a dying root, which v4.0 to v4.17 do not check (their
//     create work can run on a destroyed root: Shakeel Butt's v4.18 fix
//     added the flag), a flaw the model does not count. Each queued copy
//     holds a css reference until it has run.
//   - OfflineMemcg: cgroup_destroy_wq, cgroup_mutex held throughout:
//     every cache of the memcg is deactivated (its slot cleared, dead:
//     min_partial and cpu_partial 0, so its free slabs go at once,
//     d6e0b7fa1186) and shrunk; v4.0 with kick_all_cpus_sync() per cache
//     under slab_mutex, v4.10 with one synchronize_sched() per offline,
//     slab_mutex dropped, cgroup_mutex (and the hotplug read locks, not
//     modelled) held, and the slots cleared in the second walk, after
//     the shrinks. No cache is destroyed at offline. Then, still under
//     cgroup_mutex, list_lrus_mutex: memcg_drain_all_list_lrus moves the
//     memcg's dentries and inodes to its parent's lists {ListLRUs}.
//   - Charge, Uncharge, Free: no lock; each charged page pins the memcg's
//     css (css_get_many), and the last css_put with the memcg offline and
//     no create work queued queues its css_free (no lock taken: the free
//     checks again under slab_mutex).
//   - css_free: css_release_work_fn (cgroup_mutex, held and dropped), then
//     memcg_destroy_kmem_caches with no cgroup_mutex: slab_mutex, a walk of
//     slab_caches, every cache of the memcg shut down; slab_mutex dropped:
//     one rcu_barrier() if any is SLAB_DESTROY_BY_RCU, then each one's
//     sysfs removal (kernfs_mutex) and release, no lock held. The model
//     runs css_free on a queue of its own, one kworker a CPU; the kernel
//     shares cgroup_destroy_wq (one item a CPU) with offline and release.
//   - DestroyRoot: every child on the root's list, live or dead, shut down
//     under slab_mutex (the model marks the root dying in a first hold);
//     a child with objects would fail the kernel's destroy, and the
//     model's workloads free a module's objects before it unloads.
//   - Slabinfo: memory.kmem.slabinfo is a seq_file over slab_caches: two
//     walks under slab_mutex a read (the fill and the read() that ends).
//
// The kmemcg id is kept until css_free; the kernel gives it back at
// offline (memcg_free_cache_id, 2788cf0c401c), which only matters for
// array growth and past 65,535 live and dying memcgs.
package globalwalk

import (
	"fmt"

	"memcgbench/designs"
	"memcgbench/designs/internal/slab"
	"memcgbench/kern"
)

// Lock classes of v4.0: memcg_limit_mutex serializes kmem activation
// (memcg_activate_kmem, which replaced activate_kmem_mutex), and
// memcg_cache_ids_sem (05257a1a3dcc), taken for writing while the per-memcg
// arrays grow, keeps list_lru readers off them. The model takes only its
// write side, as a mutex.
var (
	LimitMutexClass  = kern.NewClass("memcg_limit_mutex")
	CacheIDsSemClass = kern.NewClass("memcg_cache_ids_sem")
)

// Options are what the designs built on this registry change.
type Options struct {
	// Name is the design's name.
	Name string
	// CreateWorkqueue, when set, names the workqueue of one kworker that
	// child creation runs on instead of system_wq (v4.10's
	// memcg_kmem_cache_create_wq, alloc_ordered_workqueue).
	CreateWorkqueue string
	// SyncSchedOnOffline makes offline deactivate the memcg's caches,
	// drop slab_mutex for one synchronize_sched() with cgroup_mutex still
	// held, and walk slab_caches again to shrink them (v4.10, 89e364db71fb
	// "slub: move synchronize_sched out of slab_mutex on shrink"; v4.7 to
	// v4.9 had a grace period per cache under slab_mutex, 81ae6d03952c).
	SyncSchedOnOffline bool
	// OnlineKmem activates kmem accounting in every memcg's css_alloc
	// (memcg_online_kmem, under cgroup_mutex, v4.6 on) instead of on the
	// write of memory.kmem.limit_in_bytes under memcg_limit_mutex.
	OnlineKmem bool
}

// Registry is the v4.0 to v4.10 registry. Create it with New.
type Registry struct {
	*slab.Core
	name        string
	syncSched   bool
	onlineKmem  bool
	limitMutex  *kern.Mutex
	cacheIDsSem *kern.Mutex
}

var _ designs.Registry = (*Registry)(nil)

// New returns an empty registry running on rt. It declares the lock order
// to rt and fails with designs.ErrBadConfig if cfg is out of range.
func New(rt *kern.Runtime, cfg designs.Config, opts Options) (*Registry, error) {
	r := &Registry{
		name:        opts.Name,
		syncSched:   opts.SyncSchedOnOffline,
		onlineKmem:  opts.OnlineKmem,
		limitMutex:  kern.NewMutex(LimitMutexClass),
		cacheIDsSem: kern.NewMutex(CacheIDsSemClass),
	}
	core, err := slab.NewCore(rt, cfg, paths{r})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opts.Name, err)
	}
	r.Core = core
	core.SetDiscardDead()
	core.SetListLRUs()
	if opts.CreateWorkqueue != "" {
		core.SetCreateWorkqueue(rt.NewWorkqueue(opts.CreateWorkqueue, min(cfg.Kworkers, 1)))
	}
	rt.DeclareOrder(slab.CgroupMutexClass, LimitMutexClass, CacheIDsSemClass, slab.SlabMutexClass, slab.IDAClass, slab.KernfsMutexClass)
	rt.DeclareOrder(slab.CgroupMutexClass, LimitMutexClass, CacheIDsSemClass, slab.ListLRUsMutexClass)
	return r, nil
}

// Name returns the design's name.
func (r *Registry) Name() string { return r.name }

// Flaws returns nil: with every change under slab_mutex, offline, root
// destroy and css_free cannot destroy a cache twice.
func (r *Registry) Flaws() []designs.Flaw { return nil }

// ActivateMemcg activates a new memcg's kmem accounting
// (slab.Core.ActivateKmem): v4.0 on the kmem limit's write after mkdir,
// under memcg_limit_mutex; v4.10 (OnlineKmem) in css_alloc under
// cgroup_mutex. It takes an id (memcg_alloc_cache_id), and if it does not
// fit the arrays, grows them under memcg_cache_ids_sem and slab_mutex
// (memcg_update_all_caches, which walks slab_caches for the roots).
func (r *Registry) ActivateMemcg(t *kern.Task) (designs.Memcg, error) {
	limit := r.limitMutex
	if r.onlineKmem {
		limit = nil
	}
	m, err := r.ActivateKmem(t, limit, r.cacheIDsSem, r.List.Len, r.free)
	if err != nil {
		return nil, fmt.Errorf("activate memcg: %w", err)
	}
	return m, nil
}

// offline is memcg_deactivate_kmem_caches, run by css_offline with
// cgroup_mutex and slab_mutex held: walk slab_caches for the memcg's
// caches, clear each one's slot and shrink it (__kmem_cache_shrink with
// deactivate). The caches stay, dead, until the memcg is freed; if they
// hold no pages that is now, so its css_free is queued.
//
// With SyncSchedOnOffline (v4.10, 89e364db71fb), the first walk only
// deactivates (cpu_partial and min_partial to 0); slab_mutex is dropped
// for one synchronize_sched() (a grace period, Costs.GracePeriod, with
// cgroup_mutex held); a second walk of slab_caches shrinks the caches
// root destroy has not taken meanwhile and clears their slots
// (__kmem_cache_shrink, then arr->entries[idx] = NULL).
func (r *Registry) offline(t *kern.Task, m *slab.Memcg) {
	r.WalkAllCaches(t)
	if !r.syncSched {
		for _, c := range m.Caches() {
			slab.SetSlot(c.Root, m.ID(), nil)
		}
	}
	if r.syncSched {
		// synchronize_sched(): one grace period from now, not shared as
		// concurrent rcu_barrier()s are, and not a wait for queued
		// callbacks.
		t.Unlock(r.SlabMutex)
		t.Sleep(r.Costs.GracePeriod)
		t.Lock(r.SlabMutex)
		r.WalkAllCaches(t)
	}
	for _, c := range m.Caches() {
		if !r.syncSched {
			// v4.0's __kmem_cache_shrink(s, deactivate) makes the zeroed
			// cpu_partial visible with kick_all_cpus_sync(): an IPI to
			// every CPU, waited for (d6e0b7fa1186); from v4.7 a grace
			// period instead (81ae6d03952c, then 89e364db71fb).
			t.Work(r.IPICost(r.CPUs))
		}
		r.ShrinkCache(t, c) // dead: its free slabs go at once (d6e0b7fa1186)
		if r.syncSched {
			slab.SetSlot(c.Root, m.ID(), nil)
		}
	}
	r.QueueFree(t, m)
}

// free is css_free -> memcg_destroy_kmem_caches on cgroup_destroy_wq:
// under slab_mutex walk slab_caches and shut down each of the memcg's
// caches; with slab_mutex dropped, one rcu_barrier() for them all if any
// is SLAB_DESTROY_BY_RCU, then each release (do_kmem_cache_release in
// v4.0, release_caches in v4.10).
func (r *Registry) free(t *kern.Task, m *slab.Memcg) {
	r.CSSReleased(t)
	t.Lock(r.SlabMutex)
	slab.FreeOf(m).Queued = false
	if m.Freed || slab.Pinned(m) {
		t.Unlock(r.SlabMutex)
		return // still pinned: the last page or create work queues it again
	}
	r.WalkAllCaches(t)
	var gone []*slab.Cache
	for _, c := range m.Caches() {
		t.Point("cache-destroy:begin")
		if !r.ClaimDestroy(c) {
			continue
		}
		m.RemoveCache(c)
		r.ShutdownChild(t, c)
		gone = append(gone, c)
	}
	r.MaybeFree(t, m)
	t.Unlock(r.SlabMutex)
	r.ReleaseAll(t, gone)
}

// DestroyRoot is kmem_cache_destroy of a root: after the refcount drop,
// under slab_mutex shut down each child on the root's children list, live
// or dead, then the root; with slab_mutex dropped, one rcu_barrier() and
// the releases.
func (r *Registry) DestroyRoot(t *kern.Task, rh designs.Root) error {
	root, err := r.BeginDestroyRoot(t, rh)
	if err != nil {
		return err
	}
	t.Lock(r.SlabMutex)
	var gone []*slab.Cache
	for _, c := range r.ChildrenOf(root) {
		if r.UnlinkChild(t, c) {
			r.ShutdownChild(t, c)
			gone = append(gone, c)
		}
	}
	r.ShutdownRoot(t, root)
	t.Unlock(r.SlabMutex)
	r.ReleaseAll(t, append(gone, root))
	return nil
}

// Slabinfo is memory.kmem.slabinfo, a seq_file over slab_caches
// (slab_start, slab_next, memcg_slab_show): a read() takes slab_mutex and
// walks the whole list, printing the memcg's caches; the read() that
// finds the end takes it and walks the list again. (A memcg's lines fit
// in one 4 KiB read at 40 caches; more would take more reads.)
func (r *Registry) Slabinfo(t *kern.Task, mh designs.Memcg) (int, error) {
	m, err := r.Memcg(mh)
	if err != nil {
		return 0, fmt.Errorf("slabinfo: %w", err)
	}
	t.Lock(r.SlabMutex)
	r.WalkAllCaches(t)
	n := m.NumCaches()
	for range n {
		t.Work(r.Costs.SlabinfoPerCache)
	}
	t.Unlock(r.SlabMutex)
	t.Lock(r.SlabMutex)
	r.WalkAllCaches(t)
	t.Unlock(r.SlabMutex)
	return n, nil
}

// ProcSlabinfo is /proc/slabinfo, one read() a 4 KiB chunk, each under
// slab_mutex: seek from the head of slab_caches, every cache, live or
// dead, to where the last read stopped, and print root lines with their
// children summed (memcg_accumulate_slabinfo over the root's children
// list, dead caches included). See slab.Core.ReadProcSlabinfo.
func (r *Registry) ProcSlabinfo(t *kern.Task, readBytes int) (roots, children int) {
	return r.ReadProcSlabinfo(t, slab.SlabinfoList{Sum: r.SumListed}, readBytes)
}

// paths are this registry's create worker, offline walk and list lock
// (slab.Paths).
type paths struct{ r *Registry }

// CreateChild is the create worker (memcg_create_kmem_cache) on system_wq
// or the design's own workqueue.
func (p paths) CreateChild(t *kern.Task, m *slab.Memcg, root *slab.Cache) {
	p.r.CreateUnderSlabMutex(t, m, root)
}
func (p paths) OfflineCaches(t *kern.Task, m *slab.Memcg) { p.r.offline(t, m) }

// PagesGone is the css_put of the cache's last page (slab.Core.PinGone).
func (p paths) PagesGone(t *kern.Task, c *slab.Cache) { p.r.PinGone(t, c) }

// ListLock is slab_mutex for every memcg: the model keeps each memcg's
// caches on a list of its own for the offline and free walks, under
// slab_mutex, and charges them as the walks of slab_caches they stand for.
func (p paths) ListLock(*slab.Memcg) *kern.Mutex { return p.r.SlabMutex }
