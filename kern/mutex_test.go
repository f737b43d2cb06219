package kern

import (
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

// BenchmarkContendedLock has every goroutine take one mutex around a short
// critical section, with and without statistics.
func BenchmarkContendedLock(b *testing.B) {
	for _, stats := range []bool{false, true} {
		name := "stats=off"
		if stats {
			name = "stats=on"
		}
		b.Run(name, func(b *testing.B) {
			rt := New(Config{LockStats: stats})
			m := NewMutex(NewClass("bench::contended"))
			b.RunParallel(func(pb *testing.PB) {
				task := rt.NewTask("bench")
				for pb.Next() {
					task.Lock(m)
					task.Work(100 * time.Nanosecond)
					task.Unlock(m)
				}
			})
		})
	}
}
