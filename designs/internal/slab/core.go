package slab

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"memcgbench/designs"
	"memcgbench/designs/internal/kmem"
	"memcgbench/kern"
)

// Lock classes both designs have.
var (
	SlabMutexClass     = kern.NewClass("slab_mutex")
	ActivateMutexClass = kern.NewClass("activate_kmem_mutex")
	// CgroupMutexClass is cgroup_mutex, held by css_online (where a new
	// memcg's kmem accounting is activated, memcg_propagate_kmem) and by
	// css_offline (css_killed_work_fn -> offline_css), in 3.16's
	// kernel/cgroup.c; it is the outermost lock of both designs.
	CgroupMutexClass = kern.NewClass("cgroup_mutex")
	// KernfsMutexClass is kernfs_mutex, the one lock of every kernfs
	// tree (fs/kernfs/dir.c, 3.14 on): sysfs, where SLUB makes a
	// directory for each cache (sysfs_slab_add, sysfs_slab_remove), and
	// cgroupfs, where mkdir and rmdir make and remove a cgroup's. It is
	// the innermost lock of every design.
	KernfsMutexClass = kern.NewClass("kernfs_mutex")
	// ListLRUsMutexClass is list_lrus_mutex (mm/list_lru.c, v4.0 on),
	// which guards the list of memcg-aware list_lrus: held to grow their
	// per-memcg arrays (memcg_update_all_list_lrus) and to move an
	// offline memcg's items to its parent (memcg_drain_all_list_lrus).
	ListLRUsMutexClass = kern.NewClass("list_lrus_mutex")
)

// Core is what the two designs share: the structures, the counters, and the
// kernel paths whose locking bd67314586 did not change. A design embeds a
// Core and adds its own locks and its versions of the paths that changed.
type Core struct {
	// owner is the identity every cache and memcg of this registry
	// carries; first, as every hit reads it.
	owner *kmem.Owner

	Costs designs.Costs
	// WQ runs the deferred create (and, in the old design, destroy) work:
	// system_wq's kworkers. sharedWQ says it is designs.Config.SystemWQ,
	// which its owner closes.
	WQ       *kern.Workqueue
	sharedWQ bool
	// CreateWQ runs the create work: WQ unless the design gives child
	// creation a workqueue of its own (SetCreateWorkqueue).
	CreateWQ *kern.Workqueue
	// DestroyWQ is cgroup_destroy_wq (alloc_workqueue("cgroup_destroy", 0,
	// 1)): the offlines that RemoveMemcg queues, one at a time.
	DestroyWQ *kern.Workqueue
	// FreeWQ runs css_free (QueueFree) in the designs that destroy a
	// memcg's caches when it is freed: cgroup_destroy_wq too, but
	// css_free_work_fn takes no cgroup_mutex, and the queue is bound
	// (max_active 1 per CPU), so the frees queued from different CPUs'
	// RCU callbacks run at once, one kworker per CPU.
	FreeWQ *kern.Workqueue
	// CgroupMutex is cgroup_mutex.
	CgroupMutex *kern.Mutex
	// CPUs is the machine's CPU count, for the per-CPU costs, and
	// cacheCPUs designs.Config.CacheCPUs.
	CPUs, cacheCPUs int
	// RCU runs the RCU callbacks: the frees of SLAB_DESTROY_BY_RCU
	// caches' slabs and of kfree_rcu'd objects, and the queueing of
	// offlines a grace period after rmdir.
	RCU *kern.RCUQueue
	// Reap is SLAB's cache_reap: the frees of kept empty slabs reapEmpty
	// after a free (designs.Config.ReapEmpty; nil for SLUB).
	Reap      *kern.RCUQueue
	reapEmpty time.Duration
	// keepEmpty is designs.Config.KeepEmpty, and discardDead says that a
	// dead cache keeps none (designs.Design.DiscardDead, SetDiscardDead).
	keepEmpty   int
	discardDead bool
	// reparent says that offline reparents the memcg's charges first
	// (Costs.Reparent, 3.15 and 3.16: SetReparent).
	reparent bool
	// ListLRUsMutex is list_lrus_mutex; listLRUs says that offline
	// drains the memcg's list_lrus into its parent's under it
	// (Costs.ListLRUs, v4.0 on: SetListLRUs).
	ListLRUsMutex *kern.Mutex
	listLRUs      bool
	// atOnline is designs.Config.ActivateAtOnline.
	atOnline bool
	// rcuShare is designs.Config.RCUShare.
	rcuShare float64
	// SlabMutex guards List, the roots' names and Dying flags; the old design
	// also writes the arrays under it.
	SlabMutex *kern.Mutex
	// ActivateMutex serializes memcg activation (activate_kmem_mutex).
	ActivateMutex *kern.Mutex
	// KernfsMutex is kernfs_mutex; childSysfs says that child caches
	// have a sysfs directory (to v4.10; from v4.11 only with
	// CONFIG_SLUB_MEMCG_SYSFS_ON, off by default: SetNoChildSysfs).
	KernfsMutex *kern.Mutex
	childSysfs  bool
	// List is the global cache list, slab_caches, under SlabMutex.
	List *List
	// IDs is the kmemcg id allocator.
	IDs *IDs
	// ArraySize is memcg_limited_groups_array_size: every root's array has at
	// least this many slots. Written under all of the design's array write
	// locks, which include SlabMutex, so CreateRoot reads it under SlabMutex.
	ArraySize int

	// paths are the design's own versions of the paths that changed.
	paths Paths

	// rcuDestroy is slab_caches_to_rcu_destroy (v4.11 on), under
	// slab_mutex: the SLAB_DESTROY_BY_RCU caches ShutdownCache shut down,
	// waiting for rcuWork (slab_caches_to_rcu_destroy_work, on system_wq)
	// to release them.
	rcuDestroy []*Cache
	rcuWork    kern.WorkItem

	names map[string]*Cache // live roots by name, under SlabMutex

	roots, rootsCreated, rootsDestroyed          atomic.Int64
	memcgs, onlineMemcgs                         atomic.Int64
	childrenCreated, childrenDestroyed           atomic.Int64
	createQueued, createSkipped, createDropped   atomic.Int64
	deadDestroyed, deadLifetime, deadLifetimeMax atomic.Int64
	dead, deadMax, deadPages, deadPagesMax       atomic.Int64
	removed, offlineLatency, offlineMax          atomic.Int64
	anomalies                                    [2]atomic.Int64 // by index in designs.AllFlaws
}

// Paths are the kernel paths a design writes its own way, the seams of
// the Core: NewCore takes them, so a design that lacks one does not
// compile. A design implements them on a type of its own, so that they stay
// out of its registry's method set.
type Paths interface {
	// CreateChild is the design's create worker (path D's deferred
	// half).
	CreateChild(t *kern.Task, m *Memcg, root *Cache)
	// OfflineCaches is the design's css_offline walk of m's caches (path
	// E), run with cgroup_mutex and m's list lock held.
	OfflineCaches(t *kern.Task, m *Memcg)
	// ListLock returns the design's lock guarding m's cache list.
	ListLock(m *Memcg) *kern.Mutex
	// PagesGone is called, holding no lock, when the last page charged
	// to child cache c is freed: the point where 3.15's
	// memcg_release_pages queues a dead cache's destroy work, and where
	// from v4.0 the memcg's css loses the pin of its last kmem page. It
	// may run on an RCU callback (a slab of a SLAB_DESTROY_BY_RCU cache),
	// so it must not take a Mutex; it may queue work.
	PagesGone(t *kern.Task, c *Cache)
}

// An OfflineFinisher is Paths with a step of css_offline that runs after
// m's list lock is dropped, still under cgroup_mutex.
type OfflineFinisher interface {
	FinishOffline(t *kern.Task, m *Memcg)
}

// NewCore validates cfg and returns a Core whose work runs on rt, with the
// design's paths.
func NewCore(rt *kern.Runtime, cfg designs.Config, paths Paths) (*Core, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if paths == nil {
		return nil, errors.New("slab: NewCore without the design's paths")
	}
	destroyers := min(cfg.Kworkers, 1) // 0 keeps a manual workqueue
	wq := cfg.SystemWQ
	if wq == nil {
		if cfg.Kworkers > 0 && cfg.KworkersMax > cfg.Kworkers {
			wq = rt.NewManagedWorkqueue("kworker", cfg.Kworkers, cfg.KworkersMax)
		} else {
			wq = rt.NewWorkqueue("kworker", cfg.Kworkers)
		}
	}
	c := &Core{
		Costs:         cfg.Costs,
		WQ:            wq,
		CreateWQ:      wq,
		sharedWQ:      cfg.SystemWQ != nil,
		DestroyWQ:     rt.NewWorkqueue("cgroup_destroy", destroyers),
		FreeWQ:        rt.NewWorkqueue("cgroup_destroy/free", min(cfg.Kworkers, 1)*max(cfg.CPUs, 1)),
		CgroupMutex:   kern.NewMutex(CgroupMutexClass),
		CPUs:          max(cfg.CPUs, 1),
		cacheCPUs:     cfg.CacheCPUs,
		keepEmpty:     cfg.KeepEmpty,
		RCU:           rt.NewRCUQueue("rcu", cfg.Kworkers > 0),
		Reap:          rt.NewRCUQueue("cache_reap", cfg.Kworkers > 0),
		reapEmpty:     cfg.ReapEmpty,
		rcuShare:      cfg.RCUShare,
		atOnline:      cfg.ActivateAtOnline,
		SlabMutex:     kern.NewMutex(SlabMutexClass),
		ActivateMutex: kern.NewMutex(ActivateMutexClass),
		KernfsMutex:   kern.NewMutex(KernfsMutexClass),
		ListLRUsMutex: kern.NewMutex(ListLRUsMutexClass),
		childSysfs:    true,
		List:          NewList(),
		IDs:           NewIDs(),
		ArraySize:     MinArraySize,
		names:         make(map[string]*Cache),
		owner:         new(kmem.Owner),
		paths:         paths,
	}
	c.rcuWork.Init(c.releaseRCU)
	return c, nil
}

// Owner is the identity every cache and memcg of this registry carries:
// a live handle's Live method returns it.
func (c *Core) Owner() *kmem.Owner { return c.owner }

// SetDiscardDead makes dead caches keep no empty slab
// (designs.Design.DiscardDead, v4.0 on). Call it before the registry is
// used.
func (c *Core) SetDiscardDead() { c.discardDead = true }

// SetReparent makes offline reparent the memcg's charges under
// cgroup_mutex before its caches are walked (3.15, 3.16). Call it before
// the registry is used.
func (c *Core) SetReparent() { c.reparent = true }

// SetListLRUs makes offline drain the memcg's list_lrus into its
// parent's after its caches are walked, under cgroup_mutex and
// list_lrus_mutex (memcg_drain_all_list_lrus, 2788cf0c401c, v4.0 on).
// Call it before the registry is used.
func (c *Core) SetListLRUs() { c.listLRUs = true }

// PassListLRUs is one pass over every memcg-aware list_lru under
// list_lrus_mutex (v4.0 on, Costs.ListLRUs): memcg_update_all_list_lrus
// growing each one's per-memcg array for each node (the caller holds
// memcg_cache_ids_sem), or memcg_drain_all_list_lrus splicing an offline
// memcg's items into its parent's under each node's lock (the caller
// holds cgroup_mutex).
func (c *Core) PassListLRUs(t *kern.Task) {
	t.Lock(c.ListLRUsMutex)
	t.Work(c.Costs.ListLRUs)
	t.Unlock(c.ListLRUsMutex)
}

// WalkAllCaches charges a walk of the whole of slab_caches, children
// included: memcg_update_all_caches' on every activation (3.15, 3.16),
// and v4.0 to v4.10's walks for a memcg's caches. WalkPerCache a cache;
// the caller holds slab_mutex.
func (c *Core) WalkAllCaches(t *kern.Task) { c.Walk(t, c.List.Len()) }

// SetNoChildSysfs gives child caches no sysfs directory (v4.11 on,
// memcg_sysfs_enabled off by default). Call it before the registry is
// used.
func (c *Core) SetNoChildSysfs() { c.childSysfs = false }

// Sysfs is the making or removal of a kernfs directory, under kernfs_mutex
// ({Sysfs}): a cache's SLUB directory (sysfs_slab_add under slab_mutex
// since 3.15, 421af243b1a5; sysfs_slab_remove with slab_mutex dropped, or
// after it) where it has one, or a cgroup's (cache nil: cgroup_mkdir,
// cgroup_rmdir, under cgroup_mutex).
func (c *Core) Sysfs(t *kern.Task, cache *Cache) {
	if cache != nil && cache.Memcg != nil && !c.childSysfs {
		return
	}
	t.Lock(c.KernfsMutex)
	t.Work(c.Costs.Sysfs)
	t.Unlock(c.KernfsMutex)
}

// SetCreateWorkqueue makes create work run on a workqueue of the
// design's own, q, instead of WQ (system_wq); the Core flushes and closes
// it. Call it before the registry is used.
func (c *Core) SetCreateWorkqueue(q *kern.Workqueue) { c.CreateWQ = q }

// Root returns the root cache behind handle r, or ErrUnknownRoot or
// ErrRootDestroyed.
func (c *Core) Root(r designs.Root) (*Cache, error) {
	root := r
	if root == nil || root.Owner != c.owner || root.Memcg != nil {
		return nil, designs.ErrUnknownRoot
	}
	if root.Destroyed() {
		return nil, fmt.Errorf("root %q: %w", root.Name(), designs.ErrRootDestroyed)
	}
	return root, nil
}

// AnyMemcg returns the memcg behind handle m, online or not, or
// ErrUnknownMemcg.
func (c *Core) AnyMemcg(m designs.Memcg) (*Memcg, error) {
	memcg := m
	if memcg == nil || memcg.Owner != c.owner {
		return nil, designs.ErrUnknownMemcg
	}
	return memcg, nil
}

// Memcg returns the online memcg behind handle m, or ErrUnknownMemcg or
// ErrMemcgOffline.
func (c *Core) Memcg(m designs.Memcg) (*Memcg, error) {
	memcg, err := c.AnyMemcg(m)
	if err != nil {
		return nil, err
	}
	if !memcg.Online() {
		return nil, fmt.Errorf("memcg %d: %w", memcg.ID(), designs.ErrMemcgOffline)
	}
	return memcg, nil
}

// CreateRoot is path A, the same in both designs: slab_mutex only.
func (c *Core) CreateRoot(t *kern.Task, name string) (designs.Root, error) {
	if name == "" {
		return nil, fmt.Errorf("create root: %w: empty name", designs.ErrBadName)
	}
	t.Lock(c.SlabMutex)
	defer t.Unlock(c.SlabMutex)
	if _, ok := c.names[name]; ok {
		return nil, fmt.Errorf("create root %q: %w", name, designs.ErrRootExists)
	}
	t.Work(c.Costs.Create)
	root := kmem.NewRoot(name, c.owner, c.nextRootRCU(), c.ArraySize)
	c.Sysfs(t, root)
	c.names[name] = root
	c.List.Add(root)
	c.roots.Add(1)
	c.rootsCreated.Add(1)
	return root, nil
}

// nextRootRCU reports whether the next root created is a
// SLAB_DESTROY_BY_RCU cache: root k (counting from 0 in creation order) is
// one when floor((k+1) x share) passes floor(k x share), which spreads a
// share evenly over any run of consecutive roots. The caller holds
// SlabMutex.
func (c *Core) nextRootRCU() bool {
	k := float64(c.rootsCreated.Load())
	return math.Floor((k+1)*c.rcuShare) > math.Floor(k*c.rcuShare)
}

// BeginDestroyRoot is the first step of path F in both designs: under
// slab_mutex, drop the root's refcount (one reference in this model) and mark
// it dying, so no new child is created for it.
func (c *Core) BeginDestroyRoot(t *kern.Task, r designs.Root) (*Cache, error) {
	root, err := c.Root(r)
	if err != nil {
		return nil, fmt.Errorf("destroy root: %w", err)
	}
	t.Lock(c.SlabMutex)
	defer t.Unlock(c.SlabMutex)
	if root.Dying {
		return nil, fmt.Errorf("destroy root %q: %w", root.Name(), designs.ErrRootDestroyed)
	}
	root.Dying = true
	return root, nil
}

// FinishDestroyRoot is the last step of path F in both designs, once the
// children are gone: under slab_mutex, take the root off the list and shut
// it down; then, with slab_mutex dropped, rcu_barrier() if it is a
// SLAB_DESTROY_BY_RCU cache, and the release.
func (c *Core) FinishDestroyRoot(t *kern.Task, root *Cache) {
	t.Lock(c.SlabMutex)
	c.ShutdownRoot(t, root)
	t.Unlock(c.SlabMutex)
	c.release(t, root)
	c.rootsDestroyed.Add(1)
}

// ShutdownRoot is the part of a root's destroy under slab_mutex, which
// the caller holds, once its children are gone: take it off the list and
// shut it down. The caller then drops slab_mutex and releases it
// (FinishDestroyRoot, or ReleaseAll with its children).
func (c *Core) ShutdownRoot(t *kern.Task, root *Cache) {
	c.List.Remove(root)
	delete(c.names, root.Name())
	root.MarkDestroyed()
	t.Work(c.Costs.Shutdown)
	c.roots.Add(-1)
}

// ReleaseAll ends the destroy of caches shut down together (roots by
// ShutdownRoot, children by ShutdownChild) after slab_mutex is dropped,
// as do_kmem_cache_release of v4.0 (release_caches of v4.10) does: one rcu_barrier() if any
// of them is SLAB_DESTROY_BY_RCU, then each one's release.
func (c *Core) ReleaseAll(t *kern.Task, caches []*Cache) {
	for _, cache := range caches {
		if cache.RCU {
			t.RCUBarrier(c.Costs.GracePeriod)
			break
		}
	}
	for _, cache := range caches {
		c.Released(t, cache)
	}
}

// Released is the release of one cache whose rcu_barrier(), if it needs
// one, is done: {Release} and the counters.
func (c *Core) Released(t *kern.Task, cache *Cache) {
	c.Sysfs(t, cache)
	t.Work(c.Costs.Release)
	if cache.Memcg == nil {
		c.rootsDestroyed.Add(1)
		return
	}
	c.childDestroyed(t, cache)
}

// release is the end of kmem_cache_destroy in 3.15 and 3.16, with
// slab_mutex dropped: sysfs removal (__kmem_cache_shutdown drops
// slab_mutex for sysfs_slab_remove), rcu_barrier() for a
// SLAB_DESTROY_BY_RCU cache, then the free, under whatever locks the
// caller holds.
func (c *Core) release(t *kern.Task, cache *Cache) {
	c.Sysfs(t, cache)
	if cache.RCU {
		t.RCUBarrier(c.Costs.GracePeriod)
	}
	t.Work(c.Costs.Release)
}

// Alloc is path D, the same in both designs: Lookup; on a miss, queue the
// design's create work and fall back to the root.
func (c *Core) Alloc(t *kern.Task, memcg designs.Memcg, root designs.Root) (bool, error) {
	if c.Lookup(memcg, root) {
		return true, nil
	}
	return c.allocSlow(t, memcg, root)
}

// Lookup is the hit, lock-free as the kernel's memcg_kmem_get_cache is. It
// checks only what a hit needs: root's slot for memcg's id is filled,
// memcg is online and one of c's, root is live and c's. Anything else (a
// miss, a bad or stale handle) is false, and Alloc's slow path checks
// everything again and says why. The slot needs no check that its child
// is memcg's: an id is given back only once every slot of its memcg is
// cleared, so an online memcg's id indexes its own child or nothing, and a
// child's array is empty, so a child passed as a root finds no slot
// (FastPathInvariants, walked by the conformance suite, holds both). Live
// is the owner until the memcg goes offline or is killed, or the root is
// destroyed: one load each for owner and state.
//
// It calls nothing, so it needs no stack frame: the nested ifs keep the
// hit one straight run of loads and untaken branches (a && chain around
// the atomic loads makes the compiler build a bool and jump over it).
func (c *Core) Lookup(memcg designs.Memcg, root designs.Root) bool {
	if o := c.owner; memcg != nil && root != nil {
		a, id := root.Caches.Load(), uint(memcg.ID())
		if id < uint(len(a.Slots)) {
			if a.Slots[id].Load() != nil {
				if memcg.Live() == o {
					if root.Live() == o {
						return true
					}
				}
			}
		}
	}
	return false
}

// allocSlow is Alloc past its fast path: errors, and the miss, which
// queues a create work item.
//
//go:noinline
func (c *Core) allocSlow(t *kern.Task, m designs.Memcg, r designs.Root) (bool, error) {
	memcg, err := c.Memcg(m)
	if err != nil {
		return false, fmt.Errorf("alloc: %w", err)
	}
	root, err := c.Root(r)
	if err != nil {
		return false, fmt.Errorf("alloc: %w", err)
	}
	if child := Lookup(root, memcg.ID()); child != nil && child.Memcg == memcg {
		return true, nil
	}
	t.Work(c.Costs.Miss)
	c.queueCreate(t, memcg, root)
	c.createQueued.Add(1)
	return false, nil
}

// A createWork is the create work of one memcg's misses on one root. In
// 3.15/3.16 every miss kmallocs its own work item
// (memcg_create_cache_enqueue), and each runs in turn: the first creates
// the child, the rest take the locks and skip it. The model queues one
// copy of this item per miss (Workqueue.QueueCopy), which runs the same
// work in the same places of the queue, and keeps the item while any copy
// is queued or running; items are reused from createPool.
type createWork struct {
	kern.WorkItem
	c     *Core
	memcg *Memcg
	root  *Cache
	refs  int // copies queued or running, under memcg.createsMu
}

// createPool holds create work items between uses.
var createPool sync.Pool

// newCreateWork returns a create work item from createPool or a new one.
func newCreateWork() *createWork {
	if w, ok := createPool.Get().(*createWork); ok {
		return w
	}
	w := &createWork{}
	w.Init(w.run)
	return w
}

// queueCreate queues one more create of memcg's child of root.
func (c *Core) queueCreate(t *kern.Task, memcg *Memcg, root *Cache) {
	memcg.CreatesMu.Lock()
	w, _ := memcg.Creates[root].(*createWork)
	if w == nil {
		w = newCreateWork()
		w.c, w.memcg, w.root = c, memcg, root
		if memcg.Creates == nil {
			memcg.Creates = make(map[*Cache]any)
		}
		memcg.Creates[root] = w
	}
	w.refs++
	memcg.CreatesMu.Unlock()
	c.CreateWQ.QueueCopy(t, &w.WorkItem)
}

// run is one copy's run: the design's create worker; the last copy gives
// the item back. Each copy pins its memcg's css until it has run (from
// v4.0, unpinned).
func (w *createWork) run(t *kern.Task) {
	c, memcg, root := w.c, w.memcg, w.root
	c.paths.CreateChild(t, memcg, root)
	memcg.CreatesMu.Lock()
	w.refs--
	done := w.refs == 0
	if done {
		delete(memcg.Creates, root)
		w.c, w.memcg, w.root = nil, nil, nil
	}
	memcg.CreatesMu.Unlock()
	if done {
		createPool.Put(w)
	}
	c.unpinned(t, memcg)
}

// CreatesQueued returns the create work copies of m's misses queued or
// running.
func CreatesQueued(m *Memcg) int {
	m.CreatesMu.Lock()
	defer m.CreatesMu.Unlock()
	n := 0
	for _, w := range m.Creates {
		n += w.(*createWork).refs
	}
	return n
}

// SkipCreate reports whether create work for memcg's child of root finds
// the child already there (several misses queue work for one pair), counting
// it. The caller holds the lock the design writes slots under.
func (c *Core) SkipCreate(m *Memcg, root *Cache) bool {
	if Lookup(root, m.ID()) == nil {
		return false
	}
	c.createSkipped.Add(1)
	return true
}

// DropCreate reports whether create work for memcg's child of root finds its
// memcg offline or its root dying, counting it. The caller holds slab_mutex
// (for Dying) and the lock the design sets Offline under, or rechecks
// Offline under it later.
func (c *Core) DropCreate(m *Memcg, root *Cache) bool {
	if !m.IsOffline() && !root.Dying && !root.Destroyed() {
		return false
	}
	c.createDropped.Add(1)
	return true
}

// NewChild does the heavy part of creating memcg's child of root and puts it
// on the global list. The caller holds SlabMutex.
func (c *Core) NewChild(t *kern.Task, m *Memcg, root *Cache) *Cache {
	t.Work(c.Costs.Create)
	child := kmem.NewChild(root, m, c.owner)
	c.Sysfs(t, child)
	c.List.Add(child)
	c.childrenCreated.Add(1)
	return child
}

// DropCreated undoes NewChild for a child that turned out not to be wanted
// (its memcg went offline while it was being created). The caller holds
// SlabMutex.
func (c *Core) DropCreated(t *kern.Task, child *Cache) {
	c.List.Remove(child)
	child.MarkDestroyed()
	t.Work(c.Costs.Shutdown)
	c.Sysfs(t, child)
	t.Work(c.Costs.Release)
	c.childrenDestroyed.Add(1)
	c.createDropped.Add(1)
}

// ClaimDestroy marks child destroyed and reports whether this is its first
// destroy. A second destroy is the DoubleDestroy flaw: it is counted, and
// the caller must stop there.
func (c *Core) ClaimDestroy(child *Cache) bool {
	if child.MarkDestroyed() {
		return true
	}
	c.Anomaly(designs.DoubleDestroy)
	return false
}

// ShutdownChild is the part of a claimed child's destroy under slab_mutex,
// which the caller holds, having cleared the child's slot: take it off the
// global list and shut it down. The caller then drops slab_mutex and calls
// ReleaseChild.
func (c *Core) ShutdownChild(t *kern.Task, child *Cache) {
	c.List.Remove(child)
	t.Work(c.Costs.Shutdown)
}

// ReleaseChild ends a child's destroy after slab_mutex is dropped (see
// release), under the caller's own locks. A child destroyed after its
// memcg went offline adds to the dead-cache lifetime counters.
func (c *Core) ReleaseChild(t *kern.Task, child *Cache) {
	c.release(t, child)
	c.childDestroyed(t, child)
}

// childDestroyed counts a child destroyed, whose pages go with it; one
// destroyed after its memcg went offline adds to the dead-cache lifetime
// counters.
func (c *Core) childDestroyed(t *kern.Task, child *Cache) {
	c.childrenDestroyed.Add(1)
	c.buryDead(child)
	if child.OfflineAt != 0 {
		life := t.Now() - child.OfflineAt
		c.deadDestroyed.Add(1)
		c.deadLifetime.Add(life)
		StoreMax(&c.deadLifetimeMax, life)
	}
}

// StoreMax raises m to v if v is larger.
func StoreMax(m *atomic.Int64, v int64) {
	for {
		old := m.Load()
		if v <= old || m.CompareAndSwap(old, v) {
			return
		}
	}
}

// MaybeFree gives m's id back if it is offline and has no caches left, as
// freeing the memcg does. The caller holds m's list lock.
func (c *Core) MaybeFree(t *kern.Task, m *Memcg) {
	if m.Freed || !m.IsOffline() || m.NumCaches() > 0 {
		return
	}
	m.Freed = true
	c.IDs.Put(t, m)
	c.memcgs.Add(-1)
}

// Mkdir is the mkdir of a new memcg's cgroup, the same in every design:
// cgroup_mkdir under cgroup_mutex (cgroup_kn_lock_live), where css_alloc
// and css_online run (in 3.15 to v4.5 without kmem accounting: a new
// memcg's parent is not kmem-active, so memcg_propagate_kmem does
// nothing). The kmem limit's write that activates accounting comes
// after, without cgroup_mutex (ActivateMemcg of old and new,
// ActivateKmem).
func (c *Core) Mkdir(t *kern.Task) {
	t.Lock(c.CgroupMutex)
	c.Sysfs(t, nil)
	t.Unlock(c.CgroupMutex)
}

// BeginActivation starts a new memcg's kmem activation in the designs
// that activate on the kmem limit's write (3.15, 3.16, v4.0): by default
// the mkdir (Mkdir), with cgroup_mutex dropped before the write; with
// designs.Config.ActivateAtOnline the mkdir's css_online activates it
// (memcg_propagate_kmem under a kmem-active parent), so cgroup_mutex,
// taken and the cgroup's directory made, stays held until the returned
// func ends the activation.
func (c *Core) BeginActivation(t *kern.Task) (end func()) {
	if !c.atOnline {
		c.Mkdir(t)
		return func() {}
	}
	t.Lock(c.CgroupMutex)
	c.Sysfs(t, nil)
	return func() { t.Unlock(c.CgroupMutex) }
}

// NewMemcg takes an id for a new memcg, whose own state (kmem.Memcg's
// Design) is design. The caller holds ActivateMutex.
func (c *Core) NewMemcg(t *kern.Task, design any) (*Memcg, error) {
	m := kmem.NewMemcg(c.owner)
	m.Design = design
	if err := c.IDs.Get(t, m); err != nil {
		return nil, err
	}
	return m, nil
}

// Activated counts a memcg whose activation completed.
func (c *Core) Activated() {
	c.memcgs.Add(1)
	c.onlineMemcgs.Add(1)
}

// OfflineMemcg is path E on the calling task: css_offline under
// cgroup_mutex, the design's walk of m's caches under its list lock.
func (c *Core) OfflineMemcg(t *kern.Task, mh designs.Memcg) error {
	m, err := c.Memcg(mh)
	if err != nil {
		return fmt.Errorf("offline memcg: %w", err)
	}
	return c.offline(t, m)
}

// offline runs css_offline for m: it takes cgroup_mutex, then the lock of
// m's list (Paths.ListLock), and marks m offline, so no new child joins the list;
// the design walks the list (Paths.OfflineCaches); then m is freed if no
// cache is left. From v4.0 (SetListLRUs) its list_lrus are then drained
// into the parent's, still under cgroup_mutex.
func (c *Core) offline(t *kern.Task, m *Memcg) error {
	t.Lock(c.CgroupMutex)
	defer t.Unlock(c.CgroupMutex)
	if c.reparent && !m.IsOffline() {
		t.Work(c.Costs.Reparent) // mem_cgroup_reparent_charges
	}
	mu := c.paths.ListLock(m)
	t.Lock(mu)
	if m.SetOffline() {
		t.Unlock(mu)
		return fmt.Errorf("offline memcg %d: %w", m.ID(), designs.ErrMemcgOffline)
	}
	c.onlineMemcgs.Add(-1)
	now := t.Now()
	for _, cache := range m.Caches() {
		c.markDead(cache, now)
	}
	c.paths.OfflineCaches(t, m)
	t.Point("offline:walked")
	c.MaybeFree(t, m)
	t.Unlock(mu)
	if f, ok := c.paths.(OfflineFinisher); ok {
		f.FinishOffline(t, m)
	}
	if c.listLRUs {
		c.PassListLRUs(t) // memcg_drain_all_list_lrus
	}
	return nil
}

// RemoveMemcg is rmdir, the same in both designs: under cgroup_mutex
// (cgroup_rmdir -> cgroup_destroy_locked -> kill_css, 3.16's
// cgroup_kn_lock_live), m takes no more allocations, and a grace period
// later (percpu_ref_kill_and_confirm's call_rcu_sched ->
// css_killed_ref_fn) css_killed_work_fn, which runs css_offline, is
// queued on cgroup_destroy_wq. So an rmdir waits for a running offline
// walk, and objects freed by RCU before the rmdir are back in their
// slabs when the offline looks at them. (rmdir's own work, kernfs
// removal of the cgroup's files, is left at its Go cost.)
func (c *Core) RemoveMemcg(t *kern.Task, mh designs.Memcg) error {
	m, err := c.Memcg(mh)
	if err != nil {
		return fmt.Errorf("remove memcg: %w", err)
	}
	t.Lock(c.CgroupMutex)
	defer t.Unlock(c.CgroupMutex)
	if m.Kill() {
		return fmt.Errorf("remove memcg %d: %w", m.ID(), designs.ErrMemcgOffline)
	}
	c.Sysfs(t, nil) // kernfs_remove of the cgroup's directory
	w := &offlineWork{c: c, memcg: m, since: t.Now()}
	w.Init(w.run)
	c.RCU.Call(t, c.Costs.GracePeriod, func(t *kern.Task) { c.DestroyWQ.Queue(t, &w.WorkItem) })
	return nil
}

// offlineWork is one queued css_killed_work_fn.
type offlineWork struct {
	kern.WorkItem
	c     *Core
	memcg *Memcg
	since int64 // when RemoveMemcg queued it
}

func (w *offlineWork) run(t *kern.Task) {
	if err := w.c.offline(t, w.memcg); err != nil {
		return // taken offline directly since; nothing left to do
	}
	lat := t.Now() - w.since
	w.c.removed.Add(1)
	w.c.offlineLatency.Add(lat)
	StoreMax(&w.c.offlineMax, lat)
}

// GrowAll is path B: if id does not fit the arrays, grow every root's array
// to ArraySize(id), paying GrowPerRoot for each. The caller holds the
// design's array write locks, SlabMutex among them.
func (c *Core) GrowAll(t *kern.Task, id int) {
	n := ArraySize(id)
	if id < c.ArraySize {
		return
	}
	for _, root := range c.List.Roots() {
		if Grow(root, n) {
			t.Work(c.Costs.GrowPerRoot)
		}
	}
	c.ArraySize = n
}

// ProcSlabinfo is path I, the same in both designs: one read() a 4 KiB
// chunk, each under slab_mutex, seeking along slab_caches, children
// included, to where the last read stopped; each root's line sums the
// children in its array's slots (ReadProcSlabinfo).
func (c *Core) ProcSlabinfo(t *kern.Task, readBytes int) (roots, children int) {
	return c.ReadProcSlabinfo(t, SlabinfoList{Sum: c.SumSlots}, readBytes)
}

// Quiesce waits for the deferred work to drain: the RCU callbacks (which
// queue offlines and free slabs), the queued offlines, then the
// css_frees, the create work and system_wq's work, each of which may
// queue more on another queue, until none is left.
func (c *Core) Quiesce(t *kern.Task) {
	for {
		c.Reap.Flush(t)
		c.RCU.Flush(t)
		c.DestroyWQ.Flush(t)
		c.FreeWQ.Flush(t)
		if c.CreateWQ != c.WQ {
			c.CreateWQ.Flush(t)
		}
		c.WQ.Flush(t)
		if c.Reap.Idle() && c.RCU.Idle() && c.DestroyWQ.Idle() && c.FreeWQ.Idle() && c.CreateWQ.Idle() && c.WQ.Idle() {
			return
		}
	}
}

// Close stops the kworkers once they have run what is queued.
func (c *Core) Close() {
	c.Reap.Close()
	c.RCU.Close()
	c.DestroyWQ.Close()
	c.FreeWQ.Close()
	if c.CreateWQ != c.WQ {
		c.CreateWQ.Close()
	}
	if !c.sharedWQ {
		c.WQ.Close()
	}
}

// Slabinfo is path H: under the lock of m's list (Paths.ListLock), print each
// cache's line.
func (c *Core) Slabinfo(t *kern.Task, mh designs.Memcg) (int, error) {
	m, err := c.Memcg(mh)
	if err != nil {
		return 0, fmt.Errorf("slabinfo: %w", err)
	}
	mu := c.paths.ListLock(m)
	t.Lock(mu)
	defer t.Unlock(mu)
	for range m.NumCaches() {
		t.Work(c.Costs.SlabinfoPerCache)
	}
	return m.NumCaches(), nil
}

// Anomaly counts one occurrence of flaw f.
func (c *Core) Anomaly(f designs.Flaw) {
	for i, g := range designs.AllFlaws {
		if g == f {
			c.anomalies[i].Add(1)
			return
		}
	}
	panic("slab: unknown flaw " + string(f))
}

// Snapshot returns the counters.
func (c *Core) Snapshot() designs.Snapshot {
	s := designs.Snapshot{
		Roots:             int(c.roots.Load()),
		RootsCreated:      c.rootsCreated.Load(),
		RootsDestroyed:    c.rootsDestroyed.Load(),
		Memcgs:            int(c.memcgs.Load()),
		OnlineMemcgs:      int(c.onlineMemcgs.Load()),
		ChildrenCreated:   c.childrenCreated.Load(),
		ChildrenDestroyed: c.childrenDestroyed.Load(),
		CreateQueued:      c.createQueued.Load(),
		CreateSkipped:     c.createSkipped.Load(),
		CreateDropped:     c.createDropped.Load(),
		Removed:           c.removed.Load(),
		OfflineLatency:    time.Duration(c.offlineLatency.Load()),
		OfflineLatencyMax: time.Duration(c.offlineMax.Load()),
		DeadDestroyed:     c.deadDestroyed.Load(),
		Dead:              c.dead.Load(),
		DeadMax:           c.deadMax.Load(),
		DeadPages:         c.deadPages.Load(),
		DeadPagesMax:      c.deadPagesMax.Load(),
		DeadLifetime:      time.Duration(c.deadLifetime.Load()),
		DeadLifetimeMax:   time.Duration(c.deadLifetimeMax.Load()),
		PendingWork:       c.pendingWork(),
		Anomalies:         make(map[designs.Flaw]int64, len(designs.AllFlaws)),
	}
	s.Children = int(s.ChildrenCreated - s.ChildrenDestroyed)
	for i, f := range designs.AllFlaws {
		s.Anomalies[f] = c.anomalies[i].Load()
	}
	return s
}

// pendingWork counts the work items queued on the Core's workqueues.
func (c *Core) pendingWork() int {
	n := c.WQ.Pending() + c.DestroyWQ.Pending() + c.FreeWQ.Pending() + c.RCU.Pending() + c.Reap.Pending()
	if c.CreateWQ != c.WQ {
		n += c.CreateWQ.Pending()
	}
	return n
}

// Inventory walks the global list and the roots' arrays under slab_mutex,
// then each memcg's list under its ListLock.
func (c *Core) Inventory(t *kern.Task) designs.Inventory {
	inv := c.slabInventory(t)
	for _, m := range c.IDs.Memcgs(t) {
		mu := c.paths.ListLock(m)
		t.Lock(mu)
		mi := designs.MemcgInfo{ID: m.ID(), Online: !m.IsOffline()}
		for _, cache := range m.Caches() {
			mi.Caches = append(mi.Caches, cacheInfo(cache))
		}
		t.Unlock(mu)
		inv.Memcgs = append(inv.Memcgs, mi)
	}
	return inv
}

func (c *Core) slabInventory(t *kern.Task) designs.Inventory {
	t.Lock(c.SlabMutex)
	defer t.Unlock(c.SlabMutex)
	inv := designs.Inventory{ArraySize: c.ArraySize}
	for _, cache := range c.List.All() {
		inv.SlabCaches = append(inv.SlabCaches, cacheInfo(cache))
	}
	for _, root := range c.List.Roots() {
		ri := designs.RootInfo{Name: root.Name(), ArrayLen: len(root.Caches.Load().Slots)}
		for _, child := range Children(root) {
			ri.Children = append(ri.Children, cacheInfo(child))
		}
		inv.Roots = append(inv.Roots, ri)
	}
	return inv
}

// FastPathInvariants walks every cache under slab_mutex and returns each
// broken invariant that Alloc's fast path relies on instead of checking:
// a child cache's per-memcg array is empty (so a child passed as a root
// finds no slot); every filled slot of a root's array holds a child of that
// root, made by this registry, of the memcg that holds that id now (so an
// online memcg of c's finds its own child in its slot, or nothing). The
// conformance suite calls it, through an optional interface, wherever it
// checks invariants.
func (c *Core) FastPathInvariants(t *kern.Task) []string {
	t.Lock(c.SlabMutex)
	defer t.Unlock(c.SlabMutex)
	var bad []string
	for _, cache := range c.List.All() {
		if cache.Memcg != nil {
			if a := cache.Caches.Load(); a == nil || len(a.Slots) != 0 {
				bad = append(bad, fmt.Sprintf("child of %q for memcg %d has a per-memcg array with slots, or none at all", cache.Name(), cache.Memcg.ID()))
			}
			continue
		}
		slots := cache.Caches.Load().Slots
		for id := range slots {
			child := slots[id].Load()
			switch {
			case child == nil:
			case child.Root != cache || child.Memcg == nil || child.Memcg.ID() != id:
				bad = append(bad, fmt.Sprintf("slot %d of %q holds a cache that is not its child for memcg %d", id, cache.Name(), id))
			case child.Owner != c.owner || child.Memcg.Owner != c.owner:
				bad = append(bad, fmt.Sprintf("slot %d of %q holds a child or memcg of another registry", id, cache.Name()))
			case c.IDs.Holder(t, id) != child.Memcg:
				bad = append(bad, fmt.Sprintf("slot %d of %q holds the child of a memcg that no longer holds id %d", id, cache.Name(), id))
			}
		}
	}
	return bad
}
