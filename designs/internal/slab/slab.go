// Package slab holds what both designs share beyond the kernel objects of
// package kmem: the registry core with the paths the designs have in common,
// the kmemcg id allocator, and the names of kmem's types the designs use. It
// takes no locks of its own beyond the id allocator's: each function says
// which lock its caller must hold, and the designs differ only in which
// locks those are.
package slab

import (
	"memcgbench/designs"
	"memcgbench/designs/internal/kmem"
)

// Array sizes and the number of kmemcg ids, as designs states them.
const (
	MinArraySize = designs.MinArraySize
	MaxArraySize = designs.MaxArraySize
	MaxMemcgs    = designs.MaxMemcgs
)

// ArraySize returns the per-memcg array size needed once id is in use:
// 2 x (id+1), clamped to [MinArraySize, MaxArraySize].
func ArraySize(id int) int {
	return min(max(2*(id+1), MinArraySize), MaxArraySize)
}

// The kernel objects, as the designs name them.
type (
	Cache = kmem.Cache
	Memcg = kmem.Memcg
	Array = kmem.Array
	List  = kmem.List
)

// The array operations of package kmem.
var (
	NewArray = kmem.NewArray
	Lookup   = kmem.Lookup
	Children = kmem.Children
	SetSlot  = kmem.SetSlot
	Grow     = kmem.Grow
	NewList  = kmem.NewList
)

// cacheInfo describes cache c for an Inventory.
func cacheInfo(c *Cache) designs.CacheInfo {
	if c.Memcg == nil {
		return designs.CacheInfo{Root: c.Name(), Memcg: -1}
	}
	return designs.CacheInfo{Root: c.Name(), Memcg: c.Memcg.ID(), Pages: c.Pages.Load()}
}
