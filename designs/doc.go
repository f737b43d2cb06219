// Package designs defines the Registry interface that every model of the
// memcg kmem cache registry implements, the handles, errors, costs and
// counters they share, and documents how each method maps to the kernel.
//
// Two designs implement it, the two states of Linux commit bd67314586
// ("memcg, slab: simplify synchronization scheme", v3.16):
//
//   - designs/old: before the commit. Each memcg has its own
//     slab_caches_mutex; memcg offline defers cache destruction to kworkers.
//     Order: activate_kmem_mutex -> slab_mutex -> memcg::slab_caches_mutex.
//   - designs/new: at the commit. One global memcg_slab_mutex; offline
//     destroys synchronously. Order: activate_kmem_mutex -> memcg_slab_mutex ->
//     slab_mutex.
//
// Both run on the kern shim, so every lock below is a kern.Mutex whose class
// has the kernel's name, and every heavy step is Task.Work of a Costs field.
// kmemcg_ida (the id allocator's own lock) nests inside everything.
//
// # Methods, kernel paths and locks
//
// The letters are the paths of shared/design/kernel-model.md. "->" nests the
// next lock inside the previous one; ";" releases before taking the next.
// {X} is the Costs field worked while the locks before it are held.
//
//	method        path  kernel function                old design                                           new design
//	CreateRoot     A    kmem_cache_create              slab_mutex {Create}                                  same
//	DestroyRoot    F    kmem_cache_destroy             slab_mutex (mark dying); activate_kmem_mutex,        slab_mutex (mark dying); memcg_slab_mutex, per
//	                                                   per child: cancel_work_sync, then child destroy*;    child: child destroy*; slab_mutex {Destroy}
//	                                                   slab_mutex {Destroy}
//	ActivateMemcg  C+B  memcg_activate_kmem,           activate_kmem_mutex -> kmemcg_ida; -> slab_mutex      activate_kmem_mutex -> kmemcg_ida; ->
//	                    memcg_update_all_caches        {GrowPerRoot per root, when the id does not fit}     memcg_slab_mutex -> slab_mutex {GrowPerRoot ...}
//	OfflineMemcg   E    mem_cgroup_destroy_all_caches  memcg::slab_caches_mutex (queue each cache's         memcg_slab_mutex, per cache: {Shrink}, and if no
//	                                                   destroy work); kworker: {Shrink}, and if no pages    pages the child destroy* (under it)
//	                                                   the child destroy*
//	Alloc          D    memcg_kmem_get_cache           no lock: lock-free lookup; a miss queues create work  same
//	(create work)  D    memcg_create_kmem_cache        slab_mutex {Create} -> memcg::slab_caches_mutex      memcg_slab_mutex -> slab_mutex {Create}; list add
//	                                                   (fill slot, list add)                                and fill slot under memcg_slab_mutex
//	Shrink         G    kmem_cache_shrink              {Shrink}, no lock (hotplug locks not modelled)        same
//	Slabinfo       H    memory.kmem.slabinfo           memcg::slab_caches_mutex {SlabinfoPerCache each}     memcg_slab_mutex {SlabinfoPerCache each}
//	ProcSlabinfo   I    /proc/slabinfo                 slab_mutex {SlabinfoPerCache per root; children      same
//	                                                   summed by lock-free lookups}
//	Charge,        J    memcg_charge_slab,             no lock: atomic page count                           same
//	Uncharge            memcg_uncharge_slab
//	Quiesce        -    flush_workqueue                waits for create and destroy work                    waits for create work
//
//	* child destroy (kmem_cache_destroy of a child):
//	  old: slab_mutex held throughout: clear slot, memcg::slab_caches_mutex (list del) released, {Destroy}
//	  new: memcg_slab_mutex held by the caller: clear slot, list del; then slab_mutex {Destroy}
//
// The paths marked "same" are implemented once, in the shared core both
// designs embed, so the design packages hold exactly what bd67314586 changed.
//
// # What the model leaves out or changes
//
//   - The CPU and memory hotplug read locks (no hotplug events are modelled,
//     so they would add the same cost to both designs).
//   - The kernel's "race left in both": create work queued before offline or
//     root destroy may run after it and create a child that is never
//     destroyed. Both designs drop such work instead and count it
//     (Snapshot.CreateDropped), so the invariants can be checked.
//   - A dead cache (one that held pages when offline looked at it) stays
//     listed until its root is destroyed; uncharging its last page does not
//     destroy it, in either design (kernel-model.md is silent on that path;
//     3.15 may have queued the destroy work again there). The memcg keeps its
//     kmemcg id until its last cache is gone.
//   - Root caches have one reference each (no cache merging), and their
//     names are unique among live roots.
//
// # Known flaws
//
// The old design keeps the race that bd67314586 removed (memcg offline
// against root cache destroy, kernel-model.md "The flaw"), detected instead of
// crashing: a second destroy of a child counts DoubleDestroy, destroy work
// that finds its child freed counts WorkOnDestroyed. Registry.Flaws declares
// them; the conformance suite in designs/designtest allows declared flaws and
// no others, and forces both interleavings deterministically.
package designs
