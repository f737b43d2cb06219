// Package slabmutex models the memcg kmem cache registry of Linux v4.0,
// after d5b3cf7139b8 ("memcg: zap memcg_slab_caches and memcg_slab_mutex",
// Vladimir Davydov): the per-memcg cache list and memcg_slab_mutex are
// gone, and slab_mutex alone guards every cache list and array. A memcg's
// caches are found by walking the global slab_caches list, so taking a
// memcg offline and freeing it each cost time in every cache of the
// system, under slab_mutex; destroying N memcgs at once costs N^2.
//
// Offline only deactivates a memcg's caches (clears their slots and
// shrinks them); they are destroyed together when the memcg is freed
// (css_free, once they hold no pages), with one rcu_barrier() for them
// all. Child creation still runs on system_wq and holds slab_mutex.
//
// Lock order: cgroup_mutex -> memcg_limit_mutex -> memcg_cache_ids_sem ->
// slab_mutex (-> kmemcg_ida, kernfs_mutex); activation takes
// memcg_limit_mutex on the kmem limit's write, after mkdir's cgroup_mutex
// is dropped. The audit of its paths against v4.0 is package
// globalwalk's. The CPU and memory hotplug locks the kernel
// takes before slab_mutex (get_online_cpus, get_online_mems) are left out,
// as in every design here.
package slabmutex

import (
	"memcgbench/designs"
	"memcgbench/designs/internal/globalwalk"
	"memcgbench/kern"
)

// Design is this design as the list of designs (designs/catalog) holds it.
var Design = designs.Design{
	Name:    "slabmutex",
	Mutex:   kern.KernelMutex,
	Kernel:  "v4.0 (d5b3cf7139b8)",
	Summary: "slab_mutex alone; a memcg's caches found by walking every cache (slab_caches), destroyed when the memcg is freed",
	Why:     "to simplify again: with caches deactivated at offline and destroyed when the memcg is freed, memcg_slab_mutex and the per-memcg list were dropped, and a memcg's caches found by walking slab_caches (Davydov, d5b3cf7139b8)",
	New:     designs.Constructor(New),
	// memory.kmem.slabinfo of every memcg walks slab_caches under
	// slab_mutex: one read at a time.
	SlabinfoReaders: func(workers, memcgs, cpus int) int { return 1 },
	// Offline and css_free of each memcg walk every cache of the system.
	DestroyGrowth: 2,
	// Child creation is queued on system_wq and holds slab_mutex.
	CreateStalls: true,
	// /proc/slabinfo seeks along slab_caches, children included.
	SlabinfoSeeksChildren: true,
	DeactivateOnOffline:   true,
	// Dead caches discard their free slabs at once (d6e0b7fa1186, v4.0).
	DiscardDead: true,
}

// Registry is the v4.0 registry. Create it with New.
type Registry = globalwalk.Registry

// New returns an empty registry running on rt.
func New(rt *kern.Runtime, cfg designs.Config) (*Registry, error) {
	return globalwalk.New(rt, cfg, globalwalk.Options{Name: "slabmutex"})
}
