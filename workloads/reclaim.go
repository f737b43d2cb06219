package workloads

import (
	"sync"
	"time"

	"memcgbench/designs"
	"memcgbench/kern"
)

// A reclaimer frees the long-lived objects of ended containers when their
// time comes (Objects.LongLivedLife after the end), as memory reclaim
// frees the dentries and inodes a dead container left (prune_dcache_sb
// from the superblock shrinker, kmem_cache_free of each): on a task of
// its own, holding no lock of the model's. Containers end in time order
// and every entry waits the same life, so the queue is in due order.
type reclaimer struct {
	mu      sync.Mutex // the harness's lock: workers add as the reclaimer takes
	entries []reclaimEntry
}

// A reclaimEntry is one ended container's long-lived objects in one cache.
type reclaimEntry struct {
	at    int64 // when reclaim frees them, on the runtime's clock
	memcg designs.Memcg
	root  designs.Root
}

// reclaimPoll bounds the reclaimer's sleep, so that it sees the end of the
// run within this much of it (a hundred wake-ups a second of the run);
// reclaimGrain is its shortest, so that a life of nanoseconds costs at
// most ten thousand wake-ups a second of the run: reclaim frees objects up
// to this late.
const (
	reclaimPoll  = 10 * time.Millisecond
	reclaimGrain = 100 * time.Microsecond
)

func (q *reclaimer) add(e reclaimEntry) {
	q.mu.Lock()
	q.entries = append(q.entries, e)
	q.mu.Unlock()
}

// due takes the entries due by now, and returns when the next one is due
// (0: none queued).
func (q *reclaimer) due(now int64) ([]reclaimEntry, int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for n < len(q.entries) && q.entries[n].at <= now {
		n++
	}
	out := q.entries[:n:n]
	q.entries = q.entries[n:]
	var next int64
	if len(q.entries) > 0 {
		next = q.entries[0].at
	}
	return out, next
}

// runReclaim is the reclaimer's task: until the run stops, free what is
// due, then sleep until the next entry is due, or at most reclaimPoll.
// What is still to come when the run stops stays allocated: the run's
// dead caches are counted with it.
func (r *Runner) runReclaim(t *kern.Task) {
	pages := r.spec.Objects.PagesPerCache
	for !r.stop.Load() {
		now := t.Now()
		batch, next := r.reclaim.due(now)
		for _, e := range batch {
			if err := r.reg.Free(t, e.memcg, e.root, pages); err != nil && !stale(err) {
				r.reclaimErr = err
				r.abortRun()
				return
			}
		}
		// Nothing queued: nothing can be due before a life from now.
		wait := reclaimPoll
		if next != 0 {
			wait = min(wait, time.Duration(next-now))
		}
		t.Sleep(max(wait, reclaimGrain))
	}
}
