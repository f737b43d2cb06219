package kern

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// MutexKind selects how a contended Mutex behaves, on both clocks.
type MutexKind int

const (
	// KernelMutex is the mutex of Linux 3.15 and 3.16
	// (kernel/locking/mutex.c): a task that finds the lock held spins
	// while the owner is running on a CPU (optimistic spinning, spinners
	// queued in arrival order on the OSQ) and sleeps on the wait list
	// when the owner is not running or the spinner must reschedule. A
	// release wakes the first sleeper, which then competes with spinners
	// and running tasks; a woken sleeper does not spin again, and there is
	// no hand-off to waiters (MUTEX_FLAG_HANDOFF arrived in v4.10).
	KernelMutex MutexKind = iota
	// GoHandoffMutex is the model before issue 9, kept for comparison: on
	// the real clock Go's sync.Mutex (a short spin, then parking, and a
	// hand-over to a waiter starved for 1 ms); on the virtual clock a FIFO
	// of sleeping waiters, woken one at a time, with the lock handed to a
	// woken waiter that has lost it and waited StarvationThreshold.
	GoHandoffMutex
	// HandoffKernelMutex is the kernel's mutex from v4.10 on: KernelMutex
	// with Peter Zijlstra's lock hand-off (9d659ae14b54 "locking/mutex:
	// Add lock handoff to avoid starvation") and Waiman Long's spinning of
	// the woken waiter (b341afb325eb "locking/mutex: Enable optimistic
	// spinning of woken waiter"), both merged for v4.10. A waiter that is
	// first on the wait list when it wakes sets MUTEX_FLAG_HANDOFF and
	// spins while the owner runs; from then on the next release does not
	// free the lock but gives it to that waiter (__mutex_handoff), so
	// spinners and running tasks can take the lock from a waiter at most
	// once, on its first wake-up.
	HandoffKernelMutex
)

// mutexKinds is every kind, in the order of its constants.
var mutexKinds = []MutexKind{KernelMutex, GoHandoffMutex, HandoffKernelMutex}

// MutexKinds returns every mutex kind.
func MutexKinds() []MutexKind { return slices.Clone(mutexKinds) }

func (k MutexKind) String() string {
	switch k {
	case GoHandoffMutex:
		return "go-handoff"
	case HandoffKernelMutex:
		return "kernel-handoff"
	}
	return "kernel"
}

// spins reports whether the kind is one of the kernel's mutexes, whose
// waiters spin on a running owner.
func (k MutexKind) spins() bool { return k != GoHandoffMutex }

// DefaultSpinLimit bounds an optimistic spin on the real clock. The kernel
// ends a spin when the spinner must reschedule (need_resched, set by the
// scheduler tick once others wait: 1 to 4 ms at HZ 1000 to 250); Go gives
// a spinning goroutine no such signal, and a lock owner whose goroutine was
// descheduled without sleeping would be spun on by every waiter. 1 ms is an
// estimate in the kernel's range; a spinner also stops as soon as the
// owner sleeps.
const DefaultSpinLimit = time.Millisecond

// A Mutex is a sleeping lock of one lock [Class], the model of a kernel
// struct mutex. Tasks take and release it with [Task.Lock] and [Task.Unlock],
// which keep the task's lock statistics and, in checking mode, its lock stack.
// How a contended Mutex behaves is its runtime's [Config.Mutex].
//
// A Mutex must be created by [NewMutex] and must not be copied after first use.
type Mutex struct {
	// state is the real-clock kernel mutex: 0 free, 1 held, 2 held and a
	// task may sleep on it (the kernel's count of 1, 0 and -1).
	state atomic.Int32
	// handoff is the real-clock HandoffKernelMutex's MUTEX_FLAG_HANDOFF:
	// set by the first waiter when it wakes, under the wait list's lock.
	handoff atomic.Bool
	// owner is the holding task (nil while free): spinners watch it.
	owner atomic.Pointer[Task]
	class *Class
	// since is the nanotime of the current acquisition, kept only with lock
	// statistics on; it is written and read by the holder alone.
	since int64
	// sleepers is the real-clock kernel mutex's wait list, made on the
	// first sleep.
	sleepers atomic.Pointer[waitList]
	// mu is the GoHandoffMutex on the real clock.
	mu sync.Mutex
	// virt is the mutex's state on a virtual runtime, made on first use.
	virt *vmutex
	// Pad to a whole cache line (a 64-byte size class is line-aligned):
	// two mutexes allocated side by side, as per-memcg mutexes are, must
	// not bounce one line between their holders. (handoff sits in the
	// four bytes after state that alignment leaves.)
	_ [64 - 56]byte
}

// waitList is a real-clock kernel mutex's wait list under its wait_lock.
type waitList struct {
	mu    sync.Mutex
	tasks []*Task // FIFO; a task leaves it when it takes the lock
}

// vmutex is a Mutex on a virtual runtime: its holder, its FIFO of sleeping
// waiters, its spinners (kernel mutex) and the last task that held it (for
// the cache-line transfer cost). Only the task holding the simulation's
// baton touches it.
type vmutex struct {
	owner, last *Task
	waiters     []*Task
	spinners    []*Task
	// woken is set while the first waiter has been woken and has not yet
	// retried: a release does not wake it twice.
	woken bool
	// handoff is HandoffKernelMutex's MUTEX_FLAG_HANDOFF: the first
	// waiter has woken and found the lock taken, and the next release
	// gives the lock to it.
	handoff bool
}

// NewMutex returns an unlocked mutex of class c.
func NewMutex(c *Class) *Mutex {
	if c == nil {
		panic("kern: NewMutex with nil class")
	}
	return &Mutex{class: c}
}

// Class returns the mutex's lock class.
func (m *Mutex) Class() *Class { return m.class }

// Lock acquires m for t, blocking while another task holds it.
//
// In checking mode the acquisition is checked against the declared and the
// observed lock orders before the task blocks, as lockdep does, so an
// ordering bug is reported even when the run does not deadlock.
func (t *Task) Lock(m *Mutex) {
	rt := t.rt
	if rt.checkOrder {
		rt.order.acquire(t, m.class)
	}
	switch {
	case rt.sim != nil && rt.mutex.spins():
		t.lockKernelVirtual(m)
	case rt.sim != nil:
		t.lockVirtual(m)
	case rt.mutex.spins():
		if m.state.CompareAndSwap(0, 1) {
			t.acquired(m)
		} else {
			t.lockKernelSlow(m)
		}
	default:
		if m.mu.TryLock() {
			t.acquired(m)
		} else {
			t.lockSlow(m)
		}
	}
	if rt.checkOrder {
		t.held = append(t.held, m.class)
	}
}

// acquired records an uncontended real-clock acquisition.
func (t *Task) acquired(m *Mutex) {
	m.owner.Store(t)
	if t.rt.lockStats {
		t.stat(m.class.id).Acquisitions++
		m.since = nanotime()
	}
}

// contended records a real-clock acquisition that waited since start
// (read only with statistics on).
func (t *Task) contended(m *Mutex, start int64) {
	m.owner.Store(t)
	if !t.rt.lockStats {
		return
	}
	now := nanotime()
	s := t.stat(m.class.id)
	s.Acquisitions++
	s.Contentions++
	wait := now - start
	s.WaitTotal += wait
	s.WaitMax = max(s.WaitMax, wait)
	m.since = now
}

// lockSlow is GoHandoffMutex's contended path on the real clock.
func (t *Task) lockSlow(m *Mutex) {
	t.block(m.class.name)
	var start int64
	if t.rt.lockStats {
		start = nanotime()
	}
	t.asleep.Store(true)
	m.mu.Lock()
	t.asleep.Store(false)
	t.contended(m, start)
}

// lockKernelSlow is the kernel mutexes' contended path on the real clock:
// spin while the owner runs, then sleep on the wait list.
func (t *Task) lockKernelSlow(m *Mutex) {
	t.block(m.class.name)
	var start int64
	if t.rt.lockStats {
		start = nanotime()
	}
	switch {
	case t.spin(m, false):
	case t.rt.mutex == HandoffKernelMutex:
		t.sleepOnHandoff(m)
	default:
		t.sleepOn(m)
	}
	t.contended(m, start)
}

// spin is the optimistic spin: it retries m while its owner is not
// asleep, for at most the runtime's spin limit, and reports whether it
// took the lock. A woken waiter (waiter set) spins too from v4.10 on: it
// takes a free lock marking it as having sleepers (state 2), since others
// may still sleep on it, and it has the lock when a release hands it over.
// It reads the clock once every 64 tries (tens of nanoseconds against a
// few each).
func (t *Task) spin(m *Mutex, waiter bool) bool {
	held := int32(1)
	if waiter {
		held = 2
	}
	var began int64
	for i := 0; ; i++ {
		if waiter && m.owner.Load() == t {
			return true // handed over
		}
		if m.state.Load() == 0 && m.state.CompareAndSwap(0, held) {
			return true
		}
		if o := m.owner.Load(); o != nil && o.asleep.Load() {
			return false // the owner sleeps: so does its waiter
		}
		if i&63 == 63 {
			now := nanotime()
			if began == 0 {
				began = now
			} else if now-began > t.rt.spinLimit {
				return false
			}
		}
	}
}

// sleepOn queues t on m's wait list and sleeps until it takes m. Before
// each sleep it marks m as having sleepers (state 2), so that the release
// wakes the first of them; a woken task that finds m taken sleeps again,
// keeping its place.
func (t *Task) sleepOn(m *Mutex) {
	wl := m.waitList()
	wl.mu.Lock()
	wl.tasks = append(wl.tasks, t)
	for m.state.Swap(2) != 0 {
		wl.mu.Unlock()
		t.sleepUntilWoken()
		wl.mu.Lock()
	}
	if i := slices.Index(wl.tasks, t); i >= 0 {
		wl.tasks = slices.Delete(wl.tasks, i, i+1)
	}
	if len(wl.tasks) == 0 {
		m.state.Store(1) // no sleeper left: the release need not wake one
	}
	wl.mu.Unlock()
}

// sleepUntilWoken sleeps on a real-clock mutex until a release wakes t,
// marked asleep meanwhile so that spinners on a lock t owns stop.
func (t *Task) sleepUntilWoken() {
	t.asleep.Store(true)
	<-t.sem
	t.asleep.Store(false)
}

// sleepOnHandoff is sleepOn for HandoffKernelMutex (v4.10's
// __mutex_lock_common): a waiter that wakes first on the wait list sets
// the hand-off flag and spins while the owner runs; a release that finds
// the flag set gives the lock to the first waiter (Unlock), which finds
// itself the owner.
func (t *Task) sleepOnHandoff(m *Mutex) {
	wl := m.waitList()
	wl.mu.Lock()
	wl.tasks = append(wl.tasks, t)
	for m.owner.Load() != t && m.state.Swap(2) != 0 {
		wl.mu.Unlock()
		t.sleepUntilWoken()
		wl.mu.Lock()
		if wl.tasks[0] != t || m.owner.Load() == t {
			continue
		}
		m.handoff.Store(true)
		wl.mu.Unlock()
		took := t.spin(m, true)
		wl.mu.Lock()
		if took {
			break
		}
	}
	i := slices.Index(wl.tasks, t)
	wl.tasks = slices.Delete(wl.tasks, i, i+1)
	if i == 0 {
		// The first waiter has the lock: its flag is spent. A release
		// that handed the lock over while t spun has also woken t, and
		// did so before t took the wait list's lock: absorb that wake-up.
		m.handoff.Store(false)
		select {
		case <-t.sem:
		default:
		}
	}
	// A lock handed over, or taken by a spin after a spinner had taken
	// it with state 1, may not say that others sleep on it: say so, as
	// the kernel's MUTEX_FLAG_WAITERS stays while its list is not empty.
	if len(wl.tasks) == 0 {
		m.state.Store(1)
	} else {
		m.state.Store(2)
	}
	wl.mu.Unlock()
}

// waitList returns m's real-clock wait list, made on first use.
func (m *Mutex) waitList() *waitList {
	if wl := m.sleepers.Load(); wl != nil {
		return wl
	}
	m.sleepers.CompareAndSwap(nil, &waitList{})
	return m.sleepers.Load()
}

// handOff gives m, which t holds and whose hand-off flag was set, to the
// first waiter and wakes it, as v4.10's __mutex_unlock_slowpath does with
// MUTEX_FLAG_HANDOFF: the lock is never free, so no spinner takes it. It
// reports false, changing nothing, if the flag was spent meanwhile.
func (m *Mutex) handOff() bool {
	wl := m.waitList()
	wl.mu.Lock()
	defer wl.mu.Unlock()
	if !m.handoff.Load() || len(wl.tasks) == 0 {
		return false
	}
	next := wl.tasks[0]
	m.handoff.Store(false)
	m.owner.Store(next)
	next.wakeup()
	return true
}

// Unlock releases m, which t must hold.
func (t *Task) Unlock(m *Mutex) {
	rt := t.rt
	if rt.checkOrder {
		if m.owner.Load() != t {
			panic("kern: " + t.name + " unlocks " + m.class.name + ", which it does not hold")
		}
		t.release(m.class)
	}
	if rt.lockStats {
		hold := t.Now() - m.since
		s := t.stat(m.class.id)
		s.HoldTotal += hold
		s.HoldMax = max(s.HoldMax, hold)
	}
	m.owner.Store(nil)
	switch {
	case rt.sim != nil && rt.mutex.spins():
		t.unlockKernelVirtual(m)
	case rt.sim != nil:
		t.unlockVirtual(m)
	case rt.mutex == HandoffKernelMutex && m.handoff.Load() && m.handOff():
	case rt.mutex.spins():
		if m.state.Swap(0) == 2 {
			wl := m.sleepers.Load()
			wl.mu.Lock()
			if len(wl.tasks) > 0 {
				wl.tasks[0].wakeup()
			}
			wl.mu.Unlock()
		}
	default:
		m.mu.Unlock()
	}
}

// wakeup wakes t from a real-clock sleep on a mutex; a wake-up of a task
// already woken is absorbed.
func (t *Task) wakeup() {
	select {
	case t.sem <- struct{}{}:
	default:
	}
}

// vm returns m's virtual state, made on first use.
func (m *Mutex) vm() *vmutex {
	if m.virt == nil {
		m.virt = &vmutex{}
	}
	return m.virt
}

// lockKernelVirtual takes m on a virtual runtime as KernelMutex and
// HandoffKernelMutex say: at once if it is free; else by spinning while
// the owner holds a CPU (see sim.spinOn), else by sleeping on the wait
// list until a release wakes t and t finds the lock free or, with the
// hand-off, given to it. Taking a lock last held by another task costs the
// runtime's line transfer.
func (t *Task) lockKernelVirtual(m *Mutex) {
	s := t.rt.sim
	s.reschedPoint(t) // might_sleep: a voluntary preemption point
	v := m.vm()
	contended := v.owner != nil
	if contended {
		t.block(m.class.name)
	}
	start := t.sim.vt
	slept, spinAgain := false, false
	for v.owner != nil && v.owner != t {
		if (!slept || spinAgain) && s.spinOn(t, v) {
			continue
		}
		slept = true
		s.sleepOnMutex(t, v)
		// From v4.10 on, a waiter that wakes first on the wait list and
		// finds the lock taken sets the hand-off flag and spins while
		// the owner runs; a release then gives it the lock.
		spinAgain = s.handoff && v.owner != nil && v.owner != t && v.waiters[0] == t
		if spinAgain {
			v.handoff = true
		}
	}
	if slept {
		v.removeWaiter(t)
	}
	v.owner = t
	t.sim.owned = append(t.sim.owned, v)
	t.tookVirtual(m, v, contended, t.sim.vt-start)
}

// tookVirtual finishes a virtual acquisition: the line transfer and the
// statistics.
func (t *Task) tookVirtual(m *Mutex, v *vmutex, contended bool, wait int64) {
	s := t.rt.sim
	m.owner.Store(t)
	if v.last != nil && v.last != t && s.transfer > 0 {
		s.work(t, s.transfer)
	}
	v.last = t
	if t.rt.lockStats {
		st := t.stat(m.class.id)
		st.Acquisitions++
		if contended {
			st.Contentions++
		}
		st.WaitTotal += wait
		st.WaitMax = max(st.WaitMax, wait)
		m.since = t.sim.vt
	}
}

// removeWaiter takes t off v's wait list.
func (v *vmutex) removeWaiter(t *Task) {
	if i := slices.Index(v.waiters, t); i >= 0 {
		v.waiters = slices.Delete(v.waiters, i, i+1)
		if i == 0 {
			v.woken = false
			v.handoff = false // the first waiter's flag is spent
		}
	}
}

// unlockKernelVirtual releases m: the first spinner takes it at once, and
// the first sleeper, if any and not already woken, is woken to retry. With
// the hand-off flag set, the first waiter gets the lock instead: at once
// if it spins, else when it wakes; the other spinners stop if it has no
// CPU, as their owner does not run.
func (t *Task) unlockKernelVirtual(m *Mutex) {
	s, v := t.rt.sim, m.virt
	v.owner = nil
	if i := slices.Index(t.sim.owned, v); i >= 0 {
		t.sim.owned = slices.Delete(t.sim.owned, i, i+1)
	}
	s.mu.Lock()
	if v.handoff {
		next := v.waiters[0]
		v.handoff = false
		v.owner = next
		if i := slices.Index(v.spinners, next); i >= 0 {
			v.spinners = slices.Delete(v.spinners, i, i+1)
			s.endSpin(next, t.sim.vt)
		} else {
			if !next.sim.hasCPU {
				s.stopSpinners(v, t.sim.vt)
			}
			s.wakeFirstWaiter(v, t.sim.vt)
		}
		s.mu.Unlock()
		return
	}
	if len(v.spinners) > 0 {
		next := v.spinners[0]
		v.spinners = v.spinners[1:]
		v.owner = next
		s.endSpin(next, t.sim.vt)
	}
	s.wakeFirstWaiter(v, t.sim.vt)
	s.mu.Unlock()
}

// wakeFirstWaiter wakes v's first waiter at time at, if there is one and
// it is not woken already. s.mu is held.
func (s *sim) wakeFirstWaiter(v *vmutex, at int64) {
	if len(v.waiters) > 0 && !v.woken {
		v.woken = true
		s.wakeLocked(v.waiters[0], at)
	}
}

// spinOn spins t on v, whose owner is someone else, if the kernel would:
// the owner holds a CPU, t need not reschedule, and the owner is not
// (through a chain of spinners) spinning on a lock t holds, which only a
// lock-order bug makes happen and which would spin for ever. It reports
// whether t spun; t then holds the lock, or has stopped spinning because
// the owner gave up its CPU or t must reschedule, and retries.
//
// A spinner keeps its CPU and its place among v's spinners (the OSQ's
// order) until a release hands it the lock, the owner gives up its CPU, or
// a scheduler tick finds that it must reschedule: its ticks come at its
// slice's end and every quantum after, and only matter while a task waits
// for a CPU, so a spinner is parked without a tick while none does (see
// sim.parkSpinner).
func (s *sim) spinOn(t *Task, v *vmutex) bool {
	s.mu.Lock()
	if !v.owner.sim.hasCPU || s.needResched(t) || s.spinsOnSelf(t, v) {
		s.mu.Unlock()
		return false
	}
	st := &t.sim
	v.spinners = append(v.spinners, t)
	st.spinning = v
	st.spinSince = st.vt
	st.spinTick = st.sliceStart + s.quantum
	if st.spinTick <= st.vt {
		st.spinTick = st.vt + s.quantum
	}
	for {
		s.parkSpinner(t)
		s.switchFrom(t, false)
		// Resumed by a release (t owns v), by the owner's sleep, or by
		// a tick.
		if st.spinning == nil {
			return true
		}
		s.mu.Lock()
		if s.needResched(t) {
			if i := slices.Index(v.spinners, t); i >= 0 {
				v.spinners = slices.Delete(v.spinners, i, i+1)
			}
			st.spinning = nil
			s.mu.Unlock()
			return true
		}
		st.spinTick = st.vt + s.quantum
	}
}

// spinsOnSelf reports whether v's owner is, through a chain of spinners,
// spinning on a lock that t owns. s.mu is held.
func (s *sim) spinsOnSelf(t *Task, v *vmutex) bool {
	for o := v.owner; o != nil && o.sim.spinning != nil; o = o.sim.spinning.owner {
		if o.sim.spinning.owner == t {
			return true
		}
	}
	return false
}

// endSpin moves a parked spinner to time at (a release gave it the lock,
// or its owner gave up the CPU). s.mu is held.
func (s *sim) endSpin(t *Task, at int64) {
	s.unparkSpinner(t)
	t.sim.spinning = nil
	t.sim.vt = max(t.sim.spinSince, at)
	s.seq++
	t.sim.seq = s.seq
	s.events.push(t)
}

// stopSpinners ends every spin on v at time at: its owner has given up
// its CPU, and the spinners go to sleep. s.mu is held.
func (s *sim) stopSpinners(v *vmutex, at int64) {
	for _, sp := range v.spinners {
		s.endSpin(sp, at)
	}
	v.spinners = v.spinners[:0]
}

// sleepOnMutex puts t on v's wait list (it stays at its place if it is
// there already, as a woken waiter that lost the lock does) and sleeps
// until a release wakes it.
func (s *sim) sleepOnMutex(t *Task, v *vmutex) {
	switch i := slices.Index(v.waiters, t); i {
	case -1:
		v.waiters = append(v.waiters, t)
	case 0:
		v.woken = false // woken, lost the lock: wake it again next time
	}
	s.block(t)
}

// lockVirtual takes m on a virtual runtime as GoHandoffMutex says: at once
// if it is free, else after the tasks queued before t, which wait FIFO.
// Taking a lock last held by another task costs the runtime's line
// transfer.
func (t *Task) lockVirtual(m *Mutex) {
	s := t.rt.sim
	v := m.vm()
	contended := v.owner != nil
	if contended {
		t.block(m.class.name)
	}
	start := t.sim.vt
	t.sim.waitSince = start
	for v.owner != nil && v.owner != t {
		// Queue FIFO; Unlock wakes the first waiter, which takes the lock
		// when it runs if no running task took it first (then it queues
		// again, at the front, and the next Unlock hands the lock to it).
		if t.sim.requeue {
			v.waiters = append([]*Task{t}, v.waiters...)
		} else {
			v.waiters = append(v.waiters, t)
		}
		s.block(t)
		t.sim.requeue = true
	}
	t.sim.requeue = false
	v.owner = t
	t.tookVirtual(m, v, contended, t.sim.vt-start)
}

// unlockVirtual releases m and wakes its first waiter, ready at t's time.
// The lock is not handed over: a waiter woken while every CPU is busy
// would hold it from the run queue and convoy every later taker behind
// it, which real mutexes avoid by letting a running task take a free lock.
// Except to a waiter that was woken before, lost the lock to a running
// task and has waited StarvationThreshold: it gets the lock handed to it,
// and the first free CPU, as Go's sync.Mutex does in starvation mode.
// Without that, tasks that keep a CPU and keep retaking a lock starve its
// waiters for ever; with it at every release, an oversubscribed run
// convoys behind the run queue.
func (t *Task) unlockVirtual(m *Mutex) {
	v := m.virt
	v.owner = nil
	if len(v.waiters) == 0 {
		return
	}
	next := v.waiters[0]
	v.waiters = v.waiters[1:]
	if next.sim.requeue && t.sim.vt-next.sim.waitSince >= int64(StarvationThreshold) {
		v.owner = next
		t.rt.sim.wakeupFirst(next, t.sim.vt)
		return
	}
	t.rt.sim.wakeup(next, t.sim.vt)
}

// release removes the innermost held entry of class c from t's lock stack.
func (t *Task) release(c *Class) {
	for i := len(t.held) - 1; i >= 0; i-- {
		if t.held[i] == c {
			t.held = append(t.held[:i], t.held[i+1:]...)
			return
		}
	}
	panic("kern: " + t.name + " releases " + c.name + ", which is not on its lock stack")
}
