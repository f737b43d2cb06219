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

// PagesLeft returns the pages charged to m's caches. The caller holds m's
// list lock.
func PagesLeft(m *Memcg) int64 {
	var n int64
	for _, c := range m.Caches() {
		n += c.Pages.Load()
	}
	return n
}

// QueueFree queues m's css_free if m is offline, not freed, not already
// queued, pinned by no deferred work, and its caches hold no pages. The
// caller holds m's list lock. The work must check PagesLeft again under
// that lock (a charge may race with the decision) and clear Queued.
func (c *Core) QueueFree(t *kern.Task, m *Memcg) {
	f := FreeOf(m)
	if f.Queued || f.Pins > 0 || m.Freed || !m.IsOffline() || PagesLeft(m) > 0 {
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
// list of v4.2 on (426589f571f7). The caller holds slab_mutex. The model
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
