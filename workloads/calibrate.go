package workloads

import (
	"fmt"
	"runtime"
	"time"

	"memcgbench/designs"
)

// CalibrateLimit returns the throughput limit, in operations per second, of
// the calibrate preset on design d with the given workers and memcgs on
// cpus CPUs, for a critical section of hold: the known answer a measured
// run is held against. Each read holds its lock for hold, and
// d.SlabinfoReaders of them can hold theirs at once: the new design's
// global memcg_slab_mutex lets one (1/hold), the old design's per-memcg
// mutexes min(workers, memcgs, cpus).
func CalibrateLimit(d designs.Design, workers, memcgs, cpus int, hold time.Duration) (float64, error) {
	if d.SlabinfoReaders == nil {
		return 0, fmt.Errorf("calibrate: no known answer for design %q", d.Name)
	}
	return float64(d.SlabinfoReaders(workers, memcgs, cpus)) / hold.Seconds(), nil
}

// Applies reports whether preset runs on design d: every preset does,
// except calibrate on a design whose memory.kmem.slabinfo takes no lock
// (designs.Design.SlabinfoReaders is nil), which has no known answer and
// whose reads cost the model nothing.
func Applies(preset string, d designs.Design) bool {
	return preset != "calibrate" || d.SlabinfoReaders != nil
}

// CPUs returns the CPUs a run can use: GOMAXPROCS, at most the machine's.
func CPUs() int { return min(runtime.GOMAXPROCS(0), runtime.NumCPU()) }
