// Package designs defines the Registry interface that every model of the
// memcg kmem cache registry implements, the handles, errors, costs and
// counters they share, and documents how each method maps to the kernel.
//
// Two designs are the two states of Linux commit bd67314586 ("memcg, slab:
// simplify synchronization scheme", v3.16), and later ones the kernels
// that followed (see "The kernels after bd67314586" below):
//
//   - designs/old: before the commit. Each memcg has its own
//     slab_caches_mutex; memcg offline defers cache destruction to kworkers.
//     Order: cgroup_mutex -> activate_kmem_mutex -> slab_mutex ->
//     memcg::slab_caches_mutex.
//   - designs/new: at the commit. One global memcg_slab_mutex; offline
//     destroys synchronously. Order: cgroup_mutex -> activate_kmem_mutex ->
//     memcg_slab_mutex -> slab_mutex.
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
//	                                                   per child: cancel_work_sync, then child destroy*;    child: child destroy*; slab_mutex {Shutdown};
//	                                                   slab_mutex {Shutdown}; [GracePeriod] {Release}       [GracePeriod] {Release}
//	ActivateMemcg  C+B  mkdir; the write of memory.    mkdir: cgroup_mutex, released; then                  mkdir: cgroup_mutex, released; then
//	                    kmem.limit_in_bytes ->         activate_kmem_mutex -> kmemcg_ida; -> slab_mutex     activate_kmem_mutex -> kmemcg_ida; ->
//	                    memcg_activate_kmem,           {WalkPerCache x every cache, GrowPerRoot per root    memcg_slab_mutex -> slab_mutex {WalkPerCache x
//	                                                   when the id does not fit}                            every cache, GrowPerRoot ...}
//	                    memcg_update_all_caches        (no cgroup_mutex: how container runtimes activated it)
//	OfflineMemcg   E    css_offline ->                 cgroup_mutex {Reparent} -> memcg::slab_caches_mutex  cgroup_mutex {Reparent} -> memcg_slab_mutex, per cache:
//	                    mem_cgroup_destroy_all_caches  (mark dead, queue each cache's destroy work);        {Shrink}, and if nr_pages is then 0 the child
//	                    (3.15), memcg_unregister_all_  kworker (kmem_cache_destroy_work_func): if nr_pages  destroy* (under it); else the cache stays,
//	                    caches (3.16)                  is 0 the child destroy*, else {Shrink}               dead, until its root's destroy
//	RemoveMemcg    E    rmdir -> css_killed_work_fn    cgroup_mutex: refuse allocations, queue               same
//	                                                   OfflineMemcg on cgroup_destroy_wq (one at a time)
//	Lookup         D    cache_from_memcg_idx, under    no lock, no cost: the slot and the liveness of both  same
//	                    rcu_read_lock                  handles; false sends the caller to Alloc
//	Alloc          D    memcg_kmem_get_cache           no lock: lock-free lookup; a miss costs {Miss} and   same
//	                                                   queues create work
//	(create work)  D    memcg_create_kmem_cache        slab_mutex {Create} -> memcg::slab_caches_mutex      memcg_slab_mutex -> slab_mutex {Create}; list add
//	                                                   (fill slot, list add)                                and fill slot under memcg_slab_mutex
//	Shrink         G    kmem_cache_shrink              {Shrink}, no lock (hotplug locks not modelled)        same
//	Slabinfo       H    memory.kmem.slabinfo           memcg::slab_caches_mutex {SlabinfoPerCache each}     memcg_slab_mutex {SlabinfoPerCache each}
//	ProcSlabinfo   I    /proc/slabinfo (s_show; a      per read: slab_mutex {WalkPerCache x the positions   same
//	                    read() per 4 KiB chunk, see    of slab_caches, children included, up to the
//	                    below)                         chunk's end; SlabinfoPerCache per root line;
//	                                                   SlabinfoPerChild per child in its slots}
//	Charge,        J    memcg_charge_slab,             no lock: atomic page count; a dead cache's last      no lock: atomic page count; nothing at the
//	Uncharge            memcg_uncharge_slab            page queues its destroy work again                   last page (__memcg_uncharge_slab)
//	                    (memcg_release_pages, 3.15)    (mem_cgroup_destroy_cache, unless pending)
//	Free,          J    kmem_cache_free, kfree_rcu;    no lock: the slabs become empty; up to KeepEmpty     same
//	FreeRCU             SLUB's __slab_free and         kept (SLUB's min_partial), the rest freed: pages
//	                    discard_slab                   uncharged at once, or a grace period later for a
//	                                                   SLAB_DESTROY_BY_RCU cache (call_rcu)
//	Quiesce        -    flush_workqueue                waits for offlines, create and destroy work          waits for offlines and create work
//
//	* child destroy (kmem_cache_destroy of a child):
//	  old: slab_mutex: clear slot, memcg::slab_caches_mutex (list del) released, {Shutdown}; slab_mutex
//	       released; [GracePeriod] {Release} under the caller's locks (none in the destroy work,
//	       activate_kmem_mutex in root destroy)
//	  new: memcg_slab_mutex held by the caller: clear slot, list del; slab_mutex {Shutdown}; slab_mutex
//	       released; [GracePeriod] {Release}, still under memcg_slab_mutex
//	{Shrink} is Costs.Shrink + Costs.ShrinkIPI + N x Costs.ShrinkPerCPU + CPUs x Costs.ShrinkPoll, N the CPUs holding a slab of
//	the cache (flush_all's on_each_cpu_cond: Config.CacheCPUs for a child, every CPU for a root); it
//	frees the cache's kept empty slabs (at once, or a grace period later for a SLAB_DESTROY_BY_RCU
//	cache, whose pages a shrink at offline so leaves above 0); [GracePeriod] is
//	rcu_barrier() (Task.RCUBarrier: a sleep; concurrent callers share barriers as _rcu_barrier's
//	barrier_mutex and n_barrier_done make them), for SLAB_DESTROY_BY_RCU caches only
//	(Config.RCUShare).
//
// A read of /proc/slabinfo is what cat or slabtop makes of it: read() calls
// of the reader's size (cat's 128 KiB, ReadBytesCat; slabtop's stdio 1 KiB,
// ReadBytesStdio, which the workloads' readers use) until one returns
// nothing. Each read() that seq_read's buffer (a 4 KiB page, SeqChunkBytes;
// line and header sizes measured on the dev VM) cannot serve from what an
// earlier one printed takes slab_mutex in s_start, walks the list from its
// head to where the last fill stopped (seq_list_start), prints whole root
// lines until it has the bytes asked for or one does not fit, and drops
// slab_mutex in s_stop; the reader is then in user space. cat's reads take
// a 4 KiB chunk each, slabtop's about a KiB (SlabinfoSeeks counts them). In every kernel to v4.10 the list is slab_caches, where
// kmem_cache_create adds every cache, child caches included, at the head:
// each read steps over every child, live or dead (510ded33e075's changelog
// says it). Each root's line also sums every child's counts
// (memcg_accumulate_slabinfo: get_slabinfo per child, SlabinfoPerChild).
// The workloads.DeadSlabinfo scenario measures both against dead caches.
//
// The paths marked "same" are implemented once, in the shared core both
// designs embed, so the design packages hold exactly what bd67314586 changed.
//
// # What the model leaves out or changes
//
//   - cgroup_destroy_wq's max_active of 1 is per CPU (a bound workqueue),
//     but offline_css holds cgroup_mutex throughout, so offlines run one at
//     a time either way, as the model's single worker runs them. RemoveMemcg
//     queues the offline a grace period after rmdir
//     (percpu_ref_kill_and_confirm's call_rcu_sched), on the registry's RCU
//     callback queue, which also frees the slabs of SLAB_DESTROY_BY_RCU
//     caches and kfree_rcu'd objects: one grace period, Costs.GracePeriod,
//     for every flavour.
//   - Objects and pages: a child cache counts its slab pages (nr_pages) and
//     those of them that are empty slabs the allocator keeps
//     (Config.KeepEmpty, SLUB's min_partial); a slab is one page. The
//     workloads give a container's objects lifetimes (workloads.Objects);
//     what offline finds in a cache decides its path. SLUB's per-CPU slabs
//     and per-CPU partial lists are folded into the kept empty slabs.
//   - The CPU and memory hotplug read locks (no hotplug events are modelled,
//     so they would add the same cost to both designs).
//   - The kernel's "race left in both": create work queued before offline or
//     root destroy may run after it and create a child that is never
//     destroyed. Both designs drop such work instead and count it
//     (Snapshot.CreateDropped), so the invariants can be checked.
//   - A dead cache (one that held pages when offline looked at it) stays
//     listed until its root is destroyed in the new design, and in the old
//     until its last page is freed (memcg_release_pages queues its destroy
//     work again, 3.15), which SLUB's kept empty slabs prevent unless
//     something shrinks it. bd67314586's parent (c67a8a685a6e) had already
//     dropped that queueing (1e32e77f95d6); the old design follows the 3.15
//     release there (package old). The memcg keeps its kmemcg id until its
//     last cache is gone.
//   - Root caches have one reference each (no cache merging), and their
//     names are unique among live roots.
//   - /proc/slabinfo's get_slabinfo is a fixed cost (SlabinfoPerCache a
//     root line, SlabinfoPerChild a child): SLUB's count_partial takes each
//     node's list_lock with interrupts off and walks the whole partial list,
//     so a cache with a long one costs more, and contends with that cache's
//     slow paths, which the model does not; SLAB walked its full lists too
//     until v4.9 and v4.10 (bf00bd345804: "up to 1-2 seconds" for a 70 GB
//     dentry cache). SLAB's cache_reap, which skips its walk of slab_caches
//     when mutex_trylock(&slab_mutex) fails, is not modelled either.
//
// # The kernels after bd67314586
//
// Each later design is a package of its own, listed in designs/catalog,
// run by the same conformance suite, and built on the same core; what it
// changes is below, checked against the kernel source of its release
// (mm/slab_common.c, mm/memcontrol.c, mm/slub.c).
//
//   - designs/slabmutex, v4.0, d5b3cf7139b8 ("memcg: zap memcg_slab_caches
//     and memcg_slab_mutex", Vladimir Davydov): the per-memcg list and
//     memcg_slab_mutex are gone; slab_mutex guards everything, and a
//     memcg's caches are found by walking slab_caches. With it in v4.0:
//     the children of one root linked in a list (426589f571f7), the slots
//     freed at offline (2a4db7eb9391), the kmemcg id freed at offline and
//     list_lrus reparented (2788cf0c401c), the shrink at offline
//     (d6e0b7fa1186). Order: cgroup_mutex -> memcg_limit_mutex ->
//     memcg_cache_ids_sem -> slab_mutex (get_online_cpus and
//     get_online_mems, before slab_mutex, are left out with the other
//     hotplug locks).
//   - designs/createwq, v4.10, "mm: memcontrol: use special workqueue for
//     creating per-memcg caches" (Davydov, kernel bugzilla 172981): child
//     creation on memcg_kmem_cache_create_wq, an ordered workqueue
//     (alloc_ordered_workqueue: one item at a time), instead of system_wq;
//     and offline's shrink of v4.10 (89e364db71fb): one synchronize_sched()
//     per offline, slab_mutex dropped, cgroup_mutex held.
//   - designs/asyncdestroy, v4.11, Tejun Heo's "slab: make memcg slab
//     destruction scalable": a list of a memcg's caches again
//     (memcg->kmem_caches) and of the roots (slab_root_caches), so no path
//     walks every cache; deactivation and the release of
//     SLAB_DESTROY_BY_RCU caches move to work items, so no lock is held
//     across a grace period; creation and deactivation run on
//     memcg_kmem_cache_wq (alloc_workqueue("memcg_kmem_cache", 0, 1)).
//   - designs/objcg, v5.9, Roman Gushchin's "new cgroup slab memory
//     controller": objects are charged one by one to the memcg's
//     obj_cgroup and every memcg allocates from the roots themselves; no
//     per-memcg caches, memory.kmem.slabinfo an empty file
//     (Design.SharedCaches).
//
// The mutex changed under them too: from v4.10 on (Peter Zijlstra's
// 9d659ae14b54 "locking/mutex: Add lock handoff to avoid starvation" and
// Waiman Long's b341afb325eb "locking/mutex: Enable optimistic spinning of
// woken waiter"), a waiter woken first on the wait list that finds the
// lock taken sets MUTEX_FLAG_HANDOFF and spins, and the next release gives
// it the lock, where to v4.9 a spinner or running task could take the
// lock from it at every release. Design.Mutex says which each design runs
// on: kern.KernelMutex for old, new and slabmutex, kern.HandoffKernelMutex
// for createwq, asyncdestroy and objcg.
//
// The methods of slabmutex and createwq ({X} a Costs field worked under
// the locks before it, [GracePeriod] a grace period's sleep):
//
//	CreateRoot     kmem_cache_create: slab_mutex {Create}
//	DestroyRoot    kmem_cache_destroy: slab_mutex (mark dying); slab_mutex, per child on the
//	               root's list, live or dead: clear slot, {Shutdown}; the root {Shutdown};
//	               released; one [GracePeriod] if any is SLAB_DESTROY_BY_RCU; {Release} each
//	ActivateMemcg  slabmutex: mkdir (cgroup_mutex, released), then the kmem limit's write ->
//	               memcg_activate_kmem: memcg_limit_mutex -> kmemcg_ida; createwq (every
//	               memcg accounts kmem from v4.6): css_alloc -> memcg_online_kmem under
//	               cgroup_mutex -> kmemcg_ida. When the id does not fit
//	               (memcg_update_all_caches): -> memcg_cache_ids_sem -> slab_mutex
//	               {WalkPerCache x every cache, GrowPerRoot per root}; released;
//	               -> list_lrus_mutex {ListLRUs} (memcg_update_all_list_lrus)
//	OfflineMemcg   css_offline -> memcg_deactivate_kmem_caches: cgroup_mutex -> slab_mutex
//	               {WalkPerCache x every cache; per cache of the memcg: clear slot, mark it
//	               dead (its free slabs go at once from now), slabmutex: kick_all_cpus_sync
//	               {ShrinkIPI + CPUs x ShrinkPerCPU}, {Shrink}}; queue css_free if no page
//	               is left. createwq: after the first
//	               walk slab_mutex is dropped for one synchronize_sched() (a grace period's
//	               sleep, Costs.GracePeriod, not shared as rcu_barrier()s are)
//	               with cgroup_mutex held, and a second walk shrinks. Then, slab_mutex
//	               released: list_lrus_mutex {ListLRUs} (memcg_drain_all_list_lrus)
//	(css_free)     css_release_work_fn, then css_free -> memcg_destroy_kmem_caches, one
//	               kworker per CPU: cgroup_mutex (the release); slab_mutex {WalkPerCache x
//	               every cache; per cache of the memcg: {Shutdown}}; released; one
//	               [GracePeriod] if any is SLAB_DESTROY_BY_RCU; {Release} each
//	(create work)  memcg_create_kmem_cache on system_wq (slabmutex) or
//	               memcg_kmem_cache_create_wq (createwq): slab_mutex, a voluntary
//	               preemption point (kasprintf GFP_KERNEL), {Create}, fill slot
//	Slabinfo       memory.kmem.slabinfo, a seq_file over slab_caches (memcg_slab_show):
//	               slab_mutex {WalkPerCache x every cache, SlabinfoPerCache per cache of
//	               the memcg}; the read() that finds the end: slab_mutex {WalkPerCache x
//	               every cache}
//	ProcSlabinfo   /proc/slabinfo, per read: slab_mutex {WalkPerCache x the positions of
//	               slab_caches up to the chunk's end, SlabinfoPerCache per root line,
//	               SlabinfoPerChild per child on the root's list, dead ones included}
//	Uncharge       memcg_uncharge_slab, css_put: atomic page count; an offline memcg's last
//	               page queues its css_free
//	Lookup, Alloc, Charge, Shrink, RemoveMemcg: as in old and new.
//
// The methods of asyncdestroy (v4.11):
//
//	DestroyRoot    slab_mutex, per child on the root's list (shutdown_memcg_caches): clear
//	               slot, {Shutdown}, then {Release} or, for an RCU cache, onto
//	               slab_caches_to_rcu_destroy; the root the same
//	ActivateMemcg  as createwq, but the walk is of slab_root_caches {WalkPerCache x roots}
//	OfflineMemcg   cgroup_mutex -> slab_mutex {WalkPerCache x roots; per cache: clear slot,
//	               queue its deactivation, pinning the memcg}; queue css_free if nothing
//	               pins it and no page is left; slab_mutex released: list_lrus_mutex
//	               {ListLRUs}
//	(deactivate)   kmemcg_deactivate_workfn on memcg_kmem_cache_wq, queued a grace period
//	               after offline: slab_mutex {Shrink}; unpin
//	(css_free)     one kworker per CPU: cgroup_mutex (the release); slab_mutex, per cache
//	               on the memcg's list: {Shutdown}, then {Release} or onto the RCU list
//	(RCU release)  slab_caches_to_rcu_destroy_workfn on system_wq: slab_mutex (take the
//	               list); [GracePeriod]; {Release} each
//	(create work)  memcg_kmem_cache_wq: slab_mutex, a voluntary preemption point, {Create},
//	               fill slot
//	Slabinfo       slab_mutex {SlabinfoPerCache per cache on the memcg's list}
//	ProcSlabinfo   per read: slab_mutex {WalkPerCache x the positions of slab_root_caches
//	               (510ded33e075) up to the chunk's end, SlabinfoPerCache per root line,
//	               SlabinfoPerChild per child on the root's list, dead ones included}
//	Charge, Uncharge, Lookup, Alloc: as slabmutex
//
// The methods of objcg (v5.9):
//
//	DestroyRoot    slab_mutex {Shutdown}, then {Release} or, for an RCU root, the batched
//	               release on system_wq (as since v4.11)
//	ActivateMemcg  memcg_online_kmem: cgroup_mutex -> kmemcg_ida; when the id does not fit:
//	               -> memcg_cache_ids_sem -> list_lrus_mutex {ListLRUs}
//	               (memcg_update_all_list_lrus; the roots have no arrays)
//	OfflineMemcg   memcg_offline_kmem: cgroup_mutex -> css_set_lock: reparent the
//	               obj_cgroup; released: kill its reference; -> list_lrus_mutex
//	               {ListLRUs} (memcg_drain_all_list_lrus); the id is given back at once
//	(release)      obj_cgroup_release, at the last object's uncharge after offline, or a
//	               grace period after an offline that found none: css_set_lock
//	Slabinfo       no lock, no cost: an empty file
//	ProcSlabinfo   per read: slab_mutex {WalkPerCache x the positions of the roots up to
//	               the chunk's end, SlabinfoPerCache per root line}; no children
//	Lookup, Alloc  no lock: the memcg and the root live; always a hit (no miss, no create)
//	Charge,        an atomic count per memcg and root (the obj_cgroup's)
//	Uncharge
//
// What these designs change in the model, besides their locks:
//
//   - A dead cache leaves its slot at offline and is destroyed, with the
//     memcg's other caches, when the memcg is freed: at offline if they
//     hold no pages, else when the last page is uncharged (kmem pages pin
//     the css). Designs.DeactivateOnOffline tells the conformance suite.
//   - The model keeps the memcg's kmemcg id until its css_free, where the
//     kernel gives it back at offline (2788cf0c401c). Nothing reads the id
//     of an offline memcg (its slots are cleared), so only array growth
//     differs: ids of dead memcgs are not reused until they are freed.
//   - css_free runs on a queue with one kworker per CPU (Core.FreeWQ): it
//     takes no cgroup_mutex, so frees queued from different CPUs run at
//     once and share their rcu_barrier(), where offlines run one at a time.
//     The kernel runs offline, release and free on one workqueue,
//     cgroup_destroy_wq (one item a CPU), so a free queued on a CPU whose
//     item is an offline waiting for cgroup_mutex waits with it; the
//     model's separate queues do not make it wait.
//   - The walks of slab_caches are charged as one Work of WalkPerCache per
//     entry (an estimate), so the cost of a memcg's offline and free grows
//     with every cache on the system: mass destruction grows as N^2.
//   - v4.11 runs one offline's deactivations as one work item, in turn,
//     where the kernel queues one item a cache, all on the offlining CPU's
//     pool of memcg_kmem_cache_wq (max_active 1): the same order. The
//     model's workqueues have no CPU affinity, so a create work queued
//     meanwhile goes to any free kworker, where the kernel runs it on its
//     CPU after the deactivation running there.
//   - The calibrate workload, whose known answer is the throughput of
//     memory.kmem.slabinfo reads under their lock, does not run on objcg,
//     whose file is empty and takes no lock (workloads.Applies).
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
