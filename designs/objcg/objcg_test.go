package objcg_test

import (
	"testing"
	"time"

	"memcgbench/designs"
	"memcgbench/designs/designtest"
	"memcgbench/designs/objcg"
	"memcgbench/kern"
)

// The conformance suite runs over every design of designs/catalog
// (catalog_test.go); the fuzz target and the benchmark are per design.

func BenchmarkAllocHit(b *testing.B) { designtest.BenchmarkAllocHit(b, objcg.Design) }

func FuzzRegistry(f *testing.F) { designtest.Fuzz(f, objcg.Design) }

// TestRelease checks when obj_cgroup_release takes css_set_lock on its
// own, beside offline's reparenting: once, after offline, at the last
// uncharge or a grace period after an offline that found no object; never
// while the memcg is online.
func TestRelease(t *testing.T) {
	tests := []struct {
		name string
		// charged is the pages charged before offline, freedBefore those
		// freed before it, and freedAfter those freed after it.
		charged, freedBefore, freedAfter int
		want                             int64 // css_set_lock acquisitions besides offline's
	}{
		{"no object at offline", 0, 0, 0, 1},
		{"all freed before offline", 3, 3, 0, 1},
		{"last freed after offline", 3, 1, 2, 1},
		{"one left after offline", 3, 1, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt := kern.New(kern.Config{LockStats: true, CheckOrder: true, Mutex: objcg.Design.Mutex})
			reg, err := objcg.New(rt, designs.Config{Kworkers: 0, CPUs: 4, Costs: designs.Costs{GracePeriod: time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			defer reg.Close()
			task := rt.NewTask("test")
			root, err := reg.CreateRoot(task, "r")
			if err != nil {
				t.Fatal(err)
			}
			m, err := reg.ActivateMemcg(task)
			if err != nil {
				t.Fatal(err)
			}
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			if tc.charged > 0 {
				must(reg.Charge(task, m, root, tc.charged))
			}
			if tc.freedBefore > 0 {
				must(reg.Free(task, m, root, tc.freedBefore))
			}
			must(reg.OfflineMemcg(task, m))
			if tc.freedAfter > 0 {
				must(reg.Free(task, m, root, tc.freedAfter))
			}
			reg.Quiesce(task)
			var got int64
			for _, s := range task.LockStats() {
				if s.Class == "css_set_lock" {
					got = s.Acquisitions - 1 // offline's reparenting
				}
			}
			if got != tc.want {
				t.Errorf("css_set_lock taken %d times besides offline, want %d", got, tc.want)
			}
			for _, err := range rt.OrderViolations() {
				t.Error(err)
			}
		})
	}
}
