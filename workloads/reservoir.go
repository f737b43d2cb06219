package workloads

import (
	"math/rand/v2"

	"github.com/montanaflynn/stats"
)

// reservoirSize bounds the latency samples one worker keeps per op kind.
const reservoirSize = 1024

// A reservoir keeps a uniform random sample of at most reservoirSize values
// from a stream of any length (Vitter's algorithm R), and the exact maximum.
type reservoir struct {
	n       int64
	max     float64
	samples []float64
}

func (r *reservoir) add(v float64, rng *rand.Rand) {
	r.n++
	r.max = max(r.max, v)
	if len(r.samples) < reservoirSize {
		r.samples = append(r.samples, v)
		return
	}
	if j := rng.Int64N(r.n); j < reservoirSize {
		r.samples[j] = v
	}
}

// Latency summarizes the latency of one op kind, in nanoseconds.
type Latency struct {
	N        int64   // operations timed
	P50, P99 float64 // percentiles, estimated from the merged samples
	Max      float64 // exact maximum
}

// mergeLatency merges per-worker reservoirs into one sample in which each
// worker is represented in proportion to its operations, and summarizes it.
func mergeLatency(rs []*reservoir, rng *rand.Rand) Latency {
	var lat Latency
	for _, r := range rs {
		lat.N += r.n
		lat.Max = max(lat.Max, r.max)
	}
	if lat.N == 0 {
		return lat
	}
	var merged []float64
	for _, r := range rs {
		want := int(float64(reservoirSize) * float64(r.n) / float64(lat.N))
		want = min(max(want, 1), len(r.samples))
		for _, i := range rng.Perm(len(r.samples))[:want] {
			merged = append(merged, r.samples[i])
		}
	}
	lat.P50, _ = stats.Percentile(merged, 50)
	lat.P99, _ = stats.Percentile(merged, 99)
	return lat
}
