package workloads

import "math/rand/v2"

// tapeLen is the most pre-drawn steps each worker holds and cycles
// through. The steps are drawn ahead of their use, in batches that double,
// so the hot loop spends no time on random numbers or on the Zipf sampler
// (tens of nanoseconds a draw): it reads the next step and does it.
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

// A tape is a worker's pre-drawn steps. It starts short and doubles
// from the same random source whenever the worker reaches its end, up to
// tapeLen steps, after which the worker cycles through it: a run uses the
// steps it would have drawn with a full tape, in the same order, without
// drawing (and holding) 16 384 steps for each of 1024 workers that do 40
// operations each.
type tape struct {
	steps []step
	pos   int
	draw  func() step
}

// firstTape is how many steps a tape draws at first.
const firstTape = 64

// next returns the next step, drawing more when the tape runs out (the
// driver's closed loop spells it out, since the compiler does not inline
// it); refill is the cold part.
func (t *tape) next() step {
	if t.pos < len(t.steps) {
		s := t.steps[t.pos]
		t.pos++
		return s
	}
	return t.refill()
}

// refill draws twice the tape's steps, up to tapeLen, or rewinds it, and
// returns the next step.
//
//go:noinline
func (t *tape) refill() step {
	if len(t.steps) == tapeLen {
		t.pos = 0
	} else {
		n := min(max(2*len(t.steps), firstTape), tapeLen) - len(t.steps)
		for range n {
			t.steps = append(t.steps, t.draw())
		}
	}
	s := t.steps[t.pos]
	t.pos++
	return s
}

// newTape returns the tape of worker of workers for one role's mix, with
// its first steps drawn.
func newTape(spec *Spec, mix Mix, rng *rand.Rand, worker, workers int) *tape {
	t := &tape{draw: stepDrawer(spec, mix, rng, worker, workers)}
	t.steps = make([]step, 0, firstTape)
	for range firstTape {
		t.steps = append(t.steps, t.draw())
	}
	return t
}

// stepDrawer returns a function that draws the steps of worker of workers
// for one role's mix from rng, one at a time, in the order a full tape
// would hold them.
func stepDrawer(spec *Spec, mix Mix, rng *rand.Rand, worker, workers int) func() step {
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
	return func() step {
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
		return s
	}
}
