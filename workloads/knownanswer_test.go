package workloads

import (
	"errors"
	"math"
	"testing"
	"time"

	"memcgbench/designs/catalog"
)

// TestMassDestroyShape runs mass cgroup destruction on every design at 128,
// 512 and 2048 memcgs with 8 caches each (1024 to 16384 caches) and fails
// if the fitted exponent of its time strays more than 0.15 from the
// design's known shape (designs.Design.DestroyGrowth): the answer the
// kernel developers reported, which the model must keep.
func TestMassDestroyShape(t *testing.T) {
	for _, d := range catalog.All() {
		t.Run(d.Name, func(t *testing.T) {
			var xs, ys []float64
			for _, n := range []int{128, 512, 2048} {
				res, err := MassDestroy{Population{Memcgs: n, Roots: 8, CPUs: 16}}.Run(d)
				if err != nil {
					t.Fatal(err)
				}
				if res.Caches != 8*n || res.Elapsed <= 0 {
					t.Fatalf("%d memcgs: %d caches in %v", n, res.Caches, res.Elapsed)
				}
				xs, ys = append(xs, float64(n)), append(ys, res.Elapsed.Seconds())
			}
			k, r2, err := Exponent(xs, ys)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(k-d.DestroyGrowth) > 0.15 || r2 < 0.98 {
				t.Errorf("time to destroy N memcgs grows as N^%.2f (R² %.3f); %s's known shape is N^%g", k, r2, d.Name, d.DestroyGrowth)
			}
		})
	}
}

func TestMassDestroyBadInput(t *testing.T) {
	if _, err := (MassDestroy{Population{Memcgs: 0, Roots: 1, CPUs: 1}}).Run(mustDesign("old")); !errors.Is(err, ErrScenario) {
		t.Errorf("mass destroy of 0 memcgs: %v, want ErrScenario", err)
	}
	if _, err := (MassCreate{Population{Memcgs: 1, Roots: 1, CPUs: 0}}).Run(mustDesign("old")); !errors.Is(err, ErrScenario) {
		t.Errorf("mass create on 0 CPUs: %v, want ErrScenario", err)
	}
}

func TestExponent(t *testing.T) {
	for _, tt := range []struct {
		x, y []float64
		k    float64
		err  bool
	}{
		{[]float64{1, 10, 100}, []float64{3, 30, 300}, 1, false},
		{[]float64{1, 10, 100}, []float64{2, 200, 20000}, 2, false},
		{[]float64{1}, []float64{1}, 0, true},
		{[]float64{1, 0}, []float64{1, 1}, 0, true},
		{[]float64{1, 2}, []float64{1, -1}, 0, true},
	} {
		k, r2, err := Exponent(tt.x, tt.y)
		if (err != nil) != tt.err || !tt.err && (math.Abs(k-tt.k) > 1e-9 || math.Abs(r2-1) > 1e-9) {
			t.Errorf("Exponent(%v, %v) = %g, %g, %v; want %g", tt.x, tt.y, k, r2, err, tt.k)
		}
	}
}

// TestMassCreateStall runs mass cgroup creation on every design on 4
// virtual CPUs (system_wq runs 1024 items at once): a burst of half that
// many creations, then of twice that many. The unrelated work item queued
// after the burst must start within one creation's length after the small
// burst, and after the large one too on a design whose creations have a
// workqueue of their own; on one whose creations fill system_wq
// (designs.Design.CreateStalls) it must wait at least a quarter of the time
// the 1024 creations past max_active take one at a time.
func TestMassCreateStall(t *testing.T) {
	const cpus, roots = 4, 8
	create := DefaultSpec.Costs.Create
	for _, d := range catalog.All() {
		t.Run(d.Name, func(t *testing.T) {
			for _, tt := range []struct {
				memcgs int
				stall  bool
			}{{64, false}, {256, d.CreateStalls}} {
				res, err := MassCreate{Population{Memcgs: tt.memcgs, Roots: roots, CPUs: cpus}}.Run(d)
				if err != nil {
					t.Fatal(err)
				}
				excess := res.Caches - SystemWQActive*cpus
				switch {
				case tt.stall && res.Probe < time.Duration(excess)*create/4:
					t.Errorf("%d creations at once: an unrelated work item waited %v, want the stall (at least %v)", res.Caches, res.Probe, time.Duration(excess)*create/4)
				case !tt.stall && res.Probe > create:
					t.Errorf("%d creations at once: an unrelated work item waited %v, want no stall (at most one creation, %v)", res.Caches, res.Probe, create)
				}
			}
		})
	}
}
