package kern

import (
	"fmt"
	"sync"
)

// A WorkItem is deferred work, the model of the kernel's struct work_struct.
// It is pending from Queue until a kworker starts it, and running while its
// function runs; it may be queued again while it runs.
//
// Embed a WorkItem in the object it works on and Init it once; it must not be
// copied after first use, nor queued on two workqueues.
type WorkItem struct {
	fn      func(t *Task)
	seq     uint64 // bumped by each Queue, so stale queue entries are skipped
	pending bool
	running bool
	copies  int // runs queued by QueueCopy and not yet started
}

// copyEntry is the seq of a queue entry made by QueueCopy, which is never
// stale (Queue's seqs start at 1).
const copyEntry = 0

// Init sets the function the item runs, on the kworker's task.
func (w *WorkItem) Init(fn func(t *Task)) { w.fn = fn }

// A Workqueue runs queued WorkItems on its kworkers, in FIFO order of
// queueing. With zero kworkers it is manual: queued work runs only when some
// task calls Flush, on that task, which makes a schedule fully deterministic.
//
// A concurrency-managed one (NewManagedWorkqueue) starts with some
// kworkers and starts another whenever work is queued that no idle
// kworker will take, up to its max_active: as the kernel's pools wake
// or create a worker when the running ones sleep (on a mutex, in
// rcu_barrier()), so that a queue of items blocked on one lock holds a
// kworker each.
type Workqueue struct {
	rt      *Runtime
	name    string
	workers int // kworkers started
	// maxWorkers is the most kworkers a managed queue starts (its
	// max_active); idleWorkers counts those waiting for work.
	maxWorkers, idleWorkers int

	mu      sync.Mutex
	queued  waitq // signalled when work is queued or the queue closes
	idle    waitq // broadcast when a work item finishes
	entries []entry
	head    int
	pending int // items pending (entries that are not stale)
	running int
	closed  bool
	done    sync.WaitGroup
}

type entry struct {
	w   *WorkItem
	seq uint64
}

// NewWorkqueue returns a workqueue with the given number of kworkers, each a
// task of rt named name/N. It panics if workers is negative.
func (rt *Runtime) NewWorkqueue(name string, workers int) *Workqueue {
	if workers < 0 {
		panic(fmt.Sprintf("kern: workqueue %s with %d workers", name, workers))
	}
	q := &Workqueue{rt: rt, name: name, workers: workers, maxWorkers: workers, idleWorkers: workers}
	q.queued.init(rt, &q.mu)
	q.idle.init(rt, &q.mu)
	for i := range workers {
		q.done.Add(1)
		rt.spawn(fmt.Sprintf("%s/%d", name, i), q.kworker, true)
	}
	rt.mu.Lock()
	rt.queues = append(rt.queues, q)
	rt.mu.Unlock()
	return q
}

// NewManagedWorkqueue returns a concurrency-managed workqueue (see
// Workqueue) with workers kworkers at first and up to maxActive, each a
// task of rt named name/N. It panics unless 1 <= workers <= maxActive.
func (rt *Runtime) NewManagedWorkqueue(name string, workers, maxActive int) *Workqueue {
	if workers < 1 || workers > maxActive {
		panic(fmt.Sprintf("kern: managed workqueue %s with %d of at most %d workers", name, workers, maxActive))
	}
	q := rt.NewWorkqueue(name, workers)
	q.maxWorkers = maxActive
	return q
}

// Workers returns the kworkers the queue has started.
func (q *Workqueue) Workers() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.workers
}

// grow starts a kworker if the pending work outnumbers the idle kworkers
// and a managed queue has room for one more. q.mu is held.
func (q *Workqueue) grow() {
	if q.pending > q.idleWorkers && q.workers < q.maxWorkers {
		q.done.Add(1)
		q.rt.spawn(fmt.Sprintf("%s/%d", q.name, q.workers), q.kworker, true)
		q.workers++
		q.idleWorkers++ // it takes the next item as an idle one would
	}
}

// Queue queues w, as queue_work does, and reports whether it did: it does
// nothing and returns false if w is already pending.
func (q *Workqueue) Queue(t *Task, w *WorkItem) bool {
	if w.fn == nil {
		panic("kern: Queue of a WorkItem that was never Init")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if w.pending {
		return false
	}
	if q.closed {
		panic("kern: Queue on closed workqueue " + q.name)
	}
	w.pending = true
	w.seq++
	q.entries = append(q.entries, entry{w, w.seq})
	q.pending++
	q.queued.signal(t)
	q.grow()
	return true
}

// QueueCopy queues one more run of w, pending or not, as queueing a fresh
// copy of it would: each copy runs once, in queue order, and copies may
// run at the same time on different kworkers. It is for work the kernel
// allocates anew for each event (memcg_create_cache_enqueue kmallocs a
// create work item for every miss): the model keeps one item and a queue
// entry per copy, so a burst of duplicates costs 16 bytes each, not an
// object. Cancel does not cancel copies.
func (q *Workqueue) QueueCopy(t *Task, w *WorkItem) {
	if w.fn == nil {
		panic("kern: QueueCopy of a WorkItem that was never Init")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		panic("kern: QueueCopy on closed workqueue " + q.name)
	}
	w.copies++
	q.entries = append(q.entries, entry{w, copyEntry})
	q.pending++
	q.queued.signal(t)
	q.grow()
}

// Cancel removes w from the queue if it is pending and waits until it is not
// running, as cancel_work_sync does. It reports whether w was pending.
func (q *Workqueue) Cancel(t *Task, w *WorkItem) bool {
	q.mu.Lock()
	wasPending := w.pending
	if wasPending {
		w.pending = false // its queue entry is now stale
		q.pending--
	}
	if w.running {
		q.mu.Unlock()
		t.block("cancel_work_sync")
		q.mu.Lock()
		for w.running {
			q.idle.wait(t)
		}
	}
	q.mu.Unlock()
	return wasPending
}

// Flush waits until no work is pending or running. On a manual workqueue the
// calling task runs the pending work itself, in queue order.
func (q *Workqueue) Flush(t *Task) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.workers == 0 {
		for {
			w, copied := q.pop()
			if w == nil {
				break
			}
			q.run(t, w, copied)
		}
	}
	if q.pending == 0 && q.running == 0 {
		return
	}
	q.mu.Unlock()
	t.block("flush_workqueue")
	q.mu.Lock()
	for q.pending > 0 || q.running > 0 {
		q.idle.wait(t)
	}
}

// Idle reports whether no work item is queued or running.
func (q *Workqueue) Idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pending == 0 && q.running == 0
}

// Pending returns the number of work items queued and not yet started.
func (q *Workqueue) Pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pending
}

// pop takes the first live entry off the queue and reports whether it was
// a copy (QueueCopy). q.mu is held.
func (q *Workqueue) pop() (w *WorkItem, copied bool) {
	for q.head < len(q.entries) {
		e := q.entries[q.head]
		q.entries[q.head] = entry{}
		q.head++
		if q.head == len(q.entries) {
			q.entries, q.head = q.entries[:0], 0
		} else if q.head >= 4096 && q.head >= len(q.entries)/2 {
			// Half the slice is spent entries: move the live half down,
			// so a queue that never drains holds its pending entries
			// only, not every entry ever queued.
			n := copy(q.entries, q.entries[q.head:])
			clear(q.entries[n:])
			q.entries, q.head = q.entries[:n], 0
		}
		if e.seq == copyEntry {
			e.w.copies--
			q.pending--
			return e.w, true
		}
		if e.w.pending && e.seq == e.w.seq {
			e.w.pending = false
			q.pending--
			return e.w, false
		}
	}
	return nil, false
}

// run runs w on t with q.mu released around the call; a copy's run does
// not mark w running (Cancel waits for the item's own run only). q.mu is
// held.
func (q *Workqueue) run(t *Task, w *WorkItem, copied bool) {
	if !copied {
		w.running = true
	}
	q.running++
	q.mu.Unlock()
	w.fn(t)
	q.mu.Lock()
	if !copied {
		w.running = false
	}
	q.running--
	q.idle.broadcast(t)
}

// kworker runs queued work until the queue closes. It counts as idle
// from its start (grow and NewWorkqueue count it so) and while it waits,
// so that a managed queue starts another only for work no idle kworker
// will take.
func (q *Workqueue) kworker(t *Task) {
	defer q.done.Done()
	q.mu.Lock()
	defer q.mu.Unlock()
	q.idleWorkers--
	for {
		w, copied := q.pop()
		if w != nil {
			q.run(t, w, copied)
			continue
		}
		if q.closed {
			return
		}
		q.idleWorkers++
		q.queued.wait(t)
		q.idleWorkers--
	}
}

// Close stops the kworkers once they have run what is queued. Queueing on a
// closed workqueue panics; Close itself may be called again.
func (q *Workqueue) Close() {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.closed = true
	q.queued.broadcast(nil)
	q.mu.Unlock()
	if q.rt.sim != nil {
		q.rt.Wait() // the woken kworkers run what is queued and exit
	}
	q.done.Wait()
}

// A waitq is a condition variable on either runtime: a sync.Cond on the
// real one; on a virtual one, a list of parked tasks woken at the waker's
// virtual time. Its lock is never contended on a virtual runtime, where one
// task runs at a time, and is never held across a switch.
type waitq struct {
	rt      *Runtime
	mu      *sync.Mutex
	cond    sync.Cond
	waiters []*Task
}

func (w *waitq) init(rt *Runtime, mu *sync.Mutex) {
	w.rt, w.mu, w.cond.L = rt, mu, mu
}

// wait releases w.mu, parks t until woken, and takes w.mu again.
func (w *waitq) wait(t *Task) {
	s := w.rt.sim
	if s == nil {
		t.asleep.Store(true)
		w.cond.Wait()
		t.asleep.Store(false)
		return
	}
	w.waiters = append(w.waiters, t)
	w.mu.Unlock()
	s.block(t)
	w.mu.Lock()
}

// signal wakes one waiter; by is the waking task (nil outside any task).
func (w *waitq) signal(by *Task) {
	if w.rt.sim == nil {
		w.cond.Signal()
		return
	}
	if len(w.waiters) > 0 {
		next := w.waiters[0]
		w.waiters = w.waiters[1:]
		w.rt.sim.wakeup(next, wakeTime(w.rt.sim, by))
	}
}

// broadcast wakes every waiter.
func (w *waitq) broadcast(by *Task) {
	if w.rt.sim == nil {
		w.cond.Broadcast()
		return
	}
	for _, next := range w.waiters {
		w.rt.sim.wakeup(next, wakeTime(w.rt.sim, by))
	}
	w.waiters = nil
}

// wakeTime is when a wakeup by the given task happens: its virtual time, or
// the simulation's time when nothing runs.
func wakeTime(s *sim, by *Task) int64 {
	if by != nil {
		return by.sim.vt
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}
