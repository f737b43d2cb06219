package kern

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const us = int64(time.Microsecond)

// simCase runs tasks on a virtual runtime and returns each task's finishing
// time, in spawn order.
func simCase(t *testing.T, v Virtual, bodies ...func(*Task)) ([]int64, *Runtime) {
	t.Helper()
	return simCaseWith(t, Config{Virtual: &v}, bodies...)
}

// simCaseWith is simCase with the rest of the runtime's configuration.
func simCaseWith(t *testing.T, cfg Config, bodies ...func(*Task)) ([]int64, *Runtime) {
	t.Helper()
	cfg.LockStats = true
	rt := New(cfg)
	tasks := make([]*Task, len(bodies))
	ends := make([]int64, len(bodies))
	for i, body := range bodies {
		rt.Go(fmt.Sprintf("t%d", i), func(task *Task) {
			tasks[i] = task
			body(task)
			ends[i] = task.Now()
		})
	}
	if err := rt.Wait(); err != nil {
		t.Fatal(err)
	}
	return ends, rt
}

// checkSchedule compares the tasks' finishing times and the total lock
// wait of a simulated case with the hand-computed ones.
func checkSchedule(t *testing.T, ends, want []int64, rt *Runtime, wantWait int64) {
	t.Helper()
	for i := range want {
		if ends[i] != want[i] {
			t.Errorf("task %d finished at %v, want %v", i, time.Duration(ends[i]), time.Duration(want[i]))
		}
	}
	var wait int64
	for _, s := range rt.LockStats() {
		wait += s.WaitTotal
	}
	if wait != wantWait {
		t.Errorf("lock wait %v, want %v", time.Duration(wait), time.Duration(wantWait))
	}
}

func TestSimHandComputed(t *testing.T) {
	c := NewClass("sim::lock")
	work := func(d int64) func(*Task) { return func(task *Task) { task.Work(time.Duration(d)) } }
	yielder := func(task *Task) {
		task.Work(5 * time.Microsecond)
		task.Yield()
		task.Work(5 * time.Microsecond)
	}
	tests := []struct {
		name   string
		v      Virtual
		bodies func(m *Mutex) []func(*Task)
		want   []int64
		wait   int64 // total lock wait
	}{
		{"two tasks, two CPUs, no lock", Virtual{CPUs: 2},
			func(*Mutex) []func(*Task) { return []func(*Task){work(10 * us), work(10 * us)} },
			[]int64{10 * us, 10 * us}, 0},
		{"two tasks, one CPU: the second waits for it", Virtual{CPUs: 1},
			func(*Mutex) []func(*Task) { return []func(*Task){work(10 * us), work(10 * us)} },
			[]int64{10 * us, 20 * us}, 0},
		{"one lock, two CPUs: the second waits for the lock", Virtual{CPUs: 2},
			func(m *Mutex) []func(*Task) {
				cs := func(task *Task) { task.Lock(m); task.Work(10 * time.Microsecond); task.Unlock(m) }
				return []func(*Task){cs, cs}
			},
			[]int64{10 * us, 20 * us}, 10 * us},
		{"one lock, line transfer to the second holder", Virtual{CPUs: 2, LineTransfer: time.Microsecond},
			func(m *Mutex) []func(*Task) {
				cs := func(task *Task) { task.Lock(m); task.Work(10 * time.Microsecond); task.Unlock(m) }
				return []func(*Task){cs, cs}
			},
			[]int64{10 * us, 21 * us}, 10 * us},
		{"three waiters are served FIFO", Virtual{CPUs: 4},
			func(m *Mutex) []func(*Task) {
				cs := func(task *Task) { task.Lock(m); task.Work(5 * time.Microsecond); task.Unlock(m) }
				return []func(*Task){cs, cs, cs, cs}
			},
			[]int64{5 * us, 10 * us, 15 * us, 20 * us}, (5 + 10 + 15) * us},
		{"time slice: a long task yields to a waiting one", Virtual{CPUs: 1, Quantum: time.Millisecond},
			func(*Mutex) []func(*Task) {
				long := func(task *Task) {
					for range 3 {
						task.Work(time.Millisecond)
					}
				}
				return []func(*Task){long, work(1000 * us)}
			},
			[]int64{4000 * us, 2000 * us}, 0},
		{"yield hands the CPU to the waiting task at once", Virtual{CPUs: 1},
			func(*Mutex) []func(*Task) {
				return []func(*Task){yielder, work(3 * us)}
			},
			[]int64{13 * us, 8 * us}, 0},
		{"yield with no task waiting keeps the CPU", Virtual{CPUs: 2},
			func(*Mutex) []func(*Task) {
				return []func(*Task){yielder, work(3 * us)}
			},
			[]int64{10 * us, 3 * us}, 0},
		{"work outside the lock overlaps on two CPUs", Virtual{CPUs: 2},
			func(m *Mutex) []func(*Task) {
				cs := func(task *Task) {
					task.Work(4 * time.Microsecond)
					task.Lock(m)
					task.Work(2 * time.Microsecond)
					task.Unlock(m)
				}
				return []func(*Task){cs, cs}
			},
			[]int64{6 * us, 8 * us}, 2 * us},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ends, rt := simCase(t, tt.v, tt.bodies(NewMutex(c))...)
			checkSchedule(t, ends, tt.want, rt, tt.wait)
		})
	}
}

// TestSimDeterministic runs a tangle of tasks, locks and work twice and
// expects the same virtual times and statistics, bit for bit.
func TestSimDeterministic(t *testing.T) {
	run := func() string {
		a, b := NewClass("sim::a"), NewClass("sim::b")
		ms := []*Mutex{NewMutex(a), NewMutex(a), NewMutex(b)}
		var bodies []func(*Task)
		for i := range 9 {
			bodies = append(bodies, func(task *Task) {
				for j := range 40 {
					m := ms[(i*7+j*3)%len(ms)]
					task.Work(time.Duration(1+(i*j)%5) * time.Microsecond)
					task.Lock(m)
					task.Work(time.Duration(1+(i+j)%3) * time.Microsecond)
					task.Unlock(m)
				}
			})
		}
		ends, rt := simCase(t, Virtual{CPUs: 3, LineTransfer: 50 * time.Nanosecond, Quantum: 20 * time.Microsecond}, bodies...)
		return fmt.Sprint(ends, rt.LockStats())
	}
	first := run()
	for range 3 {
		if again := run(); again != first {
			t.Fatalf("two runs differ:\n%s\n%s", first, again)
		}
	}
}

func TestSimDeadlock(t *testing.T) {
	c1, c2 := NewClass("sim::d1"), NewClass("sim::d2")
	m1, m2 := NewMutex(c1), NewMutex(c2)
	rt := New(Config{Virtual: &Virtual{CPUs: 2}})
	rt.Go("a", func(task *Task) { task.Lock(m1); task.Work(time.Microsecond); task.Lock(m2) })
	rt.Go("b", func(task *Task) { task.Lock(m2); task.Work(time.Microsecond); task.Lock(m1) })
	if err := rt.Wait(); err == nil || !strings.Contains(err.Error(), "virtual deadlock at 1µs: 2 tasks blocked") {
		t.Fatalf("Wait = %v, want a deadlock report", err)
	}
}

func TestRealGoWait(t *testing.T) {
	rt := New(Config{})
	var n [4]int
	for i := range n {
		rt.Go("w", func(*Task) { n[i] = i + 1 })
	}
	if err := rt.Wait(); err != nil || n != [4]int{1, 2, 3, 4} {
		t.Errorf("Wait = %v, tasks ran %v", err, n)
	}
}

// TestSimWorkqueue runs four 10 µs work items on two kworkers and flushes:
// on one CPU they run one after another, on two in pairs.
func TestSimWorkqueue(t *testing.T) {
	for _, tt := range []struct {
		cpus int
		want int64
	}{{1, 40 * us}, {2, 20 * us}, {4, 20 * us}} {
		t.Run(fmt.Sprintf("cpus=%d", tt.cpus), func(t *testing.T) {
			rt := New(Config{Virtual: &Virtual{CPUs: tt.cpus}})
			q := rt.NewWorkqueue("kw", 2)
			items := make([]WorkItem, 4)
			for i := range items {
				items[i].Init(func(task *Task) { task.Work(10 * time.Microsecond) })
			}
			var flushed int64
			rt.Go("queuer", func(task *Task) {
				for i := range items {
					q.Queue(task, &items[i])
				}
				q.Flush(task)
				flushed = task.Now()
			})
			if err := rt.Wait(); err != nil {
				t.Fatal(err)
			}
			if flushed != tt.want {
				t.Errorf("Flush returned at %v, want %v", time.Duration(flushed), time.Duration(tt.want))
			}
			rt.Close() // the kworkers run to their exit
		})
	}
}

func TestRealWaitIgnoresKworkers(t *testing.T) {
	rt := New(Config{})
	q := rt.NewWorkqueue("kw", 2)
	var w WorkItem
	ran := false
	w.Init(func(*Task) { ran = true })
	rt.Go("queuer", func(task *Task) {
		q.Queue(task, &w)
		q.Flush(task)
	})
	if err := rt.Wait(); err != nil || !ran {
		t.Errorf("Wait = %v, ran = %v", err, ran)
	}
	rt.Close()
}

// TestSimHandoffEndsStarvation: with GoHandoffMutex on one CPU, a task
// that keeps its CPU and retakes a lock at once after each release would
// starve a waiter for ever if a woken waiter could always be beaten to the
// lock. A waiter that lost it and has waited StarvationThreshold gets it
// handed over, so it finishes long before the greedy task's 10000 rounds
// (100 ms) do.
func TestSimHandoffEndsStarvation(t *testing.T) {
	m := NewMutex(NewClass("sim::greedy"))
	greedy := func(task *Task) {
		for range 10000 {
			task.Lock(m)
			task.Work(10 * time.Microsecond)
			task.Unlock(m)
		}
	}
	waiter := func(task *Task) {
		task.Lock(m)
		task.Work(time.Microsecond)
		task.Unlock(m)
	}
	ends, _ := simCaseWith(t, Config{Virtual: &Virtual{CPUs: 1}, Mutex: GoHandoffMutex}, greedy, waiter)
	if total := int64(10000 * 10 * us); ends[0] != total+us {
		t.Errorf("greedy task ends at %v, want %v (its own work and the waiter's)", time.Duration(ends[0]), time.Duration(total+us))
	}
	// The greedy task is always preempted holding the lock (its only work
	// is under it). The waiter first runs at the end of its first time
	// slice and queues; it is woken at each release and beaten to the lock
	// until it has waited StarvationThreshold, then handed the lock at the
	// next release and run at the next slice's end.
	if limit := int64(StarvationThreshold + 3*DefaultQuantum); ends[1] > limit {
		t.Errorf("waiter ends at %v, after %v: starved behind the greedy task (ends at %v)",
			time.Duration(ends[1]), time.Duration(limit), time.Duration(ends[0]))
	}
}

// TestSimKernelMutex checks the 3.15 mutex on the virtual clock against
// schedules worked out by hand: who spins (keeping its CPU), who sleeps
// (giving it up), when a spinner goes to sleep, and that a woken sleeper
// has no claim on the lock. Each case also runs with GoHandoffMutex, whose
// waiters always sleep, where that differs.
func TestSimKernelMutex(t *testing.T) {
	c := NewClass("sim::kernel")
	const ms = 1000 * us
	tests := []struct {
		name   string
		v      Virtual
		kind   MutexKind
		bodies func(m *Mutex) []func(*Task)
		want   []int64
		wait   int64 // total lock wait
	}{
		// A holds the lock for 10 µs on one CPU; B spins on the other
		// while A runs, so C, ready at 0, gets no CPU until A is done.
		{"a spinner keeps its CPU", Virtual{CPUs: 2}, KernelMutex, spinBodies, []int64{10 * us, 20 * us, 15 * us}, 10 * us},
		// The same with waiters that sleep: B gives its CPU to C at once.
		{"a go-handoff waiter sleeps", Virtual{CPUs: 2}, GoHandoffMutex, spinBodies, []int64{10 * us, 20 * us, 5 * us}, 10 * us},
		// A sleeps 100 µs holding the lock (an rcu_barrier under a mutex):
		// B, arriving at 1 µs, finds the owner off its CPU and sleeps; C
		// runs meanwhile. A's release at 100 µs wakes B, which runs 5 µs
		// (the wake-up latency) later.
		{"the owner sleeps: so does its waiter", Virtual{CPUs: 2, WakeLatency: 5 * time.Microsecond}, KernelMutex,
			func(m *Mutex) []func(*Task) {
				a := func(task *Task) { task.Lock(m); task.Sleep(100 * time.Microsecond); task.Unlock(m) }
				b := func(task *Task) {
					task.Work(time.Microsecond)
					task.Lock(m)
					task.Work(10 * time.Microsecond)
					task.Unlock(m)
				}
				return []func(*Task){a, b, workFor(50 * us)}
			},
			[]int64{100 * us, 115 * us, 50 * us}, 104 * us},
		// B spins from 0 while A works; at 10 µs A sleeps holding the lock,
		// so B stops spinning and sleeps too, and C gets a CPU. A wakes at
		// 30, works to 40 and releases; B takes the lock at once (no
		// latency here) and works 5 µs.
		{"a spinner sleeps when the owner does", Virtual{CPUs: 2}, KernelMutex,
			func(m *Mutex) []func(*Task) {
				a := func(task *Task) {
					task.Lock(m)
					task.Work(10 * time.Microsecond)
					task.Sleep(20 * time.Microsecond)
					task.Work(10 * time.Microsecond)
					task.Unlock(m)
				}
				b := func(task *Task) { task.Lock(m); task.Work(5 * time.Microsecond); task.Unlock(m) }
				return []func(*Task){a, b, workFor(15 * us)}
			},
			[]int64{40 * us, 45 * us, 25 * us}, 40 * us},
		// Spinners keep their place (the OSQ's order) across their
		// scheduler ticks: B spins from 1 µs, C from 5 ms (after a sleep,
		// so its ticks fall at 15 and 25 ms, B's at 10 and 20). A releases
		// at 22 ms to B, the first spinner, then B to C. (Before ticks
		// kept the place, B's tick at 20 ms put it behind C.)
		{"spinners keep their order across ticks", Virtual{CPUs: 3}, KernelMutex,
			func(m *Mutex) []func(*Task) {
				a := func(task *Task) { task.Lock(m); task.Work(22 * time.Millisecond); task.Unlock(m) }
				b := func(task *Task) {
					task.Work(time.Microsecond)
					task.Lock(m)
					task.Work(time.Millisecond)
					task.Unlock(m)
				}
				c := func(task *Task) {
					task.Sleep(5 * time.Millisecond)
					task.Lock(m)
					task.Work(time.Millisecond)
					task.Unlock(m)
				}
				return []func(*Task){a, b, c}
			},
			[]int64{22 * ms, 23 * ms, 24 * ms}, 22*ms - us + 18*ms},
		// B sleeps (the owner A is asleep) and is woken by A's release at
		// 10 µs, to run at 15. C, running, takes the free lock at 12 and
		// holds it to 22: B finds it taken, sleeps again at the head of
		// the list, and is woken by C's release to run at 27.
		{"a woken sleeper loses to a running task", Virtual{CPUs: 3, WakeLatency: 5 * time.Microsecond}, KernelMutex,
			wokenLoses, []int64{10 * us, 28 * us, 22 * us}, 27 * us},
		// From v4.10 on the same B, woken at 15 and finding C's lock,
		// sets the hand-off flag and spins on C, which runs; C's release
		// at 22 gives B the lock.
		{"a woken waiter spins and is handed the lock (v4.10)", Virtual{CPUs: 3, WakeLatency: 5 * time.Microsecond}, HandoffKernelMutex,
			wokenLoses, []int64{10 * us, 23 * us, 22 * us}, 22 * us},
		// G holds the lock asleep when W (spawned second) wants it at
		// 1 µs, so W sleeps; G then retakes the lock 2 µs after each
		// release, before the woken W (5 µs wake-up latency) can run. On
		// the 3.15 mutex a woken sleeper does not spin and has no claim:
		// W starves until G's 100 rounds end at 1215 µs.
		{"a woken sleeper starves behind a retaking owner (3.15)", Virtual{CPUs: 2, WakeLatency: 5 * time.Microsecond}, KernelMutex,
			retaking, []int64{1215 * us, 1221 * us}, 1219 * us},
		// With the hand-off, W, woken at 20 µs by G's first release and
		// finding G's next hold (from 17), sets the flag and spins; G's
		// release at 27 gives W the lock.
		{"the hand-off ends the starvation (v4.10)", Virtual{CPUs: 2, WakeLatency: 5 * time.Microsecond}, HandoffKernelMutex,
			retaking, []int64{1215 * us, 28 * us}, 26 * us},
		// Quantum 1 ms. A holds the lock for 3 ms (not preempted: it holds
		// a mutex); B spins until its slice ends at 1 ms with C queued,
		// then sleeps, and C runs from 1 to 2 ms. A's release at 3 ms wakes
		// B, which takes the lock then.
		{"a spinner that must reschedule sleeps", Virtual{CPUs: 2, Quantum: time.Millisecond}, KernelMutex,
			func(m *Mutex) []func(*Task) {
				a := func(task *Task) { task.Lock(m); task.Work(3 * time.Millisecond); task.Unlock(m) }
				b := func(task *Task) { task.Lock(m); task.Work(time.Microsecond); task.Unlock(m) }
				return []func(*Task){a, b, workFor(ms)}
			},
			[]int64{3 * ms, 3*ms + us, 2 * ms}, 3 * ms},
		// One CPU: a greedy task retaking the lock keeps it until its
		// slice ends, then is preempted at its next Lock (might_sleep),
		// holding nothing; the waiter takes the free lock at 10 ms,
		// having waited for a CPU but never for the lock.
		{"a greedy task yields at its next lock", Virtual{CPUs: 1}, KernelMutex,
			func(m *Mutex) []func(*Task) {
				greedy := func(task *Task) {
					for range 10000 {
						task.Lock(m)
						task.Work(10 * time.Microsecond)
						task.Unlock(m)
					}
				}
				waiter := func(task *Task) { task.Lock(m); task.Work(time.Microsecond); task.Unlock(m) }
				return []func(*Task){greedy, waiter}
			},
			[]int64{100*ms + us, 10*ms + us}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ends, rt := simCaseWith(t, Config{Virtual: &tt.v, Mutex: tt.kind}, tt.bodies(NewMutex(c))...)
			checkSchedule(t, ends, tt.want, rt, tt.wait)
		})
	}
}

// wokenLoses are A: the lock held asleep for 10 µs; B: the lock for 1
// µs; C: the lock for 10 µs after 12 µs of work.
func wokenLoses(m *Mutex) []func(*Task) {
	a := func(task *Task) { task.Lock(m); task.Sleep(10 * time.Microsecond); task.Unlock(m) }
	b := func(task *Task) { task.Lock(m); task.Work(time.Microsecond); task.Unlock(m) }
	c := func(task *Task) {
		task.Work(12 * time.Microsecond)
		task.Lock(m)
		task.Work(10 * time.Microsecond)
		task.Unlock(m)
	}
	return []func(*Task){a, b, c}
}

// retaking are G: the lock held asleep for 5 µs, then 10 µs of work under
// it, then 100 rounds of 2 µs of work and 10 µs under the lock; W: the
// lock for 1 µs after 1 µs of work.
func retaking(m *Mutex) []func(*Task) {
	g := func(task *Task) {
		task.Lock(m)
		task.Sleep(5 * time.Microsecond)
		task.Work(10 * time.Microsecond)
		task.Unlock(m)
		for range 100 {
			task.Work(2 * time.Microsecond)
			task.Lock(m)
			task.Work(10 * time.Microsecond)
			task.Unlock(m)
		}
	}
	w := func(task *Task) {
		task.Work(time.Microsecond)
		task.Lock(m)
		task.Work(time.Microsecond)
		task.Unlock(m)
	}
	return []func(*Task){g, w}
}

// spinBodies are A: the lock for 10 µs; B: the lock for 10 µs after A; C:
// 5 µs of work without the lock.
func spinBodies(m *Mutex) []func(*Task) {
	cs := func(task *Task) { task.Lock(m); task.Work(10 * time.Microsecond); task.Unlock(m) }
	return []func(*Task){cs, cs, workFor(5 * us)}
}

func workFor(d int64) func(*Task) { return func(task *Task) { task.Work(time.Duration(d)) } }

// TestSimSleep checks Task.Sleep: the sleeper's clock advances by exactly
// the sleep, and its CPU serves another task meanwhile.
func TestSimSleep(t *testing.T) {
	sleeper := func(task *Task) {
		task.Work(2 * time.Microsecond)
		task.Sleep(10 * time.Microsecond)
		task.Work(time.Microsecond)
	}
	ends, _ := simCase(t, Virtual{CPUs: 1}, sleeper, workFor(4*us))
	// The worker runs from 2 to 6 µs while the sleeper sleeps 2 to 12.
	if ends[0] != 13*us || ends[1] != 6*us {
		t.Errorf("sleeper ends at %v, worker at %v; want 13µs and 6µs", time.Duration(ends[0]), time.Duration(ends[1]))
	}
}

// TestSimRCUBarrier checks how concurrent rcu_barrier() callers share
// barriers (10 µs each here): the first, at 0, runs one to 10; callers at 2
// and 3 find it in flight since before they came and share the next, 10 to
// 20; a caller at 15 finds that one started before it came and runs the
// one after, to 30.
func TestSimRCUBarrier(t *testing.T) {
	caller := func(at int64) func(*Task) {
		return func(task *Task) {
			task.Work(time.Duration(at))
			task.RCUBarrier(10 * time.Microsecond)
		}
	}
	ends, _ := simCase(t, Virtual{CPUs: 4}, func(task *Task) { task.RCUBarrier(10 * time.Microsecond) },
		caller(2*us), caller(3*us), caller(15*us))
	want := []int64{10 * us, 20 * us, 20 * us, 30 * us}
	for i := range want {
		if ends[i] != want[i] {
			t.Errorf("caller %d done at %v, want %v", i, time.Duration(ends[i]), time.Duration(want[i]))
		}
	}
}

// TestSimWakeupPreemption: on one CPU a hog works in 1 ms steps while a
// task sleeps 1.5 ms and then works 10 µs. With wakeup preemption the
// sleeper runs when it wakes, in the middle of the hog's step, as CFS
// would run it, and the hog's work is only delayed; without, it waits for
// the hog's 10 ms slice to end. A second woken task does not preempt the
// first until that one has run the granularity.
func TestSimWakeupPreemption(t *testing.T) {
	hog := func(task *Task) {
		for range 30 {
			task.Work(time.Millisecond)
		}
	}
	var ranAt int64
	sleeper := func(task *Task) {
		task.Sleep(1500 * time.Microsecond)
		ranAt = task.Now()
		task.Work(10 * time.Microsecond)
	}
	tests := []struct {
		gran time.Duration
		want int64 // when the sleeper ran
	}{
		{0, 1500 * us},                     // the default (1 ms on one CPU): at once
		{-1, 10 * int64(time.Millisecond)}, // no wakeup preemption: at the slice's end
	}
	for _, tt := range tests {
		ranAt = 0
		ends, _ := simCase(t, Virtual{CPUs: 1, WakeupGranularity: tt.gran}, sleeper, hog)
		if ranAt != tt.want {
			t.Errorf("WakeupGranularity %v: the sleeper ran at %v, want %v", tt.gran, time.Duration(ranAt), time.Duration(tt.want))
		}
		if want := 30*int64(time.Millisecond) + 10*us; ends[1] != want {
			t.Errorf("WakeupGranularity %v: the hog ended at %v, want %v (its 30 ms and the sleeper's 10 µs)", tt.gran, time.Duration(ends[1]), time.Duration(want))
		}
	}
	// Two woken tasks: the second waits for the first's granularity.
	var second int64
	first := func(task *Task) {
		task.Sleep(time.Millisecond)
		for range 50 {
			task.Work(100 * time.Microsecond)
		}
	}
	late := func(task *Task) {
		task.Sleep(1200 * time.Microsecond)
		second = task.Now()
	}
	simCase(t, Virtual{CPUs: 1, WakeupGranularity: 2 * time.Millisecond}, first, late, hog)
	// first takes the CPU at 1 ms and may be preempted from 3 ms on.
	if want := 3000 * us; second != want {
		t.Errorf("the second woken task ran at %v, want %v (the first's wake-up plus the granularity)", time.Duration(second), time.Duration(want))
	}
}

func TestDefaultWakeupGranularity(t *testing.T) {
	for _, tt := range []struct {
		cpus int
		want time.Duration
	}{{1, time.Millisecond}, {2, 2 * time.Millisecond}, {4, 3 * time.Millisecond}, {8, 4 * time.Millisecond}, {1024, 4 * time.Millisecond}} {
		if got := DefaultWakeupGranularity(tt.cpus); got != tt.want {
			t.Errorf("DefaultWakeupGranularity(%d) = %v, want %v", tt.cpus, got, tt.want)
		}
	}
}
