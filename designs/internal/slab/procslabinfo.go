package slab

import (
	"time"

	"memcgbench/designs"
	"memcgbench/kern"
)

// A SlabinfoList is how a design's /proc/slabinfo walks: the list its
// seq_file steps along, and what summing a root's children into its line
// costs.
type SlabinfoList struct {
	// RootsOnly says the list is slab_root_caches (510ded33e075, v4.11
	// on), the roots alone; otherwise it is slab_caches, every root and
	// child, newest first.
	RootsOnly bool
	// Sum returns the children summed into root's line and the time the
	// sum takes (memcg_accumulate_slabinfo). The caller holds slab_mutex.
	Sum func(root *Cache) (children int, cost time.Duration)
}

// SumListed is the sum of a root's children from v4.0 on
// (for_each_memcg_cache over the root's list of children, 426589f571f7):
// live and dead, every one until its release, each Costs.SlabinfoPerChild.
func (c *Core) SumListed(root *Cache) (int, time.Duration) {
	n := c.List.NumChildrenOf(root)
	return n, time.Duration(n) * c.Costs.SlabinfoPerChild
}

// SumSlots is the sum of a root's children in 3.15 and 3.16
// (for_each_memcg_cache_index over the root's array, to
// memcg_limited_groups_array_size): every slot at Costs.SlabinfoPerSlot,
// and each filled one, a dead cache's included until it is destroyed, at
// Costs.SlabinfoPerChild.
func (c *Core) SumSlots(root *Cache) (int, time.Duration) {
	n := 0
	for i := range c.ArraySize {
		if Lookup(root, i) != nil {
			n++
		}
	}
	return n, time.Duration(n)*c.Costs.SlabinfoPerChild + time.Duration(c.ArraySize)*c.Costs.SlabinfoPerSlot
}

// ReadProcSlabinfo reads /proc/slabinfo whole, with read() calls of
// readBytes bytes until one returns nothing, as cat (designs.ReadBytesCat)
// or slabtop (designs.ReadBytesStdio) does. Each read() that the seq_file's
// buffer cannot serve from what an earlier one printed holds slab_mutex
// from s_start to s_stop: it walks the list from its head to where the
// last one stopped (seq_list_start), then prints root lines, each with its
// children summed, until it has readBytes or the next line would not fit
// in the buffer (designs.SeqChunkBytes); a line that did not fit is printed
// again, whole, by the next read. Every list position passed costs
// Costs.WalkPerCache (a child on slab_caches prints nothing but is stepped
// over), every line Costs.SlabinfoPerCache and its sum. Between reads the
// reader is in user space. It returns the lines printed and the children
// they summed: when the list changes between reads, a line may be printed
// twice or not at all, as the kernel's are. readBytes below 1 reads as 1.
func (c *Core) ReadProcSlabinfo(t *kern.Task, list SlabinfoList, readBytes int) (roots, children int) {
	readBytes = max(readBytes, 1)
	index, left := 0, 0 // seq_file's m->index and m->count: where the next fill resumes; printed bytes not yet read
	for {
		if left >= readBytes {
			left -= readBytes // served from the buffer: no lock, no walk
			t.MightSleep()
			continue
		}
		want := readBytes - left
		t.Lock(c.SlabMutex)
		r := c.slabinfoFill(index, list, want)
		t.Work(r.cost)
		t.Unlock(c.SlabMutex)
		roots, children, index = roots+r.lines, children+r.children, r.index
		if left == 0 && r.bytes == 0 {
			return roots, children
		}
		left = r.bytes - min(r.bytes, want)
		t.MightSleep() // back to user space, and read() again
	}
}

// A slabinfoFill is what one fill of the seq_file's buffer printed and
// cost.
type slabinfoFill struct {
	lines, children, bytes int
	index                  int // where the next fill resumes
	cost                   time.Duration
}

// slabinfoFill is one read()'s fill of the buffer from list position
// index until it holds want bytes or the next line does not fit. The
// caller holds slab_mutex.
func (c *Core) slabinfoFill(index int, list SlabinfoList, want int) slabinfoFill {
	r := slabinfoFill{index: index}
	if index == 0 && c.List.NumRoots() > 0 {
		r.bytes = designs.SlabinfoHeaderBytes // with the first line, which always fits
	}
	steps, pos := 0, 0
	for cache := range c.List.Newest() {
		if list.RootsOnly && cache.Memcg != nil {
			continue // not on slab_root_caches
		}
		if r.lines > 0 && r.bytes >= want {
			break // a fill prints a line at least, the header with the first
		}
		steps++ // the seek to index, then one seq_list_next a position
		if pos < index {
			pos++
			continue
		}
		if cache.Memcg == nil {
			n, sum := list.Sum(cache)
			r.cost += c.Costs.SlabinfoPerCache + sum
			if r.bytes+designs.SlabinfoLineBytes > designs.SeqChunkBytes {
				break // overflow: the line is dropped and the next fill prints it
			}
			r.bytes += designs.SlabinfoLineBytes
			r.lines++
			r.children += n
		}
		pos++
		r.index = pos
	}
	r.cost += time.Duration(steps) * c.Costs.WalkPerCache
	return r
}
