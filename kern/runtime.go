package kern

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Config selects what a Runtime observes. The zero Config measures nothing and
// checks nothing: the configuration for timing the designs themselves.
type Config struct {
	// LockStats turns on the per-task lock_stat counters.
	LockStats bool
	// CheckOrder turns on lockdep-style lock-order checking.
	CheckOrder bool
	// Hook, when set, is called on the task's own goroutine at every
	// Task.Point and whenever a task is about to block (on a contended Mutex,
	// in Workqueue.Cancel or Workqueue.Flush). It may block to pause the task,
	// which is how tests script an interleaving; it must not call back into
	// the task's lock operations.
	Hook func(t *Task, ev Event)
	// Virtual, when set, runs the tasks on a virtual clock (see Virtual);
	// tasks then must be started with Runtime.Go and run by Runtime.Wait.
	// New panics if it is out of range. Kworkers are tasks too.
	Virtual *Virtual
	// Mutex is how contended mutexes behave: KernelMutex (the zero value,
	// the 3.15 mutex), HandoffKernelMutex (v4.10's) or GoHandoffMutex, on
	// either clock.
	Mutex MutexKind
	// SpinLimit bounds a kernel mutex's spin on the real clock, 0 for
	// DefaultSpinLimit.
	SpinLimit time.Duration
}

// EventKind says what a hook Event reports.
type EventKind int

const (
	// EventPoint: the task reached a named point of a design (Task.Point).
	EventPoint EventKind = iota
	// EventBlock: the task is about to wait; Name is the lock class, or
	// "cancel_work_sync", "flush_workqueue" or "rcu_barrier".
	EventBlock
)

// An Event is what a Config.Hook is told.
type Event struct {
	Kind EventKind
	Name string
}

func (e Event) String() string {
	if e.Kind == EventBlock {
		return "block:" + e.Name
	}
	return "point:" + e.Name
}

// A Runtime is one kernel instance: it owns the tasks, the workqueues and the
// lock-order checker of one registry under test. Its methods are safe for
// concurrent use.
type Runtime struct {
	skipWork   atomic.Bool
	lockStats  bool
	checkOrder bool
	mutex      MutexKind
	spinLimit  int64
	hook       func(*Task, Event)
	order      *orderChecker
	sim        *sim           // nil on the real runtime
	wg         sync.WaitGroup // tasks started by Go, on the real runtime

	mu        sync.Mutex
	tasks     []*Task
	queues    []*Workqueue
	rcuQueues []*RCUQueue
	rcu       rcuState // under mu
}

// New returns a Runtime configured by cfg. It calibrates Task.Work on first use
// in the process (a few milliseconds).
func New(cfg Config) *Runtime {
	calibrateSpin()
	rt := &Runtime{
		lockStats:  cfg.LockStats,
		checkOrder: cfg.CheckOrder,
		hook:       cfg.Hook,
		mutex:      cfg.Mutex,
		spinLimit:  int64(cfg.SpinLimit),
	}
	if rt.spinLimit <= 0 {
		rt.spinLimit = int64(DefaultSpinLimit)
	}
	if cfg.CheckOrder {
		rt.order = newOrderChecker()
	}
	if cfg.Virtual != nil {
		s, err := newSim(cfg.Virtual, cfg.Mutex)
		if err != nil {
			panic(err.Error())
		}
		rt.sim = s
	}
	return rt
}

// A Task is one thread of execution: a benchmark worker, a test goroutine or a
// kworker, the Go stand-in for the kernel's current. It carries its own lock
// statistics and, in checking mode, the stack of lock classes it holds.
//
// A Task must be used by one goroutine at a time.
type Task struct {
	rt    *Runtime
	name  string
	stats []LockStat
	held  []*Class
	sink  uint64        // keeps the result of Work's spin alive
	sem   chan struct{} // wakes the task from a real-clock mutex sleep
	// workAsked and workHeld sum the lengths Work was asked for and the
	// lengths it took on the runtime's clock.
	workAsked, workHeld int64
	sim                 simTask

	// asleep is set while the task sleeps on the real clock (on a mutex, a
	// workqueue or Sleep): a KernelMutex waiter spins only while its owner
	// is not asleep. It sits on its own cache line, read by spinners.
	_      [64]byte
	asleep atomic.Bool
	_      [60]byte
}

// NewTask returns a new task of rt with the given name (for error messages).
func (rt *Runtime) NewTask(name string) *Task {
	t := &Task{rt: rt, name: name, sem: make(chan struct{}, 1)}
	rt.mu.Lock()
	rt.tasks = append(rt.tasks, t)
	rt.mu.Unlock()
	return t
}

// Name returns the task's name.
func (t *Task) Name() string { return t.name }

// Runtime returns the runtime t belongs to.
func (t *Task) Runtime() *Runtime { return t.rt }

// Now returns the runtime's clock in nanoseconds (monotonic, arbitrary
// origin). Drivers time operations with it rather than with package time,
// so that a runtime with another clock can stand in.
func (t *Task) Now() int64 {
	if t.rt.sim != nil {
		return t.sim.vt
	}
	return nanotime()
}

// SkipWork makes Task.Work return at once while on is true: for building the
// state a measurement starts from (hundreds of caches) without paying the
// critical-section costs that the measurement is about.
func (rt *Runtime) SkipWork(on bool) { rt.skipWork.Store(on) }

// Point marks a named point of a design's code path for Config.Hook. Without a
// hook it costs one load and one branch.
func (t *Task) Point(name string) {
	if h := t.rt.hook; h != nil {
		h(t, Event{Kind: EventPoint, Name: name})
	}
}

// block tells the hook that t is about to wait for what.
func (t *Task) block(what string) {
	if h := t.rt.hook; h != nil {
		h(t, Event{Kind: EventBlock, Name: what})
	}
}

// WorkAccuracy returns what Task.Work was asked for and what it took, on
// the runtime's clock, summed over every task of rt: held/asked is 1 when
// Work holds its lengths. Call it only while no task is running.
func (rt *Runtime) WorkAccuracy() (asked, held time.Duration) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, t := range rt.tasks {
		asked += time.Duration(t.workAsked)
		held += time.Duration(t.workHeld)
	}
	return asked, held
}

// ResetWorkAccuracy zeroes the sums WorkAccuracy reads.
func (rt *Runtime) ResetWorkAccuracy() {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, t := range rt.tasks {
		t.workAsked, t.workHeld = 0, 0
	}
}

// LockStats merges the lock statistics of every task of rt, kworkers
// included. It returns nil unless Config.LockStats is on. Call it only while
// no task is running (for example after the workers have returned and the
// workqueues have been flushed): the counters are plain per-task fields.
func (rt *Runtime) LockStats() []ClassStat {
	if !rt.lockStats {
		return nil
	}
	rt.mu.Lock()
	tasks := append([]*Task(nil), rt.tasks...)
	rt.mu.Unlock()
	return mergeStats(tasks)
}

// ResetLockStats zeroes every task's lock statistics, so a measurement can
// start after its setup. Like LockStats, call it only while no task runs.
func (rt *Runtime) ResetLockStats() {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, t := range rt.tasks {
		clear(t.stats)
	}
}

// DeclareOrder declares that the given classes nest in the given order,
// outermost first. Taking a class while holding one declared after it is an
// order violation. Without Config.CheckOrder it does nothing.
func (rt *Runtime) DeclareOrder(order ...*Class) {
	if rt.order != nil {
		rt.order.declare(order)
	}
}

// OrderViolations returns the distinct lock-order violations seen so far, each
// an *OrderError, in the order they were found.
func (rt *Runtime) OrderViolations() []error {
	if rt.order == nil {
		return nil
	}
	return rt.order.violations()
}

// Close stops the kworkers of every workqueue of rt and the runners of its
// RCU queues, after they have run what is queued.
func (rt *Runtime) Close() {
	rt.mu.Lock()
	queues, rcuQueues := rt.queues, rt.rcuQueues
	rt.queues, rt.rcuQueues = nil, nil
	rt.mu.Unlock()
	for _, q := range queues {
		q.Close()
	}
	for _, q := range rcuQueues {
		q.Close()
	}
}

func (t *Task) String() string { return fmt.Sprintf("task %s", t.name) }
