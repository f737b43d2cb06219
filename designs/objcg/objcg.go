// Package objcg models the kernel memory accounting of Linux v5.9, Roman
// Gushchin's "new cgroup slab memory controller": slab objects are charged
// one by one to an obj_cgroup, and every memcg allocates from the same
// caches ("mm: memcg/slab: use a single set of kmem_caches for all
// allocations"). There are no per-memcg caches, so nothing is created on
// a first allocation and nothing is destroyed when a memcg goes: it is the
// limit every other design is measured against.
//
// What is left of the registry: root caches under slab_mutex; a memcg's
// activation (memcg_online_kmem) allocates its obj_cgroup and takes a
// kmemcg id, which still sizes the list_lrus' per-memcg arrays
// (memcg_alloc_cache_id -> memcg_update_all_list_lrus under
// memcg_cache_ids_sem and list_lrus_mutex; nothing else grows); offline
// (memcg_offline_kmem) reparents the obj_cgroup to the parent under
// css_set_lock, drains the list_lrus into the parent's under
// list_lrus_mutex, and gives the id back. memory.kmem.slabinfo is
// deprecated ("mm: memcg/slab: deprecate memory.kmem.slabinfo": an empty
// file), and /proc/slabinfo walks slab_caches, which holds roots only.
//
// Lock order: cgroup_mutex -> memcg_cache_ids_sem -> list_lrus_mutex
// (-> kmemcg_ida); cgroup_mutex -> slab_mutex; offline takes cgroup_mutex
// -> css_set_lock (a spinlock in the kernel, held for a list splice), and
// so does the obj_cgroup's release, from the last uncharge.
//
// # Audit against v5.9
//
//   - ActivateMemcg: css_alloc -> memcg_online_kmem under cgroup_mutex:
//     the obj_cgroup and an id; if it does not fit, memcg_cache_ids_sem
//     -> list_lrus_mutex: memcg_update_all_list_lrus {ListLRUs}.
//   - Alloc, Lookup: memcg_slab_pre_alloc_hook, no lock; always a hit.
//   - Charge, Uncharge, Free, FreeRCU: obj_cgroup_charge and
//     obj_cgroup_uncharge per object, no lock; the object's slab is the
//     root's, so no cache is left dead by a container (Design.SharedCaches).
//     Each object holds a reference on the obj_cgroup; after offline's
//     percpu_ref_kill the last one's put runs obj_cgroup_release under
//     css_set_lock (the list del, the memcg put), or, if no object is
//     left at offline, the release runs from the RCU callback of the
//     kill, a grace period later.
//   - RemoveMemcg, OfflineMemcg: rmdir (cgroup_mutex -> kernfs_mutex
//     {Sysfs}); a grace period later, on cgroup_destroy_wq,
//     memcg_offline_kmem: cgroup_mutex -> css_set_lock: the obj_cgroup
//     reparented (memcg_reparent_objcgs); cgroup_mutex -> list_lrus_mutex:
//     memcg_drain_all_list_lrus {ListLRUs}; the id given back.
//   - DestroyRoot: slab_mutex {Shutdown}; a SLAB_DESTROY_BY_RCU root
//     released by the batched work on system_wq after its rcu_barrier().
//   - Slabinfo: an empty file, no lock. ProcSlabinfo: roots only.
package objcg

import (
	"fmt"
	"sync"
	"sync/atomic"

	"memcgbench/designs"
	"memcgbench/designs/internal/globalwalk"
	"memcgbench/designs/internal/slab"
	"memcgbench/kern"
)

// Design is this design as the list of designs (designs/catalog) holds it.
var Design = designs.Design{
	Name:    "objcg",
	Mutex:   kern.HandoffKernelMutex,
	Kernel:  "v5.9 (obj_cgroup: one set of caches for all memcgs)",
	Summary: "per-object accounting to an obj_cgroup; no per-memcg caches to create or destroy",
	Why:     "per-memcg caches wasted memory (slabs half empty in every memcg's copy) and dying memcgs piled up behind their caches; one set of caches, accounted per object, removes both and the whole creation and destruction machinery (Roman Gushchin, v5.9)",
	New:     designs.Constructor(New),
	// memory.kmem.slabinfo is an empty file that takes no lock and costs
	// the model nothing: the calibrate workload has no answer here
	// (workloads.Applies).
	// Removing memcgs destroys no cache: the time grows only with the
	// memcgs' own removal (rmdir's kernfs_remove of each cgroup's
	// directory), linearly.
	DestroyGrowth: 1,
	// Nothing is created on a first allocation.
	CreateStalls: false,
	// There are no child caches to seek past.
	SlabinfoSeeksChildren: false,
	SharedCaches:          true,
}

// cssSetLockClass is css_set_lock, which v5.9's memcg_reparent_objcgs
// holds (a spinlock in the kernel, held for a list splice).
var cssSetLockClass = kern.NewClass("css_set_lock")

// Registry is the v5.9 registry. Create it with New.
type Registry struct {
	*slab.Core
	cacheIDsSem *kern.Mutex
	cssSetLock  *kern.Mutex
	// lruSize is memcg_nr_cache_ids, the size of the list_lrus'
	// per-memcg arrays, written under cgroup_mutex and
	// memcg_cache_ids_sem; Inventory reads it without them.
	lruSize atomic.Int64
}

var _ designs.Registry = (*Registry)(nil)

// objCgroup is a memcg's obj_cgroup as the model keeps it: the pages
// charged to it from each root cache, so that an uncharge can be checked;
// their sum, which stands for the objects' references; and whether
// obj_cgroup_release has run.
type objCgroup struct {
	pages    sync.Map // *slab.Cache -> *atomic.Int64
	total    atomic.Int64
	released atomic.Bool
}

// counter returns the page counter of root in o, made on first use.
func (o *objCgroup) counter(root *slab.Cache) *atomic.Int64 {
	if c, ok := o.pages.Load(root); ok {
		return c.(*atomic.Int64)
	}
	c, _ := o.pages.LoadOrStore(root, new(atomic.Int64))
	return c.(*atomic.Int64)
}

// New returns an empty registry running on rt. It declares the lock order
// to rt and fails with designs.ErrBadConfig if cfg is out of range.
func New(rt *kern.Runtime, cfg designs.Config) (*Registry, error) {
	r := &Registry{
		cacheIDsSem: kern.NewMutex(globalwalk.CacheIDsSemClass),
		cssSetLock:  kern.NewMutex(cssSetLockClass),
	}
	core, err := slab.NewCore(rt, cfg, paths{r})
	if err != nil {
		return nil, fmt.Errorf("objcg: %w", err)
	}
	r.Core = core
	r.lruSize.Store(int64(slab.MinArraySize))
	core.SetNoChildSysfs()
	core.SetListLRUs()
	rt.DeclareOrder(slab.CgroupMutexClass, globalwalk.CacheIDsSemClass, slab.ListLRUsMutexClass, slab.IDAClass)
	rt.DeclareOrder(slab.CgroupMutexClass, slab.SlabMutexClass, slab.IDAClass, slab.KernfsMutexClass)
	rt.DeclareOrder(slab.CgroupMutexClass, cssSetLockClass)
	return r, nil
}

// Inventory is the core's, with v5.9's per-memcg arrays: the roots have
// none, and the arrays that memcg ids size are the list_lrus', so the
// array size given, the global one and each root's, is theirs
// (memcg_nr_cache_ids).
func (r *Registry) Inventory(t *kern.Task) designs.Inventory {
	inv := r.Core.Inventory(t)
	n := int(r.lruSize.Load())
	inv.ArraySize = n
	for i := range inv.Roots {
		inv.Roots[i].ArrayLen = n
	}
	return inv
}

// Name returns "objcg".
func (r *Registry) Name() string { return "objcg" }

// Flaws returns nil.
func (r *Registry) Flaws() []designs.Flaw { return nil }

// ActivateMemcg is css_alloc -> memcg_online_kmem under cgroup_mutex:
// allocate the obj_cgroup, take an id, and if it does not fit, grow the
// list_lrus' per-memcg arrays under memcg_cache_ids_sem
// (memcg_alloc_cache_id -> memcg_update_all_list_lrus).
func (r *Registry) ActivateMemcg(t *kern.Task) (designs.Memcg, error) {
	t.Lock(r.CgroupMutex)
	defer t.Unlock(r.CgroupMutex)
	r.Sysfs(t, nil) // the cgroup's directory, made by the same mkdir
	m, err := r.NewMemcg(t, new(objCgroup))
	if err != nil {
		return nil, fmt.Errorf("activate memcg: %w", err)
	}
	if int64(m.ID()) >= r.lruSize.Load() {
		t.Lock(r.cacheIDsSem)
		r.PassListLRUs(t)
		r.lruSize.Store(int64(slab.ArraySize(m.ID())))
		t.Unlock(r.cacheIDsSem)
	}
	r.Activated()
	return m, nil
}

// Lookup is the hit of memcg_slab_pre_alloc_hook: the memcg takes
// allocations and the root is live; the object comes from the root itself
// and is charged to the memcg's obj_cgroup (the per-CPU stock, no lock).
// There is no miss.
func (r *Registry) Lookup(memcg designs.Memcg, root designs.Root) bool {
	if o := r.Owner(); memcg != nil && root != nil {
		if memcg.Live() == o && root.Live() == o && root.Memcg == nil {
			return true
		}
	}
	return false
}

// Alloc is Lookup, or the error that says why not: every allocation of an
// online memcg from a live root is served and accounted.
func (r *Registry) Alloc(t *kern.Task, m designs.Memcg, root designs.Root) (bool, error) {
	if r.Lookup(m, root) {
		return true, nil
	}
	if _, err := r.Memcg(m); err != nil {
		return false, fmt.Errorf("alloc: %w", err)
	}
	if _, err := r.Root(root); err != nil {
		return false, fmt.Errorf("alloc: %w", err)
	}
	return false, fmt.Errorf("alloc: %w", designs.ErrUnknownRoot)
}

// Charge adds pages of root r to m's obj_cgroup.
func (r *Registry) Charge(t *kern.Task, m designs.Memcg, rh designs.Root, pages int) error {
	if pages <= 0 {
		return fmt.Errorf("charge: %w: %d pages, allowed range is 1 or more", designs.ErrBadPages, pages)
	}
	memcg, err := r.Memcg(m)
	if err != nil {
		return fmt.Errorf("charge: %w", err)
	}
	root, err := r.Root(rh)
	if err != nil {
		return fmt.Errorf("charge: %w", err)
	}
	o := objcgOf(memcg)
	o.counter(root).Add(int64(pages))
	o.total.Add(int64(pages))
	return nil
}

// Uncharge returns pages of root r from m's obj_cgroup, online or not (an
// offline memcg's obj_cgroup is reparented, and freeing its objects
// uncharges the parent).
func (r *Registry) Uncharge(t *kern.Task, m designs.Memcg, rh designs.Root, pages int) error {
	return r.uncharge(t, "uncharge", m, rh, pages, false)
}

// Free is Uncharge: each object's charge to the obj_cgroup goes with the
// object (obj_cgroup_uncharge from memcg_slab_free_hook); its slab is the
// root's, shared by every memcg, so no cache is left dead by it.
func (r *Registry) Free(t *kern.Task, m designs.Memcg, rh designs.Root, pages int) error {
	return r.uncharge(t, "free", m, rh, pages, false)
}

// FreeRCU checks its arguments now and frees a grace period later
// (kfree_rcu).
func (r *Registry) FreeRCU(t *kern.Task, m designs.Memcg, rh designs.Root, pages int) error {
	if err := r.uncharge(t, "free", m, rh, pages, true); err != nil {
		return err
	}
	r.RCU.Call(t, r.Costs.GracePeriod, func(t *kern.Task) { _ = r.uncharge(t, "free", m, rh, pages, false) })
	return nil
}

// uncharge takes pages of root r from m's obj_cgroup, or with check only
// checks that it could.
func (r *Registry) uncharge(t *kern.Task, op string, m designs.Memcg, rh designs.Root, pages int, check bool) error {
	if pages <= 0 {
		return fmt.Errorf("%s: %w: %d pages, allowed range is 1 or more", op, designs.ErrBadPages, pages)
	}
	memcg, err := r.AnyMemcg(m)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	root, err := r.Root(rh)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	o := objcgOf(memcg)
	c := o.counter(root)
	for {
		have := c.Load()
		if int64(pages) > have {
			return fmt.Errorf("%s: %w: %d pages, allowed range is 1 to %d", op, designs.ErrBadPages, pages, have)
		}
		if check {
			return nil
		}
		if c.CompareAndSwap(have, have-int64(pages)) {
			break
		}
	}
	if o.total.Add(-int64(pages)) == 0 && memcg.IsOffline() {
		r.release(t, o) // the last object's obj_cgroup_put
	}
	return nil
}

// release is obj_cgroup_release, once per obj_cgroup: under css_set_lock
// the leftover charge uncharged, the obj_cgroup taken off its list, the
// memcg put.
func (r *Registry) release(t *kern.Task, o *objCgroup) {
	if !o.released.CompareAndSwap(false, true) {
		return
	}
	t.Lock(r.cssSetLock)
	t.Unlock(r.cssSetLock)
}

// DestroyRoot is kmem_cache_destroy: under slab_mutex, after the refcount
// drop, shut the root down (shutdown_cache: a SLAB_DESTROY_BY_RCU root is
// released by batched work on system_wq after its rcu_barrier(), as since
// v4.11); it has no children.
func (r *Registry) DestroyRoot(t *kern.Task, rh designs.Root) error {
	root, err := r.BeginDestroyRoot(t, rh)
	if err != nil {
		return err
	}
	t.Lock(r.SlabMutex)
	defer t.Unlock(r.SlabMutex)
	t.Point("root-destroy:child")
	r.ShutdownCache(t, root)
	return nil
}

// Slabinfo is memory.kmem.slabinfo, deprecated: an empty file, no lock.
func (r *Registry) Slabinfo(t *kern.Task, mh designs.Memcg) (int, error) {
	if _, err := r.Memcg(mh); err != nil {
		return 0, fmt.Errorf("slabinfo: %w", err)
	}
	return 0, nil
}

// ProcSlabinfo is /proc/slabinfo, one read() a 4 KiB chunk, each under
// slab_mutex: seek along the list of caches, the roots alone, to where the
// last read stopped, and print root lines; there are no children. See
// slab.Core.ReadProcSlabinfo.
func (r *Registry) ProcSlabinfo(t *kern.Task, readBytes int) (roots, children int) {
	return r.ReadProcSlabinfo(t, slab.SlabinfoList{RootsOnly: true, Sum: r.SumListed}, readBytes)
}

// objcgOf returns m's obj_cgroup, the design's state of a memcg.
func objcgOf(m *slab.Memcg) *objCgroup { return m.Design.(*objCgroup) }

// paths are this design's versions of the core's paths (slab.Paths).
type paths struct{ r *Registry }

// CreateChild is never called: Alloc has no miss.
func (p paths) CreateChild(t *kern.Task, m *slab.Memcg, root *slab.Cache) {
	panic("objcg: a child cache creation, which this design has not")
}

// OfflineCaches is memcg_offline_kmem with css_set_lock held: reparent the
// obj_cgroup (a list splice); there are no caches to deactivate.
func (p paths) OfflineCaches(t *kern.Task, m *slab.Memcg) {}

// FinishOffline is the end of memcg_reparent_objcgs, css_set_lock
// dropped: percpu_ref_kill of the obj_cgroup's reference. If no object
// holds it, the kill's RCU callback releases it a grace period later;
// else the last uncharge does.
func (p paths) FinishOffline(t *kern.Task, m *slab.Memcg) {
	o := objcgOf(m)
	if o.total.Load() == 0 {
		p.r.RCU.Call(t, p.r.Costs.GracePeriod, func(t *kern.Task) { p.r.release(t, o) })
	}
}

// ListLock is css_set_lock, which offline holds to reparent; a memcg's cache
// list is always empty.
func (p paths) ListLock(*slab.Memcg) *kern.Mutex { return p.r.cssSetLock }

// PagesGone is never called: there are no child caches.
func (p paths) PagesGone(*kern.Task, *slab.Cache) {}
