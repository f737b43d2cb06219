package kern

import "time"

// rcuState is the runtime's one RCU flavour, as far as rcu_barrier() sees
// it: the barrier the most recent caller scheduled, which later callers
// share. Guarded by Runtime.mu on the real clock; on a virtual runtime only
// the task holding the baton touches it (and Runtime.mu is then never
// contended).
type rcuState struct {
	start, end int64 // the latest barrier's span on the runtime's clock
}

// RCUBarrier waits, without a CPU, for an rcu_barrier() of length gp (a
// grace period and the callbacks queued before it), as _rcu_barrier of
// 3.15/3.16 serialises concurrent callers: they take rsp->barrier_mutex in
// turn, and one whose wait saw a whole barrier start and end after it
// arrived returns without its own (the n_barrier_done check). So a caller
// that finds no barrier in flight runs one, from now for gp; one that finds
// a barrier in flight that started before it arrived waits for it and runs
// the next, which every later caller arriving meanwhile shares. A gp of zero
// or less, or any gp while the runtime skips work, does nothing.
func (t *Task) RCUBarrier(gp time.Duration) {
	if gp <= 0 || t.rt.skipWork.Load() {
		return
	}
	rt := t.rt
	rt.mu.Lock()
	now := t.Now()
	r := &rt.rcu
	switch {
	case r.end <= now: // none in flight: run one now
		r.start, r.end = now, now+int64(gp)
	case r.start < now: // in flight since before we came: run the next one
		r.start, r.end = r.end, r.end+int64(gp)
	}
	// else: the next barrier, started after we came, is ours too
	until := r.end
	rt.mu.Unlock()
	t.block("rcu_barrier")
	t.Sleep(time.Duration(until - now))
}
