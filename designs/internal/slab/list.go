package slab

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
		panic("slab: cache added to a list twice")
	}
	l.cache = c
	l.prev, l.next = h.root.prev, &h.root
	h.root.prev.next = l
	h.root.prev = l
	h.n++
}

func (h *listHead) remove(l *listLink) {
	if l.next == nil {
		panic("slab: cache removed from a list it is not on")
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
