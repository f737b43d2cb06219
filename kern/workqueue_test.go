package kern

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestManualWorkqueue(t *testing.T) {
	rt := New(Config{})
	q := rt.NewWorkqueue("manual", 0)
	task := rt.NewTask("flusher")
	var ran []string
	var a, b, c WorkItem
	a.Init(func(*Task) { ran = append(ran, "a") })
	b.Init(func(*Task) { ran = append(ran, "b") })
	c.Init(func(*Task) { ran = append(ran, "c") })

	if !q.Queue(task, &a) || !q.Queue(task, &b) || !q.Queue(task, &c) {
		t.Fatal("Queue of idle items returned false")
	}
	if q.Queue(task, &a) {
		t.Error("Queue of a pending item returned true, want false (queue_work)")
	}
	if !q.Cancel(task, &b) {
		t.Error("Cancel of a pending item returned false")
	}
	if q.Cancel(task, &b) {
		t.Error("second Cancel returned true")
	}
	if !q.Queue(task, &b) { // queued again: runs after c
		t.Error("Queue after Cancel returned false")
	}
	if got := q.Pending(); got != 3 {
		t.Errorf("Pending() = %d, want 3", got)
	}
	if len(ran) != 0 {
		t.Fatalf("manual workqueue ran %v before Flush", ran)
	}
	q.Flush(task)
	if want := []string{"a", "c", "b"}; !slices.Equal(ran, want) {
		t.Errorf("ran %v, want %v", ran, want)
	}
	if got := q.Pending(); got != 0 {
		t.Errorf("Pending() after Flush = %d, want 0", got)
	}
}

// TestCancelWaitsForRunning holds a work item in its function and checks that
// Cancel blocks (the hook hears it) until the function returns.
func TestCancelWaitsForRunning(t *testing.T) {
	blocked := make(chan string, 4)
	rt := New(Config{Hook: func(task *Task, ev Event) {
		if ev.Kind == EventBlock {
			blocked <- task.Name() + " " + ev.Name
		}
	}})
	q := rt.NewWorkqueue("kw", 1)
	defer rt.Close()
	canceller := rt.NewTask("canceller")
	started, release := make(chan struct{}), make(chan struct{})
	finished := false
	var w WorkItem
	w.Init(func(*Task) {
		close(started)
		<-release
		finished = true
	})
	q.Queue(canceller, &w)
	<-started
	done := make(chan bool)
	go func() { done <- q.Cancel(canceller, &w) }()
	if got := <-blocked; got != "canceller cancel_work_sync" {
		t.Fatalf("block event %q, want canceller cancel_work_sync", got)
	}
	close(release)
	if wasPending := <-done; wasPending {
		t.Error("Cancel of a running item reported it pending")
	}
	if !finished {
		t.Error("Cancel returned before the running item finished")
	}
}

func TestKworkersRunEverything(t *testing.T) {
	rt := New(Config{LockStats: true})
	q := rt.NewWorkqueue("kw", 3)
	m := NewMutex(NewClass("test::kworker"))
	items := make([]WorkItem, 100)
	var mu sync.Mutex
	count := 0
	for i := range items {
		items[i].Init(func(t *Task) {
			t.Lock(m)
			t.Unlock(m)
			mu.Lock()
			count++
			mu.Unlock()
		})
	}
	task := rt.NewTask("queuer")
	for i := range items {
		q.Queue(task, &items[i])
	}
	q.Flush(task)
	mu.Lock()
	if count != len(items) {
		t.Errorf("ran %d items, want %d", count, len(items))
	}
	mu.Unlock()
	if s := statFor(t, rt.LockStats(), "test::kworker"); s.Acquisitions != int64(len(items)) {
		t.Errorf("kworker acquisitions = %d, want %d", s.Acquisitions, len(items))
	}
	rt.Close()
}

// TestQueueCompacts: a queue that never drains moves its live entries down
// once half its slice is spent, keeping FIFO order, so it holds its pending
// entries only.
func TestQueueCompacts(t *testing.T) {
	rt := New(Config{})
	q := rt.NewWorkqueue("manual", 0)
	const n = 10000
	items := make([]WorkItem, n)
	order := make([]int, 0, n)
	for i := range items {
		items[i].Init(func(*Task) { order = append(order, i) })
		q.Queue(nil, &items[i])
	}
	for range 6000 {
		w, _ := q.pop()
		w.fn(nil)
	}
	if len(q.entries) > n/2 || q.head > len(q.entries) {
		t.Errorf("after 6000 of %d popped: %d entries, head %d; want at most %d entries", n, len(q.entries), q.head, n/2)
	}
	for w, _ := q.pop(); w != nil; w, _ = q.pop() {
		w.fn(nil)
	}
	for i, got := range order {
		if got != i {
			t.Fatalf("item %d ran at position %d: not FIFO", got, i)
		}
	}
	if len(order) != n || q.Pending() != 0 {
		t.Errorf("ran %d of %d, %d pending", len(order), n, q.Pending())
	}
}

// TestQueueCopy: copies of one item keep their places among other items,
// each runs once, Queue of the item itself still refuses while it is
// pending, and Pending counts every copy.
func TestQueueCopy(t *testing.T) {
	rt := New(Config{})
	q := rt.NewWorkqueue("manual", 0)
	var order []string
	var a, b WorkItem
	a.Init(func(*Task) { order = append(order, "a") })
	b.Init(func(*Task) { order = append(order, "b") })
	q.QueueCopy(nil, &a)
	q.Queue(nil, &b)
	q.QueueCopy(nil, &a)
	if !q.Queue(nil, &a) {
		t.Error("Queue refused an item that only had copies pending")
	}
	if q.Queue(nil, &a) {
		t.Error("Queue of a pending item queued it twice")
	}
	q.QueueCopy(nil, &a)
	if got := q.Pending(); got != 5 {
		t.Errorf("Pending = %d, want 5", got)
	}
	q.Flush(rt.NewTask("flusher"))
	if got, want := strings.Join(order, ","), "a,b,a,a,a"; got != want {
		t.Errorf("ran %s, want %s", got, want)
	}
	if q.Pending() != 0 || a.copies != 0 {
		t.Errorf("after Flush: %d pending, %d copies of a", q.Pending(), a.copies)
	}
}

// TestManagedWorkqueueGrows queues items that all block on one mutex, on
// the virtual clock, and checks that a managed queue starts a kworker for
// each up to its max_active, so they all wait on the mutex at once, while
// a fixed pool of the same start runs them one at a time.
func TestManagedWorkqueueGrows(t *testing.T) {
	const items = 6
	tests := []struct {
		name                 string
		workers, maxActive   int
		wantWorkers, wantMax int // kworkers started; most in the mutex at once
	}{
		{"fixed pool of one", 1, 0, 1, 1},
		{"managed, room for all", 1, 16, items, items},
		{"managed, max_active 3", 1, 3, 3, 3},
		{"managed, started with two", 2, 16, items, items},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := New(Config{Virtual: &Virtual{CPUs: 2}})
			var q *Workqueue
			if tt.maxActive == 0 {
				q = rt.NewWorkqueue("kw", tt.workers)
			} else {
				q = rt.NewManagedWorkqueue("kw", tt.workers, tt.maxActive)
			}
			mu := NewMutex(NewClass("wq_test_mutex"))
			var waiting, most int
			work := make([]WorkItem, items)
			for i := range work {
				work[i].Init(func(task *Task) {
					waiting++
					most = max(most, waiting)
					task.Lock(mu)
					task.Sleep(time.Millisecond) // a grace period under the lock
					task.Unlock(mu)
					waiting--
				})
			}
			rt.Go("queuer", func(task *Task) {
				for i := range work {
					q.Queue(task, &work[i])
				}
				q.Flush(task)
			})
			if err := rt.Wait(); err != nil {
				t.Fatal(err)
			}
			if got := q.Workers(); got != tt.wantWorkers {
				t.Errorf("kworkers started = %d, want %d", got, tt.wantWorkers)
			}
			if most != tt.wantMax {
				t.Errorf("most items at the mutex at once = %d, want %d", most, tt.wantMax)
			}
			q.Close()
		})
	}
}
