// Package kern is the kernel-runtime shim that every memcgbench design runs on.
//
// A design never touches sync.Mutex, go statements or the clock directly: every
// lock it takes is a [Mutex] of a named lock [Class], every unit of
// critical-section work is a call to [Task.Work], and every piece of deferred
// work is a [WorkItem] run by the kworkers of a [Workqueue]. That keeps the
// design code runnable, unchanged, on another runtime ([Virtual]: a virtual
// clock with up to 1024 CPUs, a discrete-event simulation), and it gives the
// runtime one place to observe what the design does:
//
//   - Lock statistics, in the columns of the kernel's lock_stat: per lock class,
//     acquisitions, contentions (acquisitions that had to wait), wait time total
//     and maximum, hold time total and maximum. Each [Task] keeps its own
//     counters, so the hot path shares nothing; [Runtime.LockStats] merges them
//     on demand, once the tasks are quiescent.
//   - Lock-order checking in the manner of lockdep: with [Config.CheckOrder] on,
//     each Task keeps the stack of lock classes it holds, and taking a class
//     that the declared order ([Runtime.DeclareOrder]) forbids, or that closes a
//     cycle among the orders observed so far, is recorded as an [OrderError]
//     naming both lock chains.
//   - Hooks: [Config.Hook] sees every named point a design passes
//     ([Task.Point]) and every time a task is about to block, which is how tests
//     script an exact interleaving of two kernel paths.
//
// A contended Mutex behaves as the kernel's of Linux 3.15 and 3.16 does
// ([KernelMutex], the default, on both clocks): the waiter spins while the
// owner runs on a CPU and sleeps when the owner sleeps or the spin lasts too
// long; a release wakes the first sleeper, which competes with spinners and
// running tasks, with no hand-off. [HandoffKernelMutex] is the kernel's
// mutex from v4.10 on: a first waiter that wakes and finds the lock taken
// sets the hand-off flag and spins, and the next release gives it the lock.
// [GoHandoffMutex] keeps the Go-style model memcgbench had before, for
// comparison.
//
// The costs of the shim are kept off the fast paths: with statistics off, an
// uncontended acquisition is one compare-and-swap and one store of the
// owner; with statistics on, it reads the monotonic clock twice (for the
// hold time) and a contended one twice more (for the wait); no clock is read
// otherwise. [Task.Work] reads the clock once per 2 µs of work, so that it
// holds its length on a loaded machine.
//
// The CPU and memory hotplug read locks that the kernel takes just outside
// slab_mutex are not modelled: memcgbench has no hotplug events, so their
// read side would add the same small cost to both designs.
package kern
