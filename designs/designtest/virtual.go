package designtest

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"memcgbench/designs"
	"memcgbench/kern"
)

// testVirtual runs the stress operations on a virtual runtime (3 virtual
// CPUs, 2 kworkers, lock-order checking on), checks the invariants, and
// runs it all again: the design code, unchanged, must give the same virtual
// times and counters both times.
func testVirtual(t *testing.T, d designs.Design) {
	first := virtualStress(t, d)
	if again := virtualStress(t, d); again != first {
		t.Errorf("two virtual runs differ:\n%s\n%s", first, again)
	}
	t.Log(first)
}

func virtualStress(t *testing.T, d designs.Design) string {
	rt := kern.New(kern.Config{CheckOrder: true, LockStats: true, Mutex: d.Mutex,
		Virtual: &kern.Virtual{CPUs: 3, LineTransfer: kern.DefaultLineTransfer, WakeLatency: kern.DefaultWakeLatency}})
	costs := testCosts
	// A test value, not the model's: a nonzero grace period, so that the
	// rcu_barrier path sleeps under the design's locks, kept short.
	costs.GracePeriod = 20 * time.Microsecond
	reg, err := d.New(rt, designs.Config{Costs: costs, Kworkers: 2, RCUShare: testRCUShare, CPUs: 3})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, d: d, rt: rt, reg: reg}
	run := func(name string, fn func(*kern.Task)) {
		rt.Go(name, fn)
		if err := rt.Wait(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	p := &pool{}
	run("setup", func(task *kern.Task) {
		e.task = task
		for i := range 6 {
			p.roots = append(p.roots, e.root(fmt.Sprintf("seed-%d", i)))
			p.memcgs = append(p.memcgs, e.memcg())
		}
	})
	for w := range 6 {
		rt.Go(fmt.Sprintf("stress/%d", w), func(task *kern.Task) {
			rng := rand.New(rand.NewPCG(uint64(w), 0x5eed))
			for range stressOps / 4 {
				if err := stressOp(e, task, p, rng); err != nil && !isSentinel(err) {
					t.Errorf("%s: %v", task.Name(), err)
				}
			}
		})
	}
	if err := rt.Wait(); err != nil {
		t.Fatal(err)
	}
	run("check", func(task *kern.Task) {
		e.task = task
		for _, b := range brokenInvariants(e) {
			t.Errorf("invariant: %s", b)
		}
	})
	reg.Close()
	for _, err := range rt.OrderViolations() {
		t.Errorf("%v", err)
	}
	s := reg.Snapshot()
	var wait int64
	for _, st := range rt.LockStats() {
		wait += st.WaitTotal
	}
	return fmt.Sprintf("%s: virtual end %dns, children created %d destroyed %d, create work %d, lock wait %dns, anomalies %v",
		d.Name, rt.Now(), s.ChildrenCreated, s.ChildrenDestroyed, s.CreateQueued, wait, s.Anomalies)
}

// testGracePeriod removes a memcg whose one cache is SLAB_DESTROY_BY_RCU,
// on the virtual clock, and checks which lock classes were held across the
// destroy's rcu_barrier() (a 1 ms grace period, far longer than every other
// cost): exactly the design's GraceHolders.
func testGracePeriod(t *testing.T, d designs.Design) {
	const grace = time.Millisecond
	if d.SharedCaches {
		t.Skip("no child caches: removing a memcg destroys none")
	}
	rt := kern.New(kern.Config{CheckOrder: true, LockStats: true, Mutex: d.Mutex, Virtual: &kern.Virtual{CPUs: 2}})
	costs := testCosts
	costs.GracePeriod = grace
	reg, err := d.New(rt, designs.Config{Costs: costs, Kworkers: 1, RCUShare: 1})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, d: d, rt: rt, reg: reg}
	rt.Go("setup", func(task *kern.Task) {
		e.task = task
		r, m := e.root("TCP"), e.memcg()
		e.child(m, r)
		rt.ResetLockStats()
		e.must("RemoveMemcg", reg.RemoveMemcg(task, m))
		reg.Quiesce(task)
	})
	if err := rt.Wait(); err != nil {
		t.Fatal(err)
	}
	reg.Close()
	var held []string
	for _, s := range rt.LockStats() {
		if s.HoldMax >= int64(grace) {
			held = append(held, s.Class)
		}
	}
	if fmt.Sprint(held) != fmt.Sprint(d.GraceHolders) {
		t.Errorf("classes held across the grace period: %q, want %q", held, d.GraceHolders)
	}
	if s := reg.Snapshot(); s.Removed != 1 || s.Children != 0 || s.OfflineLatency < grace && len(d.GraceHolders) > 0 {
		t.Errorf("removed %d, children %d, offline latency %v", s.Removed, s.Children, s.OfflineLatency)
	}
}

// testActivateAtOnline activates memcgs until the arrays grow, on the
// virtual clock with designs.Config.ActivateAtOnline, where growing costs
// 1 ms (far longer than every other cost), and checks that cgroup_mutex
// was held across a growth: css_online's memcg_propagate_kmem activates
// the memcg inside the mkdir (3.15 to v4.5), as css_alloc's
// memcg_online_kmem does from v4.6.
func testActivateAtOnline(t *testing.T, d designs.Design) {
	const grow = time.Millisecond
	rt := kern.New(kern.Config{CheckOrder: true, LockStats: true, Mutex: d.Mutex, Virtual: &kern.Virtual{CPUs: 2}})
	costs := testCosts
	costs.GrowPerRoot, costs.ListLRUs = grow, grow
	reg, err := d.New(rt, designs.Config{Costs: costs, Kworkers: 1, RCUShare: testRCUShare, ActivateAtOnline: true})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, d: d, rt: rt, reg: reg}
	rt.Go("setup", func(task *kern.Task) {
		e.task = task
		e.root("a")
		rt.ResetLockStats()
		for range 9 { // past the arrays' first size, 4 (memcg_update_cache_size)
			e.memcg()
		}
		reg.Quiesce(task)
	})
	if err := rt.Wait(); err != nil {
		t.Fatal(err)
	}
	reg.Close()
	for _, err := range rt.OrderViolations() {
		t.Error(err)
	}
	for _, s := range rt.LockStats() {
		if s.Class == "cgroup_mutex" && s.HoldMax < int64(grow) {
			t.Errorf("cgroup_mutex held at most %v across 9 activations, want at least one growth (%v) under it", time.Duration(s.HoldMax), grow)
		}
	}
}
