package kern

import (
	"slices"
	"strings"
	"time"
)

// LockStat holds the lock_stat columns of one lock class. Times are in
// nanoseconds of the monotonic clock.
type LockStat struct {
	Acquisitions int64 // acquisitions, contended or not
	Contentions  int64 // acquisitions that had to wait for another holder
	WaitTotal    int64 // time spent waiting, summed over contentions (ns)
	WaitMax      int64 // longest single wait (ns)
	HoldTotal    int64 // time held, summed over acquisitions (ns)
	HoldMax      int64 // longest single hold (ns)

	_ [2]int64 // pad to 64 bytes, so two tasks' counters never share a cache line
}

// add merges o into s.
func (s *LockStat) add(o *LockStat) {
	s.Acquisitions += o.Acquisitions
	s.Contentions += o.Contentions
	s.WaitTotal += o.WaitTotal
	s.WaitMax = max(s.WaitMax, o.WaitMax)
	s.HoldTotal += o.HoldTotal
	s.HoldMax = max(s.HoldMax, o.HoldMax)
}

// ClassStat is the merged LockStat of one lock class.
type ClassStat struct {
	Class string
	LockStat
}

// Wait returns the total wait as a Duration.
func (s ClassStat) Wait() time.Duration { return time.Duration(s.WaitTotal) }

// Hold returns the total hold time as a Duration.
func (s ClassStat) Hold() time.Duration { return time.Duration(s.HoldTotal) }

// statsStride is the number of classes a task's counters are allocated for at
// first, so that the array is a 512-byte object aligned to its size.
const statsStride = 8

// stat returns t's counters for the class with the given id.
func (t *Task) stat(id int) *LockStat {
	if id >= len(t.stats) {
		n := (id/statsStride + 1) * statsStride
		grown := make([]LockStat, n)
		copy(grown, t.stats)
		t.stats = grown
	}
	return &t.stats[id]
}

// mergeStats sums per-task counters into one row per class that was ever
// taken, sorted by class name.
func mergeStats(tasks []*Task) []ClassStat {
	list := classList()
	sum := make([]LockStat, len(list))
	for _, t := range tasks {
		// A task's counters are allocated in strides, past the last class.
		for id := range min(len(t.stats), len(sum)) {
			sum[id].add(&t.stats[id])
		}
	}
	var out []ClassStat
	for id, s := range sum {
		if s.Acquisitions > 0 {
			out = append(out, ClassStat{Class: list[id].name, LockStat: s})
		}
	}
	slices.SortFunc(out, func(a, b ClassStat) int { return strings.Compare(a.Class, b.Class) })
	return out
}

// LockStats returns t's own lock statistics, one row per class it took.
// It must not run concurrently with t's own lock operations.
func (t *Task) LockStats() []ClassStat { return mergeStats([]*Task{t}) }
