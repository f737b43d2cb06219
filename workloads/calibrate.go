package workloads

import (
	"fmt"
	"runtime"
	"time"
)

// CalibrateLimit returns the throughput limit, in operations per second, of
// the calibrate preset on design d with the given workers and memcgs on
// cpus CPUs, for a critical section of hold: the known answer a measured
// run is held against.
//
// memory.kmem.slabinfo takes the global memcg_slab_mutex in the new design,
// so at most one read runs at a time: 1/hold. In the old design it takes the
// memcg's own mutex, so reads of different memcgs run in parallel, bounded by
// the workers, the memcgs and the CPUs: min(workers, memcgs, cpus)/hold.
func CalibrateLimit(d string, workers, memcgs, cpus int, hold time.Duration) (float64, error) {
	per := 1 / hold.Seconds()
	switch d {
	case "new":
		return per, nil
	case "old":
		return float64(min(workers, memcgs, cpus)) * per, nil
	}
	return 0, fmt.Errorf("calibrate: no known answer for design %q", d)
}

// CPUs returns the CPUs a run can use: GOMAXPROCS, at most the machine's.
func CPUs() int { return min(runtime.GOMAXPROCS(0), runtime.NumCPU()) }
