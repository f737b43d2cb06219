// Package new models the memcg kmem cache registry at Linux commit
// bd67314586 ("memcg, slab: simplify synchronization scheme", v3.16): one
// global memcg_slab_mutex guards every memcg's cache list and every write of
// the per-memcg arrays, and a memcg going offline shrinks and destroys its
// caches synchronously, under that mutex. There is no destroy work.
//
// Lock order: cgroup_mutex -> activate_kmem_mutex -> memcg_slab_mutex ->
// slab_mutex (-> kmemcg_ida, the id allocator's own lock; -> kernfs_mutex);
// offline takes cgroup_mutex -> memcg_slab_mutex -> slab_mutex.
//
// # Audit against v3.16 (bd67314586)
//
// As the old design's audit (package old), but for these:
//
//   - ActivateMemcg: the limit write's memcg_activate_kmem:
//     activate_kmem_mutex -> kmemcg_ida; -> memcg_slab_mutex -> slab_mutex
//     {WalkPerCache a cache of slab_caches, GrowPerRoot a root if the id
//     does not fit}.
//   - create work: memcg_register_cache_func on system_wq:
//     memcg_slab_mutex; skip if the slot is filled; -> slab_mutex {Create},
//     -> kernfs_mutex {Sysfs}; back under memcg_slab_mutex only: list add,
//     fill the slot.
//   - OfflineMemcg: css_killed_work_fn -> mem_cgroup_css_offline ->
//     memcg_unregister_all_caches on cgroup_destroy_wq: cgroup_mutex
//     {Reparent} -> memcg_slab_mutex: per cache kmem_cache_shrink {Shrink, ShrinkIPI,
//     ShrinkPerCPU x Config.CacheCPUs, ShrinkPoll x CPUs}; if nr_pages is then 0,
//     memcg_unregister_cache: clear the slot, list del, kmem_cache_destroy:
//     slab_mutex {Shutdown}; kernfs_mutex {Sysfs}, [GracePeriod] for a
//     SLAB_DESTROY_BY_RCU cache, {Release}, all still under cgroup_mutex
//     and memcg_slab_mutex. A cache with pages after the shrink (objects
//     that outlive the container; a SLAB_DESTROY_BY_RCU cache, whose
//     slabs the shrink frees a grace period later) is left dead, in its
//     slot.
//   - Charge, Uncharge, Free, FreeRCU: __memcg_charge_slab,
//     __memcg_uncharge_slab: counts only; no dead flag, nothing queued at
//     a dead cache's last page (bd67314586 removed the destroy work, and
//     its parent's 1e32e77f95d6 the queueing from there).
//   - DestroyRoot: kmem_cache_destroy: slab_mutex (refcount drop); slab_
//     mutex dropped for memcg_cleanup_cache_params: memcg_slab_mutex, per
//     filled slot memcg_unregister_cache and the child's destroy as at
//     offline, dead children with pages included; then the root.
//   - Slabinfo: memory.kmem.slabinfo, memcg_slab_mutex {SlabinfoPerCache a
//     cache}: readers of every memcg, creates, offlines and root destroys
//     all take it.
//
// Serializing every slot and list change and every child destroy under one
// mutex removes the old design's offline-vs-root-destroy race; the price is
// that offline holds memcg_slab_mutex for (its caches) x shrink, plus a
// destroy for each cache left empty, root destroy for (its children) x
// destroy, each child creation for the whole create, and every
// memory.kmem.slabinfo read of every memcg takes it too. A destroy
// includes, for SLAB_DESTROY_BY_RCU caches, the rcu_barrier() that
// kmem_cache_destroy sleeps in after dropping slab_mutex: under
// memcg_slab_mutex here. Offline seldom pays it: such a cache frees the
// slabs its shrink discards only a grace period later, so it still holds
// pages when offline looks and is left dead; root destroy pays it.
//
// The second price is memory: a cache left dead at offline (one whose
// objects outlive the container, or a SLAB_DESTROY_BY_RCU one) stays,
// with its slot, its pages and its memcg's kmemcg id, until its root is
// destroyed, since nothing destroys it when its last page goes.
package new

import (
	"fmt"

	"memcgbench/designs"
	"memcgbench/designs/internal/slab"
	"memcgbench/kern"
)

// Design is this design as the list of designs (designs/catalog) holds it.
var Design = designs.Design{
	Name:    "new",
	Mutex:   kern.KernelMutex,
	Kernel:  "v3.16 (bd67314586)",
	Summary: "one global memcg_slab_mutex; offline shrinks and destroys its caches synchronously under it",
	Why:     "to remove the offline-vs-root-destroy race by putting every list and slot change under one mutex, which \"shouldn't hurt concurrency a lot\" (Vladimir Davydov, bd67314586)",
	New:     designs.Constructor(New),
	// memory.kmem.slabinfo of every memcg takes the global
	// memcg_slab_mutex: one read at a time.
	SlabinfoReaders: func(workers, memcgs, cpus int) int { return 1 },
	// Offline walks the memcg's own cache list: destroying N memcgs' caches
	// takes time linear in N.
	DestroyGrowth: 1,
	// Child creation is queued on system_wq and holds slab_mutex.
	CreateStalls: true,
	// /proc/slabinfo seeks along slab_caches, children included.
	SlabinfoSeeksChildren: true,
	// Offline holds cgroup_mutex and memcg_slab_mutex across the
	// rcu_barrier() of every SLAB_DESTROY_BY_RCU cache it destroys.
	GraceHolders: []string{"cgroup_mutex", "memcg_slab_mutex"},
	// Nothing destroys a dead cache but its root's destroy.
	DeadCachesStay: func(bool) bool { return true },
}

// memcgSlabClass is the class of the global memcg_slab_mutex.
var memcgSlabClass = kern.NewClass("memcg_slab_mutex")

// Registry is the registry at bd67314586. Create it with New.
type Registry struct {
	*slab.Core
	// memcgSlab guards every memcg's list and every slot write.
	memcgSlab *kern.Mutex
}

var _ designs.Registry = (*Registry)(nil)

// New returns an empty registry running on rt. It declares the design's lock
// order to rt and fails with designs.ErrBadConfig if cfg is out of range.
func New(rt *kern.Runtime, cfg designs.Config) (*Registry, error) {
	r := &Registry{memcgSlab: kern.NewMutex(memcgSlabClass)}
	core, err := slab.NewCore(rt, cfg, paths{r})
	if err != nil {
		return nil, fmt.Errorf("new: %w", err)
	}
	r.Core = core
	core.SetReparent()
	rt.DeclareOrder(slab.CgroupMutexClass, slab.ActivateMutexClass, memcgSlabClass, slab.SlabMutexClass, slab.IDAClass, slab.KernfsMutexClass)
	return r, nil
}

// Name returns "new".
func (r *Registry) Name() string { return "new" }

// Flaws returns nil: the design is known to have no anomaly.
func (r *Registry) Flaws() []designs.Flaw { return nil }

// ActivateMemcg is mkdir (Core.Mkdir), then the write of
// memory.kmem.limit_in_bytes that activates kmem accounting
// (memcg_update_kmem_limit -> memcg_activate_kmem, no cgroup_mutex; see
// the old design's): under activate_kmem_mutex take an id, then grow
// every root's array under memcg_slab_mutex and slab_mutex.
// With designs.Config.ActivateAtOnline the mkdir's css_online does it
// instead (memcg_propagate_kmem, cgroup_mutex held: Core.BeginActivation).
func (r *Registry) ActivateMemcg(t *kern.Task) (designs.Memcg, error) {
	defer r.BeginActivation(t)()
	t.Lock(r.ActivateMutex)
	defer t.Unlock(r.ActivateMutex)
	m, err := r.NewMemcg(t, nil)
	if err != nil {
		return nil, fmt.Errorf("activate memcg: %w", err)
	}
	t.Lock(r.memcgSlab)
	t.Lock(r.SlabMutex)
	r.WalkAllCaches(t)
	r.GrowAll(t, m.ID())
	t.Unlock(r.SlabMutex)
	t.Unlock(r.memcgSlab)
	r.Activated()
	return m, nil
}

// offline is memcg_unregister_all_caches (mm/memcontrol.c of 3.16), run
// by css_offline with cgroup_mutex and memcg_slab_mutex held: walk the
// memcg's list; shrink each cache (kmem_cache_shrink) and destroy it if
// nr_pages is then 0. A cache whose objects outlive the container keeps
// pages, and a SLAB_DESTROY_BY_RCU cache frees the slabs the shrink
// discards only a grace period later, so both stay listed, dead, with
// their slots filled, until their root is destroyed: 3.16 destroys no
// dead cache when its last page goes (PagesGone), and so no
// SLAB_DESTROY_BY_RCU cache's rcu_barrier() is paid here unless the cache
// never held a page.
func (r *Registry) offline(t *kern.Task, m *slab.Memcg) {
	for _, c := range m.Caches() {
		r.ShrinkCache(t, c)
		if c.Pages.Load() == 0 {
			r.destroyChild(t, c)
		}
	}
}

// destroyChild is memcg_unregister_cache then kmem_cache_destroy of a child,
// with memcg_slab_mutex held by the caller: clear the slot, take the cache off
// its memcg's list, shut it down under slab_mutex, then, with slab_mutex
// dropped but memcg_slab_mutex still held, rcu_barrier() for a
// SLAB_DESTROY_BY_RCU cache and the release.
func (r *Registry) destroyChild(t *kern.Task, c *slab.Cache) {
	t.Point("cache-destroy:begin")
	if !r.ClaimDestroy(c) {
		return // cannot happen under memcg_slab_mutex; counted if it does
	}
	slab.SetSlot(c.Root, c.Memcg.ID(), nil)
	c.Memcg.RemoveCache(c)
	r.MaybeFree(t, c.Memcg)
	t.Lock(r.SlabMutex)
	r.ShutdownChild(t, c)
	t.Unlock(r.SlabMutex)
	r.ReleaseChild(t, c)
}

// DestroyRoot is kmem_cache_destroy of a root. After the refcount drop under
// slab_mutex, the children loop (memcg_cleanup_cache_params) runs under
// memcg_slab_mutex, so no offline, creation or other destroy interleaves.
func (r *Registry) DestroyRoot(t *kern.Task, rh designs.Root) error {
	root, err := r.BeginDestroyRoot(t, rh)
	if err != nil {
		return err
	}
	t.Lock(r.memcgSlab)
	for _, c := range slab.Children(root) {
		t.Point("root-destroy:child")
		r.destroyChild(t, c)
	}
	t.Unlock(r.memcgSlab)
	r.FinishDestroyRoot(t, root)
	return nil
}

// createChild is the create worker (memcg_create_kmem_cache): under
// memcg_slab_mutex skip if the child exists or the memcg is offline; create
// the cache and put it on the global list under slab_mutex; then, back under
// memcg_slab_mutex only, put it on the memcg's list and fill the slot.
func (r *Registry) createChild(t *kern.Task, m *slab.Memcg, root *slab.Cache) {
	t.Lock(r.memcgSlab)
	defer t.Unlock(r.memcgSlab)
	if r.SkipCreate(m, root) {
		return
	}
	t.Lock(r.SlabMutex)
	if r.DropCreate(m, root) {
		t.Unlock(r.SlabMutex)
		return
	}
	child := r.NewChild(t, m, root)
	t.Unlock(r.SlabMutex)
	m.AddCache(child)
	slab.SetSlot(root, m.ID(), child)
}

// listLock returns the lock of every memcg's cache list: the global
// memcg_slab_mutex. So Slabinfo (memory.kmem.slabinfo) readers of different
// memcgs serialize with each other and with every create, shrink-on-offline
// and destroy.
func (r *Registry) listLock(*slab.Memcg) *kern.Mutex { return r.memcgSlab }

// paths are this design's versions of the paths bd67314586 changed
// (slab.Paths).
type paths struct{ r *Registry }

func (p paths) CreateChild(t *kern.Task, m *slab.Memcg, root *slab.Cache) {
	p.r.createChild(t, m, root)
}
func (p paths) OfflineCaches(t *kern.Task, m *slab.Memcg) { p.r.offline(t, m) }
func (p paths) ListLock(m *slab.Memcg) *kern.Mutex        { return p.r.listLock(m) }

// PagesGone does nothing: in 3.16 __memcg_uncharge_slab only uncharges,
// and a dead cache waits for its root's destroy (bd67314586 removed the
// destroy work that 3.15 queued there).
func (p paths) PagesGone(*kern.Task, *slab.Cache) {}
