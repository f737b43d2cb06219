package workloads

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"memcgbench/designs"
	"memcgbench/kern"
)

// Options are the driver's own settings, apart from the workload.
type Options struct {
	// LockStats turns on kern's lock statistics, which the per-lock metrics
	// need; off, the runtime measures nothing but the run's length.
	LockStats bool
	// Progress, when set, is called about once a second during a run with
	// the time elapsed and the operations done so far (real runtime only).
	Progress func(elapsed time.Duration, ops int64)
	// Virtual, when set, runs the registry and the workers on kern's
	// virtual runtime: the same design code on a virtual clock with
	// Virtual.CPUs CPUs. Durations, latencies and throughput are then
	// virtual, and each operation costs Spec.OpCost of virtual CPU time.
	Virtual *kern.Virtual
	// Mutex, when set, is how contended locks behave in place of the
	// mutex of the design's kernel (designs.Design.Mutex): for comparison,
	// another kernel's mutex, or the Go-style hand-off of the model before
	// issue 9.
	Mutex *kern.MutexKind
}

// A Runner holds one registry, set up as its Spec says, and the workers that
// drive it. Run it once, then Close it.
type Runner struct {
	spec   Spec
	design designs.Design
	opts   Options
	rt     *kern.Runtime
	reg    designs.Registry
	roles  []Role

	memcgs []atomic.Pointer[designs.MemCgroup] // memcg slots: churn swaps them
	roots  []atomic.Pointer[designs.KmemCache] // root slots: root churn swaps them

	workers []*worker
	ran     bool
	virtual bool

	// Per-run shared state, each read-mostly: the stop flag is written once
	// (halt), the budget is claimed in grains, not per operation.
	stop atomic.Bool
	// abort is set, and aborted closed, when the run is cancelled or fails:
	// open-loop workers serve every event that arrived in the window
	// otherwise, even after the closed-loop workers have stopped.
	abort     atomic.Bool
	aborted   chan struct{}
	abortOnce sync.Once
	budget    atomic.Int64
	grain     int64
	// measuredLeft counts the measured workers still running; the last
	// one stops the background roles.
	measuredLeft atomic.Int64
	// vEnd is the virtual time a virtual run with a duration ends at;
	// realEnd the runtime clock's time a real-clock run with a duration
	// ends at, which the workers check themselves (deadlineEvery): with
	// thousands of runnable goroutines Go's scheduler can leave the
	// watcher's timer waiting tens of seconds (4096 workers on 2 CPUs, a
	// 500 ms run: 25 s), so a run would last as long as its worker count,
	// not its -duration.
	vEnd, realEnd int64
	// arrivals are the open-loop roles' arrival schedules (nil for closed
	// roles), and windowEnd the runtime-clock time at which events stop
	// arriving.
	arrivals  []*arrivals
	windowEnd int64
	// yieldEvery makes closed-loop workers yield now and then (see
	// yieldEvery): real clock, open-loop runs.
	yieldEvery bool
	// reclaim holds ended containers' long-lived objects until reclaim
	// frees them (runReclaim); reclaimErr is the reclaimer's failure.
	reclaim    reclaimer
	reclaimErr error
}

// arrivalStream is added to a role's index for the PCG stream of its
// arrivals, apart from the workers' streams (their ids).
const arrivalStream = 1 << 32

// halt stops the run's closed-loop workers.
func (r *Runner) halt() { r.stop.Store(true) }

// abortRun stops every worker: the run is cancelled or failed.
func (r *Runner) abortRun() {
	r.abort.Store(true)
	r.stop.Store(true)
	r.abortOnce.Do(func() { close(r.aborted) })
}

// cpusOf returns the CPUs a run has: the virtual ones, or GOMAXPROCS.
func cpusOf(opts Options) int {
	if opts.Virtual != nil {
		return opts.Virtual.CPUs
	}
	return runtime.GOMAXPROCS(0)
}

func (r *Runner) memcg(i uint32) designs.Memcg { return r.memcgs[i].Load() }
func (r *Runner) root(i uint32) designs.Root   { return r.roots[i].Load() }

// NewRunner validates spec, builds the registry and its starting state: the
// roots, the memcgs and each memcg's working-set caches. The setup skips the
// critical-section costs (kern's SkipWork), so it is quick and its costs do
// not count.
func NewRunner(spec Spec, d designs.Design, opts Options) (*Runner, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if !Applies(spec.Name, d) {
		return nil, fmt.Errorf("%w: preset %s does not run on design %s (workloads.Applies)", ErrSpec, spec.Name, d.Name)
	}
	roles := spec.roles(cpusOf(opts))
	if roles[0].Workers == 0 {
		return nil, &designs.FieldError{Field: "Roles[0].Workers", Value: 0, Err: ErrSpec,
			Allowed: "at least 1 once the fixed roles have theirs (the first role is the measured one)"}
	}
	mutex := d.Mutex
	if opts.Mutex != nil {
		mutex = *opts.Mutex
	}
	rt := kern.New(kern.Config{LockStats: opts.LockStats, Virtual: opts.Virtual, Mutex: mutex})
	kworkers, kworkersMax := spec.Kworkers, 0
	if kworkers == 0 {
		kworkers, kworkersMax = systemWQ(cpusOf(opts))
	}
	reg, err := d.New(rt, designs.Config{Costs: spec.Costs, Kworkers: kworkers, KworkersMax: kworkersMax,
		RCUShare: spec.RCUShare, CPUs: cpusOf(opts), CacheCPUs: spec.ContainerCPUs, KeepEmpty: spec.KeepEmpty,
		ReapEmpty: spec.ReapEmpty, ActivateAtOnline: spec.ActivateAtOnline})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Name, err)
	}
	r := &Runner{spec: spec, design: d, opts: opts, rt: rt, reg: reg,
		roles: roles, virtual: opts.Virtual != nil, aborted: make(chan struct{}),
		yieldEvery: opts.Virtual == nil && spec.Open(),
		memcgs:     make([]atomic.Pointer[designs.MemCgroup], spec.Memcgs),
		roots:      make([]atomic.Pointer[designs.KmemCache], spec.Roots),
	}
	if err := r.setup(); err != nil {
		reg.Close()
		return nil, fmt.Errorf("%s: setup: %w", d.Name, err)
	}
	total := 0
	for _, role := range r.roles {
		total += role.Workers
	}
	id := 0
	for ri, role := range r.roles {
		for range role.Workers {
			rng := rand.New(rand.NewPCG(spec.Seed, uint64(id)))
			r.workers = append(r.workers, &worker{
				id: id, role: ri, r: r, rng: rng, weight: 1, open: role.Rate.Open(),
				tape: newTape(&r.spec, role.Mix, rng, id, total),
			})
			id++
		}
	}
	if r.virtual && spec.OpCost > 0 && spec.BackgroundGrain > spec.OpCost {
		for _, w := range r.workers {
			// An open-loop run is timed by its window, not by the
			// measured role's operations: every closed-loop role's
			// lock-free operations are thinned alike.
			if (!r.measured(w) || spec.Open()) && !roles[w.role].Rate.Open() {
				w.weight = int64(spec.BackgroundGrain / spec.OpCost)
			}
		}
	}
	return r, nil
}

func (r *Runner) setup() (err error) {
	r.rt.SkipWork(true)
	defer r.rt.SkipWork(false)
	r.rt.Go("setup", func(t *kern.Task) { err = r.build(t) })
	if werr := r.rt.Wait(); werr != nil {
		return werr
	}
	if err == nil {
		r.rt.ResetLockStats()
	}
	return err
}

// build creates the starting state on task t.
func (r *Runner) build(t *kern.Task) error {
	for i := range r.roots {
		root, err := r.reg.CreateRoot(t, fmt.Sprintf("root-%d", i))
		if err != nil {
			return err
		}
		r.roots[i].Store(root)
	}
	for i := range r.memcgs {
		m, err := r.reg.ActivateMemcg(t)
		if err != nil {
			return err
		}
		r.memcgs[i].Store(m)
		for k := range r.spec.CachesPerMemcg {
			if _, err := r.reg.Alloc(t, m, r.root(uint32(workingSetRoot(&r.spec, i, k)))); err != nil {
				return err
			}
		}
	}
	r.reg.Quiesce(t)
	// The starting containers' objects (Spec.Objects), in caches that
	// now exist.
	for i := range r.memcgs {
		for k := range r.spec.CachesPerMemcg {
			if err := r.fill(t, r.memcg(uint32(i)), workingSetRoot(&r.spec, i, k)); err != nil {
				return err
			}
		}
	}
	return nil
}

// fill charges a container's objects in its cache of root j: the slab
// pages they fill (Spec.Objects.PagesPerCache).
func (r *Runner) fill(t *kern.Task, m designs.Memcg, j int) error {
	if n := r.spec.Objects.PagesPerCache; n > 0 && r.spec.Objects.kind(j, r.spec.RCUShare) != neverFilled {
		return r.reg.Charge(t, m, r.root(uint32(j)), n)
	}
	return nil
}

// Registry returns the registry under test.
func (r *Runner) Registry() designs.Registry { return r.reg }

// Workers returns the number of workers a run uses.
func (r *Runner) Workers() int { return len(r.workers) }

// Close stops the registry's kworkers.
func (r *Runner) Close() { r.reg.Close() }

// Run drives the registry until ops operations are done (ops > 0) or for
// dur, or until ctx is done, whichever comes first; then it waits for the
// deferred work the run queued to drain. The elapsed time it reports
// includes that drain, so a design cannot look faster by leaving its work
// queued. A Runner runs once.
func (r *Runner) Run(ctx context.Context, ops int64, dur time.Duration) (*Result, error) {
	if r.ran {
		return nil, errors.New("workloads: Runner.Run called twice")
	}
	r.ran = true
	if r.spec.Open() {
		if dur <= 0 {
			return nil, fmt.Errorf("workloads: %s has open-loop roles: it runs for a duration (its window of arrivals), not for a number of operations", r.spec.Name)
		}
		ops = 0
	}
	if ops > 0 {
		r.budget.Store(ops)
		// Claim in grains: a worker touches the shared budget about a
		// hundred times a run, not once per operation. On the virtual
		// clock claims cost nothing, and claiming one at a time shares
		// the budget out evenly, so known answers come out exact.
		r.grain = min(max(ops/int64(100*len(r.workers)), 1), 10_000)
		if r.virtual {
			r.grain = 1
		}
	} else {
		r.budget.Store(-1)
	}
	stopAbort := context.AfterFunc(ctx, r.abortRun)
	defer stopAbort()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if dur > 0 && !r.virtual {
		var stopTimer context.CancelFunc
		ctx, stopTimer = context.WithTimeout(ctx, dur)
		defer stopTimer()
	}
	// The measured workers run the budget; background roles run until the
	// last measured worker is done, which stops them.
	for _, w := range r.workers {
		if r.measured(w) {
			r.measuredLeft.Add(1)
		}
	}
	realStart, start := time.Now(), r.rt.Now()
	if dur > 0 && r.virtual {
		r.vEnd = start + int64(dur)
	}
	if dur > 0 && !r.virtual {
		r.realEnd = start + int64(dur)
	}
	r.windowEnd = start + int64(dur)
	r.arrivals = make([]*arrivals, len(r.roles))
	for i, role := range r.roles {
		if role.Rate.Open() {
			rng := rand.New(rand.NewPCG(r.spec.Seed, arrivalStream+uint64(i)))
			r.arrivals[i] = newArrivals(role.Rate, role.Rate.Of(cpusOf(r.opts), r.spec.Memcgs), start, rng)
		}
	}
	if o := r.spec.Objects; o.LongLivedLife > 0 && o.LongLivedShare > 0 && o.PagesPerCache > 0 {
		r.rt.Go("reclaim", r.runReclaim)
	}
	for _, w := range r.workers {
		r.rt.Go(fmt.Sprintf("worker/%d", w.id), func(t *kern.Task) {
			w.task = t
			if r.arrivals[w.role] != nil {
				w.runOpen(r.arrivals[w.role])
			} else {
				w.run()
			}
			w.doneAt = t.Now()
			if r.measured(w) && r.measuredLeft.Add(-1) == 0 {
				r.halt()
			}
		})
	}
	var werr error
	if r.virtual {
		// The simulation ignores real time, but not a cancel (Ctrl-C):
		// the workers check the stop flag at every operation, and
		// abortRun sets it.
		werr = r.rt.Wait()
	} else {
		finished := make(chan struct{})
		go func() {
			r.rt.Wait()
			close(finished)
		}()
		r.watch(ctx, realStart, finished)
		<-finished
	}
	workersDone := r.rt.Now()
	r.rt.Go("drain", func(t *kern.Task) { r.reg.Quiesce(t) })
	if err := r.rt.Wait(); werr == nil {
		werr = err
	}
	end := r.rt.Now()
	if werr != nil {
		return nil, fmt.Errorf("%s, %s: %w", r.design.Name, r.spec.Name, werr)
	}

	elapsed := time.Duration(end - start)
	switch {
	case r.spec.Open():
		// An open-loop run's rates are over its window of arrivals; the
		// events still in flight when it closed finish after it.
		elapsed = min(time.Duration(workersDone-start), dur)
	case len(r.roles) > 1:
		// The measured role's run ends with its last worker: a background
		// churner may still be inside a churn of several milliseconds,
		// which is not the measured role's time.
		var last int64
		for _, w := range r.workers {
			if r.measured(w) {
				last = max(last, w.doneAt)
			}
		}
		elapsed = time.Duration(last - start)
	}
	res := r.result(elapsed, time.Duration(end-workersDone))
	if r.reclaimErr != nil {
		return res, fmt.Errorf("%s, %s: reclaim: %w", r.design.Name, r.spec.Name, r.reclaimErr)
	}
	for _, w := range r.workers {
		if w.err != nil {
			return res, fmt.Errorf("%s, %s: worker %d: %w", r.design.Name, r.spec.Name, w.id, w.err)
		}
	}
	return res, nil
}

// watch stops the workers when ctx is done and reports progress, until the
// workers finish.
func (r *Runner) watch(ctx context.Context, start time.Time, finished <-chan struct{}) {
	var tick <-chan time.Time
	if r.opts.Progress != nil {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-finished:
			return
		case <-ctx.Done():
			r.halt()
			<-finished
			return
		case now := <-tick:
			var done int64
			for _, w := range r.workers {
				done += w.published.Load()
			}
			r.opts.Progress(now.Sub(start), done)
		}
	}
}

// measured reports whether w's operations are the ones a run counts: those
// of the first role (all workers when the Spec has no roles). The other
// roles are background load, as JMH's asymmetric groups are.
func (r *Runner) measured(w *worker) bool { return w.role == 0 }

// claim takes up to one grain of operations from the budget and returns how
// many it got (-1: no budget, run until stopped).
func (r *Runner) claim() int64 {
	if r.grain == 0 {
		return -1
	}
	left := r.budget.Add(-r.grain)
	if left >= 0 {
		return r.grain
	}
	return max(left+r.grain, 0)
}

// A worker is one goroutine of a run, with its own task, random source,
// counters and latency samples; nothing in it is shared while it runs
// except the published progress count.
type worker struct {
	id, role int
	r        *Runner
	task     *kern.Task
	rng      *rand.Rand
	tape     *tape
	names    int   // root names this worker made
	debt     int64 // virtual cost of lock-free operations not yet spent (ns)
	// weight is how many operations one lock-free operation of this
	// worker stands for: 1, or more for a background worker on the
	// virtual clock (Spec.BackgroundGrain).
	weight int64
	doneAt int64 // when the worker finished, on the runtime's clock
	open   bool  // the worker serves an open-loop role's arrivals

	count [NumOps]opCount
	// lat has the latencies of each slow op kind, and roleLat those of
	// every timed op of the worker (its role's); an open-loop role's are
	// timed from each event's arrival.
	lat     [NumOps]histogram
	roleLat histogram
	// toAccounting has a churned container's times to accounting: from
	// its arrival (open loop) or the start of its activation (closed loop)
	// to its first allocation served by its own cache.
	toAccounting histogram
	// lag has an open-loop worker's delays from an arrival it waited for
	// to the moment it ran: the host's scheduling delay, and on the real
	// clock the harness's own timer slack.
	lag histogram
	err error

	_         [64]byte
	published atomic.Int64 // operations done, stored every progressEvery
	_         [56]byte
}

type opCount struct {
	n, stale, hits int64
}

// progressEvery is how often (in operations) a worker publishes its count.
const progressEvery = 256

func (w *worker) run() {
	r := w.r
	measured := r.measured(w)
	var done int64
	for !r.stop.Load() {
		n := int64(-1)
		if measured {
			// On the virtual clock a worker's clock lags its batched
			// cost, and the earliest task runs first: settle before
			// claiming, or one worker would claim a whole batch's worth
			// of the budget before the others ran.
			if r.virtual && r.grain > 0 {
				w.settle()
			}
			if n = r.claim(); n == 0 {
				break
			}
		}
		var ok bool
		if r.virtual {
			done, ok = w.runVirtual(n, done)
		} else {
			done, ok = w.runReal(n, done)
		}
		if !ok {
			r.abortRun()
			return
		}
	}
	w.settle()
	w.published.Store(done)
}

// runReal runs up to n steps (n < 0: until stopped) on the real clock and
// returns the operations done so far, counting from done, and false if a
// step failed. It is runVirtual without the virtual clock's checks: the
// loop whose cost BenchmarkHarnessOverhead's impl=driver measures, kept
// to what a step needs.
func (w *worker) runReal(n, done int64) (int64, bool) {
	r := w.r
	for ; n != 0; n-- {
		if r.stop.Load() {
			break
		}
		// w.tape.next(), by hand: the compiler does not inline it.
		var s step
		if tp := w.tape; tp.pos < len(tp.steps) {
			s = tp.steps[tp.pos]
			tp.pos++
		} else {
			s = tp.refill()
		}
		if s.op == OpAlloc {
			// do's OpAlloc case, by hand: the hot op, and the
			// compiler does not inline do (a call cost a tenth of the
			// step).
			// On the real clock every operation stands for one.
			c := &w.count[OpAlloc]
			c.n++
			if m, root := r.memcg(s.memcg), r.root(s.root); r.reg.Lookup(m, root) {
				c.hits++
			} else if hit, err := r.reg.Alloc(w.task, m, root); hit {
				c.hits++
			} else if err != nil {
				if w.failed(s.op, err, c, 1); w.err != nil {
					return done, false
				}
			}
		} else if !w.step(s) {
			return done, false
		}
		done++
		if done%progressEvery == 0 {
			w.published.Store(done)
			if done%deadlineEvery == 0 && r.pastDeadline(w.task.Now()) {
				break
			}
			if r.yieldEvery && done%yieldEvery == 0 {
				w.task.Yield()
			}
		}
	}
	return done, true
}

// deadlineEvery is how often (in operations, a multiple of progressEvery)
// a real-clock worker reads the clock to check the run's end; a slow
// operation checks it as it ends. A clock read costs about 50 ns here, a
// hit about 5 ns: every 4096 hits it is 0.01 ns a step, and the run ends
// at most 4096 steps late (about 20 µs of hits).
const deadlineEvery = 4096

// pastDeadline reports whether a real-clock run with a duration has
// reached its end at now, and if so halts it.
func (r *Runner) pastDeadline(now int64) bool {
	if r.realEnd > 0 && now >= r.realEnd {
		r.halt()
		return true
	}
	return false
}

// runVirtual is runReal on the virtual clock: each step first checks the
// run's virtual end and charges its cost.
func (w *worker) runVirtual(n, done int64) (int64, bool) {
	r := w.r
	for ; n != 0; n-- {
		if r.stop.Load() {
			break
		}
		s := w.tape.next()
		if r.vEnd > 0 && w.task.Now()+w.debt >= r.vEnd {
			r.halt()
			break
		}
		if w.charge(s.op); !w.step(s) {
			return done, false
		}
		if done++; done%progressEvery == 0 {
			w.published.Store(done)
		}
	}
	return done, true
}

// step runs and counts one step, timing the slow ones, and reports false
// if it failed.
func (w *worker) step(s step) bool {
	if s.op.Slow() {
		t0 := w.task.Now()
		w.do(s, t0)
		t1 := w.task.Now()
		w.timed(s.op, t1-t0)
		w.r.pastDeadline(t1)
	} else {
		w.do(s, 0)
	}
	return w.err == nil
}

// charge adds one operation's virtual cost. Lock-free operations run in
// batches: their cost accumulates and is spent as one Work once it reaches
// Spec.OpBatch, before any slow operation, and when the worker stops, so a
// worker does not cost the simulation one event per nanosecond-scale
// operation. A lock-free operation touches no lock, so batching changes no
// lock's timing; what it can move, by less than a batch, is the time
// stamped on work an allocation miss queues.
func (w *worker) charge(op Op) {
	w.debt += w.stands(op) * int64(w.r.spec.OpCost)
	if op.Slow() || w.debt >= int64(w.r.spec.OpBatch) {
		w.settle()
	}
}

// stands returns how many operations one op of w counts as: w.weight for
// a lock-free op, 1 for a slow one, which always runs.
func (w *worker) stands(op Op) int64 {
	if op.Slow() {
		return 1
	}
	return w.weight
}

// settle spends the accumulated virtual cost.
func (w *worker) settle() {
	if w.debt > 0 {
		w.task.Work(time.Duration(w.debt))
		w.debt = 0
	}
}

// stopping reports whether w should end the operation it is in: a
// closed-loop worker when the run stops, an open-loop one (whose events
// arrived in the window and are served to the end) only when it is
// aborted.
func (w *worker) stopping() bool {
	if w.open {
		return w.r.abort.Load()
	}
	return w.r.stop.Load()
}

// timed records one timed operation's latency.
func (w *worker) timed(op Op, ns int64) {
	w.lat[op].add(ns)
	w.roleLat.add(ns)
}

// runOpen serves an open-loop role's events: it takes the next arrival,
// waits for it if it is still to come, runs the tape's next step and times
// it from the arrival, until the window closes or the run stops. An event
// that arrives while every worker of the role is busy waits for one, and
// that wait is in its latency: nothing about a slow kernel path is left
// out of the tail because the harness was late to ask (no coordinated
// omission).
func (w *worker) runOpen(a *arrivals) {
	r, t := w.r, w.task
	var done int64
	// Past the window's end a free worker starts nothing more: what
	// arrived and was not started by then is the backlog.
	for !r.abort.Load() && t.Now() < r.windowEnd {
		at, ok := a.take(r.windowEnd)
		if !ok {
			break
		}
		if waited := at > t.Now(); !w.waitUntil(at) {
			a.giveBack(at)
			break
		} else if waited {
			w.lag.add(t.Now() - at)
		}
		s := w.tape.next()
		if r.virtual {
			w.charge(s.op)
			w.settle()
		}
		w.do(s, at)
		w.timed(s.op, t.Now()-at)
		if w.err != nil {
			r.abortRun()
			return
		}
		done++
		w.published.Store(done)
	}
	w.published.Store(done)
}

// waitUntil idles w until the runtime's clock reads at. It reports false
// if the run was aborted first. On the real clock it sleeps on a timer until
// spinWindow before at, and yields in a loop for the rest: a Go timer
// fires up to a millisecond late.
func (w *worker) waitUntil(at int64) bool {
	r, t := w.r, w.task
	if r.virtual {
		if d := at - t.Now(); d > 0 {
			t.Sleep(time.Duration(d))
		}
		return !r.abort.Load()
	}
	for {
		if r.abort.Load() {
			return false
		}
		d := time.Duration(at - t.Now())
		if d <= 0 {
			return true
		}
		if d <= spinWindow {
			runtime.Gosched()
			continue
		}
		timer := time.NewTimer(d - spinWindow)
		select {
		case <-timer.C:
		case <-r.aborted:
			timer.Stop()
			return false
		}
	}
}

// spinWindow is how long before an arrival a real-clock worker stops
// sleeping and yields in a loop: time.Sleep and timers below a millisecond
// round up to about 1.1 ms on the reference machine.
const spinWindow = 1500 * time.Microsecond

// yieldEvery is how often (in operations, a multiple of progressEvery) a
// closed-loop worker yields its thread on the real clock in a run with
// open-loop roles: the Go scheduler does not preempt a running goroutine
// for a woken one for up to 10 ms, where Linux's would at once (CFS wakeup
// preemption), and a waiting event would carry that delay. At 20 to 30 ns
// an operation it is a yield every 100 µs or so.
const yieldEvery = 4096

// failed counts an operation's error: stale handles are expected (other
// workers' churn), anything else stops the run.
func (w *worker) failed(op Op, err error, c *opCount, n int64) {
	if !stale(err) {
		w.err = fmt.Errorf("%s: %w", op, err)
		return
	}
	c.stale += n
}

// allocate is one allocation's cache selection as every step makes it:
// the lock-free Lookup, and Alloc only on a miss, so that a hit is one call
// that calls nothing (the kernel's memcg_kmem_get_cache, too, is a lookup
// that calls out only to queue a creation).
func allocate(reg designs.Registry, t *kern.Task, m designs.Memcg, root designs.Root) (bool, error) {
	if reg.Lookup(m, root) {
		return true, nil
	}
	return reg.Alloc(t, m, root)
}

// do runs one step and counts it; at is its start, or for an open-loop
// event its arrival.
func (w *worker) do(s step, at int64) {
	r, t, reg := w.r, w.task, w.r.reg
	c := &w.count[s.op]
	n := w.stands(s.op)
	c.n += n
	var err error
	switch s.op {
	case OpAlloc, OpMiss:
		var hit bool
		hit, err = allocate(reg, t, r.memcg(s.memcg), r.root(s.root))
		if hit {
			c.hits += n
		}
	case OpCharge:
		m, root := r.memcg(s.memcg), r.root(s.root)
		if err = reg.Charge(t, m, root, 1); err == nil {
			err = reg.Uncharge(t, m, root, 1)
		}
	case OpSlabinfo:
		_, err = reg.Slabinfo(t, r.memcg(s.memcg))
	case OpProcSlabinfo:
		reg.ProcSlabinfo(t, designs.ReadBytesStdio) // as slabtop reads it
	case OpShrink:
		err = reg.Shrink(t, r.root(s.root))
	case OpChurn:
		err = w.churn(int(s.memcg), at)
	case OpRootChurn:
		err = w.rootChurn(int(s.root))
	}
	if err != nil {
		w.failed(s.op, err, c, n)
	}
}

// churn replaces the memcg in slot i, as a container host starts one
// container and stops another: a new memcg (activated in css_online)
// allocates from each root of its working set until every allocation is
// served by its own cache (a starting container keeps allocating; its first
// allocations fall back to the root cache until the kworkers have created
// its caches), then takes the old memcg's place, and the old one is removed
// (rmdir), which returns at once: its offline runs later on the
// cgroup_destroy workqueue (Snapshot.OfflineLatency measures it). The op's
// latency so includes the time to create the new memcg's caches, however
// the design schedules that work; w.start samples the time to the first
// hit.
func (w *worker) churn(i int, began int64) error {
	r, t, reg := w.r, w.task, w.r.reg
	m, err := reg.ActivateMemcg(t)
	if err != nil {
		return err
	}
	waiting := make([]bool, r.spec.CachesPerMemcg)
	for k := range waiting {
		waiting[k] = true
	}
	poll := r.spec.ChurnPoll
	accounted := false
	for left := len(waiting); left > 0 && !w.stopping(); {
		for k, wait := range waiting {
			if !wait {
				continue
			}
			hit, err := allocate(reg, t, m, r.root(uint32(workingSetRoot(&r.spec, i, k))))
			if err != nil && !stale(err) {
				return err
			}
			if hit && !accounted {
				accounted = true
				w.toAccounting.add(t.Now() - began)
			}
			if hit { // its cache exists: the container fills it
				if err := r.fill(t, m, workingSetRoot(&r.spec, i, k)); err != nil && !stale(err) {
					return err
				}
			}
			if hit || err != nil { // a root destroyed by root churn is not waited for
				waiting[k] = false
				left--
			}
		}
		if left > 0 {
			// The container's own start-up work, on its CPU up to the
			// cap; past it, the container is blocked (it sleeps), so a
			// long wait does not take the CPU its caches' creators need.
			busy := min(poll, maxChurnBackoff*r.spec.ChurnPoll)
			t.Work(busy)
			if poll > busy {
				t.Sleep(poll - busy)
			} else {
				t.Yield() // the kworkers' turn; a sleep gave them theirs
			}
			// Up to 10 ms, or an eighth of the wait so far: a long wait
			// is measured to within 12.5 %, in O(log wait) rounds.
			waited := time.Duration(t.Now() - began)
			poll = min(2*poll, max(maxChurnBackoff*r.spec.ChurnPoll, waited/8))
		}
	}
	if err := w.live(m, i); err != nil {
		return err
	}
	old := r.memcgs[i].Swap(m)
	if err := w.exit(old, i); err != nil {
		return err
	}
	return reg.RemoveMemcg(t, old)
}

// exit is the end of the container of memcg m in slot i, before its
// cgroup is removed: its objects go as Spec.Objects says by the kind of
// each cache of its working set: freed now, freed by RCU a grace period
// from now, or, long-lived, left to reclaim (Objects.LongLivedLife later,
// or never). A cache it never filled (its creation was cut short, or
// root churn destroyed its root) is skipped.
func (w *worker) exit(m designs.Memcg, i int) error {
	r, t, reg := w.r, w.task, w.r.reg
	o := &r.spec.Objects
	if o.PagesPerCache == 0 {
		return nil
	}
	for k := range r.spec.CachesPerMemcg {
		j := workingSetRoot(&r.spec, i, k)
		root := r.root(uint32(j))
		var err error
		switch o.kind(j, r.spec.RCUShare) {
		case longLived:
			if o.LongLivedLife > 0 {
				r.reclaim.add(reclaimEntry{at: t.Now() + int64(o.LongLivedLife), memcg: m, root: root})
			}
		case rcuFreed:
			err = reg.FreeRCU(t, m, root, o.PagesPerCache)
		case neverFilled:
		default:
			err = reg.Free(t, m, root, o.PagesPerCache)
		}
		if err != nil && !stale(err) {
			return err
		}
	}
	return nil
}

// live is a started container's life, in a fixed scenario: the
// Spec.LifecycleAllocs allocations it makes from its working set, in turn,
// once its caches exist, counted as allocations of the worker. Their
// virtual cost is spent as one Work: they take no lock.
func (w *worker) live(m designs.Memcg, i int) error {
	r, t, reg := w.r, w.task, w.r.reg
	n := r.spec.LifecycleAllocs
	if n == 0 {
		return nil
	}
	c := &w.count[OpAlloc]
	for a := range n {
		hit, err := allocate(reg, t, m, r.root(uint32(workingSetRoot(&r.spec, i, a%r.spec.CachesPerMemcg))))
		if err != nil && !stale(err) {
			return err
		}
		c.n++
		if hit {
			c.hits++
		}
	}
	if r.virtual {
		t.Work(time.Duration(n) * r.spec.OpCost)
	}
	return nil
}

// maxChurnBackoff bounds how far a starting container's start-up work
// between allocation rounds grows while its wait is short: it doubles from
// Spec.ChurnPoll each round its caches are still missing, up to this
// multiple (10 ms at the default ChurnPoll) of CPU work, or up to an
// eighth of the time it has waited, whichever is longer, the part past the
// cap slept (Task.Sleep: on the real clock that rounds up to a
// millisecond or more). A container kept waiting is blocked on its start-up
// more and more, and allocates less often; and every miss
// queues one more create work item, as 3.15/3.16 do (kernel bugzilla
// 172981 saw 10 000 to 20 000 of them queued), so the duplicate work a
// saturated lock cannot serve grows with the wait. With a fixed cap of
// 64 x ChurnPoll, once creation took seconds (40 caches per container,
// issue 9), container-churn (now stress-container-churn) at 64 virtual CPUs queued 22.7 million create
// items for 13 640 creates (1.4 GB), and mixed at 512 virtual CPUs, whose
// starts waited 22 s, as many; with a cap that grows with the wait a start
// makes O(log wait) rounds, and its time to accounting is seen within an
// eighth (a poll after the cache appears). 512 is an estimate (it scales
// with ChurnPoll, which the sensitivity run varies); at 512 the new
// design's container-churn throughput at 64 virtual CPUs moved by 1 %
// (174.5 to 172.6 ops/s) against 64.
const maxChurnBackoff = 512

// rootChurn replaces the root in slot j: a new root, then the old one
// destroyed with its children.
func (w *worker) rootChurn(j int) error {
	r, t, reg := w.r, w.task, w.r.reg
	w.names++
	root, err := reg.CreateRoot(t, fmt.Sprintf("w%d-%d", w.id, w.names))
	if err != nil {
		return err
	}
	old := r.roots[j].Swap(root)
	return reg.DestroyRoot(t, old)
}

// stale reports whether err is the expected result of racing another worker:
// a handle that another worker's churn took offline or destroyed, a child
// not created yet, a page another worker's uncharge took, or no kmemcg id
// free while offline memcgs keep theirs.
func stale(err error) bool {
	for _, s := range []error{designs.ErrMemcgOffline, designs.ErrRootDestroyed, designs.ErrNoCache,
		designs.ErrBadPages, designs.ErrTooManyMemcgs} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func gomaxprocs() int { return runtime.GOMAXPROCS(0) }
