package kern

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// TestRCUQueueVirtual queues callbacks at known virtual times and checks
// that each runs exactly a grace period after it was queued, in order, on
// the queue's runner, and that Flush returns once the last has run.
func TestRCUQueueVirtual(t *testing.T) {
	rt := New(Config{Virtual: &Virtual{CPUs: 2}})
	q := rt.NewRCUQueue("rcu", true)
	const gp = 5 * time.Millisecond
	type ran struct {
		name   string
		at     int64
		runner string
	}
	var got []ran
	var flushedAt int64
	rt.Go("caller", func(task *Task) {
		for i, name := range []string{"a", "b", "c"} {
			if i > 0 {
				task.Sleep(time.Millisecond)
			}
			q.Call(task, gp, func(cb *Task) { got = append(got, ran{name, cb.Now(), cb.Name()}) })
		}
		q.Flush(task)
		flushedAt = task.Now()
	})
	if err := rt.Wait(); err != nil {
		t.Fatal(err)
	}
	rt.Close()
	want := []ran{{"a", int64(gp), "rcu"}, {"b", int64(gp + time.Millisecond), "rcu"}, {"c", int64(gp + 2*time.Millisecond), "rcu"}}
	if !slices.Equal(got, want) {
		t.Errorf("callbacks ran %v, want %v", got, want)
	}
	if min := want[2].at; flushedAt < min {
		t.Errorf("Flush returned at %v, before the last callback ran (%v)", time.Duration(flushedAt), time.Duration(min))
	}
	if q.Pending() != 0 || !q.Idle() {
		t.Errorf("queue not idle after Flush: %d pending", q.Pending())
	}
}

// TestRCUQueueManual checks that a manual queue runs nothing until Flush,
// then runs every callback on the flushing task, no earlier than due.
func TestRCUQueueManual(t *testing.T) {
	rt := New(Config{Virtual: &Virtual{CPUs: 1}})
	q := rt.NewRCUQueue("rcu", false)
	var at []int64
	var runners []string
	rt.Go("caller", func(task *Task) {
		q.Call(task, 3*time.Millisecond, func(cb *Task) { at = append(at, cb.Now()); runners = append(runners, cb.Name()) })
		task.Sleep(10 * time.Millisecond)
		if len(at) != 0 {
			t.Errorf("manual queue ran a callback before Flush, at %v", at)
		}
		q.Call(task, 3*time.Millisecond, func(cb *Task) { at = append(at, cb.Now()); runners = append(runners, cb.Name()) })
		q.Flush(task)
	})
	if err := rt.Wait(); err != nil {
		t.Fatal(err)
	}
	if want := []int64{int64(10 * time.Millisecond), int64(13 * time.Millisecond)}; !slices.Equal(at, want) {
		t.Errorf("callbacks ran at %v, want %v (the first at once, late; the second at its due time)", at, want)
	}
	if want := []string{"caller", "caller"}; !slices.Equal(runners, want) {
		t.Errorf("callbacks ran on %v, want the flushing task", runners)
	}
}

// TestRCUQueueReal runs callbacks from several tasks on the real clock
// under -race, and checks that none runs before its grace period and that
// Close runs what is left.
func TestRCUQueueReal(t *testing.T) {
	rt := New(Config{})
	q := rt.NewRCUQueue("rcu", true)
	const gp = 2 * time.Millisecond
	var mu sync.Mutex
	early, n := 0, 0
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			task := rt.NewTask("caller")
			for range 5 {
				queued := task.Now()
				q.Call(task, gp, func(cb *Task) {
					mu.Lock()
					defer mu.Unlock()
					n++
					if cb.Now()-queued < int64(gp) {
						early++
					}
				})
			}
			if i == 0 {
				q.Flush(task)
			}
		}()
	}
	wg.Wait()
	rt.Close()
	if n != 20 || early != 0 {
		t.Errorf("ran %d callbacks, %d before their grace period; want 20, 0", n, early)
	}
}

// TestRCUQueueSkipWork runs a callback at once while the runtime skips
// work, as setup does.
func TestRCUQueueSkipWork(t *testing.T) {
	rt := New(Config{})
	q := rt.NewRCUQueue("rcu", false)
	rt.SkipWork(true)
	ran := false
	q.Call(rt.NewTask("setup"), time.Second, func(*Task) { ran = true })
	if !ran || q.Pending() != 0 {
		t.Errorf("callback ran %v with %d pending; want it run at once", ran, q.Pending())
	}
}
