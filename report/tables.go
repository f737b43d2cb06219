package report

import (
	"fmt"
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

// DetailTable is one workload's every unit at every point: each design's
// median ± interval and the delta with its p-value, as benchstat -col
// /design shows them.
func (m *Model) DetailTable(workload string) Table {
	o := m.Options
	t := Table{
		Title:  "Workload " + workload,
		Header: []string{"point", "unit", o.Baseline, o.Candidate, "delta", "p"},
	}
	for _, p := range m.Points {
		if p.Workload != workload || p.Clock != Real {
			continue
		}
		at := fmt.Sprintf("%s/CPU, GOMAXPROCS=%d", strings.TrimSuffix(p.Workers, "x"), p.Procs)
		for _, unit := range p.Units {
			met := p.Metrics[unit]
			var vals []float64
			for _, s := range []*Summary{met.Baseline, met.Candidate} {
				if s != nil {
					vals = append(vals, s.Center)
				}
			}
			scale := benchunit.CommonScale(vals, benchunit.ClassOf(unit))
			row := []string{at, unit, formatSummary(met.Baseline, scale), formatSummary(met.Candidate, scale), met.Delta, ""}
			row[5] = met.PCell()
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

func formatSummary(s *Summary, scale benchunit.Scaler) string {
	if s == nil {
		return "—"
	}
	if v := s.Sample.Values; len(v) > 1 && v[0] == v[len(v)-1] {
		return scale.Format(s.Center) + " (one value)" // copies: no interval to give
	}
	return scale.Format(s.Center) + " ± " + s.PctRangeString()
}

// ClaimLines returns the plain-words answers, one per workload.
func (m *Model) ClaimLines() []string {
	var out []string
	for _, c := range m.Claims {
		out = append(out, c.Text)
	}
	return out
}
