package designtest

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"memcgbench/designs"
	"memcgbench/kern"
)

// testVirtual runs the stress operations on a virtual runtime (3 virtual
// CPUs, 2 kworkers, lock-order checking on), checks the invariants, and
// runs it all again: the design code, unchanged, must give the same virtual
// times and counters both times.
func testVirtual(t *testing.T, d Design) {
	first := virtualStress(t, d)
	if again := virtualStress(t, d); again != first {
		t.Errorf("two virtual runs differ:\n%s\n%s", first, again)
	}
	t.Log(first)
}

func virtualStress(t *testing.T, d Design) string {
	rt := kern.New(kern.Config{CheckOrder: true, LockStats: true,
		Virtual: &kern.Virtual{CPUs: 3, LineTransfer: kern.DefaultLineTransfer}})
	reg, err := d.New(rt, designs.Config{Costs: testCosts, Kworkers: 2})
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
