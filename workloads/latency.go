package workloads

import (
	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latency histograms span 1 ns to maxLatency with latencyDigits
// significant digits: every recorded value is kept to within 1 %, however
// rare (a p99.9 of a few hundred events is read from the histogram, not
// from a sample of it), in about 20 KiB a histogram.
const (
	maxLatency    = int64(1e12) // 1000 s of a run's clock, in ns
	latencyDigits = 2
)

// A histogram is one worker's latencies of one kind. Its first few values
// are kept as they are, and the HDR histogram is allocated only when more
// come: workers that time nothing (lock-free allocators) keep none, and
// the many workers of a large virtual run that time a few events each
// neither hold 20 KiB apiece nor cost a scan of every bucket to merge.
type histogram struct {
	few [fewLatencies]int64
	n   int
	h   *hdrhistogram.Histogram
}

// fewLatencies is how many values a histogram keeps before it allocates
// its HDR histogram.
const fewLatencies = 16

func newHDR() *hdrhistogram.Histogram { return hdrhistogram.New(1, maxLatency, latencyDigits) }

// add records one latency in ns; values past the histogram's range count
// as its largest.
func (h *histogram) add(ns int64) {
	ns = min(max(ns, 1), maxLatency)
	if h.h == nil {
		if h.n < len(h.few) {
			h.few[h.n] = ns
			h.n++
			return
		}
		h.h = newHDR()
		for _, v := range h.few[:h.n] {
			h.h.RecordValue(v)
		}
	}
	h.h.RecordValue(ns)
}

// mergeInto adds h's values to all.
func (h *histogram) mergeInto(all *hdrhistogram.Histogram) {
	if h.h != nil {
		all.Merge(h.h)
		return
	}
	for _, v := range h.few[:h.n] {
		all.RecordValue(v)
	}
}

// Latency summarizes latencies in nanoseconds, as an HDR histogram of them
// reports: the percentiles are the upper ends of their buckets, 1 % wide.
type Latency struct {
	N                  int64   // values recorded
	P50, P99, P999     float64 // percentiles 50, 99 and 99.9
	Max                float64 // largest value, to the histogram's precision
	Censored, Complete int64   // of N: values still growing at the end (a lower bound each), and the rest
}

// mergeLatency merges per-worker histograms, and events still waiting at the
// end of a run with their waits so far (censored: each a lower bound), into
// one summary. With censored values in it the percentiles are lower bounds
// too, which is what an overloaded design deserves: its unserved events
// count instead of vanishing from the tail.
func mergeLatency(hs []*histogram, censored []int64) Latency {
	all := newHDR()
	for _, h := range hs {
		h.mergeInto(all)
	}
	var lat Latency
	lat.Complete = all.TotalCount()
	for _, ns := range censored {
		all.RecordValue(min(max(ns, 1), maxLatency))
	}
	lat.Censored = int64(len(censored))
	lat.N = all.TotalCount()
	if lat.N == 0 {
		return lat
	}
	lat.P50 = float64(all.ValueAtPercentile(50))
	lat.P99 = float64(all.ValueAtPercentile(99))
	lat.P999 = float64(all.ValueAtPercentile(99.9))
	lat.Max = float64(all.Max())
	return lat
}
