package kern

import (
	"container/heap"
	"fmt"
	"sync"
	"time"
)

// Virtual configures a Runtime that runs its tasks on a virtual clock: a
// discrete-event simulation of CPUs virtual CPUs, in which the same design
// code runs unchanged and every run with the same inputs gives the same
// virtual times, bit for bit.
//
// The model:
//   - Task.Work(d) occupies the task's virtual CPU for d and advances the
//     task's clock by d; nothing else takes virtual time, so a driver must
//     charge the work it does between kern calls with Work.
//   - At most CPUs tasks hold a CPU at once; a task that becomes ready while
//     all are held waits in a FIFO run queue. A task that has run for a
//     Quantum (10 ms by default) while others wait goes to the back of the
//     queue at its next Work.
//   - A contended Mutex queues its waiters FIFO and wakes the first when it
//     is released; the waiter needs a CPU again and takes the lock when it
//     runs, unless a running task took it first, in which case it waits at
//     the head of the queue again. (Handing the lock to a waiter that has
//     no CPU convoys every later taker behind the run queue; real mutexes
//     let a running task take a free lock for that reason.) A waiter that
//     has lost the lock and waited StarvationThreshold gets it handed over
//     at the next release and the next free CPU, as in Go's starvation
//     mode (the kernel's MUTEX_FLAG_HANDOFF is the same idea): no waiter
//     starves.
//   - Taking a Mutex last held by another task costs LineTransfer, the
//     move of the lock's cache line between CPUs, as on real hardware.
//   - Of all tasks ready to continue, the one with the earliest virtual time
//     always goes first (ties: the one that became ready first).
//   - Task.Yield gives the CPU to the first task in the run queue, as
//     cond_resched or runtime.Gosched do.
//
// What it leaves out: caches other than the locks' lines (an atomic counter
// that every CPU writes costs nothing here, however many CPUs write it),
// memory bandwidth, NUMA distance, interrupts, and the scheduler's own
// costs and load balancing; a line transfer costs the same between any two
// CPUs. Those all cost more at scale, so the virtual clock is an optimistic
// bound for both designs: what it shows a global lock costing, real
// hardware adds to.
type Virtual struct {
	// CPUs is the number of virtual CPUs, 1 to MaxVirtualCPUs.
	CPUs int
	// Quantum is the time slice, 0 for DefaultQuantum.
	Quantum time.Duration
	// LineTransfer is the cost of taking a mutex last held by another task.
	LineTransfer time.Duration
}

// Virtual runtime limits and defaults.
const (
	MaxVirtualCPUs = 1 << 16
	// DefaultQuantum is 10 ms: Go's forced preemption period, so the
	// virtual clock schedules as the runtime of the real runs does, and
	// within the slices Linux CFS gives on many-CPU hosts (3 to 24 ms). With
	// 1 ms, slabinfo-scrape on one CPU ran at 0.71 of its real throughput
	// (old design), and with four workers on two CPUs the new design's at
	// 0.65; with 10 ms, at 1.14 and 0.89 (make report's validation table).
	DefaultQuantum = 10 * time.Millisecond
	// DefaultLineTransfer is the order of a cross-core cache-line move on a
	// current x86 server (about 100 ns across sockets, less within one).
	DefaultLineTransfer = 100 * time.Nanosecond
)

// sim is the scheduler of a virtual Runtime. Exactly one task goroutine
// runs at a time: the one holding the baton. A task gives the baton away
// only inside sim methods, which pick the next task and wake it.
type sim struct {
	mu       sync.Mutex // guards the fields below; held only inside sim methods
	cpus     int
	quantum  int64
	transfer int64

	now    int64      // virtual time of the event being run
	events taskHeap   // tasks holding a CPU, ready to continue at their time
	runq   []*Task    // tasks ready at some time, waiting for a CPU
	busy   int        // CPUs held
	seq    uint64     // tie-breaker: order of becoming ready
	live   int        // spawned, non-daemon tasks not finished
	done   chan error // closed or sent to when the simulation stops
}

// simTask is a task's part of the simulation.
type simTask struct {
	vt         int64         // the task's virtual clock (ns)
	seq        uint64        // when it became ready, for ties
	index      int           // in the heap
	wake       chan struct{} // the baton
	hasCPU     bool
	sliceStart int64
	daemon     bool
	requeue    bool  // woken from a mutex but beaten to it: queue at the front
	waitSince  int64 // when the task began waiting for the mutex it waits for
}

// StarvationThreshold is how long a mutex waiter that has lost the lock
// may wait before the lock is handed to it. Go's sync.Mutex hands over
// after 1 ms, the kernel's mutex after one lost attempt; here it is one
// default time slice: with hand-overs at 1 ms, oversubscribed runs
// convoyed behind lock holders waiting for a CPU, and container-churn with
// four workers per CPU ran at 0.36 to 0.47 of its real throughput on 1 and
// 2 CPUs, against 1.00 to 1.04 at 10 ms (the validation table of make
// report). It exists so that no waiter starves for ever.
const StarvationThreshold = 10 * time.Millisecond

func newSim(v *Virtual) (*sim, error) {
	if v.CPUs < 1 || v.CPUs > MaxVirtualCPUs {
		return nil, fmt.Errorf("kern: Virtual.CPUs = %d, allowed range is 1 to %d", v.CPUs, MaxVirtualCPUs)
	}
	if v.Quantum < 0 || v.LineTransfer < 0 {
		return nil, fmt.Errorf("kern: Virtual.Quantum = %v, LineTransfer = %v: allowed range is 0 or more", v.Quantum, v.LineTransfer)
	}
	q := v.Quantum
	if q == 0 {
		q = DefaultQuantum
	}
	return &sim{cpus: v.CPUs, quantum: int64(q), transfer: int64(v.LineTransfer)}, nil
}

// ready makes t ready to continue at time at: it takes a free CPU or
// queues for one. s.mu is held.
func (s *sim) ready(t *Task, at int64) { s.readyAt(t, at, false) }

// readyAt is ready, queueing t ahead of every queued task when first is
// set. s.mu is held.
func (s *sim) readyAt(t *Task, at int64, first bool) {
	st := &t.sim
	st.vt = max(st.vt, at)
	s.seq++
	st.seq = s.seq
	if st.hasCPU {
		heap.Push(&s.events, t)
		return
	}
	if s.busy < s.cpus {
		s.busy++
		st.hasCPU = true
		st.sliceStart = st.vt
		heap.Push(&s.events, t)
		return
	}
	if first {
		s.runq = append([]*Task{t}, s.runq...)
		return
	}
	s.runq = append(s.runq, t)
}

// release gives up t's CPU at t's time; the first queued task takes it.
// s.mu is held.
func (s *sim) release(t *Task) {
	if !t.sim.hasCPU {
		return
	}
	t.sim.hasCPU = false
	s.busy--
	if len(s.runq) > 0 {
		next := s.runq[0]
		s.runq = s.runq[1:]
		s.busy++
		next.sim.hasCPU = true
		next.sim.vt = max(next.sim.vt, t.sim.vt)
		next.sim.sliceStart = next.sim.vt
		s.seq++
		next.sim.seq = s.seq
		heap.Push(&s.events, next)
	}
}

// switchFrom hands the baton from t to the next task and, unless t is
// finished, waits until t gets it back. s.mu is held on entry and released.
func (s *sim) switchFrom(t *Task, finished bool) {
	next := s.pick()
	if next == t {
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	if next != nil {
		next.sim.wake <- struct{}{}
	}
	if !finished {
		<-t.sim.wake
	}
}

// pick pops the next task to run, or stops the simulation: nil when no
// task can run. s.mu is held.
func (s *sim) pick() *Task {
	if s.events.Len() > 0 {
		t := heap.Pop(&s.events).(*Task)
		s.now = t.sim.vt
		return t
	}
	if s.live > 0 {
		s.stop(fmt.Errorf("kern: virtual deadlock at %v: %d tasks blocked, none can run", time.Duration(s.now), s.live))
	} else {
		s.stop(nil)
	}
	return nil
}

func (s *sim) stop(err error) {
	if s.done != nil {
		s.done <- err
		s.done = nil
	}
}

// work advances t by d on its CPU, letting earlier tasks run first, and
// yields the CPU at the end of a quantum if others wait for one.
func (s *sim) work(t *Task, d int64) {
	s.mu.Lock()
	if len(s.runq) > 0 && t.sim.vt-t.sim.sliceStart >= s.quantum {
		s.requeue(t)
		s.mu.Lock()
	}
	t.sim.vt += d
	s.ready(t, t.sim.vt)
	s.switchFrom(t, false)
}

// wakeupFirst makes t, a starving waiter just handed a mutex, ready at
// time at ahead of every task queued for a CPU.
func (s *sim) wakeupFirst(t *Task, at int64) {
	s.mu.Lock()
	s.readyAt(t, at, true)
	s.mu.Unlock()
}

// yield gives t's CPU to the first task queued for one, if any, and
// queues t behind the others.
func (s *sim) yield(t *Task) {
	s.mu.Lock()
	if len(s.runq) == 0 {
		s.mu.Unlock()
		return
	}
	s.requeue(t)
}

// requeue gives t's CPU to the first queued task and queues t behind the
// others, returning when t runs again. s.mu is held on entry and released.
func (s *sim) requeue(t *Task) {
	s.release(t)
	s.ready(t, t.sim.vt)
	s.switchFrom(t, false)
}

// block parks t, releasing its CPU, until wakeup makes it ready again.
func (s *sim) block(t *Task) {
	s.mu.Lock()
	s.release(t)
	s.switchFrom(t, false)
}

// wakeup makes t ready at time at (the waker's time).
func (s *sim) wakeup(t *Task, at int64) {
	s.mu.Lock()
	s.ready(t, at)
	s.mu.Unlock()
}

// Go starts fn on a new task of rt. On a virtual runtime the task starts at
// the spawner's virtual time when spawned from a task, else at time 0, and
// runs when Wait runs the simulation. daemon tasks (kworkers) do not keep
// Wait waiting.
func (rt *Runtime) Go(name string, fn func(*Task)) {
	rt.spawn(name, fn, false)
}

func (rt *Runtime) spawn(name string, fn func(*Task), daemon bool) *Task {
	t := rt.NewTask(name)
	if rt.sim == nil {
		if daemon {
			go fn(t)
			return t
		}
		rt.wg.Add(1)
		go func() {
			defer rt.wg.Done()
			fn(t)
		}()
		return t
	}
	s := rt.sim
	t.sim.wake = make(chan struct{})
	t.sim.daemon = daemon
	s.mu.Lock()
	if !daemon {
		s.live++
	}
	s.ready(t, s.now)
	s.mu.Unlock()
	go func() {
		<-t.sim.wake
		fn(t)
		s.mu.Lock()
		if !daemon {
			s.live--
		}
		s.release(t)
		s.switchFrom(t, true)
	}()
	return t
}

// Wait waits until every task started with Go has returned. On a virtual
// runtime it runs the simulation, and returns an error if the tasks left
// deadlock (all blocked, none able to run).
func (rt *Runtime) Wait() error {
	if rt.sim == nil {
		rt.wg.Wait()
		return nil
	}
	s := rt.sim
	done := make(chan error, 1)
	s.mu.Lock()
	s.done = done
	next := s.pick()
	s.mu.Unlock()
	if next != nil {
		next.sim.wake <- struct{}{}
	}
	return <-done
}

// Now returns the runtime's current virtual time (on a virtual runtime),
// or the machine's monotonic clock.
func (rt *Runtime) Now() int64 {
	if rt.sim == nil {
		return nanotime()
	}
	rt.sim.mu.Lock()
	defer rt.sim.mu.Unlock()
	return rt.sim.now
}

// taskHeap orders tasks by virtual time, then by when they became ready.
type taskHeap []*Task

func (h taskHeap) Len() int { return len(h) }
func (h taskHeap) Less(i, j int) bool {
	a, b := &h[i].sim, &h[j].sim
	return a.vt < b.vt || a.vt == b.vt && a.seq < b.seq
}
func (h taskHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].sim.index, h[j].sim.index = i, j
}
func (h *taskHeap) Push(x any) {
	t := x.(*Task)
	t.sim.index = len(*h)
	*h = append(*h, t)
}
func (h *taskHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}
