// Package createwq models the memcg kmem cache registry of Linux v4.10,
// after "mm: memcontrol: use special workqueue for creating per-memcg
// caches" (Vladimir Davydov): the v4.0 registry (package slabmutex), but
// child creation, which holds slab_mutex, runs on a workqueue of its own,
// memcg_kmem_cache_create_wq, ordered (one item at a time), instead of on
// system_wq. Creating many cgroups at once had tied up every system_wq
// worker on slab_mutex and stalled unrelated system work (kernel bugzilla
// 172981); now the creations queue behind each other and nothing else
// waits for them.
//
// The rest is v4.0's (slab_mutex alone, a memcg's caches found by walking
// slab_caches, destroyed when the memcg is freed) but for offline's shrink,
// which since v4.7 waits for a grace period: in v4.10 one
// synchronize_sched() per offline, with slab_mutex dropped and cgroup_mutex
// held (89e364db71fb), between two walks of slab_caches.
//
// Lock order: cgroup_mutex -> memcg_cache_ids_sem -> slab_mutex (->
// kmemcg_ida, kernfs_mutex): every memcg is activated in css_alloc under
// cgroup_mutex (v4.6 on), with no memcg_limit_mutex. The audit of its
// paths against v4.10 is package globalwalk's.
package createwq

import (
	"memcgbench/designs"
	"memcgbench/designs/internal/globalwalk"
	"memcgbench/kern"
)

// Design is this design as the list of designs (designs/catalog) holds it.
var Design = designs.Design{
	Name:    "createwq",
	Mutex:   kern.HandoffKernelMutex,
	Kernel:  "v4.10 (memcg_kmem_cache_create_wq)",
	Summary: "v4.0's slab_mutex-only registry; child creation on an ordered workqueue of its own",
	Why:     "creating many cgroups at once filled system_wq with cache creations asleep on slab_mutex and stalled unrelated system work (kernel bugzilla 172981; Davydov, merged for v4.10)",
	New:     designs.Constructor(New),
	// memory.kmem.slabinfo walks slab_caches under slab_mutex.
	SlabinfoReaders: func(workers, memcgs, cpus int) int { return 1 },
	// Offline and css_free still walk every cache of the system.
	DestroyGrowth: 2,
	// Creations wait on their own workqueue, not system_wq.
	CreateStalls: false,
	// /proc/slabinfo still seeks along slab_caches, children included.
	SlabinfoSeeksChildren: true,
	DeactivateOnOffline:   true,
	// Dead caches discard their free slabs at once (d6e0b7fa1186, v4.0).
	DiscardDead: true,
	// Offline holds cgroup_mutex across its synchronize_sched().
	GraceHolders: []string{"cgroup_mutex"},
}

// Registry is the v4.10 registry. Create it with New.
type Registry = globalwalk.Registry

// New returns an empty registry running on rt.
func New(rt *kern.Runtime, cfg designs.Config) (*Registry, error) {
	return globalwalk.New(rt, cfg, globalwalk.Options{Name: "createwq", CreateWorkqueue: "memcg_kmem_cache_create", SyncSchedOnOffline: true, OnlineKmem: true})
}
