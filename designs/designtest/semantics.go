package designtest

import (
	"testing"

	"memcgbench/designs"
)

// semanticCases are sequential scenarios with known outcomes. Each runs on a
// fresh registry whose deferred work runs only in Quiesce.
//
// Those marked children are about child caches; a design whose memcgs
// share the roots (designs.Design.SharedCaches) runs sharedCases instead.
var semanticCases = []struct {
	name     string
	children bool
	run      func(e *env)
}{
	{"created child is found by later lookups", true, func(e *env) {
		r := e.root("kmalloc-64")
		m := e.memcg()
		e.alloc(m, r, false)
		e.alloc(m, r, false) // a second miss queues a second create
		e.reg.Quiesce(e.task)
		e.alloc(m, r, true)
		e.alloc(m, r, true)
		s := e.reg.Snapshot()
		if s.ChildrenCreated != 1 || s.CreateQueued != 2 || s.CreateSkipped != 1 {
			e.t.Errorf("created %d, queued %d, skipped %d; want 1, 2, 1",
				s.ChildrenCreated, s.CreateQueued, s.CreateSkipped)
		}
		if n, err := e.reg.Slabinfo(e.task, m); n != 1 || err != nil {
			e.t.Errorf("Slabinfo = %d, %v; want 1, nil", n, err)
		}
		if roots, children := e.reg.ProcSlabinfo(e.task, designs.ReadBytesStdio); roots != 1 || children != 1 {
			e.t.Errorf("ProcSlabinfo = %d roots, %d children; want 1, 1", roots, children)
		}
	}},
	{"offline removes every cache of the memcg", false, func(e *env) {
		a, b, c := e.root("a"), e.root("b"), e.root("c")
		m, other := e.memcg(), e.memcg()
		e.child(m, a)
		e.child(m, b)
		e.child(other, c)
		e.must("OfflineMemcg", e.reg.OfflineMemcg(e.task, m))
		e.reg.Quiesce(e.task)
		inv := e.reg.Inventory(e.task)
		for _, ri := range inv.Roots {
			for _, ch := range ri.Children {
				if ch.Memcg == m.ID() {
					e.t.Errorf("root %s still holds a child of offline memcg %d", ri.Name, m.ID())
				}
			}
		}
		if len(inv.Memcgs) != 1 || inv.Memcgs[0].ID != other.ID() {
			e.t.Errorf("memcgs after offline = %+v, want only %d", inv.Memcgs, other.ID())
		}
		if _, err := e.reg.Alloc(e.task, m, a); errClass(err) != "memcg offline" {
			e.t.Errorf("Alloc on offline memcg: %v, want memcg offline", err)
		}
	}},
	{"rmdir refuses allocations at once and offlines on the destroy workqueue", false, func(e *env) {
		a, b := e.root("a"), e.root("b")
		m := e.memcg()
		e.child(m, a)
		e.child(m, b)
		e.must("RemoveMemcg", e.reg.RemoveMemcg(e.task, m))
		if _, err := e.reg.Alloc(e.task, m, a); errClass(err) != "memcg offline" {
			e.t.Errorf("Alloc after rmdir: %v, want memcg offline", err)
		}
		if err := e.reg.RemoveMemcg(e.task, m); errClass(err) != "memcg offline" {
			e.t.Errorf("second rmdir: %v, want memcg offline", err)
		}
		if s := e.reg.Snapshot(); s.OnlineMemcgs != 1 || s.Removed != 0 || s.PendingWork != 1 {
			e.t.Errorf("before the workqueue runs: online %d, removed %d, pending %d; want 1, 0, 1 (offline queued, not run)",
				s.OnlineMemcgs, s.Removed, s.PendingWork)
		}
		e.reg.Quiesce(e.task)
		s := e.reg.Snapshot()
		if s.OnlineMemcgs != 0 || s.Memcgs != 0 || s.Children != 0 || s.Removed != 1 || s.OfflineLatency < 0 {
			e.t.Errorf("after Quiesce: online %d, memcgs %d, children %d, removed %d, offline latency %v; want 0, 0, 0, 1, >= 0",
				s.OnlineMemcgs, s.Memcgs, s.Children, s.Removed, s.OfflineLatency)
		}
		if err := e.reg.OfflineMemcg(e.task, m); errClass(err) != "memcg offline" {
			e.t.Errorf("OfflineMemcg after rmdir: %v, want memcg offline", err)
		}
	}},
	{"offline keeps caches that hold pages as dead caches", true, func(e *env) {
		r := e.root("dentry")
		m := e.memcg()
		e.child(m, r)
		e.must("Charge", e.reg.Charge(e.task, m, r, 3))
		e.must("OfflineMemcg", e.reg.OfflineMemcg(e.task, m))
		e.reg.Quiesce(e.task)
		s := e.reg.Snapshot()
		if s.Children != 1 || s.Memcgs != 1 || s.OnlineMemcgs != 0 {
			e.t.Errorf("children %d memcgs %d online %d; want 1 dead cache of 1 offline memcg",
				s.Children, s.Memcgs, s.OnlineMemcgs)
		}
		// Freeing objects still works on the dead cache.
		e.must("Uncharge", e.reg.Uncharge(e.task, m, r, 3))
	}},
	{"root destroy removes all its children", true, func(e *env) {
		a, b := e.root("a"), e.root("b")
		m1, m2 := e.memcg(), e.memcg()
		e.child(m1, a)
		e.child(m2, a)
		e.child(m1, b)
		e.must("Charge", e.reg.Charge(e.task, m2, a, 5)) // pages do not stop root destroy
		e.must("DestroyRoot", e.reg.DestroyRoot(e.task, a))
		inv := e.reg.Inventory(e.task)
		for _, c := range inv.SlabCaches {
			if c.Root == "a" {
				e.t.Errorf("cache %+v of destroyed root a remains", c)
			}
		}
		if roots, children := e.reg.ProcSlabinfo(e.task, designs.ReadBytesStdio); roots != 1 || children != 1 {
			e.t.Errorf("ProcSlabinfo = %d, %d; want 1 root, 1 child", roots, children)
		}
		if _, err := e.reg.Alloc(e.task, m1, a); errClass(err) != "root cache destroyed" {
			e.t.Errorf("Alloc from destroyed root: %v", err)
		}
		e.alloc(m1, b, true)
	}},
	{"dead memcg is freed when its root goes", false, func(e *env) {
		r := e.root("r")
		m := e.memcg()
		e.child(m, r)
		e.must("Charge", e.reg.Charge(e.task, m, r, 1))
		e.must("OfflineMemcg", e.reg.OfflineMemcg(e.task, m))
		e.reg.Quiesce(e.task)
		e.must("DestroyRoot", e.reg.DestroyRoot(e.task, r))
		if s := e.reg.Snapshot(); s.Memcgs != 0 || s.Children != 0 {
			e.t.Errorf("memcgs %d children %d after the last root went; want 0, 0", s.Memcgs, s.Children)
		}
		// Its id is free again.
		if got := e.memcg().ID(); got != m.ID() {
			e.t.Errorf("next memcg id = %d, want the freed %d", got, m.ID())
		}
	}},
	{"arrays grow with ids and new roots start at the global size", false, func(e *env) {
		e.root("early")
		// Sizes start at 4; id 4 does not fit and grows them to 2 x 5 = 10;
		// id 10 grows them to 2 x 11 = 22.
		for id, want := range []int{4, 4, 4, 4, 10, 10, 10, 10, 10, 10, 22} {
			if got := e.memcg().ID(); got != id {
				e.t.Fatalf("memcg id %d, want %d (lowest free)", got, id)
			}
			if got := e.reg.Inventory(e.task).ArraySize; got != want {
				e.t.Errorf("after id %d the array size is %d, want %d", id, got, want)
			}
		}
		e.root("late")
		for _, ri := range e.reg.Inventory(e.task).Roots {
			if ri.ArrayLen != 22 {
				e.t.Errorf("root %s array %d slots, want 22", ri.Name, ri.ArrayLen)
			}
		}
	}},
	{"create work for an offline memcg is dropped", true, func(e *env) {
		r := e.root("r")
		m := e.memcg()
		e.alloc(m, r, false)
		e.must("OfflineMemcg", e.reg.OfflineMemcg(e.task, m))
		e.reg.Quiesce(e.task)
		s := e.reg.Snapshot()
		if s.Children != 0 || s.CreateDropped != 1 || s.Memcgs != 0 {
			e.t.Errorf("children %d dropped %d memcgs %d; want 0, 1, 0", s.Children, s.CreateDropped, s.Memcgs)
		}
	}},
	{"create work for a destroyed root is dropped", true, func(e *env) {
		r := e.root("r")
		m := e.memcg()
		e.alloc(m, r, false)
		e.must("DestroyRoot", e.reg.DestroyRoot(e.task, r))
		e.reg.Quiesce(e.task)
		if s := e.reg.Snapshot(); s.Children != 0 || s.CreateDropped != 1 {
			e.t.Errorf("children %d dropped %d; want 0, 1", s.Children, s.CreateDropped)
		}
	}},
}

// sharedCases are the scenarios of a design whose memcgs share the roots.
var sharedCases = []struct {
	name string
	run  func(e *env)
}{
	{"every allocation hits and nothing is created", func(e *env) {
		r, m := e.root("kmalloc-64"), e.memcg()
		e.alloc(m, r, true)
		e.reg.Quiesce(e.task)
		if s := e.reg.Snapshot(); s.ChildrenCreated != 0 || s.CreateQueued != 0 || s.PendingWork != 0 {
			e.t.Errorf("created %d, queued %d, pending %d; want nothing", s.ChildrenCreated, s.CreateQueued, s.PendingWork)
		}
		if n, err := e.reg.Slabinfo(e.task, m); n != 0 || err != nil {
			e.t.Errorf("Slabinfo = %d, %v; want an empty file", n, err)
		}
		if roots, children := e.reg.ProcSlabinfo(e.task, designs.ReadBytesStdio); roots != 1 || children != 0 {
			e.t.Errorf("ProcSlabinfo = %d roots, %d children; want 1, 0", roots, children)
		}
	}},
	{"charges outlive offline and the memcg's id", func(e *env) {
		r, m := e.root("dentry"), e.memcg()
		e.must("Charge", e.reg.Charge(e.task, m, r, 3))
		e.must("OfflineMemcg", e.reg.OfflineMemcg(e.task, m))
		if s := e.reg.Snapshot(); s.Memcgs != 0 {
			e.t.Errorf("memcgs %d after offline; want the id given back at once", s.Memcgs)
		}
		if err := e.reg.Uncharge(e.task, m, r, 4); errClass(err) != designs.ErrBadPages.Error() {
			e.t.Errorf("uncharging more than was charged: %v, want %v", err, designs.ErrBadPages)
		}
		e.must("Uncharge", e.reg.Uncharge(e.task, m, r, 3))
	}},
}

func testSemantics(t *testing.T, d designs.Design) {
	if d.SharedCaches {
		for _, tc := range sharedCases {
			t.Run(tc.name, func(t *testing.T) {
				e := newEnv(t, d, 0, nil)
				tc.run(e)
				checkInvariants(e)
			})
		}
	}
	for _, tc := range semanticCases {
		if tc.children && d.SharedCaches {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, d, 0, nil)
			tc.run(e)
			checkInvariants(e)
		})
	}
}
