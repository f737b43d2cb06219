package report

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchmath"
)

// A Gate decides whether a comparison of two revisions fails: when a gated
// metric regresses by more than Threshold and its test stays significant
// after Holm's correction at level Alpha across every gated comparison.
// benchstat itself never fails (golang/go#20728, #34482); a pull request
// check must.
//
// Holm's step-down procedure controls the chance of any false alarm among
// the m gated comparisons at Alpha: sorted by p, the k-th smallest (from 0)
// counts if it and every smaller one are at most Alpha/(m-k). A sweep
// gates some fifty points; testing each at Alpha would raise a false alarm
// on most clean pull requests.
//
// Time and throughput of one point are one measurement (sec/op and ops/s
// are reciprocals; a benchmark's p-values for both are equal, the U test
// being rank-based), so they are one comparison and a regression counts
// once, on the first gated unit of the point.
type Gate struct {
	// Alpha is the family-wise error rate of the gated comparisons.
	Alpha float64
	// Threshold is the smallest relative change that fails, e.g. 0.05.
	Threshold float64
	// Units are the gated units (as benchfmt tidies them).
	Units []string
}

// DefaultGate fails on a time-per-operation or throughput regression of
// more than 5 %, Holm-corrected at 0.05.
var DefaultGate = Gate{Alpha: 0.05, Threshold: 0.05, Units: []string{"sec/op", "ops/s"}}

// HigherIsBetter reports whether a larger value of unit is an improvement:
// throughput, hit rate, accounted allocations and calibration ratio. For every other unit the
// harness reports (time, wait, hold, latency, contention, backlog, bytes,
// allocations), smaller is better.
func HigherIsBetter(unit string) bool {
	return strings.HasSuffix(unit, "ops/s") || unit == "hit-%" || unit == "accounted-allocs/s" || unit == "measured/theory"
}

// measurement names what unit measures, for counting comparisons: time per
// operation and any operations-per-second rate are one measurement.
func measurement(unit string) string {
	if unit == "sec/op" || strings.HasSuffix(unit, "ops/s") {
		return "time"
	}
	return unit
}

// A Change is one metric that differs significantly between revisions.
type Change struct {
	Point  *Point
	Metric *Metric
	// Rel is candidate/baseline - 1 of the medians.
	Rel float64
	// Regression says the change is for the worse; Fails that it is gated,
	// significant after the gate's correction, beyond Threshold, and the
	// first gated unit of its point and measurement (a regression counts
	// once).
	Regression, Fails bool
}

// A gateTest is one gated comparison: a point and a measurement.
type gateTest struct {
	point *Point
	meas  string
}

// Comparisons returns how many comparisons the gate makes in m: points
// times the gated measurements each has.
func (g Gate) Comparisons(m *Model) int { return len(g.tests(m)) }

// tests returns the gate's comparisons in m with their p-values.
func (g Gate) tests(m *Model) map[gateTest]float64 {
	out := map[gateTest]float64{}
	for _, p := range m.Points {
		for _, unit := range p.Units {
			met := p.Metrics[unit]
			if !slices.Contains(g.Units, unit) || met.Comparison == nil {
				continue
			}
			k := gateTest{p, measurement(unit)}
			if old, ok := out[k]; !ok || met.Comparison.P < old {
				out[k] = met.Comparison.P
			}
		}
	}
	return out
}

// holm returns the comparisons Holm's procedure rejects at g.Alpha.
func (g Gate) holm(tests map[gateTest]float64) map[gateTest]bool {
	keys := make([]gateTest, 0, len(tests))
	for k := range tests {
		keys = append(keys, k)
	}
	slices.SortStableFunc(keys, func(a, b gateTest) int {
		if c := cmp.Compare(tests[a], tests[b]); c != 0 {
			return c
		}
		return cmp.Compare(PointName(a.point)+a.meas, PointName(b.point)+b.meas)
	})
	out := map[gateTest]bool{}
	for k, key := range keys {
		if tests[key] > g.Alpha/float64(len(keys)-k) {
			break
		}
		out[key] = true
	}
	return out
}

// Changes returns every metric that changed significantly (benchmath's
// test at the Model's alpha, as benchstat marks it), in point order, each
// marked as regression or not and as failing the gate or not.
func (g Gate) Changes(m *Model) []Change {
	tests := g.tests(m)
	rejected := g.holm(tests)
	counted := map[gateTest]bool{}
	var out []Change
	for _, p := range m.Points {
		for _, unit := range p.Units {
			met := p.Metrics[unit]
			r, _, _, ok := met.Ratio()
			if !ok || !met.Significant() {
				continue
			}
			c := Change{Point: p, Metric: met, Rel: r - 1}
			c.Regression = (c.Rel < 0) == HigherIsBetter(unit) && c.Rel != 0
			k := gateTest{p, measurement(unit)}
			if c.Regression && slices.Contains(g.Units, unit) && rejected[k] && math.Abs(c.Rel) > g.Threshold && !counted[k] {
				c.Fails, counted[k] = true, true
			}
			out = append(out, c)
		}
	}
	return out
}

// MinRounds returns the fewest samples per side with which the gate can
// fail at all across n comparisons: Holm's smallest threshold is Alpha/n.
// 0 if no size up to 100 reaches it.
func (g Gate) MinRounds(n int) int { return MinSamples(g.Alpha / float64(max(n, 1))) }

// writeChanges writes changes as a markdown table.
func writeChanges(b *strings.Builder, m *Model, changes []Change, notes *footnotes) {
	if len(changes) == 0 {
		return
	}
	fmt.Fprintf(b, "| benchmark | unit | %s | %s | delta | p | |\n|---|---|---|---|---|---|---|\n", m.Options.Baseline, m.Options.Candidate)
	for _, c := range changes {
		met := c.Metric
		mark := "better"
		switch {
		case c.Fails:
			mark = "❌ regression"
		case c.Regression:
			mark = "worse"
		}
		base, head := formatPair(met.Unit, met.Baseline, met.Candidate)
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %.3f%s | %s |\n", PointName(c.Point), met.Unit,
			base, head, detailChange(met), met.Comparison.P, notes.mark(met.Warnings()), mark)
	}
	b.WriteString("\n")
}

// PointName names a point as its benchmark does.
func PointName(p *Point) string {
	name := "workload=" + p.Workload
	if p.Design != "" {
		name += "/design=" + p.Design
	}
	return fmt.Sprintf("%s/workers=%s-%d", name, p.Workers, p.Procs)
}

// CommentMarker is the first line of every diff comment: the workflow that
// posts it finds its earlier comment on the pull request by it and edits
// that one in place.
const CommentMarker = "<!-- memcgbench diff -->"

// WriteDiffComment writes the markdown comment for a pull request: the
// changed metrics with delta, intervals and p, the unchanged ones folded
// into a count, and the gate's verdict. It returns the changes that fail.
func WriteDiffComment(w io.Writer, m *Model, g Gate, title string) ([]Change, error) {
	var b strings.Builder
	changes := g.Changes(m)
	var failing []Change
	for _, c := range changes {
		if c.Fails {
			failing = append(failing, c)
		}
	}
	total := 0
	for _, p := range m.Points {
		total += len(p.Units)
	}
	fmt.Fprintf(&b, "%s\n## %s\n\n", CommentMarker, title)
	switch {
	case len(failing) > 0:
		fmt.Fprintf(&b, "**%d regression(s) beyond %.0f %%** in %s", len(failing), 100*g.Threshold, strings.Join(g.Units, ", "))
	default:
		fmt.Fprintf(&b, "No regression beyond %.0f %% in %s", 100*g.Threshold, strings.Join(g.Units, ", "))
	}
	fmt.Fprintf(&b, " (Holm-corrected at %.2f across %d comparisons: a point's time and throughput are one).\n\n", g.Alpha, g.Comparisons(m))
	var gated, other []Change
	for _, c := range changes {
		if slices.Contains(g.Units, c.Metric.Unit) {
			gated = append(gated, c)
		} else {
			other = append(other, c)
		}
	}
	var notes footnotes
	writeChanges(&b, m, gated, &notes)
	if len(other) > 0 {
		fmt.Fprintf(&b, "<details><summary>%d other metric(s) changed at p < %.2f (not gated: with this many metrics, some cross it by chance)</summary>\n\n",
			len(other), m.Options.Thresholds.CompareAlpha)
		writeChanges(&b, m, other, &notes)
		b.WriteString("</details>\n\n")
	}
	fmt.Fprintf(&b, "%d of %d metrics show no significant difference (\"~\") and are folded away.\n", total-len(changes), total)
	for _, n := range notes.notes() {
		fmt.Fprintf(&b, "\n%s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return failing, err
}

// MinSamples returns the fewest samples per side with which benchmath's
// test (AssumeNothing: the Mann-Whitney U test) can find a difference at
// alpha at all: the size at which two samples that do not overlap first
// give p <= alpha. It returns 0 if no size up to 100 does (alpha too
// small). Fewer samples make every comparison "~", which a gate must not
// read as "no regression".
func MinSamples(alpha float64) int {
	for n := 2; n <= 100; n++ {
		lo, hi := make([]float64, n), make([]float64, n)
		for i := range n {
			lo[i], hi[i] = float64(i), float64(n+i)
		}
		th := benchmath.DefaultThresholds
		th.CompareAlpha = alpha
		c := benchmath.AssumeNothing.Compare(benchmath.NewSample(lo, &th), benchmath.NewSample(hi, &th))
		if c.P <= alpha {
			return n
		}
	}
	return 0
}

// MissingUnits returns the units of g that no result in m has, in g's
// order: a gate on a unit nothing reports would pass whatever happened.
func (g Gate) MissingUnits(m *Model) []string {
	have := map[string]bool{}
	for _, p := range m.Points {
		for _, u := range p.Units {
			have[u] = true
		}
	}
	var missing []string
	for _, u := range g.Units {
		if !have[u] {
			missing = append(missing, u)
		}
	}
	return missing
}
