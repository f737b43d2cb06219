package kern

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestLockStatsCountContention(t *testing.T) {
	rt := New(Config{LockStats: true})
	c := NewClass("test::contended")
	m := NewMutex(c)
	holder, waiter := rt.NewTask("holder"), rt.NewTask("waiter")

	holder.Lock(m)
	blocked := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		// The hook is off here; detect the block by TryLock failing first.
		close(blocked)
		waiter.Lock(m)
		waiter.Unlock(m)
	}()
	<-blocked
	time.Sleep(5 * time.Millisecond) // let the waiter reach the mutex
	holder.Unlock(m)
	<-done
	holder.Lock(m)
	holder.Unlock(m)

	got := statFor(t, rt.LockStats(), c.Name())
	if got.Acquisitions != 3 {
		t.Errorf("acquisitions = %d, want 3", got.Acquisitions)
	}
	if got.Contentions != 1 {
		t.Errorf("contentions = %d, want 1", got.Contentions)
	}
	if got.WaitTotal <= 0 || got.WaitMax != got.WaitTotal {
		t.Errorf("wait total %d max %d, want one positive wait", got.WaitTotal, got.WaitMax)
	}
	if got.HoldMax <= 0 || got.HoldTotal < got.HoldMax {
		t.Errorf("hold total %d max %d, want total >= max > 0", got.HoldTotal, got.HoldMax)
	}
	// The waiter's own view has the contention; the holder's has none.
	if w := statFor(t, waiter.LockStats(), c.Name()); w.Contentions != 1 || w.Acquisitions != 1 {
		t.Errorf("waiter: %+v, want 1 acquisition, 1 contention", w.LockStat)
	}
}

func TestResetLockStats(t *testing.T) {
	rt := New(Config{LockStats: true})
	task := rt.NewTask("t")
	setup, run := NewMutex(NewClass("test::setup")), NewMutex(NewClass("test::run"))
	task.Lock(setup)
	task.Unlock(setup)
	rt.ResetLockStats()
	task.Lock(run)
	task.Unlock(run)
	got := rt.LockStats()
	if len(got) != 1 || got[0].Class != "test::run" || got[0].Acquisitions != 1 {
		t.Errorf("LockStats after reset = %+v, want only test::run once", got)
	}
}

func TestLockStatsOff(t *testing.T) {
	rt := New(Config{})
	task := rt.NewTask("t")
	m := NewMutex(NewClass("test::off"))
	task.Lock(m)
	task.Unlock(m)
	if s := rt.LockStats(); s != nil {
		t.Errorf("LockStats with statistics off = %v, want nil", s)
	}
}

func statFor(t *testing.T, stats []ClassStat, class string) ClassStat {
	t.Helper()
	for _, s := range stats {
		if s.Class == class {
			return s
		}
	}
	t.Fatalf("no statistics for class %q in %v", class, stats)
	return ClassStat{}
}

func TestHookSeesBlockAndPoints(t *testing.T) {
	var mu sync.Mutex
	var events []string
	rt := New(Config{Hook: func(task *Task, ev Event) {
		mu.Lock()
		events = append(events, task.Name()+" "+ev.String())
		mu.Unlock()
	}})
	m := NewMutex(NewClass("test::hook"))
	a, b := rt.NewTask("a"), rt.NewTask("b")
	a.Point("start")
	a.Lock(m)
	done := make(chan struct{})
	go func() {
		b.Lock(m)
		b.Unlock(m)
		close(done)
	}()
	for {
		mu.Lock()
		n := len(events)
		mu.Unlock()
		if n == 2 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	a.Unlock(m)
	<-done
	want := []string{"a point:start", "b block:test::hook"}
	if len(events) != len(want) || events[0] != want[0] || events[1] != want[1] {
		t.Errorf("events = %q, want %q", events, want)
	}
}

// BenchmarkUncontendedLock compares one uncontended lock+unlock of a
// kern.Mutex, in each runtime mode, with a plain sync.Mutex in the same run.
func BenchmarkUncontendedLock(b *testing.B) {
	b.Run("impl=sync.Mutex", func(b *testing.B) {
		var m sync.Mutex
		for b.Loop() {
			m.Lock()
			m.Unlock()
		}
	})
	modes := []struct {
		name string
		cfg  Config
	}{
		{"stats=off", Config{}},
		{"stats=on", Config{LockStats: true}},
		{"stats=on,checkorder=on", Config{LockStats: true, CheckOrder: true}},
	}
	for _, mode := range modes {
		b.Run("impl=kern.Mutex/"+mode.name, func(b *testing.B) {
			rt := New(mode.cfg)
			task := rt.NewTask("bench")
			m := NewMutex(NewClass("bench::uncontended"))
			for b.Loop() {
				task.Lock(m)
				task.Unlock(m)
			}
		})
	}
}

// The contended lock with and without statistics is measured by the bench
// package's BenchmarkHarnessOverhead (op=lock/contention=all), whose ratios
// the report's harness section shows.

// TestKernelMutexRealSpinsWhileOwnerRuns: on the real clock a waiter spins
// while the owner runs (it never sleeps during the owner's 30 ms of work,
// with a spin limit above that) and sleeps at once when the owner sleeps.
func TestKernelMutexRealSpinsWhileOwnerRuns(t *testing.T) {
	for _, ownerSleeps := range []bool{false, true} {
		t.Run(fmt.Sprint("ownerSleeps=", ownerSleeps), func(t *testing.T) {
			rt := New(Config{SpinLimit: time.Minute})
			m := NewMutex(NewClass("test::kernel-real"))
			owner, waiter := rt.NewTask("owner"), rt.NewTask("waiter")
			owner.Lock(m)
			done := make(chan struct{})
			go func() {
				waiter.Lock(m)
				waiter.Unlock(m)
				close(done)
			}()
			slept := false
			hold := func() {
				deadline := time.Now().Add(30 * time.Millisecond)
				for time.Now().Before(deadline) {
					slept = slept || waiter.asleep.Load()
					time.Sleep(100 * time.Microsecond)
				}
			}
			if ownerSleeps {
				owner.asleep.Store(true) // as Task.Sleep marks it
				hold()
				owner.asleep.Store(false)
			} else {
				hold() // the owner's goroutine runs: it polls
			}
			owner.Unlock(m)
			<-done
			if slept != ownerSleeps {
				t.Errorf("waiter slept = %v, want %v (owner sleeps: %v)", slept, ownerSleeps, ownerSleeps)
			}
		})
	}
}

// TestHandoffKernelMutexReal: on the real clock, once the first waiter
// has woken and found the lock held, it sets the hand-off flag and the
// next release gives it the lock, ahead of a task spinning on the lock at
// that moment. The waiter's first wake-up is a spurious one here (a token
// on its semaphore while the owner still holds the lock), which the
// kernel's waiter handles the same way as a wake-up that lost the lock; it
// then spins for the spin limit and sleeps again, so that at the release
// the spinner runs and the waiter sleeps: without the hand-off the spinner
// would take the lock first.
func TestHandoffKernelMutexReal(t *testing.T) {
	spinning := make(chan struct{})
	var spinner *Task
	rt := New(Config{Mutex: HandoffKernelMutex, SpinLimit: 50 * time.Millisecond, Hook: func(task *Task, ev Event) {
		if task == spinner && ev.Kind == EventBlock {
			close(spinning) // it is about to spin: the owner runs
		}
	}})
	m := NewMutex(NewClass("test::handoff-real"))
	owner, waiter := rt.NewTask("owner"), rt.NewTask("waiter")
	spinner = rt.NewTask("spinner")
	owner.Lock(m)
	owner.asleep.Store(true) // the owner sleeps: the waiter sleeps too
	var mu sync.Mutex
	var order []string
	take := func(task *Task, done chan<- struct{}) {
		task.Lock(m)
		mu.Lock()
		order = append(order, task.name)
		mu.Unlock()
		task.Unlock(m)
		close(done)
	}
	waiterDone, spinnerDone := make(chan struct{}), make(chan struct{})
	go take(waiter, waiterDone)
	waitFor(t, "the waiter sleeps on the lock", waiter.asleep.Load)
	owner.asleep.Store(false) // the owner runs again: waiters spin
	waiter.wakeup()
	waitFor(t, "the waiter sets the hand-off flag", m.handoff.Load)
	waitFor(t, "the waiter's spin ends and it sleeps again", waiter.asleep.Load)
	go take(spinner, spinnerDone)
	<-spinning
	owner.Unlock(m)
	<-waiterDone
	<-spinnerDone
	if want := []string{"waiter", "spinner"}; !slices.Equal(order, want) {
		t.Errorf("took the lock in order %v, want %v (the hand-off goes to the first waiter)", order, want)
	}
	if m.handoff.Load() || m.state.Load() != 0 {
		t.Errorf("after both: hand-off flag %v, state %d; want false, 0", m.handoff.Load(), m.state.Load())
	}
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(50 * time.Microsecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// TestMutexExcludes runs many tasks incrementing a plain counter under one
// mutex, with each kind, and expects no lost update (the race detector
// checks the rest).
func TestMutexExcludes(t *testing.T) {
	for _, kind := range MutexKinds() {
		t.Run(kind.String(), func(t *testing.T) {
			rt := New(Config{Mutex: kind, SpinLimit: time.Microsecond})
			m := NewMutex(NewClass("test::excl"))
			const tasks, rounds = 8, 2000
			n := 0
			for i := range tasks {
				rt.Go(fmt.Sprint("t", i), func(task *Task) {
					for j := range rounds {
						task.Lock(m)
						n++
						if j%64 == 0 {
							task.Sleep(time.Microsecond) // an owner that sleeps
						}
						task.Unlock(m)
					}
				})
			}
			rt.Wait()
			if n != tasks*rounds {
				t.Errorf("counter %d, want %d", n, tasks*rounds)
			}
		})
	}
}

// BenchmarkWakeup measures a cross-CPU wake-up of a sleeping thread on
// this machine, the figure DefaultWakeLatency cites: ns/wakeup is the time
// from a send on a channel to the moment the goroutine blocked on it runs.
// Before each send the sender works for 200 µs, so that the receiver's
// thread has gone to sleep in the kernel (Go parks an idle thread after
// spinning for well under that) and the wake-up goes through a futex on
// another CPU. Run it with GOMAXPROCS of 2 or more on an idle machine.
func BenchmarkWakeup(b *testing.B) {
	if runtime.GOMAXPROCS(0) < 2 {
		b.Skip("needs GOMAXPROCS >= 2: a wake-up on another CPU")
	}
	sent := make(chan int64)
	woke := make(chan int64)
	go func() {
		for at := range sent {
			woke <- nanotime() - at
		}
	}()
	task := New(Config{}).NewTask("sender")
	var total int64
	for b.Loop() {
		task.Work(200 * time.Microsecond)
		sent <- nanotime()
		total += <-woke
	}
	close(sent)
	b.ReportMetric(float64(total)/float64(b.N), "ns/wakeup")
}
