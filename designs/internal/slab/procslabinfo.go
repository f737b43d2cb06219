package slab

import (
	"time"

	"memcgbench/designs"
	"memcgbench/kern"
)

// ChildrenListed is the number of children a root's /proc/slabinfo line
// sums from v4.0 on (for_each_memcg_cache over the root's list of
// children, 426589f571f7): live and dead, every one until its release.
func (c *Core) ChildrenListed(root *Cache) int { return c.List.ChildrenOf(root) }

// ChildrenInSlots is the number of children a root's /proc/slabinfo line
// sums in 3.15 and 3.16 (for_each_memcg_cache_index over the root's
// array): the filled slots, a dead cache's included until it is destroyed.
// The loop over the empty slots is left uncharged (a sequential read of
// the array, about a nanosecond a slot).
func (c *Core) ChildrenInSlots(root *Cache) int {
	n := 0
	for i := range c.ArraySize {
		if Lookup(root, i) != nil {
			n++
		}
	}
	return n
}

// ReadProcSlabinfo reads /proc/slabinfo whole, as cat or slabtop does, one
// read() per designs.SeqChunkBytes until one returns nothing. Each read holds
// slab_mutex from s_start to s_stop: it walks the list from its head to
// the position the last one stopped at (seq_list_start), then prints root
// lines until the next would not fit, each summing childrenOf(root)
// children at Costs.SlabinfoPerChild; the line that did not fit is shown
// again, whole, by the next read. Between reads slab_mutex is dropped and
// the reader is in user space. The list walked is slab_caches, every root
// and child newest first, to v4.10, or slab_root_caches, the roots alone
// (rootList, 510ded33e075, v4.11 on); a child on slab_caches prints
// nothing but is stepped over at Costs.WalkPerCache, as every position of
// the seek is. It returns the lines printed and the children they summed:
// when the list changes between reads, a line may be printed twice or
// not at all, as the kernel's are.
func (c *Core) ReadProcSlabinfo(t *kern.Task, rootList bool, childrenOf func(*Cache) int) (roots, children int) {
	index := 0 // seq_file's m->index: the list position the next read resumes at
	for {
		t.Lock(c.SlabMutex)
		r := c.slabinfoRead(index, rootList, childrenOf)
		t.Work(r.cost)
		t.Unlock(c.SlabMutex)
		roots, children, index = roots+r.lines, children+r.children, r.index
		if r.lines == 0 {
			return roots, children
		}
		t.MightSleep() // back to user space, and read() again
	}
}

// A slabinfoRead is what one read() of /proc/slabinfo did.
type slabinfoRead struct {
	lines, children int
	index           int // where the next read resumes
	cost            time.Duration
}

// slabinfoRead is one read() from list position index. The caller holds
// slab_mutex.
func (c *Core) slabinfoRead(index int, rootList bool, childrenOf func(*Cache) int) slabinfoRead {
	r := slabinfoRead{index: index}
	used := 0
	if index == 0 {
		used = designs.SlabinfoHeaderBytes
	}
	steps, pos := 0, 0
	for cache := range c.List.Newest() {
		if rootList && cache.Memcg != nil {
			continue // not on slab_root_caches
		}
		steps++ // the seek to index, then one seq_list_next a position
		if pos < index {
			pos++
			continue
		}
		if cache.Memcg == nil {
			n := childrenOf(cache)
			r.cost += c.Costs.SlabinfoPerCache + time.Duration(n)*c.Costs.SlabinfoPerChild
			if used+designs.SlabinfoLineBytes > designs.SeqChunkBytes {
				break // overflow: the line is dropped and the next read shows it
			}
			used += designs.SlabinfoLineBytes
			r.lines++
			r.children += n
		}
		pos++
		r.index = pos
	}
	r.cost += time.Duration(steps) * c.Costs.WalkPerCache
	return r
}
