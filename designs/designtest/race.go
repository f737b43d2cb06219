package designtest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"memcgbench/designs"
	"memcgbench/kern"
)

// A schedule scripts an interleaving of tasks through kern's hook: each actor
// runs one kernel path on its own task and goroutine, pauses at the named
// points the script asks for, and reports when it is about to block or has
// returned. The controller (the test goroutine) moves the actors on one step
// at a time, so the interleaving is exact, not a matter of luck.
type schedule struct {
	t      *testing.T
	mu     sync.Mutex
	actors map[*kern.Task]*actor
}

type actor struct {
	s       *schedule
	name    string
	task    *kern.Task
	stopAt  map[string]bool
	events  chan string // "point:X" (paused), "block:X", "done"
	resumes chan struct{}
}

// hook is the kern.Config.Hook of a scheduled runtime.
func (s *schedule) hook(task *kern.Task, ev kern.Event) {
	s.mu.Lock()
	a := s.actors[task]
	s.mu.Unlock()
	if a == nil {
		return // the setup task, or a kworker nobody scripted
	}
	switch ev.Kind {
	case kern.EventPoint:
		if a.stopAt[ev.Name] {
			a.events <- ev.String()
			<-a.resumes
		}
	case kern.EventBlock:
		a.events <- ev.String()
	}
}

// start runs fn as a new actor on its own task, pausing at stopAt points.
func (s *schedule) start(rt *kern.Runtime, name string, stopAt []string, fn func(*kern.Task)) *actor {
	a := &actor{s: s, name: name, task: rt.NewTask(name), stopAt: map[string]bool{},
		events: make(chan string, 8), resumes: make(chan struct{})}
	for _, p := range stopAt {
		a.stopAt[p] = true
	}
	s.mu.Lock()
	s.actors[a.task] = a
	s.mu.Unlock()
	go func() {
		fn(a.task)
		a.events <- "done"
	}()
	return a
}

// next waits for the actor's next event.
func (a *actor) next() string {
	a.s.t.Helper()
	select {
	case ev := <-a.events:
		a.s.t.Logf("%s: %s", a.name, ev)
		return ev
	case <-time.After(watchdogStall):
		a.s.t.Fatalf("%s: no event for %v; goroutines:\n%s", a.name, watchdogStall, allStacks())
		return ""
	}
}

// expect waits for the actor's next event and fails unless it is one of want.
func (a *actor) expect(want ...string) string {
	a.s.t.Helper()
	ev := a.next()
	for _, w := range want {
		if ev == w {
			return ev
		}
	}
	a.s.t.Fatalf("%s: event %q, want one of %q", a.name, ev, want)
	return ""
}

// resume lets a paused actor go on.
func (a *actor) resume() { a.resumes <- struct{}{} }

// raceSetup returns a scheduled registry (deferred work runs only in
// Quiesce) holding root R and memcg M with M's child of R.
func raceSetup(t *testing.T, d designs.Design) (*env, *schedule, designs.Root, designs.Memcg) {
	s := &schedule{t: t, actors: map[*kern.Task]*actor{}}
	e := newEnv(t, d, 0, s.hook)
	r, m := e.root("R"), e.memcg()
	e.child(m, r)
	return e, s, r, m
}

// raceCases are interleavings of offline, the deferred work and root
// destroy: the two of the old design's flaw (kernel-model.md, "The flaw NEW
// removes"), each scripted so that a design without the serialization
// bd67314586 added shows the anomaly, and one with it blocks the second
// path until the first is done; v4.11's deferred deactivation; and a last
// page freed inside root destroy, which no design may turn into work on a
// freed cache.
var raceCases = []struct {
	name string
	flaw designs.Flaw
	// shows says which designs that declare flaw show it here: nil for
	// the old design's deferred destroy work, the race bd67314586 closed.
	shows func(d designs.Design) bool
	run   func(t *testing.T, e *env, s *schedule, r designs.Root, m designs.Memcg)
}{
	{
		// Root destroy has read the child from its slot (and cancelled its
		// destroy work, of which there was none); offline now lists the child
		// and queues its destroy work; root destroy frees the child; the
		// kworker runs the work on it.
		name: "offline between root destroy's lookup and its destroy",
		flaw: designs.WorkOnDestroyed,
		run: func(t *testing.T, e *env, s *schedule, r designs.Root, m designs.Memcg) {
			destroyer := s.start(e.rt, "destroy-root", []string{"root-destroy:child"}, func(task *kern.Task) {
				e.must("DestroyRoot", e.reg.DestroyRoot(task, r))
			})
			destroyer.expect("point:root-destroy:child")
			offliner := s.start(e.rt, "offline", nil, func(task *kern.Task) {
				e.must("OfflineMemcg", e.reg.OfflineMemcg(task, m))
			})
			// Either offline runs to the end inside root destroy's window,
			// or the design makes it wait for root destroy's lock.
			blocked := offliner.expect("done", "block:memcg_slab_mutex", "block:slab_mutex") != "done"
			destroyer.resume()
			destroyer.expect("done")
			if blocked {
				offliner.expect("done")
			}
			kworker := s.start(e.rt, "kworker", nil, func(task *kern.Task) { e.reg.Quiesce(task) })
			kworker.expect("done")
		},
	},
	{
		// A kworker is destroying the child after offline; root destroy,
		// having read the child from its slot, waits in cancel_work_sync for
		// the worker, then destroys the child again.
		name: "root destroy during the destroy of a child",
		flaw: designs.DoubleDestroy,
		run: func(t *testing.T, e *env, s *schedule, r designs.Root, m designs.Memcg) {
			stop := []string{"cache-destroy:begin"}
			var paused *actor
			offliner := s.start(e.rt, "offline", stop, func(task *kern.Task) {
				e.must("OfflineMemcg", e.reg.OfflineMemcg(task, m))
			})
			if offliner.expect("done", "point:cache-destroy:begin") != "done" {
				paused = offliner // destroying synchronously, inside offline
			}
			kworker := s.start(e.rt, "kworker", stop, func(task *kern.Task) { e.reg.Quiesce(task) })
			if kworker.expect("done", "point:cache-destroy:begin") != "done" {
				paused = kworker // destroying in deferred work
			}
			if paused == nil {
				t.Fatal("nobody is destroying the child after offline")
			}
			destroyer := s.start(e.rt, "destroy-root", nil, func(task *kern.Task) {
				e.must("DestroyRoot", e.reg.DestroyRoot(task, r))
			})
			destroyer.expect("block:cancel_work_sync", "block:memcg_slab_mutex", "block:slab_mutex")
			paused.resume()
			paused.expect("done")
			destroyer.expect("done")
		},
	},
	{
		// v4.11: offline queues the dead child's deactivation, pinning the
		// memcg but not the cache; root destroy frees the child; the
		// deactivation runs on it (fixed in v4.18). Designs whose offline
		// destroys or waits do not show it.
		name:  "root destroy before offline's deferred deactivation",
		flaw:  designs.WorkOnDestroyed,
		shows: func(d designs.Design) bool { return d.DeactivateOnOffline },
		run: func(t *testing.T, e *env, s *schedule, r designs.Root, m designs.Memcg) {
			e.must("OfflineMemcg", e.reg.OfflineMemcg(e.task, m))
			e.must("DestroyRoot", e.reg.DestroyRoot(e.task, r))
			e.reg.Quiesce(e.task)
		},
	},
	{
		// 3.15: root destroy clears the child's memcg_params->dead before
		// it cancels the destroy work, so the last page of the dead child,
		// freed inside the children loop, queues no work to run after the
		// child is freed (kmem_cache_destroy_memcg_children). No design
		// shows an anomaly here.
		name:  "last page of a dead child freed inside root destroy",
		flaw:  designs.WorkOnDestroyed,
		shows: func(designs.Design) bool { return false },
		run: func(t *testing.T, e *env, s *schedule, r designs.Root, m designs.Memcg) {
			e.must("Charge", e.reg.Charge(e.task, m, r, 1))
			e.must("OfflineMemcg", e.reg.OfflineMemcg(e.task, m))
			e.reg.Quiesce(e.task) // the destroy work shrinks: the page is held
			destroyer := s.start(e.rt, "destroy-root", []string{"root-destroy:child"}, func(task *kern.Task) {
				e.must("DestroyRoot", e.reg.DestroyRoot(task, r))
			})
			if destroyer.expect("point:root-destroy:child", "done") == "done" {
				return // the design has no child left to destroy
			}
			freer := s.start(e.rt, "free", nil, func(task *kern.Task) {
				// The cache may be gone already: its page went with it.
				_ = e.reg.Uncharge(task, m, r, 1)
			})
			freed := freer.next() == "done"
			destroyer.resume()
			destroyer.expect("done")
			if !freed {
				freer.expect("done")
			}
			kworker := s.start(e.rt, "kworker", nil, func(task *kern.Task) { e.reg.Quiesce(task) })
			kworker.expect("done")
		},
	},
}

func testRace(t *testing.T, d designs.Design) {
	if d.SharedCaches {
		t.Skip("no child caches: offline and root destroy share nothing to race on")
	}
	for _, tc := range raceCases {
		t.Run(tc.name, func(t *testing.T) {
			e, s, r, m := raceSetup(t, d)
			tc.run(t, e, s, r, m)
			got := e.reg.Snapshot().Anomalies
			declared := false
			for _, f := range e.reg.Flaws() {
				declared = declared || f == tc.flaw
			}
			if tc.shows == nil {
				declared = declared && d.DeferredDestroy
			} else {
				declared = declared && tc.shows(d)
			}
			for _, f := range designs.AllFlaws {
				want := int64(0)
				if f == tc.flaw && declared {
					want = 1
				}
				if got[f] != want {
					t.Errorf("%s: anomaly %s = %d, want %d (flaw declared: %v)", d.Name, f, got[f], want, declared)
				}
			}
			checkInvariants(e)
			t.Log(fmt.Sprintf("%s: anomalies %v", d.Name, got))
		})
	}
}
