package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchproc"
)

// SensitivityBenchmark is the benchmark name of a sensitivity run's results
// (memcgbench sensitivity): Sensitivity/workload=W/design=D/constant=C/
// factor=F/clock=virtual-N, with constant=none and factor=x1 for the
// defaults.
const SensitivityBenchmark = "Sensitivity"

// Sensitivity is how much the verdict depends on each model constant: for
// every workload, the candidate/baseline throughput ratio with every
// constant at its default, and with each constant alone at a lower and a
// higher multiple of it.
type Sensitivity struct {
	// CPUs is the virtual CPUs the runs had.
	CPUs int
	// Low and High are the factors the constants were varied by (e.g.
	// 0.25 and 4).
	Low, High float64
	// Samples is the number of runs (seeds) behind each median.
	Samples int
	// Workloads are the workloads in the order first seen.
	Workloads []*WorkloadSensitivity
}

// WorkloadSensitivity is one workload's tornado: the ratio at the defaults
// and one Swing per constant, largest swing first.
type WorkloadSensitivity struct {
	Workload string
	// Ratio says what Base and the swings are: "new/old throughput", or
	// for a real-rate workload "old/new p99 of <role> events" (a latency
	// ratio turned so that, as for throughput, below 1 is a loss).
	Ratio string
	// Base is candidate/baseline throughput (of the medians) at the
	// defaults.
	Base   float64
	Swings []Swing
}

// A Swing is the ratio with one constant at the low factor and at the
// high one. Either is NaN when that run is missing.
type Swing struct {
	Constant  string
	Low, High float64
}

// Width is how far the swing spreads: the larger distance of either end
// from the other or from the base ratio.
func (s Swing) Width(base float64) float64 {
	lo := math.Min(base, math.Min(s.Low, s.High))
	hi := math.Max(base, math.Max(s.Low, s.High))
	return hi - lo
}

// ReadSensitivity reads a sensitivity run's results with x/perf's parser and
// projections and takes each cell's median ops/s with benchmath. It
// compares opts.Candidate with opts.Baseline, as Build does.
func ReadSensitivity(path string, opts Options) (*Sensitivity, error) {
	if err := CheckComplete(path); err != nil {
		return nil, err
	}
	files := benchfmt.Files{Paths: []string{path}}
	var parser benchproc.ProjectionParser
	proj, err := parser.Parse("/workload,/constant,/factor,/design,/gomaxprocs", nil)
	if err != nil {
		return nil, err
	}
	f := proj.Fields()
	type cell struct{ workload, constant, factor, design string }
	samples := map[cell][]float64{}
	// latency has the reciprocal p99 of a real-rate workload's primary
	// events; it replaces the throughput where every run timed some.
	latency := map[cell][]float64{}
	noLatency := map[string]bool{}
	out := &Sensitivity{}
	var order []cell
	seen := map[string]bool{}
	for files.Scan() {
		switch rec := files.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, rec
		case *benchfmt.Result:
			if string(rec.Name.Base()) != SensitivityBenchmark {
				continue
			}
			k := proj.Project(rec)
			c := cell{k.Get(f[0]), k.Get(f[1]), k.Get(f[2]), k.Get(f[3])}
			out.CPUs, _ = strconv.Atoi(k.Get(f[4]))
			if v, ok := rec.Value(Throughput); ok {
				if len(samples[c]) == 0 {
					order = append(order, c)
				}
				samples[c] = append(samples[c], v)
			}
			if unit, _ := sensitivityUnit(c.workload); unit != Throughput {
				// A latency: its reciprocal, so that higher is better,
				// as for throughput; none where no event arrived.
				if v, ok := rec.Value(unit); ok && v > 0 {
					latency[c] = append(latency[c], 1/v)
				} else {
					noLatency[c.workload] = true
				}
			}
			if !seen[c.workload] {
				seen[c.workload] = true
				out.Workloads = append(out.Workloads, &WorkloadSensitivity{Workload: c.workload, Ratio: "new/old throughput"})
			}
		}
	}
	if err := files.Err(); err != nil {
		return nil, err
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("%s: %w of Benchmark%s", path, ErrNoResults, SensitivityBenchmark)
	}
	for _, ws := range out.Workloads {
		if _, what := sensitivityUnit(ws.Workload); what != ws.Ratio && !noLatency[ws.Workload] {
			ws.Ratio = what
			for c, v := range latency {
				if c.workload == ws.Workload {
					samples[c] = v
				}
			}
		}
	}
	median := func(c cell) float64 {
		vals := samples[c]
		if len(vals) == 0 {
			return math.NaN()
		}
		out.Samples = max(out.Samples, len(vals))
		s := benchmath.NewSample(vals, &opts.Thresholds)
		return benchmath.AssumeNothing.Summary(s, opts.Confidence).Center
	}
	ratio := func(w, constant, factor string) float64 {
		return median(cell{w, constant, factor, opts.Candidate}) / median(cell{w, constant, factor, opts.Baseline})
	}
	var factors []string
	for _, c := range order {
		if c.constant != "none" && !slices.Contains(factors, c.factor) {
			factors = append(factors, c.factor)
		}
	}
	if len(factors) != 2 {
		return nil, fmt.Errorf("%s: factors %q, want a low and a high one", path, factors)
	}
	lowF, highF := factorValue(factors[0]), factorValue(factors[1])
	if lowF > highF {
		factors[0], factors[1], lowF, highF = factors[1], factors[0], highF, lowF
	}
	out.Low, out.High = lowF, highF
	for _, ws := range out.Workloads {
		ws.Base = ratio(ws.Workload, "none", "x1")
		var constants []string
		for _, c := range order {
			if c.workload == ws.Workload && c.constant != "none" && !slices.Contains(constants, c.constant) {
				constants = append(constants, c.constant)
			}
		}
		for _, name := range constants {
			ws.Swings = append(ws.Swings, Swing{Constant: name,
				Low: ratio(ws.Workload, name, factors[0]), High: ratio(ws.Workload, name, factors[1])})
		}
		slices.SortStableFunc(ws.Swings, func(a, b Swing) int {
			return cmp.Compare(b.Width(ws.Base), a.Width(ws.Base)) // widest first
		})
	}
	return out, nil
}

// factorValue reads a factor key such as "x0.25".
func factorValue(s string) float64 {
	v, err := strconv.ParseFloat(strings.TrimPrefix(s, "x"), 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

// class sorts one of the workload's ratios into the report's answers: a
// throughput ratio as claimClass does, an old/new p99 ratio r by the p99's
// growth 1/r - 1 against LatencySmall and LatencyLarge, as the answer at
// real rates does.
func (ws *WorkloadSensitivity) class(r float64) string {
	if !strings.Contains(ws.Ratio, "p99") {
		return claimClass(r)
	}
	switch growth := 1/r - 1; {
	case math.IsNaN(r):
		return "no answer"
	case growth <= LatencySmall:
		return "not a lot"
	case growth <= LatencyLarge:
		return "some"
	}
	return "a lot"
}

// claimClass sorts a candidate/baseline ratio into the report's answers:
// "not a lot" (a loss of at most ClaimSmall, or a gain), "a lot" (a loss
// beyond ClaimLarge) or "some" in between.
func claimClass(r float64) string {
	switch {
	case math.IsNaN(r):
		return "unknown"
	case r >= 1-ClaimSmall:
		return "not a lot"
	case r < 1-ClaimLarge:
		return "a lot"
	}
	return "some"
}

// Hinges returns the constants whose low or high value moves the
// workload's answer into another class than at the defaults (see
// claimClass), largest swing first.
func (ws *WorkloadSensitivity) Hinges() []Swing {
	base := ws.class(ws.Base)
	var out []Swing
	for _, s := range ws.Swings {
		if ws.class(s.Low) != base || ws.class(s.High) != base {
			out = append(out, s)
		}
	}
	return out
}

// sensitivityUnit is the unit a workload's sensitivity compares, and what
// the ratio of it is: throughput, or a real-rate workload's p99 of its
// primary events, whose reciprocal is compared.
func sensitivityUnit(w string) (unit, what string) {
	if _, role, ok := primaryRole(w); ok {
		return role.Name + "-p99-sec", fmt.Sprintf("old/new p99 of %s events", role.Name)
	}
	return Throughput, "new/old throughput"
}

// Sentence says in one line what the workload's verdict hinges on: the
// constants that move it into another class, or, when none does, the two
// that move the ratio most.
func (ws *WorkloadSensitivity) Sentence(low, high float64) string {
	head := fmt.Sprintf("%s: %s %.2f at the defaults (%s)", ws.Workload, ws.Ratio, ws.Base, ws.class(ws.Base))
	describe := func(s Swing) string {
		return fmt.Sprintf("%s (%.2f at x%g, %.2f at x%g)", s.Constant, s.Low, low, s.High, high)
	}
	if h := ws.Hinges(); len(h) > 0 {
		var parts []string
		for _, s := range h {
			parts = append(parts, describe(s))
		}
		return head + "; the verdict hinges on " + strings.Join(parts, ", ") + "."
	}
	var top []string
	for _, s := range ws.Swings[:min(2, len(ws.Swings))] {
		if s.Width(ws.Base) >= 0.01 {
			top = append(top, describe(s))
		}
	}
	if len(top) == 0 {
		return head + fmt.Sprintf("; no constant moves it by 0.01 between x%g and x%g.", low, high)
	}
	return head + fmt.Sprintf("; no constant between x%g and x%g changes that answer; the largest moves: ", low, high) +
		strings.Join(top, ", ") + "."
}

// SensitivityTable is the sensitivity run as a table: per workload the
// ratio at the defaults, what it hinges on, and the three largest swings.
func (s *Sensitivity) SensitivityTable() Table {
	t := Table{
		Title:  fmt.Sprintf("Sensitivity: new against old with each constant at x%g and x%g, at %d virtual CPUs", s.Low, s.High, s.CPUs),
		Header: []string{"workload", "ratio", "at the defaults", "hinges on", "largest swings"},
	}
	for _, ws := range s.Workloads {
		var hinges, swings []string
		for _, h := range ws.Hinges() {
			hinges = append(hinges, h.Constant)
		}
		for _, sw := range ws.Swings[:min(3, len(ws.Swings))] {
			swings = append(swings, fmt.Sprintf("%s %.2f–%.2f", sw.Constant, math.Min(sw.Low, sw.High), math.Max(sw.Low, sw.High)))
		}
		if len(hinges) == 0 {
			hinges = []string{"none"}
		}
		t.Rows = append(t.Rows, []string{ws.Workload, ws.Ratio, fmt.Sprintf("%.2f (%s)", ws.Base, ws.class(ws.Base)),
			strings.Join(hinges, ", "), strings.Join(swings, "; ")})
	}
	t.Notes = append(t.Notes, fmt.Sprintf("Medians of %d seeds per design; one constant varied at a time, the others at their defaults (README: The model's constants). "+
		"Classes: not a lot (a loss of throughput of at most %.0f %%, or a p99 that grows by at most %.0f %%), some, a lot (a loss beyond %.0f %%, or a p99 that grows by more than %.0f %%). "+
		"Real-rate workloads compare the p99 of their primary events (old/new, so that below 1 is a loss) where every run timed some, throughput otherwise.",
		s.Samples, 100*ClaimSmall, 100*LatencySmall, 100*ClaimLarge, 100*LatencyLarge))
	return t
}
