package kern

import "sync"

// A Mutex is a sleeping lock of one lock [Class], the model of a kernel
// struct mutex. Tasks take and release it with [Task.Lock] and [Task.Unlock],
// which keep the task's lock statistics and, in checking mode, its lock stack.
//
// A Mutex must be created by [NewMutex] and must not be copied after first use.
type Mutex struct {
	mu    sync.Mutex
	class *Class
	// since is the nanotime of the current acquisition, kept only with lock
	// statistics on; it is written and read by the holder alone.
	since int64
	// owner is the holding task, kept only in checking mode.
	owner *Task
	// virt is the mutex's state on a virtual runtime, made on first use.
	virt *vmutex
	// Pad to a whole cache line (a 64-byte size class is line-aligned):
	// two mutexes allocated side by side, as per-memcg mutexes are, must
	// not bounce one line between their holders.
	_ [64 - 40]byte
}

// vmutex is a Mutex on a virtual runtime: its holder, its FIFO of waiters
// and the last task that held it (for the cache-line transfer cost). Only
// the task holding the simulation's baton touches it.
type vmutex struct {
	owner, last *Task
	waiters     []*Task
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
	if rt.sim != nil {
		t.lockVirtual(m)
	} else if m.mu.TryLock() {
		if rt.lockStats {
			t.stat(m.class.id).Acquisitions++
			m.since = nanotime()
		}
	} else {
		t.lockSlow(m)
	}
	if rt.checkOrder {
		m.owner = t
		t.held = append(t.held, m.class)
	}
}

// lockSlow is the contended path: the hook hears that t is about to block,
// and the wait is timed when statistics are on.
func (t *Task) lockSlow(m *Mutex) {
	rt := t.rt
	if rt.hook != nil {
		rt.hook(t, Event{Kind: EventBlock, Name: m.class.name})
	}
	if !rt.lockStats {
		m.mu.Lock()
		return
	}
	start := nanotime()
	m.mu.Lock()
	now := nanotime()
	s := t.stat(m.class.id)
	s.Acquisitions++
	s.Contentions++
	wait := now - start
	s.WaitTotal += wait
	s.WaitMax = max(s.WaitMax, wait)
	m.since = now
}

// Unlock releases m, which t must hold.
func (t *Task) Unlock(m *Mutex) {
	rt := t.rt
	if rt.checkOrder {
		if m.owner != t {
			panic("kern: " + t.name + " unlocks " + m.class.name + ", which it does not hold")
		}
		m.owner = nil
		t.release(m.class)
	}
	if rt.lockStats {
		hold := t.Now() - m.since
		s := t.stat(m.class.id)
		s.HoldTotal += hold
		s.HoldMax = max(s.HoldMax, hold)
	}
	if rt.sim != nil {
		t.unlockVirtual(m)
		return
	}
	m.mu.Unlock()
}

// lockVirtual takes m on a virtual runtime: at once if it is free, else
// after the tasks queued before t, which wait FIFO. Taking a lock last held
// by another task costs the runtime's line transfer.
func (t *Task) lockVirtual(m *Mutex) {
	rt, s := t.rt, t.rt.sim
	if m.virt == nil {
		m.virt = &vmutex{}
	}
	v := m.virt
	var wait int64
	contended := v.owner != nil
	if contended && rt.hook != nil {
		rt.hook(t, Event{Kind: EventBlock, Name: m.class.name})
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
	wait = t.sim.vt - start
	if v.last != nil && v.last != t && s.transfer > 0 {
		s.work(t, s.transfer)
	}
	v.last = t
	if rt.lockStats {
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

// unlockVirtual releases m and wakes its first waiter, ready at t's time.
// The lock is not handed over: a waiter woken while every CPU is busy
// would hold it from the run queue and convoy every later taker behind
// it, which real mutexes avoid by letting a running task take a free lock.
// Except to a waiter that was woken before, lost the lock to a running
// task and has waited StarvationThreshold: it gets the lock handed to it,
// and the first free CPU, as Go's sync.Mutex does in starvation mode (the
// kernel's mutex hands over too, once its first waiter has failed to take
// it: MUTEX_FLAG_HANDOFF). Without that, tasks that keep a CPU and keep
// retaking a lock starve its waiters for ever; with it at every release,
// an oversubscribed run convoys behind the run queue.
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
