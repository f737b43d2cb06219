package designtest

import (
	"fmt"
	"slices"

	"memcgbench/designs"
)

// refModel is the sequential reference the fuzz test holds a design to: the
// registry's semantics with no locks, no concurrency and explicit deferred
// work, small enough to be obviously right. Handles are indexes into the
// roots and memcgs ever created; -1 stands for a nil handle.
type refModel struct {
	deferred bool // offline queues destroy work (old design)
	// deactivate: offline empties the memcg's slots and keeps its caches,
	// dead, until the memcg is freed (css_free, queued once they hold no
	// pages); ProcSlabinfo counts dead children too (v4.0 on).
	deactivate bool
	// shared: memcgs allocate from the roots, charged per object (v5.9):
	// every allocation hits, and pages are counted per memcg and root.
	shared      bool
	sharedPages map[slotKey]int64 // by root and memcg serial (the index in memcgs)
	roots       []*refRoot
	memcgs      []*refMemcg
	slots       map[slotKey]*refChild // filled slots: (root, kmemcg id)
	usedIDs     map[int]*refMemcg
	arraySize   int
	queue       []refWork
	removals    []*refMemcg // removed memcgs whose offline is queued, in order
	frees       []*refMemcg // offline memcgs whose css_free is queued
	seq         int         // global list order
	snap        designs.Snapshot
}

type slotKey struct {
	root *refRoot
	id   int
}

type refRoot struct {
	name  string
	alive bool
	seq   int
}

type refMemcg struct {
	id     int
	online bool
	killed bool // removed (rmdir): its offline is queued
	freed  bool
	caches []*refChild // list order
	// freeQueued: its css_free is queued (deactivate designs).
	freeQueued bool
}

type refChild struct {
	root    *refRoot
	memcg   *refMemcg
	pages   int64
	seq     int
	pending bool // destroy work queued
}

type refWork struct {
	memcg *refMemcg
	root  *refRoot  // create work
	child *refChild // destroy work
}

func newRefModel(d designs.Design) *refModel {
	return &refModel{deferred: d.DeferredDestroy, deactivate: d.DeactivateOnOffline, shared: d.SharedCaches,
		sharedPages: map[slotKey]int64{}, slots: map[slotKey]*refChild{}, usedIDs: map[int]*refMemcg{},
		arraySize: designs.MinArraySize}
}

func (m *refModel) root(i int) (*refRoot, string) {
	if i < 0 {
		return nil, errClass(designs.ErrUnknownRoot)
	}
	if r := m.roots[i]; r.alive {
		return r, ""
	}
	return nil, errClass(designs.ErrRootDestroyed)
}

// memcg returns memcg i; offlineOK accepts an offline memcg.
func (m *refModel) memcg(i int, offlineOK bool) (*refMemcg, string) {
	if i < 0 {
		return nil, errClass(designs.ErrUnknownMemcg)
	}
	if mc := m.memcgs[i]; mc.online && !mc.killed || offlineOK {
		return mc, ""
	}
	return nil, errClass(designs.ErrMemcgOffline)
}

// child returns memcg's live child of root: in its slot, or, for an
// offline memcg, on its list.
func (m *refModel) child(mc *refMemcg, r *refRoot) *refChild {
	if c := m.slots[slotKey{r, mc.id}]; c != nil && c.memcg == mc {
		return c
	}
	if mc.online {
		return nil
	}
	for _, c := range mc.caches {
		if c.root == r {
			return c
		}
	}
	return nil
}

func (m *refModel) createRoot(name string) string {
	for _, r := range m.roots {
		if r.alive && r.name == name {
			return errClass(designs.ErrRootExists)
		}
	}
	m.seq++
	m.roots = append(m.roots, &refRoot{name: name, alive: true, seq: m.seq})
	m.snap.RootsCreated++
	return "ok"
}

func (m *refModel) destroyRoot(i int) string {
	r, err := m.root(i)
	if err != "" {
		return err
	}
	for id := range m.arraySize {
		if c := m.slots[slotKey{r, id}]; c != nil {
			m.cancel(c)
			m.destroy(c)
		}
	}
	for _, mc := range m.memcgs { // dead children, out of their slots
		for _, c := range slices.Clone(mc.caches) {
			if c.root == r {
				m.destroy(c)
				m.queueFree(mc) // its pages went with the cache
			}
		}
	}
	r.alive = false
	m.snap.RootsDestroyed++
	return "ok"
}

func (m *refModel) activate() (string, int) {
	id := 0
	for m.usedIDs[id] != nil {
		id++
	}
	if id >= designs.MaxMemcgs {
		return errClass(designs.ErrTooManyMemcgs), -1
	}
	mc := &refMemcg{id: id, online: true}
	m.usedIDs[id] = mc
	m.memcgs = append(m.memcgs, mc)
	if id >= m.arraySize {
		m.arraySize = min(max(2*(id+1), designs.MinArraySize), designs.MaxArraySize)
	}
	return "ok", len(m.memcgs) - 1
}

func (m *refModel) offline(i int) string {
	mc, err := m.memcg(i, false)
	if err != "" {
		return err
	}
	m.offlineMemcg(mc)
	return "ok"
}

// remove is rmdir: the memcg takes no more allocations, and its offline
// waits on the cgroup_destroy queue, which Quiesce runs first.
func (m *refModel) remove(i int) string {
	mc, err := m.memcg(i, false)
	if err != "" {
		return err
	}
	mc.killed = true
	m.removals = append(m.removals, mc)
	return "ok"
}

// offlineMemcg is css_offline of mc.
func (m *refModel) offlineMemcg(mc *refMemcg) {
	mc.online = false
	if m.deactivate {
		for _, c := range mc.caches {
			delete(m.slots, slotKey{c.root, mc.id})
		}
		m.queueFree(mc)
		m.maybeFree(mc)
		return
	}
	for _, c := range slices.Clone(mc.caches) {
		switch {
		case m.deferred && !c.pending:
			c.pending = true
			m.queue = append(m.queue, refWork{child: c})
			m.snap.DestroyQueued++
		case !m.deferred && c.pages == 0:
			m.destroy(c)
		}
	}
	m.maybeFree(mc)
}

func (m *refModel) alloc(mi, ri int) string {
	mc, err := m.memcg(mi, false)
	if err != "" {
		return err
	}
	r, err := m.root(ri)
	if err != "" {
		return err
	}
	if m.shared || m.child(mc, r) != nil {
		return "hit"
	}
	m.queue = append(m.queue, refWork{memcg: mc, root: r})
	m.snap.CreateQueued++
	return "miss"
}

func (m *refModel) charge(mi, ri, pages int, uncharge bool) string {
	if pages <= 0 {
		return errClass(designs.ErrBadPages)
	}
	mc, err := m.memcg(mi, uncharge)
	if err != "" {
		return err
	}
	r, err := m.root(ri)
	if err != "" {
		return err
	}
	if m.shared {
		k := slotKey{r, mi}
		switch {
		case !uncharge:
			m.sharedPages[k] += int64(pages)
		case int64(pages) > m.sharedPages[k]:
			return errClass(designs.ErrBadPages)
		default:
			m.sharedPages[k] -= int64(pages)
		}
		return "ok"
	}
	c := m.child(mc, r)
	switch {
	case c == nil:
		return errClass(designs.ErrNoCache)
	case !uncharge:
		c.pages += int64(pages)
	case int64(pages) > c.pages:
		return errClass(designs.ErrBadPages)
	default:
		c.pages -= int64(pages)
		switch {
		case mc.online:
		case m.deactivate: // the css_put of the pages (v4.0 on)
			m.queueFree(mc)
		case m.deferred && c.pages == 0 && !c.pending:
			// memcg_release_pages: a dead cache's last page queues its
			// destroy work again (3.15).
			c.pending = true
			m.queue = append(m.queue, refWork{child: c})
			m.snap.DestroyQueued++
		}
	}
	return "ok"
}

// queueFree queues mc's css_free if it is offline and its caches hold no
// pages (deactivate designs).
func (m *refModel) queueFree(mc *refMemcg) {
	if mc.freeQueued || mc.freed || mc.online {
		return
	}
	for _, c := range mc.caches {
		if c.pages > 0 {
			return
		}
	}
	mc.freeQueued = true
	m.frees = append(m.frees, mc)
}

func (m *refModel) slabinfo(mi int) string {
	mc, err := m.memcg(mi, false)
	if err != "" {
		return err
	}
	return fmt.Sprintf("caches=%d", len(mc.caches)) // none where the memcgs share the roots
}

func (m *refModel) procSlabinfo() string {
	roots := 0
	for _, r := range m.roots {
		if r.alive {
			roots++
		}
	}
	children := len(m.slots)
	if m.deactivate {
		children = 0
		for _, mc := range m.memcgs {
			children += len(mc.caches)
		}
	}
	return fmt.Sprintf("roots=%d children=%d", roots, children)
}

func (m *refModel) shrink(ri int) string {
	if _, err := m.root(ri); err != "" {
		return err
	}
	return "ok"
}

// quiesce runs the queued work in FIFO order, as the design's manual
// workqueue does.
func (m *refModel) quiesce() {
	for _, mc := range m.removals {
		m.offlineMemcg(mc)
	}
	m.removals = nil
	for _, mc := range m.frees { // css_free: destroy every cache, free the memcg
		mc.freeQueued = false
		if mc.freed {
			continue
		}
		for _, c := range slices.Clone(mc.caches) {
			m.destroy(c)
		}
	}
	m.frees = nil
	for len(m.queue) > 0 {
		w := m.queue[0]
		m.queue = m.queue[1:]
		if w.child != nil {
			w.child.pending = false
			if w.child.pages == 0 {
				m.destroy(w.child)
			}
			continue
		}
		switch {
		case m.slots[slotKey{w.root, w.memcg.id}] != nil:
			m.snap.CreateSkipped++
		case !w.memcg.online || !w.root.alive:
			m.snap.CreateDropped++
		default:
			m.seq++
			c := &refChild{root: w.root, memcg: w.memcg, seq: m.seq}
			m.slots[slotKey{w.root, w.memcg.id}] = c
			w.memcg.caches = append(w.memcg.caches, c)
			m.snap.ChildrenCreated++
		}
	}
}

// cancel removes c's pending destroy work.
func (m *refModel) cancel(c *refChild) {
	if !c.pending {
		return
	}
	c.pending = false
	m.queue = slices.DeleteFunc(m.queue, func(w refWork) bool { return w.child == c })
}

func (m *refModel) destroy(c *refChild) {
	if k := (slotKey{c.root, c.memcg.id}); m.slots[k] == c {
		delete(m.slots, k)
	}
	c.memcg.caches = slices.DeleteFunc(c.memcg.caches, func(x *refChild) bool { return x == c })
	m.snap.ChildrenDestroyed++
	m.maybeFree(c.memcg)
}

func (m *refModel) maybeFree(mc *refMemcg) {
	if !mc.online && !mc.freed && len(mc.caches) == 0 {
		mc.freed = true
		delete(m.usedIDs, mc.id)
	}
}

// inventory is what the design's Inventory must return.
func (m *refModel) inventory() designs.Inventory {
	inv := designs.Inventory{ArraySize: m.arraySize}
	type listed struct {
		seq  int
		info designs.CacheInfo
	}
	var global []listed
	for _, r := range m.roots {
		if !r.alive {
			continue
		}
		global = append(global, listed{r.seq, designs.CacheInfo{Root: r.name, Memcg: -1}})
		ri := designs.RootInfo{Name: r.name, ArrayLen: m.arraySize}
		for id := range m.arraySize {
			if c := m.slots[slotKey{r, id}]; c != nil {
				ri.Children = append(ri.Children, c.info())
			}
		}
		inv.Roots = append(inv.Roots, ri)
	}
	for _, mc := range m.memcgs { // every live child is on its memcg's list
		for _, c := range mc.caches {
			global = append(global, listed{c.seq, c.info()})
		}
	}
	slices.SortFunc(global, func(a, b listed) int { return a.seq - b.seq })
	for _, g := range global {
		inv.SlabCaches = append(inv.SlabCaches, g.info)
	}
	for id := range designs.MaxMemcgs {
		mc := m.usedIDs[id]
		if mc == nil {
			if id > len(m.memcgs) {
				break
			}
			continue
		}
		mi := designs.MemcgInfo{ID: id, Online: mc.online}
		for _, c := range mc.caches {
			mi.Caches = append(mi.Caches, c.info())
		}
		inv.Memcgs = append(inv.Memcgs, mi)
	}
	return inv
}

func (c *refChild) info() designs.CacheInfo {
	return designs.CacheInfo{Root: c.root.name, Memcg: c.memcg.id, Pages: c.pages}
}
