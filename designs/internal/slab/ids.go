package slab

import (
	"container/heap"
	"fmt"

	"memcgbench/designs"
	"memcgbench/kern"
)

// IDAClass is the lock class of the kmemcg id allocator's own lock, the
// spinlock inside the kernel's ida. It nests inside every other lock.
var IDAClass = kern.NewClass("kmemcg_ida")

// IDs is the kmemcg id allocator (the kernel's kmem_limited_groups ida): it
// hands out the lowest free id in [0, MaxMemcgs) and keeps the memcg holding
// each id, for walks over all memcgs. It has its own lock.
type IDs struct {
	mu     *kern.Mutex
	next   int      // ids below next have been handed out at least once
	free   idHeap   // freed ids below next
	memcgs []*Memcg // by id; nil where free
	inUse  int
}

// NewIDs returns an allocator with every id free.
func NewIDs() *IDs { return &IDs{mu: kern.NewMutex(IDAClass)} }

// Get gives m the lowest free id.
func (a *IDs) Get(t *kern.Task, m *Memcg) error {
	t.Lock(a.mu)
	defer t.Unlock(a.mu)
	var id int
	switch {
	case len(a.free) > 0:
		id = heap.Pop(&a.free).(int)
	case a.next < MaxMemcgs:
		id = a.next
		a.next++
		a.memcgs = append(a.memcgs, nil)
	default:
		return fmt.Errorf("%w: all %d in use", designs.ErrTooManyMemcgs, MaxMemcgs)
	}
	m.SetID(id)
	a.memcgs[id] = m
	a.inUse++
	return nil
}

// Put gives m's id back.
func (a *IDs) Put(t *kern.Task, m *Memcg) {
	t.Lock(a.mu)
	defer t.Unlock(a.mu)
	if a.memcgs[m.ID()] != m {
		panic("slab: id given back by a memcg that does not hold it")
	}
	a.memcgs[m.ID()] = nil
	heap.Push(&a.free, m.ID())
	a.inUse--
}

// Memcgs returns the memcgs holding an id, by id.
func (a *IDs) Memcgs(t *kern.Task) []*Memcg {
	t.Lock(a.mu)
	defer t.Unlock(a.mu)
	out := make([]*Memcg, 0, a.inUse)
	for _, m := range a.memcgs {
		if m != nil {
			out = append(out, m)
		}
	}
	return out
}

// idHeap is a min-heap of free ids.
type idHeap []int

func (h idHeap) Len() int           { return len(h) }
func (h idHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h idHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *idHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *idHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Holder returns the memcg holding id, or nil.
func (a *IDs) Holder(t *kern.Task, id int) *Memcg {
	t.Lock(a.mu)
	defer t.Unlock(a.mu)
	if id < 0 || id >= len(a.memcgs) {
		return nil
	}
	return a.memcgs[id]
}
