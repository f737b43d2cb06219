package slab

import (
	"fmt"
	"time"

	"memcgbench/designs"
	"memcgbench/kern"
)

// This file is a child cache's pages: charged when its slabs are
// allocated, freed with its objects, kept as empty slabs until a shrink,
// or freed a grace period late for a SLAB_DESTROY_BY_RCU cache; and the
// dead caches that hold them after their memcg's offline. A cache's
// PagesMu (the harness's lock, standing in for SLUB's per-node list_lock
// around the partial lists) keeps Pages, Empty and Dead consistent; it
// is never held across a kern call.

// Charge is path J, the same in every design: memcg_charge_slab when a
// slab of m's child of r is allocated, an atomic count and no lock.
func (c *Core) Charge(t *kern.Task, m designs.Memcg, r designs.Root, pages int) error {
	if pages <= 0 {
		return fmt.Errorf("charge: %w: %d pages, allowed range is 1 or more", designs.ErrBadPages, pages)
	}
	memcg, err := c.Memcg(m)
	if err != nil {
		return fmt.Errorf("charge: %w", err)
	}
	child, err := c.child(memcg, r)
	if err != nil {
		return fmt.Errorf("charge: %w", err)
	}
	child.PagesMu.Lock()
	child.Pages.Add(int64(pages))
	if child.Dead.Load() {
		c.addDeadPages(int64(pages))
	}
	child.PagesMu.Unlock()
	return nil
}

// Uncharge is path J's other half: pages slab pages of m's child of r,
// held by objects, are freed at once (memcg_uncharge_slab). It accepts
// offline memcgs, whose dead caches still hold pages.
func (c *Core) Uncharge(t *kern.Task, m designs.Memcg, r designs.Root, pages int) error {
	child, err := c.heldPages("uncharge", m, r, pages)
	if err != nil {
		return err
	}
	gone := c.unchargeLocked(child, int64(pages))
	child.PagesMu.Unlock()
	c.pagesGone(t, child, gone)
	return nil
}

// Free is the free of the objects on pages slab pages of m's child of r
// (kmem_cache_free): the slabs become empty, the cache keeps up to
// KeepEmpty of them (none if it is dead and the design discards dead
// caches' free slabs), and the rest are freed (Discard).
func (c *Core) Free(t *kern.Task, m designs.Memcg, r designs.Root, pages int) error {
	child, err := c.heldPages("free", m, r, pages)
	if err != nil {
		return err
	}
	child.Empty.Add(int64(pages))
	keep := int64(c.keepEmpty)
	if c.discardDead && child.Dead.Load() {
		keep = 0
	}
	extra := max(child.Empty.Load()-keep, 0)
	kept := child.Empty.Add(-extra)
	child.PagesMu.Unlock()
	c.Discard(t, child, extra)
	if kept > 0 && c.reapEmpty > 0 {
		c.Reap.Call(t, c.reapEmpty, func(t *kern.Task) { c.reap(t, child) })
	}
	return nil
}

// reap is SLAB's cache_reap of one cache: its kept free slabs are freed
// (drain_freelist -> slab_destroy; call_rcu for a SLAB_DESTROY_BY_RCU
// cache), holding no lock of the model's.
func (c *Core) reap(t *kern.Task, cache *Cache) {
	cache.PagesMu.Lock()
	n := cache.Empty.Swap(0)
	cache.PagesMu.Unlock()
	c.Discard(t, cache, n)
}

// FreeRCU is Free a grace period from now (kfree_rcu, call_rcu): it checks
// its arguments now and frees on the RCU queue.
func (c *Core) FreeRCU(t *kern.Task, m designs.Memcg, r designs.Root, pages int) error {
	child, err := c.heldPages("free", m, r, pages)
	if err != nil {
		return err
	}
	child.PagesMu.Unlock()
	c.RCU.Call(t, c.Costs.GracePeriod, func(t *kern.Task) {
		// An error here is a cache destroyed meanwhile: its pages
		// went with it.
		_ = c.Free(t, m, r, pages)
	})
	return nil
}

// heldPages returns m's child of r with its PagesMu held, if pages is
// from 1 to the pages its objects hold (its pages less its empty
// slabs'); otherwise an error, with nothing held.
func (c *Core) heldPages(op string, m designs.Memcg, r designs.Root, pages int) (*Cache, error) {
	if pages <= 0 {
		return nil, fmt.Errorf("%s: %w: %d pages, allowed range is 1 or more", op, designs.ErrBadPages, pages)
	}
	memcg, err := c.AnyMemcg(m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	child, err := c.child(memcg, r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	child.PagesMu.Lock()
	if held := child.Pages.Load() - child.Empty.Load(); int64(pages) > held {
		child.PagesMu.Unlock()
		return nil, fmt.Errorf("%s: %w: %d pages, allowed range is 1 to %d", op, designs.ErrBadPages, pages, held)
	}
	return child, nil
}

// Discard frees n slabs of cache, already off its lists (discard_slab ->
// free_slab): their pages are uncharged at once, or, for a
// SLAB_DESTROY_BY_RCU cache, from an RCU callback a grace period later
// (call_rcu(rcu_free_slab) -> __free_slab -> memcg_uncharge_slab).
func (c *Core) Discard(t *kern.Task, cache *Cache, n int64) {
	if n <= 0 {
		return
	}
	if !cache.RCU {
		c.freePages(t, cache, n)
		return
	}
	c.RCU.Call(t, c.Costs.GracePeriod, func(t *kern.Task) { c.freePages(t, cache, n) })
}

// freePages uncharges n pages of cache that the allocator freed, and
// tells the design if they were its last.
func (c *Core) freePages(t *kern.Task, cache *Cache, n int64) {
	cache.PagesMu.Lock()
	gone := c.unchargeLocked(cache, n)
	cache.PagesMu.Unlock()
	c.pagesGone(t, cache, gone)
}

// unchargeLocked takes n pages off cache and reports whether they were
// the last of a cache not yet destroyed. The caller holds its PagesMu.
func (c *Core) unchargeLocked(cache *Cache, n int64) bool {
	n = min(n, cache.Pages.Load()) // a destroyed cache's pages went with it
	left := cache.Pages.Add(-n)
	if cache.Dead.Load() {
		c.addDeadPages(-n)
	}
	return left == 0 && n > 0 && !cache.Destroyed()
}

// pagesGone calls the design's Paths.PagesGone for a cache whose last
// page was just freed.
func (c *Core) pagesGone(t *kern.Task, cache *Cache, gone bool) {
	if gone {
		c.paths.PagesGone(t, cache)
	}
}

// ShrinkCache is kmem_cache_shrink of one child cache: flush_all's IPIs
// to the CPUs holding its slabs and __kmem_cache_shrink's work
// (ShrinkCost), which discards its empty slabs (Discard).
func (c *Core) ShrinkCache(t *kern.Task, cache *Cache) {
	t.Work(c.ShrinkCost(cache))
	cache.PagesMu.Lock()
	n := cache.Empty.Swap(0)
	cache.PagesMu.Unlock()
	c.Discard(t, cache, n)
}

// ShrinkCost is the time to shrink cache: the fixed part, one IPI round
// trip, the send to each CPU that holds a slab of it (every CPU for a
// root, Config.CacheCPUs for a child), and the has_cpu_slab test of every
// online CPU that builds the mask (FlushCost).
func (c *Core) ShrinkCost(cache *Cache) time.Duration {
	cpus := c.CPUs
	if cache.Memcg != nil && c.cacheCPUs > 0 {
		cpus = min(cpus, c.cacheCPUs)
	}
	return c.Costs.Shrink + c.FlushCost(cpus)
}

// FlushCost is flush_all's time (mm/slub.c, on_each_cpu_cond in
// kernel/smp.c, 3.15 to v5.9): has_cpu_slab on each online CPU, then the
// IPIs to the targets CPUs that hold a slab (IPICost).
func (c *Core) FlushCost(targets int) time.Duration {
	return time.Duration(c.CPUs)*c.Costs.ShrinkPoll + c.IPICost(targets)
}

// IPICost is a cross-CPU call to targets CPUs, sent at once, and the wait
// for them all: one round trip and a send per target (smp_call_function_many).
func (c *Core) IPICost(targets int) time.Duration {
	return c.Costs.ShrinkIPI + time.Duration(targets)*c.Costs.ShrinkPerCPU
}

// Shrink is path G, kmem_cache_shrink of a root, the same in every design:
// only the hotplug locks, which the model leaves out. A root's own slabs
// are not modelled, only the time.
func (c *Core) Shrink(t *kern.Task, r designs.Root) error {
	root, err := c.Root(r)
	if err != nil {
		return fmt.Errorf("shrink: %w", err)
	}
	t.Work(c.ShrinkCost(root))
	return nil
}

// child finds memcg's child of root r, live or dead, without a lock: in
// its slot, or, for an offline memcg whose design has emptied its slots,
// as freeing an object finds its cache from the object's page.
func (c *Core) child(memcg *Memcg, r designs.Root) (*Cache, error) {
	root, err := c.Root(r)
	if err != nil {
		return nil, err
	}
	child := Lookup(root, memcg.ID())
	if child == nil || child.Memcg != memcg {
		child = memcg.ChildOf(root)
	}
	if child == nil || child.Destroyed() {
		return nil, fmt.Errorf("memcg %d, root %q: %w", memcg.ID(), root.Name(), designs.ErrNoCache)
	}
	return child, nil
}

// markDead makes cache, whose memcg has just gone offline, a dead cache.
// The caller holds the memcg's list lock.
func (c *Core) markDead(cache *Cache, now int64) {
	cache.OfflineAt = now
	cache.PagesMu.Lock()
	cache.Dead.Store(true)
	c.addDeadPages(cache.Pages.Load())
	cache.PagesMu.Unlock()
	StoreMax(&c.deadMax, c.dead.Add(1))
}

// buryDead takes a destroyed cache's pages off the books: they go with it
// (__kmem_cache_shutdown frees its empty slabs; the objects of a root's
// module are gone before it unloads), and a dead one leaves the count.
func (c *Core) buryDead(cache *Cache) {
	cache.PagesMu.Lock()
	n := cache.Pages.Swap(0)
	cache.Empty.Store(0)
	dead := cache.Dead.Load()
	if dead {
		c.addDeadPages(-n)
	}
	cache.PagesMu.Unlock()
	if dead {
		c.dead.Add(-1)
	}
}

// addDeadPages adds n (maybe negative) to the pages of dead caches.
func (c *Core) addDeadPages(n int64) {
	if v := c.deadPages.Add(n); n > 0 {
		StoreMax(&c.deadPagesMax, v)
	}
}
