package asyncdestroy_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"memcgbench/designs"
	"memcgbench/designs/asyncdestroy"
	"memcgbench/designs/designtest"
	"memcgbench/kern"
)

// The conformance suite runs over every design of designs/catalog
// (catalog_test.go); the fuzz target and the benchmark are per design.

func BenchmarkAllocHit(b *testing.B) { designtest.BenchmarkAllocHit(b, asyncdestroy.Design) }

func FuzzRegistry(f *testing.F) { designtest.Fuzz(f, asyncdestroy.Design) }

// TestOfflineDeactivatesInTurn checks that one offline's deactivations
// run one after another on one kworker, as memcg_kmem_cache_wq (one item
// a CPU) runs the works its RCU-sched callbacks queue on the offlining
// CPU, though the queue has a kworker for each of 4 CPUs. Each shrink
// takes 100 µs, so that a queue that spread them would.
func TestOfflineDeactivatesInTurn(t *testing.T) {
	var mu sync.Mutex
	ran := map[string]int{}
	hook := func(task *kern.Task, ev kern.Event) {
		if ev.Kind == kern.EventPoint && ev.Name == "deactivate:start" {
			mu.Lock()
			ran[task.Name()]++
			mu.Unlock()
		}
	}
	rt := kern.New(kern.Config{Hook: hook, Mutex: asyncdestroy.Design.Mutex})
	reg, err := asyncdestroy.New(rt, designs.Config{Kworkers: 1, CPUs: 4, Costs: designs.Costs{Shrink: 100 * time.Microsecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	task := rt.NewTask("test")
	m, err := reg.ActivateMemcg(task)
	if err != nil {
		t.Fatal(err)
	}
	const caches = 8
	for i := range caches {
		root, err := reg.CreateRoot(task, fmt.Sprintf("r%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reg.Alloc(task, m, root); err != nil {
			t.Fatal(err)
		}
	}
	reg.Quiesce(task)
	if err := reg.OfflineMemcg(task, m); err != nil {
		t.Fatal(err)
	}
	reg.Quiesce(task)
	total := 0
	for _, n := range ran {
		total += n
	}
	if total != caches || len(ran) != 1 {
		t.Errorf("deactivations by kworker = %v, want all %d on one", ran, caches)
	}
}
