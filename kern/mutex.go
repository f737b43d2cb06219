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
	// Pad to a whole cache line (a 64-byte size class is line-aligned):
	// two mutexes allocated side by side, as per-memcg mutexes are, must
	// not bounce one line between their holders.
	_ [64 - 32]byte
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
	if m.mu.TryLock() {
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
		hold := nanotime() - m.since
		s := t.stat(m.class.id)
		s.HoldTotal += hold
		s.HoldMax = max(s.HoldMax, hold)
	}
	m.mu.Unlock()
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
