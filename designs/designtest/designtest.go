// Package designtest is the conformance suite every memcgbench design must
// pass, in the manner of testing/fstest: a design's own test calls
//
//	designtest.Run(t, old.Design)
//
// and gets, as subtests:
//
//  1. Semantics: named sequential scenarios with their expected results.
//  2. BadInput: every kind of bad argument returns its sentinel error and
//     leaves the registry intact.
//  3. Stress: all operations from many goroutines at once (run it under
//     -race), then Quiesce and every invariant; a watchdog fails the run,
//     with all goroutine stacks, if it makes no progress for 10 s.
//  4. Race: the two interleavings of the old design's offline-vs-root-destroy
//     flaw, forced by a scripted schedule; a design that declares the flaw
//     must show it, any other must not.
//  5. AllocHit: the allocation-hit path allocates nothing.
//  6. Virtual: the stress operations on kern's virtual runtime, with the
//     invariants, twice: the same design code must give the same virtual
//     times and counters both times.
//  7. GracePeriod: the locks held across a destroy's rcu_barrier().
//  8. Lifetimes: a container's objects freed before, by RCU around, after
//     or never after its cgroup's removal, and whether its cache is left
//     dead, as its kernel decides (3.15, 3.16, v4.0 on).
//
// Lock-order checking is on throughout, and every subtest ends by asserting
// that no lock-order violation was seen. Fuzz adds the model-based fuzz test,
// whose seed corpus runs in every go test.
package designtest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"memcgbench/designs"
	"memcgbench/kern"
)

// testCosts keeps the critical sections short, so the suite is fast, but
// not zero, so the work paths run. They are test values, not the model's
// (workloads.Constants sources those); only their being short and nonzero
// matters. (A grace period on the real clock would sleep a whole
// millisecond or more; the virtual conformance run has one.)
var testCosts = designs.Costs{
	Create:           2 * time.Microsecond,
	Shutdown:         1 * time.Microsecond,
	Release:          1 * time.Microsecond,
	Shrink:           1 * time.Microsecond,
	ShrinkPerCPU:     100 * time.Nanosecond,
	Miss:             100 * time.Nanosecond,
	GrowPerRoot:      100 * time.Nanosecond,
	SlabinfoPerCache: 100 * time.Nanosecond,
}

// testRCUShare makes every other root a SLAB_DESTROY_BY_RCU cache, so both
// destroy paths run.
const testRCUShare = 0.5

// Run runs the whole conformance suite on d.
func Run(t *testing.T, d designs.Design) {
	t.Run("Semantics", func(t *testing.T) { testSemantics(t, d) })
	t.Run("BadInput", func(t *testing.T) { testBadInput(t, d) })
	t.Run("Stress", func(t *testing.T) { testStress(t, d) })
	t.Run("Race", func(t *testing.T) { testRace(t, d) })
	t.Run("AllocHit", func(t *testing.T) { testAllocHit(t, d) })
	t.Run("Virtual", func(t *testing.T) { testVirtual(t, d) })
	t.Run("GracePeriod", func(t *testing.T) { testGracePeriod(t, d) })
	t.Run("ActivateAtOnline", func(t *testing.T) { testActivateAtOnline(t, d) })
	t.Run("Lifetimes", func(t *testing.T) { testLifetimes(t, d) })
}

// env is one registry under test with its runtime and a task to drive it.
type env struct {
	t    testing.TB
	d    designs.Design
	rt   *kern.Runtime
	reg  designs.Registry
	task *kern.Task
}

// newEnv builds a registry with lock-order checking and lock statistics on;
// hook may be nil. It registers cleanup that closes the registry and fails
// the test on any lock-order violation.
func newEnv(t testing.TB, d designs.Design, kworkers int, hook func(*kern.Task, kern.Event)) *env {
	t.Helper()
	rt := kern.New(kern.Config{LockStats: true, CheckOrder: true, Hook: hook, Mutex: d.Mutex})
	reg, err := d.New(rt, designs.Config{Costs: testCosts, Kworkers: kworkers, RCUShare: testRCUShare, CPUs: 4})
	if err != nil {
		t.Fatalf("%s: New: %v", d.Name, err)
	}
	e := &env{t: t, d: d, rt: rt, reg: reg, task: rt.NewTask("test")}
	t.Cleanup(func() {
		reg.Close()
		for _, err := range rt.OrderViolations() {
			t.Errorf("%v", err)
		}
	})
	return e
}

func (e *env) root(name string) designs.Root {
	e.t.Helper()
	r, err := e.reg.CreateRoot(e.task, name)
	if err != nil {
		e.t.Fatalf("CreateRoot(%q): %v", name, err)
	}
	return r
}

func (e *env) memcg() designs.Memcg {
	e.t.Helper()
	m, err := e.reg.ActivateMemcg(e.task)
	if err != nil {
		e.t.Fatalf("ActivateMemcg: %v", err)
	}
	return m
}

// child allocates until m's child of r exists: a miss, Quiesce, a hit; on
// a design whose memcgs share the roots (designs.Design.SharedCaches),
// the first allocation hits.
func (e *env) child(m designs.Memcg, r designs.Root) {
	e.t.Helper()
	if e.d.SharedCaches {
		e.alloc(m, r, true)
		return
	}
	e.alloc(m, r, false)
	e.reg.Quiesce(e.task)
	e.alloc(m, r, true)
}

func (e *env) alloc(m designs.Memcg, r designs.Root, wantHit bool) {
	e.t.Helper()
	if looked := e.reg.Lookup(m, r); looked != wantHit {
		e.t.Fatalf("Lookup(memcg %d, %s) = %v, want %v", m.ID(), r.Name(), looked, wantHit)
	}
	hit, err := e.reg.Alloc(e.task, m, r)
	if err != nil {
		e.t.Fatalf("Alloc(memcg %d, %s): %v", m.ID(), r.Name(), err)
	}
	if hit != wantHit {
		e.t.Fatalf("Alloc(memcg %d, %s) hit = %v, want %v", m.ID(), r.Name(), hit, wantHit)
	}
}

func (e *env) must(what string, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

// sentinels are the errors a Registry may return; errClass names the one an
// error wraps.
var sentinels = []error{
	designs.ErrUnknownRoot, designs.ErrRootDestroyed, designs.ErrRootExists, designs.ErrBadName,
	designs.ErrUnknownMemcg, designs.ErrMemcgOffline, designs.ErrTooManyMemcgs,
	designs.ErrNoCache, designs.ErrBadPages, designs.ErrBadConfig,
}

// isSentinel reports whether err wraps one of the Registry's sentinel errors.
func isSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func errClass(err error) string {
	if err == nil {
		return "ok"
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return fmt.Sprintf("unexpected error %q", err)
}
