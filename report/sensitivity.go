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

	"memcgbench/workloads"
)

// SensitivityBenchmark is the benchmark name of the uncertainty run's
// results (memcgbench sensitivity): Sensitivity/workload=W/design=D/
// constant=C/end=E/value=V/clock=virtual-N, with constant=none and
// end=default (no value) for the defaults, else end=low or end=high and
// the constant's value there, its spaces written as underscores.
const SensitivityBenchmark = "Sensitivity"

// Sensitivity is how the verdict fares over the model's uncertainty set:
// for every workload, the candidate against the baseline with every
// constant at its default, and with each constant alone at either end of
// its hosts' range (workloads.Constant's Low and High, the structural
// choices among them).
type Sensitivity struct {
	// CPUs is the virtual CPUs the runs had.
	CPUs int
	// Samples is the number of runs (seeds) behind each median.
	Samples int
	// Workloads are the workloads in the order first seen.
	Workloads []*WorkloadSensitivity
}

// WorkloadSensitivity is one workload over the uncertainty set: its
// comparison at the defaults and one Swing per constant, largest first.
type WorkloadSensitivity struct {
	Workload string
	// Ratio says what the ratios are: "new/old throughput", or for a
	// real-rate workload "old/new p99 of <role> events" (a latency ratio
	// turned so that, as for throughput, below 1 is a loss), with no
	// answer at an end where a design timed none of them.
	Ratio  string
	Base   End
	Swings []Swing
	// Missing are the model's constants (workloads.Constants) the run
	// lacks an end of for this workload: with any, no class over the set
	// is stated.
	Missing []string
}

// uncertainConstants names the constants an uncertainty run must take to
// both ends for a class over the set: every one of workloads.Constants.
var uncertainConstants = func() []string {
	var out []string
	for _, c := range workloads.Constants() {
		out = append(out, c.Name)
	}
	return out
}

// Drawable reports whether the workload has a tornado to draw: a ratio
// at the defaults and at least one constant.
func (ws *WorkloadSensitivity) Drawable() bool {
	return !math.IsNaN(ws.Base.Ratio) && !math.IsInf(ws.Base.Ratio, 0) && len(ws.Swings) > 0
}

// An End is the comparison at one point of the uncertainty set.
type End struct {
	// Value is the constant's value there, in its unit ("" at the
	// defaults).
	Value string
	// Ratio is the workload's ratio (WorkloadSensitivity.Ratio) of the
	// medians; NaN where a run is missing.
	Ratio float64
	// Served is, for a real-rate workload, the candidate's primary events
	// served over the baseline's: below 1 where the candidate falls
	// behind the arrivals. NaN for the others.
	Served float64
	// Class is the harm class there (HarmNone, HarmNoticeable, HarmLot),
	// or "no answer" where a run is missing.
	Class string
}

// A Swing is one constant at the low and at the high end of its range.
type Swing struct {
	Constant  string
	Low, High End
}

// Width is how far the swing spreads: the larger distance of either end
// from the other or from the base ratio.
func (s Swing) Width(base float64) float64 {
	lo := math.Min(base, math.Min(s.Low.Ratio, s.High.Ratio))
	hi := math.Max(base, math.Max(s.Low.Ratio, s.High.Ratio))
	return hi - lo
}

// noAnswer is an End's class where a run is missing.
const noAnswer = "no answer"

// harmRank orders the harm classes, least harm first.
var harmRank = map[string]int{HarmNone: 0, HarmNoticeable: 1, HarmLot: 2}

// throughputClass sorts a candidate/baseline ratio of work done by the
// claim's thresholds: a loss of at most ClaimSmall holds, beyond
// ClaimLarge hurts a lot, between hurts noticeably.
func throughputClass(r float64) string {
	switch {
	case r >= 1-ClaimSmall:
		return HarmNone
	case r < 1-ClaimLarge:
		return HarmLot
	}
	return HarmNoticeable
}

// p99Class sorts an old/new p99 ratio r by the p99's growth 1/r - 1
// against LatencySmall and LatencyLarge, as the first screen does.
func p99Class(r float64) string {
	switch growth := 1/r - 1; {
	case growth <= LatencySmall:
		return HarmNone
	case growth <= LatencyLarge:
		return HarmNoticeable
	}
	return HarmLot
}

// classOf is an End's class: its throughput's, or a real-rate workload's
// latency's and events served's, the worse of the two (a design that
// falls behind the arrivals serves fewer, and its p99 counts only those
// it served).
func classOf(e End, latency bool) string {
	switch {
	case math.IsNaN(e.Ratio) || latency && math.IsNaN(e.Served):
		return noAnswer
	case !latency:
		return throughputClass(e.Ratio)
	}
	a, b := p99Class(e.Ratio), throughputClass(e.Served)
	if harmRank[b] > harmRank[a] {
		return b
	}
	return a
}

// ReadSensitivity reads an uncertainty run's results with x/perf's parser
// and projections and takes each cell's medians with benchmath. It
// compares opts.Candidate with opts.Baseline, as Build does.
func ReadSensitivity(path string, opts Options) (*Sensitivity, error) {
	if err := CheckComplete(path); err != nil {
		return nil, err
	}
	files := benchfmt.Files{Paths: []string{path}}
	var parser benchproc.ProjectionParser
	proj, err := parser.Parse("/workload,/constant,/end,/value,/design,/gomaxprocs", nil)
	if err != nil {
		return nil, err
	}
	f := proj.Fields()
	type cell struct{ workload, constant, end, design string }
	type variant struct{ workload, constant, end string }
	values := map[variant]string{}
	// thr, p99 and served hold each cell's throughput, the p99 of a
	// real-rate workload's primary events and their rate served.
	thr, p99, served := map[cell][]float64{}, map[cell][]float64{}, map[cell][]float64{}
	out := &Sensitivity{}
	var order []variant
	seen := map[string]*WorkloadSensitivity{}
	for files.Scan() {
		switch rec := files.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, rec
		case *benchfmt.Result:
			if string(rec.Name.Base()) != SensitivityBenchmark {
				continue
			}
			k := proj.Project(rec)
			c := cell{k.Get(f[0]), k.Get(f[1]), k.Get(f[2]), k.Get(f[4])}
			out.CPUs, _ = strconv.Atoi(k.Get(f[5]))
			v := variant{c.workload, c.constant, c.end}
			if _, ok := values[v]; !ok {
				values[v] = strings.ReplaceAll(k.Get(f[3]), "_", " ")
				order = append(order, v)
			}
			if x, ok := rec.Value(Throughput); ok {
				thr[c] = append(thr[c], x)
			}
			if unit, _ := sensitivityUnit(c.workload); unit != Throughput {
				role := strings.TrimSuffix(unit, "-p99-sec")
				if x, ok := rec.Value(unit); ok && x > 0 {
					p99[c] = append(p99[c], x) // none where no event was timed
				}
				if x, ok := rec.Value(role + "-ops/s"); ok {
					served[c] = append(served[c], x)
				}
			}
			if seen[c.workload] == nil {
				ws := &WorkloadSensitivity{Workload: c.workload, Ratio: "new/old throughput"}
				seen[c.workload] = ws
				out.Workloads = append(out.Workloads, ws)
			}
		}
	}
	if err := files.Err(); err != nil {
		return nil, err
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("%s: %w of Benchmark%s", path, ErrNoResults, SensitivityBenchmark)
	}
	median := func(samples map[cell][]float64, c cell) float64 {
		vals := samples[c]
		if len(vals) == 0 {
			return math.NaN()
		}
		out.Samples = max(out.Samples, len(vals))
		s := benchmath.NewSample(vals, &opts.Thresholds)
		return benchmath.AssumeNothing.Summary(s, opts.Confidence).Center
	}
	for _, ws := range out.Workloads {
		_, ws.Ratio = sensitivityUnit(ws.Workload)
	}
	end := func(ws *WorkloadSensitivity, v variant) End {
		b, c := cell{v.workload, v.constant, v.end, opts.Baseline}, cell{v.workload, v.constant, v.end, opts.Candidate}
		e := End{Value: values[v], Ratio: median(thr, c) / median(thr, b), Served: math.NaN()}
		latency := strings.Contains(ws.Ratio, "p99")
		if latency {
			e.Ratio = median(p99, b) / median(p99, c)
			e.Served = median(served, c) / median(served, b)
		}
		e.Class = classOf(e, latency)
		return e
	}
	for _, ws := range out.Workloads {
		ws.Base = end(ws, variant{ws.Workload, "none", "default"})
		var constants []string
		for _, v := range order {
			if v.workload == ws.Workload && v.constant != "none" && !slices.Contains(constants, v.constant) {
				constants = append(constants, v.constant)
			}
		}
		for _, name := range constants {
			ws.Swings = append(ws.Swings, Swing{Constant: name,
				Low: end(ws, variant{ws.Workload, name, "low"}), High: end(ws, variant{ws.Workload, name, "high"})})
		}
		for _, name := range uncertainConstants() {
			if !slices.Contains(order, variant{ws.Workload, name, "low"}) || !slices.Contains(order, variant{ws.Workload, name, "high"}) {
				ws.Missing = append(ws.Missing, name)
			}
		}
		slices.SortStableFunc(ws.Swings, func(a, b Swing) int {
			return cmp.Compare(b.Width(ws.Base.Ratio), a.Width(ws.Base.Ratio)) // widest first
		})
	}
	return out, nil
}

// Annotate gives each answer its workload's comparison over the
// uncertainty set, where the run covered it.
func (s *Sensitivity) Annotate(answers []*WorkloadAnswer) {
	for _, a := range answers {
		for _, ws := range s.Workloads {
			if ws.Workload == a.Workload {
				a.OverSet, a.OverSetCPUs = ws, s.CPUs
			}
		}
	}
}

// Hinges returns the constants at either end of whose range the
// workload's class differs from its class at the defaults, largest swing
// first. An end with no answer (no primary event timed there) moves no
// class: Unanswered names those.
func (ws *WorkloadSensitivity) Hinges() []Swing {
	var out []Swing
	flips := func(e End) bool { return e.Class != noAnswer && e.Class != ws.Base.Class }
	for _, s := range ws.Swings {
		if flips(s.Low) || flips(s.High) {
			out = append(out, s)
		}
	}
	return out
}

// Unanswered lists the ends, as "constant at value", where no primary
// event was timed in a design (too few arrive at that rate in the window).
func (ws *WorkloadSensitivity) Unanswered() []string {
	var out []string
	for _, s := range ws.Swings {
		for _, e := range []End{s.Low, s.High} {
			if e.Class == noAnswer {
				out = append(out, fmt.Sprintf("%s at %s", s.Constant, e.Value))
			}
		}
	}
	return out
}

// OverSet is the workload's class over the uncertainty set: the class at
// the defaults where every end of every range gives it too; else that
// class and what it "depends on": the constants that move it, each with
// the classes at its ends, the first most (every one for most < 1) and a
// count of the rest.
func (ws *WorkloadSensitivity) OverSet(most int) string {
	if ws.Base.Class == noAnswer {
		return "no answer: no primary event timed in both designs at the defaults"
	}
	if len(ws.Missing) > 0 {
		return fmt.Sprintf("%s at the defaults; not stated over the set: the run lacks %d of the model's constants (%s)",
			ws.Base.Class, len(ws.Missing), strings.Join(ws.Missing, ", "))
	}
	h := ws.Hinges()
	none := ""
	if u := ws.Unanswered(); len(u) > 0 {
		none = fmt.Sprintf(" (no event timed at %s)", strings.Join(u, ", "))
	}
	if len(h) == 0 {
		return ws.Base.Class + " over the whole set" + none
	}
	var parts []string
	for i, s := range h {
		if most > 0 && i == most {
			parts = append(parts, fmt.Sprintf("%d more", len(h)-most))
			break
		}
		var ends []string
		for _, e := range []End{s.Low, s.High} {
			if e.Class != ws.Base.Class && e.Class != noAnswer {
				ends = append(ends, fmt.Sprintf("%s at %s", e.Class, e.Value))
			}
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", s.Constant, strings.Join(ends, ", ")))
	}
	return fmt.Sprintf("%s at the defaults; depends on %s%s", ws.Base.Class, strings.Join(parts, "; "), none)
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

// Sentence says in one line how the workload fares over the uncertainty
// set: its ratio and class at the defaults, then what its class depends
// on, or, where nothing moves it, the two constants that move the ratio
// most.
func (ws *WorkloadSensitivity) Sentence() string {
	head := fmt.Sprintf("%s: %s %.2f at the defaults (%s)", ws.Workload, ws.Ratio, ws.Base.Ratio, ws.Base.Class)
	describe := func(s Swing) string {
		return fmt.Sprintf("%s (%.2f, %s, at %s; %.2f, %s, at %s)", s.Constant, s.Low.Ratio, s.Low.Class, s.Low.Value,
			s.High.Ratio, s.High.Class, s.High.Value)
	}
	if h := ws.Hinges(); len(h) > 0 {
		var parts []string
		for _, s := range h {
			parts = append(parts, describe(s))
		}
		return head + "; its class depends on " + strings.Join(parts, "; ") + "."
	}
	var top []string
	for _, s := range ws.Swings[:min(2, len(ws.Swings))] {
		if s.Width(ws.Base.Ratio) >= 0.01 {
			top = append(top, describe(s))
		}
	}
	if len(top) == 0 {
		return head + "; the same class over the whole set, and no constant moves the ratio by 0.01."
	}
	return head + "; the same class over the whole set; the largest moves: " + strings.Join(top, "; ") + "."
}

// SensitivityTable is the uncertainty run as a table: per workload the
// ratio and class at the defaults, the class over the set, and the three
// largest swings.
func (s *Sensitivity) SensitivityTable() Table {
	t := Table{
		Title:  fmt.Sprintf("Over the uncertainty set: new against old with each constant at either end of its hosts' range, at %d virtual CPUs", s.CPUs),
		Header: []string{"workload", "ratio", "at the defaults", "over the set", "largest swings"},
	}
	for _, ws := range s.Workloads {
		var swings []string
		for _, sw := range ws.Swings[:min(3, len(ws.Swings))] {
			swings = append(swings, fmt.Sprintf("%s %.2f at %s, %.2f at %s", sw.Constant, sw.Low.Ratio, sw.Low.Value, sw.High.Ratio, sw.High.Value))
		}
		t.Rows = append(t.Rows, []string{ws.Workload, ws.Ratio, fmt.Sprintf("%.2f (%s)", ws.Base.Ratio, ws.Base.Class),
			ws.OverSet(0), strings.Join(swings, "; ")})
	}
	t.Notes = append(t.Notes, fmt.Sprintf("Medians of %d seeds per design; one constant at a time at the low or the high end of its hosts' range, the others at their defaults "+
		"(README: The model's constants, whose ranges include the structural choices: HostRates, ActivateAtOnline, KworkersPerCPU, the object lifetimes' shares and RCUShare). "+
		"Classes: holds (a loss of throughput of at most %.0f %%, or a p99 that grows by at most %.0f %%), hurts noticeably, hurts a lot (a loss beyond %.0f %%, or a p99 that grows by more than %.0f %%). "+
		"Real-rate workloads compare the p99 of their primary events (old/new, so that below 1 is a loss) where every run timed some, throughput otherwise, "+
		"and count as a loss of throughput the events the candidate left unserved.",
		s.Samples, 100*ClaimSmall, 100*LatencySmall, 100*ClaimLarge, 100*LatencyLarge))
	return t
}
