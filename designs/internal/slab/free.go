package slab

import (
	"time"

	"memcgbench/kern"
)

// A CSSFree is the css_free of a memcg in the designs that keep its caches
// after offline and destroy them all when the memcg is freed (v4.0 on):
// kmem pages pin the memcg's css, so it is freed once its caches hold no
// pages, which may be at offline or at the uncharge of its last page. The
// design keeps one in the memcg's Design field and gives Init the work
// that destroys the caches; QueueFree queues it on Core.FreeWQ, the
// css_free_work_fn side of cgroup_destroy_wq.
type CSSFree struct {
	kern.WorkItem
	// Queued says the work is queued and has not yet decided; Pins counts
	// the design's deferred work that holds a reference on the css (the
	// v4.11 deactivation work). Both are under the memcg's list lock.
	Queued bool
	Pins   int
}

// FreeOf returns m's CSSFree, the state of a memcg in the designs that
// have one.
func FreeOf(m *Memcg) *CSSFree { return m.Design.(*CSSFree) }

// CSSReleased is css_release_work_fn's part of a memcg's free, the first
// step of its CSSFree work: under cgroup_mutex it unlinks the css, and
// only then is css_free queued (after an RCU grace period the model
// leaves out), so a free waits for the offlines that hold cgroup_mutex.
func (c *Core) CSSReleased(t *kern.Task) {
	t.Lock(c.CgroupMutex)
	t.Unlock(c.CgroupMutex)
}

// Pinned reports whether anything the model counts still holds m's css:
// a kmem page of its caches, a create work copy, or deferred work of the
// design (CSSFree.Pins). The caller holds m's list lock.
func Pinned(m *Memcg) bool {
	return FreeOf(m).Pins > 0 || m.PagesHeld() > 0 || CreatesQueued(m) > 0
}

// QueueFree queues m's css_free if m is offline, not freed, not already
// queued, pinned by no deferred work, and its caches hold no pages. The
// caller holds m's list lock. The work must check Pinned again under
// that lock (a charge may race with the decision) and clear Queued.
func (c *Core) QueueFree(t *kern.Task, m *Memcg) {
	f := FreeOf(m)
	if f.Queued || m.Freed || !m.IsOffline() || Pinned(m) {
		return
	}
	f.Queued = true
	c.FreeWQ.Queue(t, &f.WorkItem)
}

// Walk charges the walk of n list entries under slab_mutex: one Work of n
// x Costs.WalkPerCache, as one step, so that a walk of a hundred thousand
// caches costs the model one event, not a hundred thousand.
func (c *Core) Walk(t *kern.Task, n int) {
	t.Work(time.Duration(n) * c.Costs.WalkPerCache)
}

// ChildrenOf returns root's children, live (in a slot) and dead (their
// memcg offline), in global list order: the root's memcg_params.children
// list (426589f571f7, v4.0). The caller holds slab_mutex. The model
// finds them on the global list; the designs charge what the kernel's own
// list costs.
func (c *Core) ChildrenOf(root *Cache) []*Cache {
	var out []*Cache
	for _, cache := range c.List.All() {
		if cache.Root == root {
			out = append(out, cache)
		}
	}
	return out
}

// ActivateKmem activates kmem accounting for a new memcg, from v4.0 on:
// take an id for a memcg with a CSSFree whose work is free, and if the id
// does not fit the arrays, grow them under idsSem (memcg_cache_ids_sem)
// and slab_mutex, having walked walked() list entries
// (memcg_update_all_caches: slab_caches to v4.10, slab_root_caches from
// v4.11), then the list_lrus' under list_lrus_mutex (PassListLRUs:
// memcg_update_all_list_lrus). With limit (memcg_limit_mutex, v4.0 to v4.5) it is the write of
// memory.kmem.limit_in_bytes after the cgroup's mkdir (Mkdir), as
// container runtimes activated it (memcg_update_kmem_limit ->
// memcg_activate_kmem: no cgroup_mutex); with none, memcg_online_kmem
// from css_alloc, under cgroup_mutex, as every memcg has it from v4.6.
func (c *Core) ActivateKmem(t *kern.Task, limit, idsSem *kern.Mutex, walked func() int, free func(*kern.Task, *Memcg)) (*Memcg, error) {
	if limit != nil {
		defer c.BeginActivation(t)()
		t.Lock(limit)
		defer t.Unlock(limit)
	} else {
		t.Lock(c.CgroupMutex)
		defer t.Unlock(c.CgroupMutex)
		c.Sysfs(t, nil) // the cgroup's directory, made by the same mkdir
	}
	f := new(CSSFree)
	m, err := c.NewMemcg(t, f)
	if err != nil {
		return nil, err
	}
	f.Init(func(t *kern.Task) { free(t, m) })
	if m.ID() >= c.ArraySize { // every writer of ArraySize holds limit
		t.Lock(idsSem)
		t.Lock(c.SlabMutex)
		c.Walk(t, walked())
		c.GrowAll(t, m.ID())
		t.Unlock(c.SlabMutex)
		c.PassListLRUs(t)
		t.Unlock(idsSem)
	}
	c.Activated()
	return m, nil
}

// CreateUnderSlabMutex is the create worker of v4.0 on
// (memcg_create_kmem_cache): under slab_mutex, skip if the child exists
// or its memcg or root is going, name it (kasprintf with GFP_KERNEL, a
// voluntary preemption point), create it, put it on the memcg's and the
// root's lists, and fill the slot.
func (c *Core) CreateUnderSlabMutex(t *kern.Task, m *Memcg, root *Cache) {
	t.Lock(c.SlabMutex)
	defer t.Unlock(c.SlabMutex)
	if c.SkipCreate(m, root) || c.DropCreate(m, root) {
		return
	}
	t.MightSleep()
	child := c.NewChild(t, m, root)
	m.AddCache(child)
	SetSlot(root, m.ID(), child)
}

// PinGone is the css_put of a cache's last page in the designs whose kmem
// pages pin the memcg's css (v4.0 on, memcg_charge_kmem's css_get_many):
// once an offline memcg's caches hold no page, its css_free is queued. It
// takes no lock (it may run on an RCU callback): the free work checks
// again under its lock.
func (c *Core) PinGone(t *kern.Task, cache *Cache) {
	c.unpinned(t, cache.Memcg)
}

// unpinned queues m's css_free if it is offline and nothing it counts
// pins it any more: no kmem page, no create work (each queued create work
// holds a css reference until it has run: __memcg_schedule_kmem_cache_create
// takes it, memcg_kmem_cache_create_func puts it, v4.0 to v5.8). The
// designs without a css_free of their own (3.15, 3.16) have nothing to do.
func (c *Core) unpinned(t *kern.Task, m *Memcg) {
	f, ok := m.Design.(*CSSFree)
	if ok && m.IsOffline() && m.PagesHeld() == 0 && CreatesQueued(m) == 0 {
		c.FreeWQ.Queue(t, &f.WorkItem)
	}
}

// ShutdownCache is shutdown_cache of v4.11 on, under slab_mutex, for a
// root or a child already taken off its memcg's list: {Shutdown}, then,
// for a SLAB_DESTROY_BY_RCU cache, onto slab_caches_to_rcu_destroy for
// the release work on system_wq, which waits for one rcu_barrier() for
// the batch with no lock held; any other is released at once
// (sysfs_slab_release).
func (c *Core) ShutdownCache(t *kern.Task, cache *Cache) {
	if cache.Memcg == nil {
		c.ShutdownRoot(t, cache)
	} else {
		c.ShutdownChild(t, cache)
	}
	if !cache.RCU {
		c.Released(t, cache)
		return
	}
	c.rcuDestroy = append(c.rcuDestroy, cache)
	c.WQ.Queue(t, &c.rcuWork)
}

// releaseRCU is slab_caches_to_rcu_destroy_workfn on system_wq: take the
// batch under slab_mutex, then, holding nothing, one rcu_barrier() and
// each release.
func (c *Core) releaseRCU(t *kern.Task) {
	t.Lock(c.SlabMutex)
	batch := c.rcuDestroy
	c.rcuDestroy = nil
	t.Unlock(c.SlabMutex)
	c.ReleaseAll(t, batch)
}

// UnlinkChild is root destroy's step for one child of the root, live or
// dead, under slab_mutex (v4.0 on): claim it (false if it was destroyed
// already), clear its slot if it is still in it, take it off its memcg's
// list, and free the memcg if that was its last cache, or queue its
// css_free if the cache's pages were the last (they go with it). The
// caller then shuts the child down.
func (c *Core) UnlinkChild(t *kern.Task, child *Cache) bool {
	t.Point("root-destroy:child")
	if !c.ClaimDestroy(child) {
		return false
	}
	if id := child.Memcg.ID(); Lookup(child.Root, id) == child {
		SetSlot(child.Root, id, nil)
	}
	child.Memcg.RemoveCache(child)
	c.MaybeFree(t, child.Memcg)
	c.QueueFree(t, child.Memcg)
	return true
}
