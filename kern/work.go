package kern

import (
	"runtime"
	"sync"
	"time"
)

// spinRate is the calibrated speed of spin, in iterations per nanosecond.
var spinRate struct {
	once     sync.Once
	perNanos float64
}

// spin runs n iterations of a dependent xorshift chain, which the compiler
// cannot shorten and the CPU cannot run in parallel, and returns its result.
func spin(n int64, x uint64) uint64 {
	x |= 1
	for ; n > 0; n-- {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// calibrateSpin measures spin once per process: the fastest of several
// one-millisecond trials, the one least disturbed by other load.
func calibrateSpin() {
	spinRate.once.Do(func() {
		const trials, n = 7, 1 << 20
		best := time.Duration(1 << 62)
		var x uint64
		for range trials {
			start := time.Now()
			x = spin(n, x)
			best = min(best, time.Since(start))
		}
		spinRate.perNanos = float64(n) / float64(max(best, 1))
		calibrationSink = x
	})
}

var calibrationSink uint64

// SpinRate returns the calibrated speed of Task.Work, in spin iterations per
// nanosecond of this machine.
func SpinRate() float64 {
	calibrateSpin()
	return spinRate.perNanos
}

// Work burns d of CPU time on t's thread: the model of a critical section's
// (or any kernel path's) own work. It spins a calibrated number of iterations
// and reads no clock, so if the task is preempted the work takes longer in
// wall time, as real CPU work would. A d of zero or less does nothing, and
// so does any d while the runtime skips work (Runtime.SkipWork).
func (t *Task) Work(d time.Duration) {
	if d <= 0 || t.rt.skipWork.Load() {
		return
	}
	if s := t.rt.sim; s != nil {
		s.work(t, int64(d))
		return
	}
	t.sink = spin(int64(float64(d)*spinRate.perNanos), t.sink)
}

// Yield lets other tasks run, as cond_resched does: on the real runtime it
// is runtime.Gosched; on a virtual one the task gives its CPU to the first
// task queued for one and queues behind the others (nothing happens when
// none waits).
func (t *Task) Yield() {
	if s := t.rt.sim; s != nil {
		s.yield(t)
		return
	}
	runtime.Gosched()
}
