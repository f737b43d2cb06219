package kern

import (
	"fmt"
	"testing"
	"time"
)

func TestWorkZeroAndNegative(t *testing.T) {
	task := New(Config{}).NewTask("t")
	before := task.sink
	task.Work(0)
	task.Work(-time.Second)
	if task.sink != before {
		t.Errorf("Work(<=0) ran the spin loop")
	}
	if SpinRate() <= 0 {
		t.Errorf("SpinRate() = %v, want > 0", SpinRate())
	}
}

func TestSkipWork(t *testing.T) {
	rt := New(Config{})
	task := rt.NewTask("t")
	rt.SkipWork(true)
	before := task.sink
	task.Work(time.Millisecond)
	if task.sink != before {
		t.Error("Work ran while the runtime skips work")
	}
	rt.SkipWork(false)
	task.Work(time.Microsecond)
	if task.sink == before {
		t.Error("Work did not run after SkipWork(false)")
	}
}

func TestSpinDependsOnCount(t *testing.T) {
	if spin(10, 1) == spin(11, 1) {
		t.Errorf("spin(10) == spin(11): the loop is not doing its iterations")
	}
}

// BenchmarkWork shows the accuracy of Task.Work: ns/op should equal the
// requested duration, and error-% is the relative difference.
func BenchmarkWork(b *testing.B) {
	for _, d := range []time.Duration{time.Microsecond, 10 * time.Microsecond, 100 * time.Microsecond} {
		b.Run(fmt.Sprintf("d=%v", d), func(b *testing.B) {
			task := New(Config{}).NewTask("bench")
			start := time.Now()
			for b.Loop() {
				task.Work(d)
			}
			per := float64(time.Since(start)) / float64(b.N)
			b.ReportMetric(100*(per-float64(d))/float64(d), "error-%")
		})
	}
}
