package kern

import (
	"sync"
	"time"
)

// An RCUQueue runs callbacks a grace period after they are queued, the
// model of call_rcu(): SLUB frees the slabs of a SLAB_DESTROY_BY_RCU cache
// this way (free_slab -> call_rcu(rcu_free_slab) -> __free_slab, mm/slub.c
// of 3.15 on), so their pages are uncharged only once the grace period is
// over. The kernel runs the callbacks in softirq context (rcu_do_batch): a
// callback must not sleep or take a Mutex; it may queue work.
//
// Callbacks run in queue order, each no earlier than its due time, on a
// task of the queue's own (named after it). A queue made with no runner is
// manual: callbacks run only inside Flush, on the flushing task, which
// waits for each one's due time first, so that a schedule stays
// deterministic. Every caller of a queue passes the same grace period, so
// queue order is due order.
type RCUQueue struct {
	rt     *Runtime
	name   string
	manual bool

	mu      sync.Mutex
	queued  waitq // signalled when a callback is queued or the queue closes
	idle    waitq // broadcast when the queue empties
	cbs     []rcuCallback
	running bool
	closed  bool
	done    sync.WaitGroup
}

type rcuCallback struct {
	due int64 // on the runtime's clock
	fn  func(t *Task)
}

// NewRCUQueue returns an RCU callback queue of rt with a runner task named
// name, or a manual one (see RCUQueue) when runner is false.
func (rt *Runtime) NewRCUQueue(name string, runner bool) *RCUQueue {
	q := &RCUQueue{rt: rt, name: name, manual: !runner}
	q.queued.init(rt, &q.mu)
	q.idle.init(rt, &q.mu)
	if runner {
		q.done.Add(1)
		rt.spawn(name, q.run, true)
	}
	rt.mu.Lock()
	rt.rcuQueues = append(rt.rcuQueues, q)
	rt.mu.Unlock()
	return q
}

// Call queues fn to run gp after now, as call_rcu does. While the runtime
// skips work (setup), or with a gp of zero or less, fn runs at once on t.
// On a closed queue Call does nothing: its owner is shutting down, and
// work still running then (Close closes the RCU queue first, so that its
// callbacks can queue work) has no one left to observe it.
func (q *RCUQueue) Call(t *Task, gp time.Duration, fn func(t *Task)) {
	if gp <= 0 || t.rt.skipWork.Load() {
		fn(t)
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return // shutting down: nothing is left to observe what fn does
	}
	q.cbs = append(q.cbs, rcuCallback{due: t.Now() + int64(gp), fn: fn})
	q.queued.signal(t)
}

// Pending returns the number of callbacks queued and not yet run.
func (q *RCUQueue) Pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.cbs)
}

// Idle reports whether no callback is queued or running.
func (q *RCUQueue) Idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.cbs) == 0 && !q.running
}

// Flush waits until every queued callback has run, as rcu_barrier() does
// (without its cost: Task.RCUBarrier charges that). On a manual queue the
// calling task runs them itself, each at its due time.
func (q *RCUQueue) Flush(t *Task) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.manual {
		for len(q.cbs) > 0 {
			q.runNext(t)
		}
		return
	}
	if len(q.cbs) == 0 && !q.running {
		return
	}
	q.mu.Unlock()
	t.block("rcu_barrier")
	q.mu.Lock()
	for len(q.cbs) > 0 || q.running {
		q.idle.wait(t)
	}
}

// runNext waits for the first callback's due time and runs it, with q.mu
// released around the wait and the call. q.mu is held and a callback is
// queued.
func (q *RCUQueue) runNext(t *Task) {
	q.running = true
	if d := q.cbs[0].due - t.Now(); d > 0 {
		q.mu.Unlock()
		t.Sleep(time.Duration(d))
		q.mu.Lock()
	}
	cb := q.cbs[0]
	q.cbs[0] = rcuCallback{}
	q.cbs = q.cbs[1:]
	if len(q.cbs) == 0 {
		q.cbs = nil // let the spent backing array go
	}
	q.mu.Unlock()
	cb.fn(t)
	q.mu.Lock()
	q.running = false
	if len(q.cbs) == 0 {
		q.idle.broadcast(t)
	}
}

// run is the runner task: it runs the callbacks as they come due until
// the queue is closed and empty.
func (q *RCUQueue) run(t *Task) {
	defer q.done.Done()
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if len(q.cbs) > 0 {
			q.runNext(t)
			continue
		}
		if q.closed {
			return
		}
		q.queued.wait(t)
	}
}

// Close stops the runner once it has run what is queued (each at its due
// time); later Calls do nothing. Close may be called again.
func (q *RCUQueue) Close() {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.closed = true
	q.queued.broadcast(nil)
	q.mu.Unlock()
	if q.manual {
		return
	}
	if q.rt.sim != nil {
		q.rt.Wait()
	}
	q.done.Wait()
}
