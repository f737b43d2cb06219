package workloads

import (
	"math/rand/v2"
	"testing"
)

// TestTapeGrowsLikeAFullTape: a tape that grows as it is read gives the
// steps a tape drawn whole would, in the same order, and cycles once it
// holds tapeLen of them.
func TestTapeGrowsLikeAFullTape(t *testing.T) {
	spec, _ := Preset("stress-mixed")
	spec.Skew = Skew{Zipf: true, S: 1.2} // a sampler with state of its own
	full := stepDrawer(&spec, spec.Mix, rand.New(rand.NewPCG(7, 3)), 3, 8)
	want := make([]step, tapeLen)
	for i := range want {
		want[i] = full()
	}
	tp := newTape(&spec, spec.Mix, rand.New(rand.NewPCG(7, 3)), 3, 8)
	if len(tp.steps) != firstTape {
		t.Fatalf("a new tape holds %d steps, want %d", len(tp.steps), firstTape)
	}
	for i := range 2*tapeLen + 5 {
		if got := tp.next(); got != want[i%tapeLen] {
			t.Fatalf("step %d = %+v, want %+v", i, got, want[i%tapeLen])
		}
	}
	if len(tp.steps) != tapeLen {
		t.Errorf("the tape grew to %d steps, want %d", len(tp.steps), tapeLen)
	}
}
