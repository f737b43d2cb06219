package designtest

import (
	"testing"
	"time"

	"memcgbench/designs"
	"memcgbench/kern"
)

// A lifetimeCase is one container's objects in one cache, on the virtual
// clock: charged, then freed (or not) before or after its cgroup's
// removal, and what becomes of the cache in each kind of kernel.
type lifetimeCase struct {
	name string
	// rcu makes the cache SLAB_DESTROY_BY_RCU; keepEmpty is the empty
	// slabs it keeps (designs.Config.KeepEmpty: 5 is SLUB, 0 SLAB).
	rcu       bool
	keepEmpty int
	reap      bool // SLAB's cache_reap frees kept slabs (designs.SLABReapEmpty)
	// run frees the objects around remove, which is the cgroup's rmdir.
	run func(e *env, m designs.Memcg, r designs.Root, remove func())
	// dead says whether the cache is still there, dead, once everything
	// has drained, for each kind of kernel: 3.15 (old), 3.16 (new) and
	// v4.0 on (the designs that deactivate at offline); deadPages is the
	// pages it then holds.
	v315, v316, v40 bool
	deadPages       int64
}

// lifetimePages is the slab pages the container's objects fill.
const lifetimePages = 4

var lifetimeCases = []lifetimeCase{
	{name: "objects freed before rmdir", keepEmpty: designs.DefaultKeepEmpty,
		run: func(e *env, m designs.Memcg, r designs.Root, remove func()) {
			e.must("Free", e.reg.Free(e.task, m, r, lifetimePages))
			remove()
		}},
	{name: "objects freed before rmdir, SLAB_DESTROY_BY_RCU cache", rcu: true, keepEmpty: designs.DefaultKeepEmpty,
		// The shrink at offline frees the empty slabs a grace period
		// late: 3.16 finds pages and leaves the cache dead, empty.
		v316: true,
		run: func(e *env, m designs.Memcg, r designs.Root, remove func()) {
			e.must("Free", e.reg.Free(e.task, m, r, lifetimePages))
			remove()
		}},
	{name: "objects freed by RCU before rmdir", keepEmpty: designs.DefaultKeepEmpty,
		// rmdir's own grace period orders the offline after them.
		run: func(e *env, m designs.Memcg, r designs.Root, remove func()) {
			e.must("FreeRCU", e.reg.FreeRCU(e.task, m, r, lifetimePages))
			remove()
		}},
	{name: "long-lived objects never freed", keepEmpty: designs.DefaultKeepEmpty,
		v315: true, v316: true, v40: true, deadPages: lifetimePages,
		run: func(e *env, m designs.Memcg, r designs.Root, remove func()) {
			remove()
		}},
	{name: "long-lived objects freed after offline, SLUB", keepEmpty: designs.DefaultKeepEmpty,
		// SLUB keeps the empty slabs of a dead cache before v4.0, so its
		// pages never reach 0 (d6e0b7fa1186's changelog).
		v315: true, v316: true, deadPages: lifetimePages,
		run: func(e *env, m designs.Memcg, r designs.Root, remove func()) {
			remove()
			e.reg.Quiesce(e.task)
			e.must("Free", e.reg.Free(e.task, m, r, lifetimePages))
		}},
	{name: "objects freed before rmdir, SLAB_DESTROY_BY_RCU cache, SLAB", rcu: true, keepEmpty: designs.SLABKeepEmpty, reap: true,
		// SLAB keeps the freed objects' slabs until the offline's shrink,
		// which frees them by call_rcu: 3.16 leaves the cache dead too.
		v316: true,
		run: func(e *env, m designs.Memcg, r designs.Root, remove func()) {
			e.must("Free", e.reg.Free(e.task, m, r, lifetimePages))
			remove()
		}},
	{name: "long-lived objects freed after offline, SLAB", keepEmpty: designs.SLABKeepEmpty, reap: true,
		// cache_reap frees the kept slabs: 3.15 destroys the cache at its
		// last page, 3.16 does not.
		v316: true,
		run: func(e *env, m designs.Memcg, r designs.Root, remove func()) {
			remove()
			e.reg.Quiesce(e.task)
			e.must("Free", e.reg.Free(e.task, m, r, lifetimePages))
		}},
}

// testLifetimes runs lifetimeCases on d: whether a cache whose objects
// went (or did not) around its memcg's removal is destroyed, as its
// kernel decides it, on nr_pages (3.16), at the last page (3.15) or when
// the memcg's pages are gone (v4.0 on).
func testLifetimes(t *testing.T, d designs.Design) {
	if d.SharedCaches {
		t.Skip("no child caches: objects are charged to the memcg, not to a cache of its own")
	}
	for _, tc := range lifetimeCases {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.v316
			switch {
			case d.DeferredDestroy:
				want = tc.v315
			case d.DeactivateOnOffline:
				want = tc.v40
			}
			dead, pages := runLifetime(t, d, tc)
			wantDead, wantPages := int64(0), int64(0)
			if want {
				wantDead, wantPages = 1, tc.deadPages
			}
			if dead != wantDead || pages != wantPages {
				t.Errorf("%s: %d dead caches holding %d pages; want %d holding %d", d.Name, dead, pages, wantDead, wantPages)
			}
		})
	}
}

// runLifetime runs one case on a virtual runtime and returns the dead
// caches and their pages once everything has drained.
func runLifetime(t *testing.T, d designs.Design, tc lifetimeCase) (dead, pages int64) {
	rt := kern.New(kern.Config{CheckOrder: true, Mutex: d.Mutex, Virtual: &kern.Virtual{CPUs: 2}})
	costs := testCosts
	costs.GracePeriod = time.Millisecond // a test value, far longer than every other cost
	share := 0.0
	if tc.rcu {
		share = 1
	}
	var reap time.Duration
	if tc.reap {
		reap = designs.SLABReapEmpty
	}
	reg, err := d.New(rt, designs.Config{Costs: costs, Kworkers: 1, RCUShare: share, CPUs: 2, KeepEmpty: tc.keepEmpty, ReapEmpty: reap})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, d: d, rt: rt, reg: reg}
	rt.Go("container", func(task *kern.Task) {
		e.task = task
		r, m := e.root("dentry"), e.memcg()
		e.child(m, r)
		e.must("Charge", reg.Charge(task, m, r, lifetimePages))
		tc.run(e, m, r, func() { e.must("RemoveMemcg", reg.RemoveMemcg(task, m)) })
		reg.Quiesce(task)
		for _, b := range brokenInvariants(e) {
			t.Errorf("invariant: %s", b)
		}
	})
	if err := rt.Wait(); err != nil {
		t.Fatal(err)
	}
	reg.Close()
	for _, err := range rt.OrderViolations() {
		t.Errorf("%v", err)
	}
	s := reg.Snapshot()
	if s.DeadMax != 1 {
		t.Errorf("most dead caches = %d, want 1: the cache is dead from its memcg's offline until destroyed", s.DeadMax)
	}
	return s.Dead, s.DeadPages
}
