package workloads

import (
	"math"
	"math/rand/v2"
	"sync"
)

// arrivals hands out the arrival times of an open-loop role's events, in
// order, to whichever of its workers is free. Events arrive at most a few
// thousand times a second, so one mutex per role costs nothing the run
// measures; a role's workers share it, no other role does.
type arrivals struct {
	mu      sync.Mutex
	rng     *rand.Rand
	process Arrival
	gap     float64 // mean time between arrivals, ns
	next    float64 // the next arrival, on the runtime's clock (ns)
	// unserved are arrivals taken but never started, because the run was
	// stopped (cancelled) while a worker waited for them.
	unserved []int64
}

// newArrivals starts a role's arrivals at start: the first Poisson arrival
// after an exponential gap, the first fixed one at a random phase within
// one gap, both drawn from rng.
func newArrivals(rate Rate, perSec float64, start int64, rng *rand.Rand) *arrivals {
	if perSec <= 0 {
		// A role turned off: nothing ever arrives.
		return &arrivals{rng: rng, process: rate.Arrival, gap: math.Inf(1), next: math.Inf(1)}
	}
	a := &arrivals{rng: rng, process: rate.Arrival, gap: 1e9 / perSec}
	switch rate.Arrival {
	case Fixed:
		a.next = float64(start) + rng.Float64()*a.gap
	default:
		a.next = float64(start) + rng.ExpFloat64()*a.gap
	}
	return a
}

// take returns the next arrival time and moves on, or false if it is at or
// past end (the window is closed).
func (a *arrivals) take(end int64) (int64, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !(a.next < float64(end)) {
		return 0, false
	}
	at := int64(math.Ceil(a.next))
	if at >= end {
		return 0, false
	}
	a.advance()
	return at, true
}

func (a *arrivals) advance() {
	if a.process == Fixed {
		a.next += a.gap
	} else {
		a.next += a.rng.ExpFloat64() * a.gap
	}
}

// giveBack records an arrival taken but not served.
func (a *arrivals) giveBack(at int64) {
	a.mu.Lock()
	a.unserved = append(a.unserved, at)
	a.mu.Unlock()
}

// backlog returns how many events arrived before end and were never
// started (those given back and those nobody took), and the waits at end
// of the first maxCensored of them. Call it once the role's workers are
// done.
func (a *arrivals) backlog(end int64) (n int64, waits []int64) {
	add := func(at int64) {
		n++
		if len(waits) < maxCensored {
			waits = append(waits, end-at)
		}
	}
	for _, at := range a.unserved {
		add(at)
	}
	for a.next < float64(end) { // a role turned off has its next at +Inf
		at := int64(math.Ceil(a.next))
		if at >= end {
			break
		}
		add(at)
		a.advance()
	}
	return n, waits
}

// maxCensored bounds the unserved events whose waits a role keeps: far
// past saturation the count keeps growing, and the tail is already a lower
// bound that has diverged.
const maxCensored = 1 << 20
