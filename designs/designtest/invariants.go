package designtest

import (
	"fmt"
	"slices"

	"memcgbench/designs"
	"memcgbench/kern"
)

// brokenInvariants quiesces the registry and returns every broken invariant:
//
//   - no work pending;
//   - each filled slot of a root's array holds a child of that root for the
//     memcg with that id, which is on the global list and on its memcg's list;
//   - each cache on a memcg's list is on the global list, and in its slot
//     unless the design deactivates an offline memcg's caches
//     (designs.Design.DeactivateOnOffline), whose caches are in no slot;
//   - each child on the global list is on its memcg's list; no child
//     outlives its root;
//   - in a design that deactivates, an offline memcg still holding its id
//     has caches that hold pages (else its css_free would have freed it);
//   - an offline memcg with no caches left has given its id back;
//   - counts balance: created = destroyed + live, and match the structures;
//   - every array is at least the global array size, which fits every id;
//   - only declared flaws were seen;
//   - what a design's lock-free hit relies on holds (fastPathChecker).
func brokenInvariants(e *env) []string {
	e.reg.Quiesce(e.task)
	inv := e.reg.Inventory(e.task)
	s := e.reg.Snapshot()
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }

	if s.PendingWork != 0 || s.DestroyBacklog != 0 {
		fail("%d work items pending (%d destroys) after Quiesce", s.PendingWork, s.DestroyBacklog)
	}
	type key struct {
		root  string
		memcg int
	}
	global := map[key]bool{}
	roots := map[string]bool{}
	children := 0
	for _, c := range inv.SlabCaches {
		k := key{c.Root, c.Memcg}
		if global[k] {
			fail("cache %v twice on the global list", k)
		}
		global[k] = true
		if c.Memcg < 0 {
			roots[c.Root] = true
		} else {
			children++
		}
	}
	inSlot := map[key]bool{}
	for _, r := range inv.Roots {
		if !roots[r.Name] {
			fail("root %q has an array but is not on the global list", r.Name)
		}
		if r.ArrayLen < inv.ArraySize {
			fail("root %q array has %d slots, global size is %d", r.Name, r.ArrayLen, inv.ArraySize)
		}
		for _, c := range r.Children {
			k := key{c.Root, c.Memcg}
			if c.Root != r.Name {
				fail("root %q slot %d holds a child of %q", r.Name, c.Memcg, c.Root)
			}
			if !global[k] {
				fail("child %v in a slot but not on the global list", k)
			}
			inSlot[k] = true
		}
	}
	if len(inv.Roots) != len(roots) || s.Roots != len(roots) {
		fail("%d roots listed, %d with arrays, Snapshot.Roots = %d", len(roots), len(inv.Roots), s.Roots)
	}
	onList := map[key]bool{}
	wantSlot := map[key]bool{}
	online := 0
	maxID := -1
	for _, m := range inv.Memcgs {
		maxID = max(maxID, m.ID)
		if m.Online {
			online++
		} else if len(m.Caches) == 0 {
			fail("offline memcg %d has no caches but still holds its id", m.ID)
		}
		var pages int64
		for _, c := range m.Caches {
			k := key{c.Root, c.Memcg}
			if c.Memcg != m.ID {
				fail("memcg %d lists a cache of memcg %d", m.ID, c.Memcg)
			}
			wantSlot[k] = m.Online || !e.d.DeactivateOnOffline
			if inSlot[k] != wantSlot[k] {
				fail("cache %v on %s memcg %d's list: in its slot %v, want %v", k, map[bool]string{true: "online", false: "offline"}[m.Online], m.ID, inSlot[k], wantSlot[k])
			}
			onList[k] = true
			pages += c.Pages
		}
		if e.d.DeactivateOnOffline && !m.Online && pages == 0 {
			fail("offline memcg %d holds no pages but was not freed", m.ID)
		}
	}
	for k := range global {
		if k.memcg >= 0 && (inSlot[k] != wantSlot[k] || !onList[k]) {
			fail("child %v on the global list: in slot %v, on memcg list %v", k, inSlot[k], onList[k])
		}
		if k.memcg >= 0 && !roots[k.root] {
			fail("child %v outlives its root", k)
		}
	}
	if maxID >= inv.ArraySize {
		fail("global array size %d too small for memcg id %d", inv.ArraySize, maxID)
	}
	if s.Memcgs != len(inv.Memcgs) || s.OnlineMemcgs != online {
		fail("Snapshot memcgs %d online %d, inventory %d online %d", s.Memcgs, s.OnlineMemcgs, len(inv.Memcgs), online)
	}
	if s.Children != children || s.ChildrenCreated != s.ChildrenDestroyed+int64(children) {
		fail("children: %d listed, Snapshot %d, created %d != destroyed %d + live %d",
			children, s.Children, s.ChildrenCreated, s.ChildrenDestroyed, children)
	}
	if s.RootsCreated != s.RootsDestroyed+int64(len(roots)) {
		fail("roots: created %d != destroyed %d + live %d", s.RootsCreated, s.RootsDestroyed, len(roots))
	}
	if fp, ok := e.reg.(fastPathChecker); ok {
		bad = append(bad, fp.FastPathInvariants(e.task)...)
	}
	declared := e.reg.Flaws()
	for _, f := range designs.AllFlaws {
		if n := s.Anomalies[f]; n > 0 && !slices.Contains(declared, f) {
			fail("anomaly %s seen %d times but not declared by the design", f, n)
		}
	}
	return bad
}

// A fastPathChecker is a registry whose lock-free Alloc hit leaves checks
// to invariants it can walk (designs/internal/slab's Core).
type fastPathChecker interface {
	FastPathInvariants(t *kern.Task) []string
}

// checkInvariants fails the test for each broken invariant.
func checkInvariants(e *env) {
	e.t.Helper()
	for _, b := range brokenInvariants(e) {
		e.t.Errorf("invariant: %s", b)
	}
}
