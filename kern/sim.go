package kern

import (
	"fmt"
	"math/bits"
	"slices"
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
//     task's clock by d; Task.Sleep(d) advances it by d without a CPU.
//     Nothing else takes virtual time, so a driver must charge the work it
//     does between kern calls with Work.
//   - At most CPUs tasks hold a CPU at once; a task that becomes ready while
//     all are held waits in a FIFO run queue. A task that has run for a
//     Quantum (10 ms by default) while others wait goes to the back of the
//     queue at its next preemption point: with the kernel mutex (the
//     default, see MutexKind) that is a Work while it holds no mutex, a
//     Lock (might_sleep) and a Yield, as in a kernel built with
//     CONFIG_PREEMPT_VOLUNTARY whose critical sections do not reschedule;
//     with GoHandoffMutex any Work is one, as Go preempts anywhere.
//   - Mutexes behave as MutexKind says. The kernel mutex of 3.15/3.16: a
//     task that finds the lock held spins, keeping its CPU and spending
//     its time, while the owner holds a CPU and the spinner's own time
//     slice is not both used up and wanted by a queued task; spinners take
//     the lock in arrival order (the OSQ) the moment it is released. A task
//     that may not spin sleeps on the mutex's FIFO wait list; a release
//     wakes the first sleeper, which needs WakeLatency and a CPU before it
//     retries, and which loses the lock to any spinner or running task
//     that takes it first (there is no hand-off before v4.10). A sleeper
//     never spins again within one acquisition, as in 3.15. When an owner
//     gives up its CPU (it sleeps, or waits for another lock), its spinners
//     go to sleep. HandoffKernelMutex (v4.10 on) differs in one thing: a
//     woken sleeper that is first on the wait list and finds the lock taken
//     sets the hand-off flag and spins while the owner holds a CPU, and
//     the next release gives it the lock, spinning or asleep (then it
//     wakes holding it, and the other spinners, whose owner has no CPU,
//     sleep).
//   - Every wake-up of a sleeping task (a mutex release, a work item queued
//     for an idle kworker, a flush completing) takes WakeLatency.
//   - Taking a Mutex last held by another task costs LineTransfer, the
//     move of the lock's cache line between CPUs, as on real hardware.
//   - A task woken from a sleep (Task.Sleep, a mutex wait, an idle
//     kworker) that finds every CPU held takes the CPU of a task in the
//     middle of a Work that holds no mutex and has run WakeupGranularity
//     since it last woke, at once (the preempted task finishes its Work
//     later), or failing one, queues ahead of the tasks a slice's end put
//     back and takes a CPU at a running task's next preemption point under
//     the same rule: CFS wakeup preemption, which places a sleeper's
//     vruntime behind a CPU hog's and so runs it at once, while two
//     recently woken tasks do not preempt each other. A spinner checks only
//     when it starts to spin and at its slice's end.
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
	// WakeLatency is the time from the wake-up of a sleeping task to the
	// moment it could run, 0 to MaxWakeLatency (0: none, as before issue
	// 9; the workloads default to DefaultWakeLatency).
	WakeLatency time.Duration
	// WakeupGranularity is how long a task runs after its wake-up before
	// a newly woken task may preempt it: 0 for DefaultWakeupGranularity,
	// below 0 for no wakeup preemption (a woken task then waits for a
	// slice to end, as before issue 10).
	WakeupGranularity time.Duration
}

// neverWoken is the lastWake of a task that has not slept.
const neverWoken = -1 << 62

// DefaultWakeupGranularity returns the wakeup granularity of a 3.16 kernel
// on cpus CPUs: sysctl_sched_wakeup_granularity, 1 ms (kernel/sched/
// fair.c), times the factor of SCHED_TUNABLESCALING_LOG, 1 + ilog2(min(cpus,
// 8)) (get_update_sysctl_factor): 1 ms on one CPU, 4 ms from 8 CPUs on.
func DefaultWakeupGranularity(cpus int) time.Duration {
	return time.Duration(1+bits.Len(uint(min(max(cpus, 1), 8)))-1) * time.Millisecond
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
	// DefaultWakeLatency is a cross-CPU wake-up of a sleeping thread,
	// measured on the 2-CPU AMD EPYC VM the reference results come from:
	// the median ns/wakeup of
	// `go test -run '^$' -bench Wakeup -count 6 ./kern` (3097 to 3254 ns;
	// a futex wake of a parked Go thread on the other CPU, with the Go
	// runtime's own steps on top of the kernel's). With a 1 ms idle gap
	// instead of 200 µs it read 3.8 to 3.9 µs; an earlier session's
	// ping-pong of two goroutines (results/2cpu-amd-epyc/
	// validation-notes.md of 1efa600, before issue 9) read 7.7 µs, within
	// the 1 to 50 µs the uncertainty run covers.
	DefaultWakeLatency = 3100 * time.Nanosecond
	// MaxWakeLatency bounds Virtual.WakeLatency.
	MaxWakeLatency = time.Second
)

// sim is the scheduler of a virtual Runtime. Exactly one task goroutine
// runs at a time: the one holding the baton. A task gives the baton away
// only inside sim methods, which pick the next task and wake it.
type sim struct {
	mu       sync.Mutex // guards the fields below; held only inside sim methods
	cpus     int
	quantum  int64
	transfer int64
	latency  int64     // WakeLatency
	wakeGran int64     // WakeupGranularity; below 0: no wakeup preemption
	kernel   bool      // a kernel mutex: the preemption points and spinning of the kernel
	handoff  bool      // HandoffKernelMutex: v4.10's hand-off to the first waiter
	timers   timerHeap // sleeping tasks, by the time they wake

	now    int64    // virtual time of the event being run
	events taskHeap // tasks holding a CPU, ready to continue at their time
	runq   []*Task  // tasks ready at some time, waiting for a CPU
	// idleSpinners are spinners parked while the run queue was empty:
	// their ticks could not make them reschedule, so they have no event
	// until a task queues for a CPU (armSpinners).
	idleSpinners []*Task
	busy         int        // CPUs held
	seq          uint64     // tie-breaker: order of becoming ready
	live         int        // spawned, non-daemon tasks not finished
	done         chan error // closed or sent to when the simulation stops
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

	// Kernel mutex state: the mutexes the task owns (whose spinners must
	// sleep when it gives up its CPU), the one it spins on, and when that
	// spin began.
	owned     []*vmutex
	spinning  *vmutex
	spinSince int64
	// spinTick is a spinner's next scheduler tick; idleSpin marks a
	// spinner parked without one (in sim.idleSpinners at idleIndex).
	spinTick  int64
	idleSpin  bool
	idleIndex int
	wakeAt    int64 // when a sleeping task wakes (its key in the timer heap)
	// woken marks a task queued for a CPU by a wake-up, not by a slice's
	// end; lastWake is when it last got a CPU after one (neverWoken: it
	// never slept, and any woken task may preempt it).
	woken    bool
	lastWake int64
	// working marks a task in the middle of a preemptible Work that began
	// at workStart; leftover is what is left of a Work a woken task
	// preempted.
	working   bool
	workStart int64
	leftover  int64
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

func newSim(v *Virtual, kind MutexKind) (*sim, error) {
	if v.CPUs < 1 || v.CPUs > MaxVirtualCPUs {
		return nil, fmt.Errorf("kern: Virtual.CPUs = %d, allowed range is 1 to %d", v.CPUs, MaxVirtualCPUs)
	}
	if v.Quantum < 0 || v.LineTransfer < 0 {
		return nil, fmt.Errorf("kern: Virtual.Quantum = %v, LineTransfer = %v: allowed range is 0 or more", v.Quantum, v.LineTransfer)
	}
	if v.WakeLatency < 0 || v.WakeLatency > MaxWakeLatency {
		return nil, fmt.Errorf("kern: Virtual.WakeLatency = %v, allowed range is 0 to %v", v.WakeLatency, MaxWakeLatency)
	}
	q := v.Quantum
	if q == 0 {
		q = DefaultQuantum
	}
	gran := v.WakeupGranularity
	if gran == 0 {
		gran = DefaultWakeupGranularity(v.CPUs)
	}
	return &sim{cpus: v.CPUs, quantum: int64(q), transfer: int64(v.LineTransfer),
		latency: int64(v.WakeLatency), kernel: kind.spins(), handoff: kind == HandoffKernelMutex, wakeGran: int64(gran)}, nil
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
		s.events.push(t)
		return
	}
	if s.busy == s.cpus && st.woken && s.wakeGran >= 0 {
		s.preemptFor(t, st.vt)
	}
	if s.busy < s.cpus {
		s.busy++
		s.takeCPU(t)
		s.events.push(t)
		return
	}
	s.armSpinners()
	switch {
	case first:
		s.runq = slices.Insert(s.runq, 0, t)
	case st.woken && s.wakeGran >= 0:
		// Behind the other woken tasks, ahead of the preempted ones.
		i := 0
		for i < len(s.runq) && s.runq[i].sim.woken {
			i++
		}
		s.runq = slices.Insert(s.runq, i, t)
	default:
		s.runq = append(s.runq, t)
	}
}

// takeCPU starts t's slice on the CPU it was just given. s.mu is held.
func (s *sim) takeCPU(t *Task) {
	st := &t.sim
	st.hasCPU = true
	st.sliceStart = st.vt
	if st.woken {
		st.woken = false
		st.lastWake = st.vt
	}
}

// release gives up t's CPU at t's time; the first queued task takes it.
// s.mu is held.
func (s *sim) release(t *Task) {
	if !t.sim.hasCPU {
		return
	}
	t.sim.hasCPU = false
	s.busy--
	for _, v := range t.sim.owned {
		s.stopSpinners(v, t.sim.vt)
	}
	if len(s.runq) > 0 {
		next := s.runq[0]
		s.runq = s.runq[1:]
		s.busy++
		next.sim.vt = max(next.sim.vt, t.sim.vt)
		s.takeCPU(next)
		s.seq++
		next.sim.seq = s.seq
		s.events.push(next)
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
	// Sleepers whose time has come wake first: they may take a free CPU
	// or queue for one, before the next event runs.
	for len(s.timers) > 0 && (len(s.events) == 0 || s.timers[0].sim.wakeAt <= s.events[0].sim.vt) {
		t := s.timers.pop()
		s.now = max(s.now, t.sim.wakeAt)
		t.sim.woken = true
		s.ready(t, t.sim.wakeAt)
	}
	if len(s.events) > 0 {
		t := s.events.pop()
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
	preemptible := !s.kernel || len(t.sim.owned) == 0
	if s.needResched(t) && preemptible {
		s.requeue(t)
		s.mu.Lock()
	}
	for {
		st := &t.sim
		st.workStart = st.vt
		st.vt += d
		st.working = preemptible && s.wakeGran >= 0
		s.ready(t, st.vt)
		s.switchFrom(t, false)
		// A woken task may have taken the CPU in the middle of the
		// work (preemptFor): the rest of it runs once t has a CPU again.
		s.mu.Lock()
		st.working = false
		if d = st.leftover; d == 0 {
			s.mu.Unlock()
			return
		}
		st.leftover = 0
	}
}

// preemptFor takes a CPU for t, woken at time at while every CPU is held,
// from a task in the middle of a preemptible Work (one that holds no
// mutex) that has run WakeupGranularity since it last woke, as CFS wakeup
// preemption does: the one whose slice began first. The preempted task
// queues behind the woken ones and does the rest of its Work when it has a
// CPU again. It reports whether it found one. s.mu is held.
func (s *sim) preemptFor(t *Task, at int64) bool {
	var victim *Task
	for _, c := range s.events {
		cs := &c.sim
		if !cs.working || cs.workStart > at || cs.vt <= at || at-cs.lastWake < s.wakeGran {
			continue
		}
		if victim == nil || cs.sliceStart < victim.sim.sliceStart ||
			(cs.sliceStart == victim.sim.sliceStart && cs.seq < victim.sim.seq) {
			victim = c
		}
	}
	if victim == nil {
		return false
	}
	vs := &victim.sim
	s.events.remove(vs.index)
	vs.leftover = vs.vt - at
	vs.vt = at
	vs.working = false
	vs.hasCPU = false
	s.busy--
	s.seq++
	vs.seq = s.seq
	s.armSpinners()
	s.runq = append(s.runq, victim)
	return true
}

// parkSpinner parks spinner t until its next tick, or, while no task waits
// for a CPU, until one does: a tick then could not make it reschedule, and
// a spinner's event every quantum would make a run's cost grow with its
// spinners times its length. s.mu is held.
func (s *sim) parkSpinner(t *Task) {
	st := &t.sim
	if len(s.runq) == 0 {
		st.idleSpin = true
		st.idleIndex = len(s.idleSpinners)
		s.idleSpinners = append(s.idleSpinners, t)
		return
	}
	st.vt = st.spinTick
	s.seq++
	st.seq = s.seq
	s.events.push(t)
}

// unparkSpinner takes parked spinner t off the idle list or out of the
// event heap. s.mu is held.
func (s *sim) unparkSpinner(t *Task) {
	st := &t.sim
	if !st.idleSpin {
		s.events.remove(st.index)
		return
	}
	last := s.idleSpinners[len(s.idleSpinners)-1]
	s.idleSpinners[st.idleIndex] = last
	last.sim.idleIndex = st.idleIndex
	s.idleSpinners[len(s.idleSpinners)-1] = nil
	s.idleSpinners = s.idleSpinners[:len(s.idleSpinners)-1]
	st.idleSpin = false
}

// armSpinners gives every idle spinner its next tick at or after now, as
// a task is about to queue for a CPU. s.mu is held.
func (s *sim) armSpinners() {
	for _, t := range s.idleSpinners {
		st := &t.sim
		if st.spinTick < s.now {
			st.spinTick += (s.now - st.spinTick + s.quantum - 1) / s.quantum * s.quantum
		}
		st.idleSpin = false
		st.vt = st.spinTick
		s.seq++
		st.seq = s.seq
		s.events.push(t)
	}
	clear(s.idleSpinners)
	s.idleSpinners = s.idleSpinners[:0]
}

// needResched reports whether t has used its time slice while another
// task waits for a CPU. s.mu is held.
func (s *sim) needResched(t *Task) bool {
	if len(s.runq) == 0 {
		return false
	}
	if s.wakeGran >= 0 && s.runq[0].sim.woken && t.sim.vt-t.sim.lastWake >= s.wakeGran {
		return true
	}
	return t.sim.vt-t.sim.sliceStart >= s.quantum
}

// reschedPoint is a voluntary preemption point (might_sleep): t gives its
// CPU to the first queued task if it needs to reschedule.
func (s *sim) reschedPoint(t *Task) {
	s.mu.Lock()
	if !s.needResched(t) {
		s.mu.Unlock()
		return
	}
	s.requeue(t)
}

// sleep parks t without a CPU for d of virtual time.
func (s *sim) sleep(t *Task, d int64) {
	s.mu.Lock()
	s.release(t)
	s.sleepUntil(t, t.sim.vt+d)
	s.switchFrom(t, false)
}

// sleepUntil queues t, which holds no CPU, to become ready at time at.
// s.mu is held.
func (s *sim) sleepUntil(t *Task, at int64) {
	s.seq++
	t.sim.seq = s.seq
	t.sim.wakeAt = at
	s.timers.push(t)
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

// wakeup makes t, which sleeps, ready at time at (the waker's time)
// plus the wake-up latency.
func (s *sim) wakeup(t *Task, at int64) {
	s.mu.Lock()
	s.wakeLocked(t, at)
	s.mu.Unlock()
}

// wakeLocked is wakeup with s.mu held.
func (s *sim) wakeLocked(t *Task, at int64) {
	if s.latency > 0 {
		s.sleepUntil(t, at+s.latency)
	} else {
		s.ready(t, at)
	}
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
	t.sim.lastWake = neverWoken
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

// taskHeap orders tasks by virtual time, then by when they became ready;
// each task knows its index. Its methods are container/heap's algorithms
// on the concrete type: the simulator pushes and pops on every event, and
// the interface calls of container/heap were a fifth of its time.
type taskHeap []*Task

func (h taskHeap) less(i, j int) bool {
	a, b := &h[i].sim, &h[j].sim
	return a.vt < b.vt || a.vt == b.vt && a.seq < b.seq
}

func (h taskHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].sim.index, h[j].sim.index = i, j
}

func (h taskHeap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

// down sifts the element at i0 down and reports whether it moved.
func (h taskHeap) down(i0 int) bool {
	i, n := i0, len(h)
	for {
		j := 2*i + 1
		if j >= n {
			break
		}
		if r := j + 1; r < n && h.less(r, j) {
			j = r
		}
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}

func (h *taskHeap) push(t *Task) {
	t.sim.index = len(*h)
	*h = append(*h, t)
	h.up(len(*h) - 1)
}

// pop removes and returns the first task.
func (h *taskHeap) pop() *Task { return h.remove(0) }

// remove removes and returns the task at index i.
func (h *taskHeap) remove(i int) *Task {
	old := *h
	n := len(old) - 1
	if n != i {
		old.swap(i, n)
		if !old[:n].down(i) {
			old[:n].up(i)
		}
	}
	t := old[n]
	old[n] = nil
	*h = old[:n]
	t.sim.index = -1
	return t
}

// timerHeap orders sleeping tasks by the time they wake, then by when they
// began to sleep.
type timerHeap []*Task

func (h timerHeap) less(i, j int) bool {
	a, b := &h[i].sim, &h[j].sim
	return a.wakeAt < b.wakeAt || a.wakeAt == b.wakeAt && a.seq < b.seq
}

func (h *timerHeap) push(t *Task) {
	*h = append(*h, t)
	q := *h
	for j := len(q) - 1; j > 0; {
		i := (j - 1) / 2
		if !q.less(j, i) {
			break
		}
		q[i], q[j] = q[j], q[i]
		j = i
	}
}

// pop removes and returns the first sleeper.
func (h *timerHeap) pop() *Task {
	q := *h
	n := len(q) - 1
	t := q[0]
	q[0] = q[n]
	q[n] = nil
	q = q[:n]
	for i := 0; ; {
		j := 2*i + 1
		if j >= n {
			break
		}
		if r := j + 1; r < n && q.less(r, j) {
			j = r
		}
		if !q.less(j, i) {
			break
		}
		q[i], q[j] = q[j], q[i]
		i = j
	}
	*h = q
	return t
}
