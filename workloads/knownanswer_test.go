package workloads

import (
	"errors"
	"math"
	"testing"

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
				res, err := MassDestroy{Memcgs: n, Roots: 8, CPUs: 16}.Run(d)
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
	if _, err := (MassDestroy{Memcgs: 0, Roots: 1, CPUs: 1}).Run(mustDesign("old")); !errors.Is(err, ErrScenario) {
		t.Errorf("0 memcgs: %v, want ErrScenario", err)
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
