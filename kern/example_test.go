package kern_test

import (
	"fmt"
	"time"

	"memcgbench/kern"
)

// A design takes its locks through a Task, which keeps lock statistics and
// checks the lock order.
func Example() {
	outer, inner := kern.NewClass("example::outer"), kern.NewClass("example::inner")
	rt := kern.New(kern.Config{LockStats: true, CheckOrder: true})
	rt.DeclareOrder(outer, inner)

	task := rt.NewTask("worker")
	a, b := kern.NewMutex(outer), kern.NewMutex(inner)
	task.Lock(a)
	task.Lock(b)
	task.Work(10 * time.Microsecond) // the critical section's own work
	task.Unlock(b)
	task.Unlock(a)

	for _, s := range rt.LockStats() {
		fmt.Printf("%s: %d acquisitions, %d contended\n", s.Class, s.Acquisitions, s.Contentions)
	}
	fmt.Println("violations:", len(rt.OrderViolations()))

	// Taking them the other way round is reported with both chains.
	task.Lock(b)
	task.Lock(a)
	task.Unlock(a)
	task.Unlock(b)
	fmt.Println(rt.OrderViolations()[0])
	// Output:
	// example::inner: 1 acquisitions, 0 contended
	// example::outer: 1 acquisitions, 0 contended
	// violations: 0
	// kern: lock order violation (declared order): worker takes example::inner -> example::outer, against example::outer -> example::inner
}

// Deferred work runs on the kworkers; Flush waits for it.
func ExampleWorkqueue() {
	rt := kern.New(kern.Config{})
	defer rt.Close()
	q := rt.NewWorkqueue("events", 2)
	task := rt.NewTask("queuer")

	var w kern.WorkItem
	done := false
	w.Init(func(*kern.Task) { done = true })
	fmt.Println("queued:", q.Queue(task, &w))
	q.Flush(task)
	fmt.Println("done:", done)
	// Output:
	// queued: true
	// done: true
}
