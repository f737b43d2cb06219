package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchunit"
)

// A Table is a rendered-to-strings view of part of a Model, the form both
// the markdown and the text renderer print.
type Table struct {
	Title  string
	Header []string
	Rows   [][]string
	// Notes are printed under the table (warnings, legends).
	Notes []string
}

// VerdictTable is the table at the top of a report: per workload and point,
// the candidate's throughput relative to the baseline, its p-value, and the
// change of the lock wait per operation.
func (m *Model) VerdictTable() Table {
	o := m.Options
	t := Table{
		Title: fmt.Sprintf("Verdict: %s's throughput relative to %s", o.Candidate, o.Baseline),
		Header: []string{"workload", "workers/CPU", "GOMAXPROCS", fmt.Sprintf("%s vs %s", o.Candidate, o.Baseline),
			"p", "n", "lock wait, net (classes that moved)"},
	}
	predict := m.hasVirtual()
	if predict {
		for _, n := range PredictAt {
			t.Header = append(t.Header, fmt.Sprintf("%s/%s at %d", o.Candidate, o.Baseline, n))
		}
	}
	var flags []string
	var notes footnotes
	for _, v := range m.Verdicts {
		p := v.Point
		if p.Clock != Real {
			continue
		}
		row := []string{p.Workload, strings.TrimSuffix(p.Workers, "x"), fmt.Sprint(p.Procs), FormatChange(v), "", "", "—"}
		if fs := m.Flags(p); len(fs) > 0 {
			row[3] += " ⚑"
			flags = append(flags, fmt.Sprintf("⚑ %s, %s per CPU, GOMAXPROCS=%d: %s.", p.Workload, workersPerCPU(p), p.Procs, strings.Join(fs, "; ")))
		}
		if predict {
			cells := m.predictionCells(p)
			if other := m.predictionCommits(p); len(other) > 0 {
				cells[len(cells)-1] += " ⚑"
				flags = append(flags, fmt.Sprintf("⚑ %s, %s per CPU, GOMAXPROCS=%d: the simulated columns come from commit %s, the measurement from %s.",
					p.Workload, workersPerCPU(p), p.Procs, strings.Join(other, ", "), strings.Join(p.Origin["commit"], ", ")))
			}
			row = append(row, cells...)
		}
		if v.Metric != nil && v.Metric.Comparison != nil {
			c := v.Metric.Comparison
			row[4] = v.Metric.PCell() + notes.mark(v.Warnings())
			row[5] = fmt.Sprintf("%d+%d", c.N1, c.N2)
		}
		row[6] = v.WaitCell()
		t.Rows = append(t.Rows, row)
	}
	t.Notes = append(t.Notes, fmt.Sprintf(
		"Change: median %s/%s - 1 of %s, and in brackets the interval bounded by the two %.0f %% confidence intervals "+
			"(conservative: it can reach past 0 where the test finds a difference); "+
			"\"~\": no significant difference (Mann-Whitney U, alpha %.2f), as benchstat prints it.",
		o.Candidate, o.Baseline, Throughput, 100*o.Confidence, o.Thresholds.CompareAlpha))
	if predict {
		t.Notes = append(t.Notes, fmt.Sprintf("%s/%s at N: the ratio of the medians the virtual clock simulated at N CPUs (one worker per CPU), or, marked \"USL\", "+
			"of the Universal Scalability Law fits to the two designs' virtual-clock curves where nothing was simulated at N; see the virtual clock's sections.",
			o.Candidate, o.Baseline))
	}
	t.Notes = append(t.Notes, flags...)
	t.Notes = append(t.Notes, notes.notes()...)
	return t
}

// DetailTables are one workload's every unit at every measured point, as
// benchstat -col /design shows them (each design's median ± interval, the
// change and its p-value), in two tables: the changes that count (significant, or
// exact and not zero), largest first, with the geometric mean of the
// throughput over the points as benchstat gives it; and the rest (no
// significant change, or measured in one design only), which a report
// folds away. Time per operation is left out: it is the throughput's
// reciprocal.
func (m *Model) DetailTables(workload string) (changed, rest Table) {
	o := m.Options
	header := []string{"metric", "point", o.Baseline, o.Candidate, "change", "p"}
	changed = Table{Title: "Workload " + workload, Header: header}
	rest = Table{Title: "Workload " + workload + ": no significant change, or one design only", Header: header}
	type row struct {
		cells []string
		size  float64
	}
	var rows []row
	var geo [2][]float64 // the throughput's medians where both designs have one
	for _, p := range m.Points {
		if p.Workload != workload || p.Clock != Real {
			continue
		}
		at := fmt.Sprintf("%s/CPU, GOMAXPROCS=%d", strings.TrimSuffix(p.Workers, "x"), p.Procs)
		for _, unit := range p.Units {
			if unit == "sec/op" {
				continue
			}
			met := p.Metrics[unit]
			if met.Baseline == nil && met.Candidate == nil {
				continue // a unit of the other designs in the results only
			}
			cells := []string{unit, at, "", "", detailChange(met), met.PCell()}
			cells[2], cells[3] = formatPair(unit, met.Baseline, met.Candidate)
			size := -1.0 // not a change that counts
			if r, _, _, ok := met.Ratio(); ok && r > 0 && (met.Significant() || met.Deterministic() && r != 1) {
				size = math.Abs(math.Log(r))
			}
			rows = append(rows, row{cells, size})
			if unit == Throughput && met.Baseline != nil && met.Candidate != nil && met.Baseline.Center > 0 && met.Candidate.Center > 0 {
				geo[0], geo[1] = append(geo[0], met.Baseline.Center), append(geo[1], met.Candidate.Center)
			}
		}
	}
	slices.SortStableFunc(rows, func(a, b row) int { return cmp.Compare(b.size, a.size) })
	for _, r := range rows {
		if r.size >= 0 {
			changed.Rows = append(changed.Rows, r.cells)
		} else {
			rest.Rows = append(rest.Rows, r.cells)
		}
	}
	if len(geo[0]) > 1 {
		b, c := geomean(geo[0]), geomean(geo[1])
		scale := benchunit.CommonScale([]float64{b, c}, benchunit.ClassOf(Throughput))
		changed.Rows = append(changed.Rows, []string{Throughput, fmt.Sprintf("geomean of %d points", len(geo[0])),
			scale.Format(b), scale.Format(c), formatChangeValue(c/b - 1), ""})
	}
	return changed, rest
}

// geomean is the geometric mean of positive values.
func geomean(vs []float64) float64 {
	var sum float64
	for _, v := range vs {
		sum += math.Log(v)
	}
	return math.Exp(sum / float64(len(vs)))
}

// detailChange is a detail row's change: "~" where not significant, the
// change where it is or the samples are exact copies (a time's as the
// difference in seconds, since a ratio over an unloaded latency or an
// uncontended wait says nothing of a lock; formatChangeValue's for the
// rest), "from 0" against a baseline of zero, "" with one design.
func detailChange(met *Metric) string {
	if met.Baseline == nil || met.Candidate == nil {
		return ""
	}
	det := met.Deterministic()
	if !det && !met.Significant() {
		return "~"
	}
	r, _, _, ok := met.Ratio()
	switch {
	case !ok && met.Candidate.Center == 0:
		return "="
	case !ok:
		return "from 0"
	case r == 1:
		return "="
	case strings.HasSuffix(met.Unit, "-sec") || strings.HasSuffix(met.Unit, "-sec/op"):
		return signedSeconds(met.Candidate.Center - met.Baseline.Center)
	}
	return formatChangeValue(r - 1)
}

// formatPair formats the two designs' summaries of one unit on a common
// scale, as benchstat does (each on its own where one is 0 or they are
// more than a hundredfold apart): percentages and dimensionless ratios as plain
// numbers ("0.053 %", "0.982"), other units with benchunit's SI prefixes.
func formatPair(unit string, b, c *Summary) (string, string) {
	var vals []float64
	for _, s := range []*Summary{b, c} {
		if s != nil {
			vals = append(vals, s.Center)
		}
	}
	format := func(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }
	switch {
	case strings.HasSuffix(unit, "%"):
		format = func(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) + " %" }
	case !strings.Contains(unit, "/") || strings.HasSuffix(unit, "/op") || strings.HasSuffix(unit, "/s"):
		class := benchunit.ClassOf(unit)
		format = benchunit.CommonScale(vals, class).Format
		if lo, hi := slices.Min(vals), slices.Max(vals); lo <= 0 && hi > 0 || lo > 0 && hi/lo > 100 {
			// One scale for values a hundredfold apart, or for 0 and
			// another, prints 40024.000n: each its own, as benchstat
			// prints a lone value.
			format = func(v float64) string { return benchunit.Scale(v, class) }
		}
	}
	return formatSummary(b, format), formatSummary(c, format)
}

// formatSummary renders a summary as benchstat does, "12.3µ ± 2%", with
// "(one value)" where every sample is one value, and the interval's ends
// where benchstat would print "± ?" (an interval that reaches 0).
func formatSummary(s *Summary, format func(float64) string) string {
	if s == nil {
		return "—"
	}
	if v := s.Sample.Values; len(v) > 1 && v[0] == v[len(v)-1] {
		return format(s.Center) + " (one value)" // copies: no interval to give
	}
	switch pct := s.PctRangeString(); pct {
	case "?":
		return format(s.Center) + " (" + format(s.Lo) + " to " + format(s.Hi) + ")"
	default:
		return format(s.Center) + " ± " + pct
	}
}

// ClaimLines returns the plain-words answers, one per workload.
func (m *Model) ClaimLines() []string {
	var out []string
	for _, c := range m.Claims {
		out = append(out, c.Text)
	}
	return out
}
