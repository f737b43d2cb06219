// Package kmem holds the kernel objects the designs share and hand out:
// root and child caches (the kernel's struct kmem_cache with its
// memcg_params), memcgs (the kmem part of struct mem_cgroup), the per-root
// per-memcg arrays with their lock-free lookup, and the global cache list.
// The designs' handles, designs.Root and designs.Memcg, are pointers to
// these, so a registry's lock-free hit reads them directly, as the
// kernel's memcg_kmem_get_cache does, with no interface to look through.
//
// Its exported fields and methods are for the designs (designs/internal/slab
// and the design packages), which say which lock guards each write; code
// outside designs/ holds the handles and calls the Registry only.
package kmem

import (
	"iter"
	"sync"
	"sync/atomic"
)

// An Owner is a registry's identity, which every cache and memcg it makes
// carries: handles of another registry are refused by comparing it. It is
// not empty, so that two Owners never share an address.
type Owner struct{ _ byte }

// A Cache is a kmem cache: a root, or a child of one root for one memcg.
type Cache struct {
	Root  *Cache // the root of a child; nil for a root
	Memcg *Memcg // the memcg of a child; nil for a root
	name  string // the root's name (a child shares its root's name)

	// Caches is a root's per-memcg array, read without locks (path D).
	Caches atomic.Pointer[Array]

	// Owner is the registry that created the cache; handles from another
	// registry are refused. live is Owner while the cache is not
	// destroyed, nil after: the hit's one check of both.
	Owner *Owner
	live  atomic.Pointer[Owner]

	// destroyed is set by the first destroy. A second destroy, or deferred
	// work that finds it set, is an anomaly the model counts.
	destroyed atomic.Bool
	// Dying marks a root whose destroy has begun, under slab_mutex: create
	// work for it is dropped.
	Dying bool
	// RCU marks a SLAB_DESTROY_BY_RCU cache (a child inherits its root's
	// flag): its destruction waits for Costs.GracePeriod in rcu_barrier().
	RCU bool

	// Design is the design's own per-cache state, which the shared code
	// never reads (the old design's destroy work item).
	Design any
	// OfflineAt is when the cache's memcg went offline (Task.Now), set by
	// the offline walk; zero while the memcg is online.
	OfflineAt int64
	// listed is a root's children on the global list, live and dead,
	// under slab_mutex: the length of its list of children from v4.0
	// (memcg_params.list, 426589f571f7), which the kernel keeps beside
	// slab_caches and the model counts.
	listed int

	global listLink // on the global cache list, under slab_mutex
	memcg  listLink // on the memcg's cache list, under that list's lock

	// The page counter, written by every charge, sits alone on the last
	// cache line, and the struct is a whole number of lines (256 bytes, a
	// size class whose objects are line-aligned), as the kernel cache-aligns
	// its kmem_cache structs: otherwise charges to one cache would slow the
	// lock-free lookups of its neighbours in memory, by an amount that
	// depends on allocation order. TestLayout holds this.
	_ [cacheLine - (144 % cacheLine)]byte

	// Pages charged to a child (nr_pages of 3.15 and 3.16; the pages that
	// pin the memcg's css from v4.0 on); changed atomically, no lock
	// (path J). Empty is the part of them held by empty slabs that the
	// allocator keeps on the cache's partial lists until a shrink
	// discards them (SLUB's min_partial). Dead is set when the cache's
	// memcg goes offline: a dead cache, which no allocation reaches.
	// PagesMu, a lock of the harness's (it stands for SLUB's per-node
	// list_lock, held for nanoseconds), makes the three change together;
	// it is never held across a kern call.
	Pages   atomic.Int64
	Empty   atomic.Int64
	Dead    atomic.Bool
	PagesMu sync.Mutex
	_       [cacheLine - 32]byte
}

// cacheLine is the cache line size the layouts pad to.
const cacheLine = 64

// Name returns the root's name; a child shares its root's name.
func (c *Cache) Name() string { return c.name }

// Destroyed reports whether the cache has been destroyed.
func (c *Cache) Destroyed() bool { return c.destroyed.Load() }

// MarkDestroyed marks the cache destroyed and reports whether this was the
// first destroy; false means a double destroy.
func (c *Cache) MarkDestroyed() bool {
	c.live.Store(nil)
	return c.destroyed.CompareAndSwap(false, true)
}

// Live returns the cache's owner while it is not destroyed, else nil.
func (c *Cache) Live() *Owner { return c.live.Load() }

// NewRoot returns a root cache of owner with an empty array of n slots.
func NewRoot(name string, owner *Owner, rcu bool, n int) *Cache {
	root := &Cache{name: name, Owner: owner, RCU: rcu}
	root.live.Store(owner)
	root.Caches.Store(NewArray(n))
	return root
}

// NewChild returns root's child for memcg m, made by owner; its array is
// the empty one every child shares.
func NewChild(root *Cache, m *Memcg, owner *Owner) *Cache {
	child := &Cache{Root: root, Memcg: m, name: root.name, Owner: owner, RCU: root.RCU}
	child.live.Store(owner)
	child.Caches.Store(noSlots)
	return child
}

// noSlots is every child's array: a child has none, and a lookup in it
// finds nothing.
var noSlots = &Array{}

// An Array is one root's per-memcg array: an immutable slice of atomic slots,
// the Go form of the RCU-protected memcg_caches array. A grown array
// replaces the old one whole; slots are written only under the design's
// write lock and filled only with complete caches.
type Array struct {
	Slots []atomic.Pointer[Cache]
}

// NewArray returns an empty array of n slots.
func NewArray(n int) *Array { return &Array{Slots: make([]atomic.Pointer[Cache], n)} }

// Lookup returns the child of root for the memcg with kmemcg id id, or nil,
// without locks: one atomic pointer load, a bounds check and an atomic slot
// load.
func Lookup(root *Cache, id int) *Cache {
	a := root.Caches.Load()
	if uint(id) >= uint(len(a.Slots)) {
		return nil
	}
	return a.Slots[id].Load()
}

// Children returns the filled slots of root's array, in kmemcg id order,
// read without locks; the caller holds a lock that keeps the array from
// moving (activate_kmem_mutex in the old design, memcg_slab_mutex in the
// new), as the kernel's for_each_memcg_cache_index walks do.
func Children(root *Cache) []*Cache {
	var out []*Cache
	a := root.Caches.Load()
	for i := range a.Slots {
		if c := a.Slots[i].Load(); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// SetSlot fills or clears the slot of memcg id in root's array. The caller
// holds the design's array write lock, and the array is large enough.
func SetSlot(root *Cache, id int, c *Cache) {
	root.Caches.Load().Slots[id].Store(c)
}

// Grow replaces root's array with one of n slots if it is smaller, copying
// the filled slots, and reports whether it did. The caller holds the
// design's array write lock.
func Grow(root *Cache, n int) bool {
	old := root.Caches.Load()
	if len(old.Slots) >= n {
		return false
	}
	grown := NewArray(n)
	for i := range old.Slots {
		grown.Slots[i].Store(old.Slots[i].Load())
	}
	root.Caches.Store(grown)
	return true
}

// A Memcg is a memory cgroup with kernel-memory accounting active. The
// fields every allocation reads (id, Owner, state) share the first cache
// line with nothing that changes often; the list, changed by creates and
// destroys, is on the second, and the struct is two whole lines (see
// Cache on why; TestLayout holds it).
type Memcg struct {
	id    int
	Owner *Owner
	// state holds the flags that end a memcg's allocations, read by every
	// one in a single load: memcgOffline, set when the memcg goes offline,
	// under its list lock, and memcgKilled, set by RemoveMemcg (rmdir),
	// after which the memcg takes no more allocations and its offline is
	// queued.
	state atomic.Uint32
	// live is Owner while the memcg takes allocations (state is 0), nil
	// after: the hit's one check of both.
	live atomic.Pointer[Owner]

	// Design is the design's own per-memcg state, which the shared code
	// never reads (the old design's slab_caches_mutex).
	Design any
	_      [cacheLine - 48]byte

	list listHead // its caches (memcg_slab_caches), under the list lock
	// byRoot is a copy of the list for lookups without the lock: freeing
	// an object finds its cache from its page (page->slab_cache), not
	// from a list. AddCache and RemoveCache replace it whole.
	byRoot atomic.Pointer[[]*Cache]
	// Freed is set when the memcg gives its id back: offline with no caches
	// left. Written under the list lock.
	Freed bool

	// Creates holds, by root, the create work of this memcg's misses that
	// is queued or running; CreatesMu, a lock of the harness's, not the
	// kernel's, guards it. Only misses take it.
	CreatesMu sync.Mutex
	Creates   map[*Cache]any
}

// NewMemcg returns a memcg of the given owner; its id is set by SetID.
func NewMemcg(owner *Owner) *Memcg {
	m := &Memcg{Owner: owner}
	m.live.Store(owner)
	m.list.init()
	return m
}

// ID returns the kmemcg id.
func (m *Memcg) ID() int { return m.id }

// SetID sets the kmemcg id: the id allocator's, when it hands one out.
func (m *Memcg) SetID(id int) { m.id = id }

// The bits of Memcg.state.
const (
	memcgOffline uint32 = 1 << iota
	memcgKilled
)

// Online reports whether m takes allocations: neither offline nor killed.
func (m *Memcg) Online() bool { return m.state.Load() == 0 }

// IsOffline reports whether m has gone offline.
func (m *Memcg) IsOffline() bool { return m.state.Load()&memcgOffline != 0 }

// SetOffline marks m offline and reports whether it already was.
func (m *Memcg) SetOffline() bool {
	m.live.Store(nil)
	return m.state.Or(memcgOffline)&memcgOffline != 0
}

// Kill marks m killed (rmdir) and reports whether it already was.
func (m *Memcg) Kill() bool {
	m.live.Store(nil)
	return m.state.Or(memcgKilled)&memcgKilled != 0
}

// Live returns m's owner while m takes allocations, else nil.
func (m *Memcg) Live() *Owner { return m.live.Load() }

// AddCache puts c on m's list. The caller holds m's list lock.
func (m *Memcg) AddCache(c *Cache) {
	m.list.add(c, &c.memcg)
	m.publish()
}

// RemoveCache takes c off m's list. The caller holds m's list lock.
func (m *Memcg) RemoveCache(c *Cache) {
	m.list.remove(&c.memcg)
	m.publish()
}

// publish replaces byRoot with a copy of the list. The caller holds m's
// list lock.
func (m *Memcg) publish() {
	caches := m.list.items()
	m.byRoot.Store(&caches)
}

// PagesHeld returns the pages charged to m's caches, read without a lock:
// what the css's refcount holds for them from v4.0 on.
func (m *Memcg) PagesHeld() int64 {
	var n int64
	if p := m.byRoot.Load(); p != nil {
		for _, c := range *p {
			n += c.Pages.Load()
		}
	}
	return n
}

// ChildOf returns m's cache of root, live or dead, without a lock, or
// nil: what freeing an object of it reads from the object's page.
func (m *Memcg) ChildOf(root *Cache) *Cache {
	if p := m.byRoot.Load(); p != nil {
		for _, c := range *p {
			if c.Root == root {
				return c
			}
		}
	}
	return nil
}

// Caches returns m's caches in list order. The caller holds m's list lock.
func (m *Memcg) Caches() []*Cache { return m.list.items() }

// NumCaches returns the length of m's list. The caller holds its lock.
func (m *Memcg) NumCaches() int { return m.list.n }

// A List is the global cache list, slab_caches; the caller holds slab_mutex.
// Add appends, where the kernel's kmem_cache_create adds at the head
// (list_add): All and Roots give the caches oldest first, Newest in the
// kernel's order.
type List struct {
	head     listHead
	children int
}

// NewList returns an empty list.
func NewList() *List {
	l := &List{}
	l.head.init()
	return l
}

// Add appends c.
func (l *List) Add(c *Cache) {
	l.head.add(c, &c.global)
	if c.Memcg != nil {
		l.children++
		c.Root.listed++
	}
}

// Remove takes c off the list.
func (l *List) Remove(c *Cache) {
	l.head.remove(&c.global)
	if c.Memcg != nil {
		l.children--
		c.Root.listed--
	}
}

// Newest yields the caches newest first, in the order of the kernel's
// slab_caches, whose walks meet the caches made last first. The list must
// not change while it yields.
func (l *List) Newest() iter.Seq[*Cache] {
	return func(yield func(*Cache) bool) {
		for n := l.head.root.prev; n != &l.head.root; n = n.prev {
			if !yield(n.cache) {
				return
			}
		}
	}
}

// NumChildrenOf returns the number of root's children on the list, live and
// dead: the length of the root's own list of children in the kernels that
// have one (v4.0 on).
func (l *List) NumChildrenOf(root *Cache) int { return root.listed }

// All returns every cache, in list order.
func (l *List) All() []*Cache { return l.head.items() }

// Len returns the number of caches on the list, roots and children.
func (l *List) Len() int { return l.head.n }

// NumRoots returns the number of root caches on the list.
func (l *List) NumRoots() int { return l.head.n - l.children }

// Roots returns the root caches, in list order.
func (l *List) Roots() []*Cache {
	var roots []*Cache
	for n := l.head.root.next; n != &l.head.root; n = n.next {
		if n.cache.Memcg == nil {
			roots = append(roots, n.cache)
		}
	}
	return roots
}

// Children returns the number of child caches on the list.
func (l *List) Children() int { return l.children }

// listLink is an intrusive doubly linked list node, the Go form of the
// kernel's struct list_head, so that adding and removing a cache allocates
// nothing and costs what the kernel's list operations cost.
type listLink struct {
	prev, next *listLink
	cache      *Cache
}

type listHead struct {
	root listLink
	n    int
}

func (h *listHead) init() { h.root.prev, h.root.next = &h.root, &h.root }

func (h *listHead) add(c *Cache, l *listLink) {
	if l.next != nil {
		panic("kmem: cache added to a list twice")
	}
	l.cache = c
	l.prev, l.next = h.root.prev, &h.root
	h.root.prev.next = l
	h.root.prev = l
	h.n++
}

func (h *listHead) remove(l *listLink) {
	if l.next == nil {
		panic("kmem: cache removed from a list it is not on")
	}
	l.prev.next, l.next.prev = l.next, l.prev
	l.prev, l.next = nil, nil
	h.n--
}

func (h *listHead) items() []*Cache {
	out := make([]*Cache, 0, h.n)
	for n := h.root.next; n != &h.root; n = n.next {
		out = append(out, n.cache)
	}
	return out
}
