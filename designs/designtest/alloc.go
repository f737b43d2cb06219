package designtest

import (
	"testing"

	"memcgbench/designs"
	"memcgbench/kern"
)

// testAllocHit checks that an allocation served by an existing child takes
// the lock-free path: it allocates nothing and takes no lock.
func testAllocHit(t *testing.T, d designs.Design) {
	e := newEnv(t, d, 0, nil)
	r, m := e.root("kmalloc-128"), e.memcg()
	e.child(m, r)
	task := e.rt.NewTask("alloc")
	allocs := testing.AllocsPerRun(1000, func() {
		if hit, err := e.reg.Alloc(task, m, r); !hit || err != nil {
			t.Fatalf("Alloc = %v, %v; want a hit", hit, err)
		}
	})
	if allocs != 0 {
		t.Errorf("allocation hit: %v allocs/op, want 0", allocs)
	}
	if stats := task.LockStats(); len(stats) != 0 {
		t.Errorf("allocation hit took locks: %+v", stats)
	}
}

// BenchmarkAllocHit measures one allocation served by an existing child:
// handle checks, the lock-free array lookup, nothing else. Run it with
// -benchmem to see 0 allocs/op.
func BenchmarkAllocHit(b *testing.B, d designs.Design) {
	rt := kern.New(kern.Config{})
	reg, err := d.New(rt, designs.Config{Kworkers: 0})
	if err != nil {
		b.Fatal(err)
	}
	defer reg.Close()
	task := rt.NewTask("bench")
	r, err := reg.CreateRoot(task, "kmalloc-64")
	if err != nil {
		b.Fatal(err)
	}
	m, err := reg.ActivateMemcg(task)
	if err != nil {
		b.Fatal(err)
	}
	reg.Alloc(task, m, r)
	reg.Quiesce(task)
	b.ReportAllocs()
	for b.Loop() {
		if hit, _ := reg.Alloc(task, m, r); !hit {
			b.Fatal("miss")
		}
	}
}
