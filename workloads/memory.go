package workloads

import (
	"fmt"

	"memcgbench/designs"
)

// What one of each thing a run holds costs in memory, from peak RSS
// (/usr/bin/time -f %M) of `memcgbench run -design old -ops 2000` on the
// 2-CPU reference machine, varying one size from a 10 MB run of one root,
// one memcg, one cache and one worker (Go 1.26.8), each rounded up:
//
//	-roots 10000                      +4.6 MB   0.46 KB a root
//	-memcgs 8192                      +7.4 MB   0.91 KB a memcg
//	-memcgs 4096 -roots 1000          +55 MB    12.5 B an array slot (roots x memcgs)
//	-memcgs 1000 -roots 1000 -caches 100  +48 MB    0.31 KB a child cache
//	-workers 4096                     +18.9 MB  4.6 KB a worker, before its tape grows
//	-clock virtual -cpus 4096 -workers 1  +24.8 MB  6 KB a virtual CPU
//
// A worker's tape grows to tapeLen steps on a long run (4096 workers for
// 500 ms reached 1.1 GB).
const (
	memBase     = 16 << 20
	memRoot     = 512
	memMemcg    = 1 << 10
	memSlot     = 16
	memChild    = 400
	memWorker   = 5 << 10
	memVirtCPU  = 6 << 10
	memTapeStep = 16 // sizeof(step)
)

// MemoryEstimate returns about how many bytes a run of s needs at cpus CPUs
// (GOMAXPROCS, or virtual CPUs when virtual), from its sizes; its terms
// are measured (see the constants above) and rounded up, so it is an upper
// estimate for guarding against runs that cannot fit, not a prediction.
func (s *Spec) MemoryEstimate(cpus int, virtual bool) int64 {
	roots, memcgs := int64(s.Roots), int64(s.Memcgs)
	slots := max(memcgs, designs.MinArraySize)
	workers := int64(0)
	for _, r := range s.roles(cpus) {
		workers += int64(r.Workers)
	}
	steps := int64(tapeLen)
	if s.Duration == 0 && s.Ops > 0 && workers > 0 {
		steps = min(max(2*s.Ops/workers, firstTape), tapeLen)
	}
	b := int64(memBase) + roots*memRoot + memcgs*memMemcg + roots*slots*memSlot +
		memcgs*int64(s.CachesPerMemcg)*memChild + workers*(memWorker+steps*memTapeStep)
	if virtual {
		b += int64(cpus) * memVirtCPU
	}
	// The kworkers, each a goroutine and a task, as a worker is before
	// its tape: up to the managed system_wq's most (systemWQ).
	kworkers := int64(s.Kworkers)
	if kworkers == 0 {
		_, most := systemWQ(cpus)
		kworkers = int64(most)
	}
	return b + kworkers*memWorker
}

// FormatBytes prints n bytes as MB or GB, for messages.
func FormatBytes(n int64) string {
	if n >= 1<<30 {
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
}
