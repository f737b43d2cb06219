package workloads

import (
	"context"
	"testing"

	"memcgbench/designs/catalog"
	"memcgbench/kern"
)

// TestOptionsMutexOverridesTheDesigns: a run with no Options.Mutex runs on
// the design's kernel's mutex, bit for bit as one that names it, and one
// that names another mutex runs on that one (asyncdestroy, a v4.11 design,
// on the 3.15 mutex: a saturated slab_mutex serves its scrapers first, so
// the run differs).
func TestOptionsMutexOverridesTheDesigns(t *testing.T) {
	d, err := catalog.Lookup("asyncdestroy")
	if err != nil {
		t.Fatal(err)
	}
	if d.Mutex != kern.HandoffKernelMutex {
		t.Fatalf("asyncdestroy runs on %v, want %v", d.Mutex, kern.HandoffKernelMutex)
	}
	run := func(mutex *kern.MutexKind) (elapsed int64, ops int64) {
		t.Helper()
		spec, err := Preset("stress-slabinfo-scrape")
		if err != nil {
			t.Fatal(err)
		}
		spec.Workers = 16
		v := DefaultVirtual(16)
		r, err := NewRunner(spec, d, Options{Virtual: &v, Mutex: mutex})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		res, err := r.Run(context.Background(), 200, 0)
		if err != nil {
			t.Fatal(err)
		}
		return int64(res.Elapsed), res.Ops
	}
	own, other := d.Mutex, kern.KernelMutex
	e0, n0 := run(nil)
	e1, n1 := run(&own)
	e2, n2 := run(&other)
	if e0 != e1 || n0 != n1 {
		t.Errorf("no Options.Mutex: %d ops in %d ns; the design's own, named: %d in %d; want the same run", n0, e0, n1, e1)
	}
	if e0 == e2 && n0 == n2 {
		t.Errorf("-mutex %v ran as the design's %v: %d ops in %d ns both", other, own, n0, e0)
	}
	t.Logf("%v: %d ops in %d ns; %v: %d ops in %d ns", own, n0, e0, other, n2, e2)
}
