package workloads

import "math/rand/v2"

// tapeLen is the number of pre-drawn steps each worker cycles through. The
// steps are drawn before the run, so the hot loop spends no time on random
// numbers or on the Zipf sampler (tens of nanoseconds a draw): it reads the
// next step and does it.
const tapeLen = 1 << 14

// A step is one pre-drawn operation: what to do and to which slots.
type step struct {
	op    Op
	memcg uint32 // memcg slot
	root  uint32 // root slot
}

// sampler draws an index in [0, n) under a Skew.
type sampler func() int

func newSampler(rng *rand.Rand, skew Skew, n int) sampler {
	if !skew.Zipf || n == 1 {
		return func() int { return rng.IntN(n) }
	}
	z := rand.NewZipf(rng, skew.S, 1, uint64(n-1))
	return func() int { return int(z.Uint64()) }
}

// workingSetRoot returns the root slot of the k-th working-set cache of
// memcg slot m: consecutive runs of roots, spread over all of them.
func workingSetRoot(spec *Spec, m, k int) int {
	return (m*spec.CachesPerMemcg + k) % spec.Roots
}

// drawTape draws the tape of worker of workers for one role's mix.
func drawTape(spec *Spec, mix Mix, rng *rand.Rand, worker, workers int) []step {
	memcgs := newSampler(rng, spec.Skew, spec.Memcgs)
	if spec.Partition {
		// Worker i takes only memcgs i, i+P, i+2P, ...; with more workers
		// than memcgs, worker i shares memcg i mod M with the others of
		// its residue.
		first := worker % spec.Memcgs
		own := newSampler(rng, spec.Skew, max((spec.Memcgs-first+workers-1)/workers, 1))
		memcgs = func() int { return min(first+own()*workers, spec.Memcgs-1) }
		if workers > spec.Memcgs {
			memcgs = func() int { return first }
		}
	}
	roots := newSampler(rng, spec.Skew, spec.Roots)
	ws := newSampler(rng, spec.Skew, spec.CachesPerMemcg)
	total := mix.Total()
	tape := make([]step, tapeLen)
	for i := range tape {
		pick := rng.IntN(total)
		op := Op(0)
		for pick >= mix[op] {
			pick -= mix[op]
			op++
		}
		s := step{op: op, memcg: uint32(memcgs())}
		switch op {
		case OpAlloc, OpCharge, OpSlabinfo, OpChurn:
			s.root = uint32(workingSetRoot(spec, int(s.memcg), ws()))
		default:
			s.root = uint32(roots())
		}
		tape[i] = s
	}
	return tape
}
