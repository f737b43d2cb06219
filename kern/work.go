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

// workChunk is how much spinning Task.Work does between two clock reads on
// the real clock: a clock read (about 25 ns) per 2 µs is about 1 % of the
// work, and a Work ends at most one clock read after its deadline.
const workChunk = 2 * time.Microsecond

// Work spends d of CPU time on t's thread: the model of a critical section's
// (or any kernel path's) own work. On the real clock it spins until d has
// passed on the monotonic clock, reading it every workChunk of calibrated
// spinning, so a Work holds its length even when the calibration is off or
// the thread is preempted (then it does less spinning in that time). On a
// virtual runtime it advances the task's virtual clock by d on its CPU. A d
// of zero or less does nothing, and so does any d while the runtime skips
// work (Runtime.SkipWork). Runtime.WorkAccuracy sums asked and taken.
func (t *Task) Work(d time.Duration) {
	if d <= 0 || t.rt.skipWork.Load() {
		return
	}
	if s := t.rt.sim; s != nil {
		s.work(t, int64(d))
		t.workAsked += int64(d)
		t.workHeld += int64(d)
		return
	}
	rate := spinRate.perNanos
	start := nanotime()
	end := start + int64(d)
	x, now := t.sink, start
	for left := int64(d); left > 0; left = end - now {
		x = spin(max(int64(float64(min(left, int64(workChunk)))*rate), 1), x)
		now = nanotime()
	}
	t.sink = x
	t.workAsked += int64(d)
	t.workHeld += now - start
}

// Sleep blocks t for d without using a CPU, as a kernel path that waits for
// an RCU grace period (rcu_barrier, synchronize_rcu) does. On the real
// clock it is time.Sleep, which rounds short sleeps up (to about 1.1 ms on
// the reference machine); on a virtual runtime t's clock advances by
// exactly d and its CPU is free meanwhile. A mutex that t holds meanwhile
// is held by a task that does not run, so its KernelMutex waiters sleep
// instead of spinning. A d of zero or less, or any d while the runtime
// skips work, does nothing.
func (t *Task) Sleep(d time.Duration) {
	if d <= 0 || t.rt.skipWork.Load() {
		return
	}
	if s := t.rt.sim; s != nil {
		s.sleep(t, int64(d))
		return
	}
	t.asleep.Store(true)
	time.Sleep(d)
	t.asleep.Store(false)
}

// MightSleep is a voluntary preemption point, as might_sleep() is in a
// kernel built with CONFIG_PREEMPT_VOLUNTARY (every GFP_KERNEL allocation
// and mutex_lock has one): on a virtual runtime t gives its CPU to the
// first queued task if it has used its slice or a woken task is due (the
// test a mutex acquisition makes); on the real runtime it does nothing,
// as Go's scheduler preempts on its own.
func (t *Task) MightSleep() {
	if s := t.rt.sim; s != nil {
		s.reschedPoint(t)
	}
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
