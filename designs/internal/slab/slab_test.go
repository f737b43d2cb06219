package slab

import (
	"testing"
	"time"

	"memcgbench/designs"
	"memcgbench/designs/internal/kmem"
	"memcgbench/kern"
)

func TestArraySize(t *testing.T) {
	tests := []struct{ id, want int }{
		{0, MinArraySize}, {1, MinArraySize}, {2, 6}, {4, 10}, {9, 20},
		{32766, 65534}, {32767, MaxArraySize}, {MaxMemcgs - 1, MaxArraySize},
	}
	for _, tt := range tests {
		if got := ArraySize(tt.id); got != tt.want {
			t.Errorf("ArraySize(%d) = %d, want %d", tt.id, got, tt.want)
		}
	}
}

func TestGrowKeepsSlotsAndNeverShrinks(t *testing.T) {
	owner := new(kmem.Owner)
	root := kmem.NewRoot("r", owner, false, 4)
	child := kmem.NewChild(root, kmem.NewMemcg(owner), owner)
	SetSlot(root, 3, child)
	before := root.Caches.Load()
	if Grow(root, 4) || Grow(root, 2) {
		t.Fatal("Grow to a size not larger than the array replaced it")
	}
	if !Grow(root, 10) {
		t.Fatal("Grow to a larger size did nothing")
	}
	if root.Caches.Load() == before {
		t.Fatal("Grow changed the array in place instead of publishing a new one")
	}
	if Lookup(root, 3) != child {
		t.Error("child lost by Grow")
	}
	if before.Slots[3].Load() != child {
		t.Error("Grow modified the old array, which lock-free readers may still hold")
	}
	for _, id := range []int{-1, 0, 9, 10, 1 << 20} {
		if c := Lookup(root, id); c != nil && id != 3 {
			t.Errorf("Lookup(%d) = %v, want nil", id, c)
		}
	}
}

func TestIDsLowestFree(t *testing.T) {
	task := kern.New(kern.Config{}).NewTask("t")
	ids := NewIDs()
	var ms []*Memcg
	for range 5 {
		m := kmem.NewMemcg(nil)
		if err := ids.Get(task, m); err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	ids.Put(task, ms[3])
	ids.Put(task, ms[1])
	for _, want := range []int{1, 3, 5} {
		m := kmem.NewMemcg(nil)
		if err := ids.Get(task, m); err != nil || m.ID() != want {
			t.Errorf("Get = id %d, %v; want %d (lowest free)", m.ID(), err, want)
		}
	}
	if got := len(ids.Memcgs(task)); got != 6 {
		t.Errorf("Memcgs() has %d, want 6", got)
	}
}

func TestListsAddRemove(t *testing.T) {
	l := NewList()
	m := kmem.NewMemcg(nil)
	root := kmem.NewRoot("root", nil, false, MinArraySize)
	a := kmem.NewChild(root, m, nil)
	b := kmem.NewChild(root, m, nil)
	l.Add(root)
	l.Add(a)
	l.Add(b)
	m.AddCache(a)
	m.AddCache(b)
	l.Remove(a)
	m.RemoveCache(a)
	if got := l.All(); len(got) != 2 || got[0] != root || got[1] != b {
		t.Errorf("global list = %v, want [root b]", got)
	}
	if l.Children() != 1 || len(l.Roots()) != 1 {
		t.Errorf("children %d roots %d, want 1, 1", l.Children(), len(l.Roots()))
	}
	if got := m.Caches(); len(got) != 1 || got[0] != b || m.NumCaches() != 1 {
		t.Errorf("memcg list = %v, want [b]", got)
	}
}

// TestRCUShareSpreadsEvenly checks which roots are SLAB_DESTROY_BY_RCU:
// the share, spread so that any run of consecutive roots holds it to
// within one.
func TestRCUShareSpreadsEvenly(t *testing.T) {
	for _, tt := range []struct {
		share     float64
		of40, all int // flagged among roots 10-49, and among all 100
	}{{0, 0, 0}, {0.15, 6, 15}, {0.5, 20, 50}, {1, 40, 100}} {
		c := &Core{rcuShare: tt.share}
		var flags []bool
		for range 100 {
			flags = append(flags, c.nextRootRCU())
			c.rootsCreated.Add(1)
		}
		count := func(f []bool) (n int) {
			for _, b := range f {
				if b {
					n++
				}
			}
			return n
		}
		if got, all := count(flags[10:50]), count(flags); got != tt.of40 || all != tt.all {
			t.Errorf("share %v: %d of roots 10-49 and %d of 100 flagged, want %d and %d", tt.share, got, all, tt.of40, tt.all)
		}
	}
}

// TestNewCoreNeedsPaths: a Core without the design's paths is refused at
// construction, not found nil at the first offline.
func TestNewCoreNeedsPaths(t *testing.T) {
	if _, err := NewCore(kern.New(kern.Config{}), designs.Config{}, nil); err == nil {
		t.Error("NewCore without paths succeeded")
	}
}

// TestProcSlabinfoFills holds /proc/slabinfo's fills to the kernel's
// seq_file as cat reads it: with 235 roots (the size measured on the dev
// VM) the text is seven 4 KiB chunks and an eighth, empty fill; each fill
// seeks from the list's head, so every child on slab_caches is stepped
// over by every fill, and over none when the walk is of slab_root_caches.
// With WalkPerCache 1 ns and every other cost 0 the cost is the steps: 37,
// 75, 113, 151, 189, 227, 235 and 235 without children.
func TestProcSlabinfoFills(t *testing.T) {
	const roots, rootSteps = 235, 37 + 75 + 113 + 151 + 189 + 227 + 235 + 235
	tests := []struct {
		name      string
		children  int
		rootsOnly bool
		wantSteps int
	}{
		{"slab_caches, no children", 0, false, rootSteps},
		{"slab_caches, 1000 children", 1000, false, rootSteps + 8*1000},
		{"slab_root_caches, 1000 children", 1000, true, rootSteps},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Core{List: NewList(), Costs: designs.Costs{WalkPerCache: time.Nanosecond}}
			var rs []*Cache
			for range roots {
				r := kmem.NewRoot("root", nil, false, MinArraySize)
				c.List.Add(r)
				rs = append(rs, r)
			}
			m := kmem.NewMemcg(nil)
			for i := range tt.children {
				c.List.Add(kmem.NewChild(rs[i%roots], m, nil))
			}
			list := SlabinfoList{RootsOnly: tt.rootsOnly, Sum: c.SumListed}
			var fills, lines, children int
			var cost time.Duration
			for index := 0; ; {
				r := c.slabinfoFill(index, list, designs.ReadBytesCat)
				fills++
				lines, children, index, cost = lines+r.lines, children+r.children, r.index, cost+r.cost
				if r.bytes == 0 {
					break
				}
			}
			if fills != 8 || lines != roots || children != tt.children || cost != time.Duration(tt.wantSteps) {
				t.Errorf("%d fills, %d lines, %d children, %d steps; want 8, %d, %d, %d", fills, lines, children, cost, roots, tt.children, tt.wantSteps)
			}
		})
	}
}
