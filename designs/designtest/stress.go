package designtest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"memcgbench/designs"
	"memcgbench/kern"
)

// stressWorkers and stressOps size the stress test: every worker runs
// stressOps random operations on a shared pool of roots and memcgs.
const (
	stressWorkers = 8
	stressOps     = 4000
	// watchdogStall is how long a run may go without progress.
	watchdogStall = 10 * time.Second
)

// pool is the stress test's shared set of live handles, guarded by its own
// mutex (test code, not part of what is measured).
type pool struct {
	mu     sync.Mutex
	roots  []designs.Root
	memcgs []designs.Memcg
	names  atomic.Int64
}

// pick returns a random handle of list, or the zero handle (nil) if it is
// empty.
func pick[T any](p *pool, list *[]T, rng *rand.Rand) T {
	p.mu.Lock()
	defer p.mu.Unlock()
	var zero T
	if len(*list) == 0 {
		return zero
	}
	return (*list)[rng.IntN(len(*list))]
}

// take removes and returns a random handle of list, or the zero handle if
// fewer than two are left (the pool never runs dry).
func take[T any](p *pool, list *[]T, rng *rand.Rand) T {
	p.mu.Lock()
	defer p.mu.Unlock()
	var zero T
	if len(*list) < 2 {
		return zero
	}
	i := rng.IntN(len(*list))
	h := (*list)[i]
	*list = append((*list)[:i], (*list)[i+1:]...)
	return h
}

func (p *pool) size() (roots, memcgs int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.roots), len(p.memcgs)
}

// stressOp runs one random operation and returns its error.
func stressOp(e *env, task *kern.Task, p *pool, rng *rand.Rand) error {
	reg := e.reg
	nroots, nmemcgs := p.size()
	switch k := rng.IntN(100); {
	case k < 40:
		m, r := pick(p, &p.memcgs, rng), pick(p, &p.roots, rng)
		if reg.Lookup(m, r) {
			return nil
		}
		_, err := reg.Alloc(task, m, r)
		return err
	case k < 48:
		return reg.Charge(task, pick(p, &p.memcgs, rng), pick(p, &p.roots, rng), 1+rng.IntN(3))
	case k < 56:
		return reg.Uncharge(task, pick(p, &p.memcgs, rng), pick(p, &p.roots, rng), 1+rng.IntN(3))
	case k < 62:
		if nmemcgs >= 24 {
			return nil
		}
		m, err := reg.ActivateMemcg(task)
		if err == nil {
			p.mu.Lock()
			p.memcgs = append(p.memcgs, m)
			p.mu.Unlock()
		}
		return err
	case k < 68:
		if m := take(p, &p.memcgs, rng); m != nil {
			if k < 65 {
				return reg.OfflineMemcg(task, m)
			}
			return reg.RemoveMemcg(task, m) // rmdir: offline queued
		}
	case k < 71:
		if nroots >= 12 {
			return nil
		}
		r, err := reg.CreateRoot(task, fmt.Sprintf("stress-%d", p.names.Add(1)))
		if err == nil {
			p.mu.Lock()
			p.roots = append(p.roots, r)
			p.mu.Unlock()
		}
		return err
	case k < 74:
		if r := take(p, &p.roots, rng); r != nil {
			return reg.DestroyRoot(task, r)
		}
	case k < 86:
		_, err := reg.Slabinfo(task, pick(p, &p.memcgs, rng))
		return err
	case k < 90:
		reg.ProcSlabinfo(task, designs.ReadBytesCat)
	case k < 98:
		return reg.Shrink(task, pick(p, &p.roots, rng))
	default:
		reg.Quiesce(task)
	}
	return nil
}

func testStress(t *testing.T, d designs.Design) {
	e := newEnv(t, d, 2, nil)
	p := &pool{}
	for i := range 6 {
		p.roots = append(p.roots, e.root(fmt.Sprintf("seed-%d", i)))
		p.memcgs = append(p.memcgs, e.memcg())
	}
	ops := stressOps
	if testing.Short() {
		ops /= 4
	}
	progress := make([]paddedCount, stressWorkers)
	stop := watchdog(watchdogStall, func() int64 {
		var sum int64
		for i := range progress {
			sum += progress[i].n.Load()
		}
		return sum
	}, panicWithStacks)
	defer stop()

	var wg sync.WaitGroup
	for w := range stressWorkers {
		wg.Go(func() {
			task := e.rt.NewTask(fmt.Sprintf("stress/%d", w))
			rng := rand.New(rand.NewPCG(uint64(w), 0x5eed))
			for range ops {
				if err := stressOp(e, task, p, rng); err != nil && !isSentinel(err) {
					t.Errorf("%s: %v", task.Name(), err)
				}
				progress[w].n.Add(1)
			}
		})
	}
	wg.Wait()
	e.reg.Quiesce(e.task)
	progress[0].n.Add(1)
	checkInvariants(e)
	s := e.reg.Snapshot()
	t.Logf("%s: %d children created, %d destroyed, %d create work queued (%d skipped, %d dropped), anomalies %v",
		d.Name, s.ChildrenCreated, s.ChildrenDestroyed, s.CreateQueued, s.CreateSkipped, s.CreateDropped, s.Anomalies)
	for _, st := range e.rt.LockStats() {
		t.Logf("  %-26s acq %7d  contended %6d  wait %v  hold %v", st.Class, st.Acquisitions, st.Contentions, st.Wait(), st.Hold())
	}
	if !d.SharedCaches && (s.ChildrenCreated == 0 || s.ChildrenDestroyed == 0) {
		t.Errorf("stress created %d and destroyed %d children; the mix should do both", s.ChildrenCreated, s.ChildrenDestroyed)
	}
}

// paddedCount is a per-worker progress counter on its own cache line.
type paddedCount struct {
	n atomic.Int64
	_ [56]byte
}

// watchdog calls onStall with every goroutine's stack if progress does not
// change for stall. The returned stop ends it.
func watchdog(stall time.Duration, progress func() int64, onStall func(stacks []byte)) (stop func()) {
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(stall / 20)
		defer tick.Stop()
		last, lastChange := progress(), time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				if p := progress(); p != last {
					last, lastChange = p, now
				} else if now.Sub(lastChange) >= stall {
					onStall(allStacks())
					return
				}
			}
		}
	}()
	return func() { close(done) }
}

func allStacks() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

// panicWithStacks ends a stuck test binary: a deadlocked test would
// otherwise hang until go test's own timeout, with no hint of where.
func panicWithStacks(stacks []byte) {
	fmt.Fprintf(os.Stderr, "designtest: watchdog: no progress for %v; all goroutines:\n%s\n", watchdogStall, stacks)
	panic("designtest: watchdog: no progress")
}
