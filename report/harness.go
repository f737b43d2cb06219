package report

import (
	"fmt"
	"math"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

// HarnessBenchmark is the benchmark whose results the harness section
// reads.
const HarnessBenchmark = "HarnessOverhead"

// A HarnessGoal is one ratio of BenchmarkHarnessOverhead's results the
// report checks: numerator and denominator are sub-benchmark names
// (without the -N suffix), Goal the largest ratio allowed and Why its
// reason.
type HarnessGoal struct {
	Name, Num, Den string
	Goal           float64
	Why            string
}

// HarnessGoals are the ratios the harness section shows.
var HarnessGoals = []HarnessGoal{
	{"registry hit (Lookup) / interface call", "op=alloc-hit/impl=registry", "op=alloc-hit/impl=interface", 1.5,
		"issue 11: a hit costs little more than the one dynamic call it needs"},
	{"hit through Alloc / Lookup", "op=alloc-hit/impl=registry-alloc", "op=alloc-hit/impl=registry", math.Inf(1),
		"none: what a caller that skips Lookup pays (a call that can miss needs a frame), shown, not judged"},
	{"driver hit / registry hit, one cache", "op=alloc-hit/impl=driver-1cache", "op=alloc-hit/impl=registry", 2,
		"issue 11: the driver's step costs no more than what it drives"},
	{"driver hit, working set / one cache", "op=alloc-hit/impl=driver", "op=alloc-hit/impl=driver-1cache", math.Inf(1),
		"none: what DefaultSpec's 116 roots x 64 memcgs of 40 caches cost in cache misses, shown, not judged"},
	{"lock_stat on / off, uncontended", "op=lock/contention=none/stats=on", "op=lock/contention=none/stats=off", 5,
		"estimate: statistics read the clock (about 50 ns here) around a 14 ns acquisition"},
	{"lock_stat on / off, contended", "op=lock/contention=all/stats=on", "op=lock/contention=all/stats=off", 1.5,
		"estimate: on contended locks, which the verdicts are about, statistics may not move the wait much"},
}

// A HarnessRatio is one goal's measured ratio of medians, with a
// conservative interval from the two confidence intervals.
type HarnessRatio struct {
	HarnessGoal
	Ratio, Lo, Hi float64
	// Num and Den are the medians, in ns per operation.
	NumNs, DenNs float64
	N            int // samples of each
	// NumAllocs is the most allocs/op of the numerator's samples, or -1
	// where the benchmark does not report allocations.
	NumAllocs float64
}

// Allocates reports whether a hit path (an op=alloc-hit numerator)
// allocated: a hit must allocate nothing.
func (r HarnessRatio) Allocates() bool {
	return strings.HasPrefix(r.Num, "op=alloc-hit/") && r.NumAllocs > 0
}

// Over reports whether the ratio is above its goal.
func (r HarnessRatio) Over() bool { return r.Ratio > r.Goal }

// ReadHarness reads BenchmarkHarnessOverhead's results and computes
// HarnessGoals' ratios of the ns/op medians (benchmath), over every
// GOMAXPROCS in the file (the sweep runs it at one). A goal whose
// benchmarks are missing is an error.
func ReadHarness(path string, opts Options) ([]HarnessRatio, error) {
	if err := CheckComplete(path); err != nil {
		return nil, err
	}
	files := benchfmt.Files{Paths: []string{path}}
	samples := map[string][]float64{}
	allocs := map[string]float64{}
	for files.Scan() {
		switch rec := files.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, fmt.Errorf("%s: %w", path, rec)
		case *benchfmt.Result:
			if string(rec.Name.Base()) != HarnessBenchmark {
				continue
			}
			_, sub := rec.Name.Parts()
			var parts []string
			for _, p := range sub {
				if !strings.HasPrefix(string(p), "-") { // the -N GOMAXPROCS suffix
					parts = append(parts, strings.TrimPrefix(string(p), "/"))
				}
			}
			name := strings.Join(parts, "/")
			if v, ok := rec.Value("sec/op"); ok {
				samples[name] = append(samples[name], v*1e9)
			}
			if v, ok := rec.Value("allocs/op"); ok {
				allocs[name] = max(allocs[name], v)
			} else if _, seen := allocs[name]; !seen {
				allocs[name] = -1
			}
		}
	}
	if err := files.Err(); err != nil {
		return nil, err
	}
	summary := func(name string) (benchmath.Summary, int, error) {
		v := samples[name]
		if len(v) == 0 {
			return benchmath.Summary{}, 0, fmt.Errorf("%s: no BenchmarkHarnessOverhead/%s", path, name)
		}
		s := benchmath.NewSample(v, &opts.Thresholds)
		return benchmath.AssumeNothing.Summary(s, opts.Confidence), len(v), nil
	}
	var out []HarnessRatio
	for _, g := range HarnessGoals {
		num, n, err := summary(g.Num)
		if err != nil {
			return nil, err
		}
		den, _, err := summary(g.Den)
		if err != nil {
			return nil, err
		}
		r := HarnessRatio{HarnessGoal: g, Ratio: num.Center / den.Center, NumNs: num.Center, DenNs: den.Center, N: n,
			Lo: math.Inf(-1), Hi: math.Inf(1), NumAllocs: allocs[g.Num]}
		if den.Lo > 0 && !math.IsInf(den.Hi, 0) && !math.IsInf(num.Hi, 0) {
			r.Lo, r.Hi = num.Lo/den.Hi, num.Hi/den.Lo
		}
		out = append(out, r)
	}
	return out, nil
}

// minIntervalSamples is the fewest samples whose median has a 95 %
// distribution-free confidence interval (benchmath.AssumeNothing): with 5
// the two extremes cover it only 94 % of the time.
const minIntervalSamples = 6

func goalCell(g float64) string {
	if math.IsInf(g, 1) {
		return "—"
	}
	return fmt.Sprintf("≤ %g", g)
}

// HarnessTable is the harness section: each ratio with its interval, its
// goal and a flag where it is above it.
func HarnessTable(rs []HarnessRatio) Table {
	t := Table{Title: "The harness's own cost (BenchmarkHarnessOverhead)",
		Header: []string{"ratio", "measured", "interval", "ns/op", "allocs/op", "goal", "", "why this goal"}}
	for _, r := range rs {
		interval := "—"
		if !math.IsInf(r.Lo, 0) && !math.IsInf(r.Hi, 0) {
			interval = fmt.Sprintf("%.2f – %.2f", r.Lo, r.Hi)
		}
		var flags []string
		if r.Over() {
			flags = append(flags, "⚑ above the goal")
		}
		if r.Allocates() {
			flags = append(flags, "⚑ a hit allocates")
		}
		flag := "ok"
		if len(flags) > 0 {
			flag = strings.Join(flags, "; ")
		}
		allocCell := "—"
		if r.NumAllocs >= 0 {
			allocCell = fmt.Sprintf("%g", r.NumAllocs)
		}
		t.Rows = append(t.Rows, []string{r.Name, fmt.Sprintf("%.2f", r.Ratio), interval,
			fmt.Sprintf("%.3g / %.3g", r.NumNs, r.DenNs), allocCell, goalCell(r.Goal), flag, r.Why})
	}
	if len(rs) > 0 {
		note := fmt.Sprintf("Ratios of the medians of %d samples each (interleaved rounds), with the interval bounded by the two 95 %% confidence intervals.", rs[0].N)
		if rs[0].N < minIntervalSamples {
			note += fmt.Sprintf(" With fewer than %d samples a median has no 95 %% interval (—).", minIntervalSamples)
		}
		t.Notes = append(t.Notes, note)
	}
	return t
}
