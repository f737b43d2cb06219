package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"memcgbench/designs/catalog"
)

// A History puts every design of the results side by side, as benchstat's
// tables put columns: the baseline first, every other design compared with
// it, each comparison a Model of its own over the same files.
type History struct {
	// Baseline is the design every other is compared with.
	Baseline string
	// Designs are the designs in the results, the list's order
	// (designs/catalog: oldest kernel first), Baseline among them.
	Designs []string
	// Models holds, by design other than the baseline, that design
	// against the baseline.
	Models map[string]*Model
}

// BuildHistory builds a Model of each design in the files against
// opts.Baseline (opts.Candidate is ignored), reading the files once.
// Designs the files lack are left out; fewer than one besides the
// baseline is an error.
func BuildHistory(paths []string, opts Options) (*History, error) {
	ss, err := readSamples(paths, opts)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	h := &History{Baseline: opts.Baseline, Designs: []string{opts.Baseline}, Models: map[string]*Model{}}
	for _, d := range catalog.Names() {
		if d == opts.Baseline || !ss.designs[d] {
			continue // the baseline, or a design the results have no run of
		}
		o := opts
		o.Candidate = d
		m, err := ss.model(o)
		if err != nil {
			return nil, fmt.Errorf("history, %s against %s: %w", d, opts.Baseline, err)
		}
		h.Designs = append(h.Designs, d)
		h.Models[d] = m
	}
	if len(h.Models) == 0 {
		return nil, fmt.Errorf("history: %w of any design besides %s", ErrNoResults, opts.Baseline)
	}
	rank := func(d string) int { return slices.Index(catalog.Names(), d) }
	slices.SortStableFunc(h.Designs, func(a, b string) int { return cmp.Compare(rank(a), rank(b)) })
	return h, nil
}

// Workloads are the workloads of the comparisons, in the first one's
// order.
func (h *History) Workloads() []string {
	for _, d := range h.Designs {
		if m := h.Models[d]; m != nil {
			return m.Workloads
		}
	}
	return nil
}

// effect returns design's primary effect on workload w at cpus virtual
// CPUs, one worker per CPU: its Effect against the baseline, or nil.
func (h *History) effect(design, w string, cpus int) *Effect {
	m := h.Models[design]
	if m == nil {
		return nil
	}
	for _, e := range m.Effects(w) {
		if e.Point.Clock == Virtual && e.Point.Procs == cpus {
			return e
		}
	}
	return nil
}

// Table gives, per workload, the primary metric of every design at cpus
// virtual CPUs: the baseline's value, then each other design's with its
// change against the baseline, as benchstat prints it ("~" where not
// significant, "=" where every sample of both is the same value and the
// change is exact, so no p-value is printed). The primary metric is the
// p99 latency of a real-rate preset's events, the throughput of the
// others.
func (h *History) Table(cpus int) Table {
	t := Table{Title: fmt.Sprintf("Every design at %d virtual CPUs, against %s", cpus, h.Baseline),
		Header: []string{"workload", "metric"}}
	for _, d := range h.Designs {
		t.Header = append(t.Header, d)
	}
	for _, w := range h.Workloads() {
		row := []string{w, ""}
		base := ""
		var cells []string
		for _, d := range h.Designs[1:] {
			e := h.effect(d, w, cpus)
			if e == nil || e.Verdict.Metric == nil {
				cells = append(cells, "—")
				continue
			}
			met := e.Verdict.Metric
			unit := met.Unit
			if row[1] == "" {
				row[1] = map[bool]string{true: e.Role + " p99", false: "ops/s"}[e.Latency]
			}
			if base == "" && met.Baseline != nil {
				base = formatValue(met.Baseline.Center, unit)
			}
			if met.Candidate == nil {
				cells = append(cells, "—")
				continue
			}
			cell := formatValue(met.Candidate.Center, unit) + " " + historyDelta(met, e.Latency && h.Models[d].AtFloor(e))
			if len(e.Flags) > 0 {
				cell += " ⚑"
			}
			cells = append(cells, cell)
		}
		if base == "" && row[1] == "" {
			continue // no design ran it at cpus
		}
		t.Rows = append(t.Rows, append(append(row, cmp.Or(base, "—")), cells...))
	}
	t.Notes = append(t.Notes, fmt.Sprintf("Simulated (virtual clock), one worker per CPU, the seeds of the virtual sweep. Each cell is the median and its change against %s: "+
		"the U test's verdict at α = 0.05 as benchstat prints it (~: not significant), = where both designs repeat one value in every seed (the change is exact; no p-value); "+
		"a latency whose baseline sits at its floor (within 10 %% of the lowest it gives) changes by its difference in seconds, not a percentage. "+
		"Real-rate presets: the p99 latency of their events (lower is better); the others: throughput (higher is better). "+
		"⚑: the point carries a flag of the full report (too few rounds, an overloaded baseline, a starved background role). —: the design does not run it (calibrate has no answer where memory.kmem.slabinfo takes no lock).", h.Baseline))
	return t
}

// Summary is the first screen's line on every design: at cpus virtual
// CPUs, in how many of the claim's workloads (outsideClaim leaves the
// stress bounds, what-ifs and harness checks out) each does worse and
// better than the
// baseline on its primary metric (a significant change, or an exact one
// where every seed repeats one value), with the points that carry a flag
// of the full report apart. It is empty where no design ran at cpus.
func (h *History) Summary(cpus int) string {
	var parts []string
	for _, d := range h.Designs[1:] {
		var worse, better, flagged, same int
		for _, w := range h.Workloads() {
			e := h.effect(d, w, cpus)
			if outsideClaim(w) || e == nil || e.Verdict.Metric == nil || e.Verdict.Metric.Candidate == nil || e.Verdict.Metric.Baseline == nil {
				continue
			}
			met := e.Verdict.Metric
			r, _, _, ok := met.Ratio()
			switch {
			case len(e.Flags) > 0:
				flagged++
			case !ok || met.Deterministic() && r == 1 || !met.Deterministic() && !met.Significant():
				same++
			case (r > 1) != e.Latency:
				better++
			default:
				worse++
			}
		}
		if worse+better+flagged+same == 0 {
			continue
		}
		part := fmt.Sprintf("%s worse in %d, better in %d, no change in %d", d, worse, better, same)
		if flagged > 0 {
			part += fmt.Sprintf(", flagged in %d", flagged)
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("Across the kernel's history, every design against %s at %d simulated CPUs, in the claim's workloads (the stress bounds, what-ifs and harness checks left out; every workload in the answer across history, below): %s.",
		h.Baseline, cpus, strings.Join(parts, "; "))
}

// historyDelta is a comparison's change as a table cell: a percentage,
// or, where the baseline's latency sits at its floor (Model.AtFloor),
// the difference in seconds, as a ratio over an unloaded value says
// nothing of a lock's cost.
func historyDelta(met *Metric, atFloor bool) string {
	r, _, _, ok := met.Ratio()
	change := fmt.Sprintf("%+.1f %%", 100*(r-1))
	if atFloor {
		change = signedSeconds(met.Candidate.Center - met.Baseline.Center)
	}
	switch {
	case !ok:
		return ""
	case met.Deterministic():
		return "(" + change + ", =)"
	case met.Delta == "~" || met.Delta == "":
		return "(~)"
	case atFloor:
		return "(" + change + ")"
	}
	return "(" + met.Delta + ")"
}

// formatValue prints v in unit: seconds as durations, rates as numbers.
func formatValue(v float64, unit string) string {
	if strings.HasSuffix(unit, "-sec") {
		return FormatSeconds(v)
	}
	return formatCount(v)
}

// formatCount prints a rate with an SI prefix.
func formatCount(v float64) string {
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.3gG", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.3gk", v/1e3)
	}
	return fmt.Sprintf("%.3g", v)
}

// Charts are one figure per workload with every design: its primary metric
// against the virtual CPUs, one line per design, with the seeds'
// confidence intervals.
func (h *History) Charts(machine string) []Chart {
	var out []Chart
	for _, w := range h.Workloads() {
		// Log axes both: the designs differ by orders of magnitude (objcg's
		// throughput is thousands of times the others').
		c := Chart{Name: "history-" + w, XLabel: "virtual CPUs", LogX: true, LogY: true}
		series := map[string]*Series{}
		add := func(d string, color int, x float64, s *Summary) {
			if s == nil || s.Center <= 0 {
				return // nothing to show on a log axis
			}
			if series[d] == nil {
				series[d] = &Series{Label: d, Color: color, Hollow: true, Band: true}
			}
			lo, hi := s.Lo, s.Hi
			if math.IsInf(lo, 0) || math.IsInf(hi, 0) || lo <= 0 {
				lo, hi = s.Center, s.Center // too few seeds for an interval (or one down to 0): the median alone
			}
			series[d].Points = append(series[d].Points, ChartPoint{X: x, Y: s.Center, YLo: lo, YHi: hi})
		}
		for i, d := range h.Designs[1:] {
			for _, e := range h.Models[d].Effects(w) {
				if e.Point.Clock != Virtual || e.Verdict.Metric == nil {
					continue
				}
				met := e.Verdict.Metric
				if i == 0 {
					add(h.Baseline, 1, float64(e.Point.Procs), met.Baseline)
				}
				add(d, i+2, float64(e.Point.Procs), met.Candidate)
				if c.YLabel == "" {
					if e.Latency {
						c.YLabel, c.LogY = e.Role+" p99 latency (seconds)", true
						c.Title = fmt.Sprintf("%s: p99 latency of %s events, every design (%s, simulated)", w, e.Role, machine)
					} else {
						c.YLabel = "operations per second"
						c.Title = fmt.Sprintf("%s: throughput, every design (%s, simulated)", w, machine)
					}
				}
			}
		}
		for _, d := range h.Designs {
			if s := series[d]; s != nil {
				slices.SortFunc(s.Points, func(a, b ChartPoint) int { return cmp.Compare(a.X, b.X) })
				c.Series = append(c.Series, *s)
			}
		}
		if len(c.Series) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// center returns design's center of workload w's primary metric at cpus
// virtual CPUs, and whether lower is better (a p99 latency); ok is false
// where it was not run.
func (h *History) center(design, w string, cpus int) (v float64, lowerBetter, ok bool) {
	for _, d := range h.Designs[1:] {
		e := h.effect(d, w, cpus)
		if e == nil || e.Verdict.Metric == nil {
			continue
		}
		s := e.Verdict.Metric.Candidate
		if design == h.Baseline {
			s = e.Verdict.Metric.Baseline
		} else if d != design {
			continue
		}
		if s == nil {
			return 0, e.Latency, false
		}
		return s.Center, e.Latency, true
	}
	return 0, false, false
}

// PayoffBand is how far a design's center must move from its
// predecessor's, as a share, for Payoffs to call it better or worse.
const PayoffBand = 0.05

// Payoffs says, for each design after the first, what the model shows of
// its change against the design before it in the list: the known answers
// where ka is given (mass destruction's growth beyond linear and its time
// at the largest run, mass creation's stall), and the workloads at cpus
// virtual CPUs where its primary metric is better or worse by more than
// PayoffBand. The comparison of neighbours is of centers only; the table
// against the baseline carries the tests.
func (h *History) Payoffs(ka *KnownAnswers, cpus int) []string {
	var out []string
	for i := 1; i < len(h.Designs); i++ {
		d, prev := h.Designs[i], h.Designs[i-1]
		var parts []string
		if ka != nil {
			parts = append(parts, ka.payoff(d, prev)...)
		}
		var better, worse []string
		for _, w := range h.Workloads() {
			a, lower, ok1 := h.center(prev, w, cpus)
			b, _, ok2 := h.center(d, w, cpus)
			if !ok1 || !ok2 || a == 0 {
				continue
			}
			change := b/a - 1
			if lower {
				change = -change
			}
			switch {
			case change > PayoffBand:
				better = append(better, w)
			case change < -PayoffBand:
				worse = append(worse, w)
			}
		}
		parts = append(parts, fmt.Sprintf("at %d virtual CPUs better than %s by more than %.0f %% on %s, worse on %s",
			cpus, prev, 100*PayoffBand, listOrNone(better), listOrNone(worse)))
		out = append(out, fmt.Sprintf("**%s** against %s: %s.", d, prev, strings.Join(parts, "; ")))
	}
	return out
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// payoff is what the known answers show of design d against prev.
func (ka *KnownAnswers) payoff(d, prev string) []string {
	var out []string
	growth := func(name string) string {
		k, share, ok, measured := ka.DestroyExcess(name)
		switch {
		case !measured:
			return "not measured"
		case ok:
			return fmt.Sprintf("grows as N^%.2f (%.0f %% of the largest run)", k, 100*share)
		}
		return "none"
	}
	last := func(name string) (KnownAnswerRun, bool) {
		runs := ka.Runs[MassDestroy][name]
		if len(runs) == 0 {
			return KnownAnswerRun{}, false
		}
		return runs[len(runs)-1], true
	}
	if a, ok := last(prev); ok {
		if b, ok := last(d); ok && a.Memcgs == b.Memcgs && a.Seconds > 0 {
			out = append(out, fmt.Sprintf("mass destruction of %d memcgs takes %s (%s: %s), its time beyond linear %s (%s: %s)",
				b.Memcgs, FormatSeconds(b.Seconds), prev, FormatSeconds(a.Seconds), growth(d), prev, growth(prev)))
		}
	}
	if _, pa := ka.Stall(prev); pa != nil {
		if _, pb := ka.Stall(d); pb != nil {
			out = append(out, fmt.Sprintf("past system_wq's max_active an unrelated work item waits %s (%s: %s)",
				FormatSeconds(pb.ProbeWait), prev, FormatSeconds(pa.ProbeWait)))
		}
	}
	if a, _, _, ok := ka.SlabinfoSteps(prev); ok {
		if b, steps, seeks, ok := ka.SlabinfoSteps(d); ok {
			out = append(out, fmt.Sprintf("each dead cache adds %v to a read of /proc/slabinfo, %.1f list steps in its %d read() calls (%s: %v)", b, steps, seeks, prev, a))
		}
	}
	return out
}
