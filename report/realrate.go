package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"memcgbench/workloads"
)

// Flag limits: a verdict is flagged, not stated, where the designs'
// allocation hit rates differ by more than HitRateGap percentage points
// (one design's throughput then counts allocations it did not account), or
// where a background role of the candidate loses more than BackgroundLoss
// of its rate (the measured role may have gained at its expense).
const (
	HitRateGap     = 5
	BackgroundLoss = 0.10
)

// Flags returns why a point's verdict cannot be stated as it stands:
// samples from more than one commit or machine (Point.Mixed), fewer
// samples than the U test needs to find any difference (MinSamples), hit
// rates that differ by more than HitRateGap points, and background roles
// whose rate the candidate cuts by more than BackgroundLoss. The measured
// role (the preset's first) and the roles named in verdict are what the
// verdict itself compares, so they are not background.
func (m *Model) Flags(p *Point, verdict ...string) []string {
	out := slices.Clone(p.Mixed)
	if n1, n2, need, alpha, few := p.Metrics[Throughput].tooFewSamples(); few {
		out = append(out, fmt.Sprintf("too few samples to test: n=%d+%d, the U test needs %d per design at α=%v", n1, n2, need, alpha))
	}
	if met := p.Metrics["hit-%"]; met != nil && met.Baseline != nil && met.Candidate != nil {
		if b, c := met.Baseline.Center, met.Candidate.Center; math.Abs(b-c) > HitRateGap {
			out = append(out, fmt.Sprintf("hit rates differ: %s %.0f %%, %s %.0f %%", m.Options.Baseline, b, m.Options.Candidate, c))
		}
	}
	if r, ok := m.HarnessAt(p); ok && !CalibrateHolds(r) && p.Workload != "calibrate" {
		out = append(out, fmt.Sprintf("the harness's check fails at this point (calibrate's measured/theory %.3f): the real clock here cannot resolve the claim's band", r))
	}
	spec, err := workloads.Preset(p.Workload)
	if err != nil {
		return out
	}
	for i, role := range spec.Roles {
		if i == 0 || slices.Contains(verdict, role.Name) {
			continue
		}
		met := p.Metrics[role.Name+"-ops/s"]
		if met == nil {
			continue
		}
		if r, _, _, ok := met.Ratio(); ok && r < 1-BackgroundLoss {
			out = append(out, fmt.Sprintf("%s's %s rate falls by %.0f %%", m.Options.Candidate, role.Name, 100*(1-r)))
		}
	}
	return out
}

// HarnessAt returns the harness's check at p's clock, CPU count and
// oversubscription, if it ran there: the calibrate preset's
// measured/theory, the one of the two designs farther from 1.
func (m *Model) HarnessAt(p *Point) (float64, bool) {
	for _, q := range m.Points {
		met := q.Metrics["measured/theory"]
		if q.Workload != "calibrate" || met == nil || q.Clock != p.Clock || q.Procs != p.Procs || q.Workers != p.Workers {
			continue
		}
		worst, ok := 1.0, false
		for _, s := range []*Summary{met.Baseline, met.Candidate} {
			if s != nil && math.Abs(s.Center-1) >= math.Abs(worst-1) {
				worst, ok = s.Center, true
			}
		}
		return worst, ok
	}
	return 0, false
}

// CalibrateHolds reports whether a measured/theory is within
// CalibrateTolerance of 1.
func CalibrateHolds(r float64) bool { return math.Abs(r-1) <= CalibrateTolerance }

// tooFewSamples reports whether m compares samples, not exact copies,
// with fewer on a side than the U test needs to find any difference at its
// alpha (MinSamples), and the counts; false for a nil m or one design.
func (m *Metric) tooFewSamples() (n1, n2, need int, alpha float64, few bool) {
	if m == nil || m.Baseline == nil || m.Candidate == nil || m.Deterministic() {
		return 0, 0, 0, 0, false
	}
	alpha = m.Baseline.Sample.Thresholds.CompareAlpha
	n1, n2, need = len(m.Baseline.Sample.Values), len(m.Candidate.Sample.Values), MinSamples(alpha)
	return n1, n2, need, alpha, n1 < need || n2 < need
}

// Latency classes of the real-rate answer: a p99 that grows by at most
// LatencySmall holds the claim, beyond LatencyLarge hurts a lot, between
// them hurts noticeably (HarmNone, HarmLot, HarmNoticeable).
const (
	LatencySmall = 0.20
	LatencyLarge = 1.0
)

// A RateVerdict is the answer of a real-rate workload at one virtual CPU
// count: the latency of its primary events (the preset's first open-loop
// role) and its accounted allocations, candidate against baseline.
type RateVerdict struct {
	Point *Point
	// Role is the primary role; Rate its real rate at Point.Procs CPUs,
	// in events per second.
	Role string
	Rate float64
	// Latency compares the role's p99 latency, timed from arrival, and
	// Tail its p99.9; Accounted the accounted allocations per second.
	Latency, Tail, Accounted *Verdict
	// Unserved are the baseline's and the candidate's median shares of
	// the role's arrivals never started, in percent.
	Unserved [2]float64
	Flags    []string
}

// primaryRole returns the first open-loop role of a real-rate preset, or
// false for a closed-loop or unknown workload.
func primaryRole(w string) (workloads.Spec, workloads.Role, bool) {
	spec, err := workloads.Preset(w)
	if err != nil || !spec.Open() {
		return spec, workloads.Role{}, false
	}
	for _, r := range spec.Roles {
		if r.Rate.Open() {
			return spec, r, true
		}
	}
	return spec, workloads.Role{}, false
}

// compare is a Verdict on any unit of a point.
func compare(p *Point, unit string) *Verdict {
	v := &Verdict{Point: p}
	if met := p.Metrics[unit]; met != nil {
		if r, lo, hi, ok := met.Ratio(); ok {
			v.Metric = met
			v.Change, v.ChangeLo, v.ChangeHi = r-1, lo-1, hi-1
		}
	}
	return v
}

// RateVerdicts returns the real-rate workloads' answers at every virtual
// CPU count with one allocator per CPU, by workload and CPUs.
func (m *Model) RateVerdicts() []*RateVerdict {
	var out []*RateVerdict
	for _, p := range m.Points {
		spec, role, ok := primaryRole(p.Workload)
		if !ok || p.Clock != Virtual || p.Workers != "1x" || p.Design != "" {
			continue
		}
		rv := &RateVerdict{Point: p, Role: role.Name, Rate: role.Rate.Of(p.Procs, spec.Memcgs),
			Latency: compare(p, role.Name+"-p99-sec"), Tail: compare(p, role.Name+"-p99.9-sec"),
			Accounted: compare(p, "accounted-allocs/s"), Flags: m.Flags(p, role.Name)}
		if met := p.Metrics[role.Name+"-unserved-%"]; met != nil && met.Baseline != nil && met.Candidate != nil {
			rv.Unserved = [2]float64{met.Baseline.Center, met.Candidate.Center}
		}
		out = append(out, rv)
	}
	slices.SortStableFunc(out, func(a, b *RateVerdict) int {
		if c := strings.Compare(a.Point.Workload, b.Point.Workload); c != 0 {
			return c
		}
		return a.Point.Procs - b.Point.Procs
	})
	return out
}

// latencyClass names how much a p99 change hurts: "no significant change"
// where the test finds none (with few events the p99 is noisy, so that
// is not "holds"), else the first screen's classes (HarmNone,
// HarmNoticeable, HarmLot) by LatencySmall and LatencyLarge.
func latencyClass(v *Verdict) string {
	switch {
	case v.Metric == nil:
		return "no answer"
	case !v.Metric.Deterministic() && !v.Metric.Significant():
		return "no significant change"
	case v.Change <= LatencySmall:
		return HarmNone
	case v.Change <= LatencyLarge:
		return HarmNoticeable
	}
	return HarmLot
}

// counts reports whether a rate verdict's latency change is one to state:
// measured in both designs, significant (or exact), and not flagged.
func (rv *RateVerdict) counts() bool {
	met := rv.Latency.Metric
	return met != nil && (met.Deterministic() || met.Significant()) && len(rv.Flags) == 0
}

// RateVerdictTable is the real-rate answer: per real-rate workload and
// virtual CPU count, the primary events' p99 in each design and its
// change, the accounted allocations' change, the candidate's unserved
// share and the flags.
func (m *Model) RateVerdictTable() Table {
	o := m.Options
	t := Table{Title: fmt.Sprintf("At real rates: %s against %s, virtual clock", o.Candidate, o.Baseline),
		Header: []string{"workload", "CPUs", "events", "real rate", "p99 " + o.Baseline + " → " + o.Candidate, "p99 change", "answer",
			"p99.9 " + o.Baseline + " → " + o.Candidate, "accounted allocs/s", "unserved " + o.Baseline + " → " + o.Candidate, "flags"}}
	for _, rv := range m.RateVerdicts() {
		p99, tail := "—", "—"
		if met := rv.Latency.Metric; met != nil {
			p99 = FormatSeconds(met.Baseline.Center) + " → " + FormatSeconds(met.Candidate.Center)
		}
		if met := rv.Tail.Metric; met != nil {
			tail = FormatSeconds(met.Baseline.Center) + " → " + FormatSeconds(met.Candidate.Center)
		}
		answer := latencyClass(rv.Latency)
		if len(rv.Flags) > 0 {
			answer = "flagged"
		}
		t.Rows = append(t.Rows, []string{rv.Point.Workload, strconv.Itoa(rv.Point.Procs), rv.Role,
			strconv.FormatFloat(rv.Rate, 'g', 3, 64) + "/s", p99, formatLatencyChange(rv.Latency), answer, tail,
			FormatChange(rv.Accounted), fmt.Sprintf("%.1f %% → %.1f %%", rv.Unserved[0], rv.Unserved[1]), strings.Join(rv.Flags, "; ")})
	}
	t.Notes = append(t.Notes, fmt.Sprintf("Events arrive at the preset's real rate (workloads/presets.go gives each rate's source) while every CPU allocates; "+
		"p99 of the primary events, timed from arrival (events never started count with their wait at the window's end). "+
		"Answer: a significant p99 change up to +%.0f %% is not a lot, up to +%.0f %% some, beyond a lot; "+
		"flagged where hit rates differ by more than %d points or a background role loses more than %.0f %% of its rate.",
		100*LatencySmall, 100*LatencyLarge, HitRateGap, 100*BackgroundLoss))
	return t
}

// RealRateLines answer the commit's claim from the real-rate workloads,
// one sentence each, with the rate sweep's headroom where rs is set, and a
// last sentence bounding it with the stress presets.
func (m *Model) RealRateLines(rs *RateSweep) []string {
	var out []string
	for _, w := range m.Workloads {
		if line, _ := m.realRateLine(w, rs); line != "" {
			out = append(out, line)
		}
	}
	if b := m.stressBound(); b != "" {
		out = append(out, b)
	}
	return out
}

// realRateLine is a real-rate workload's answer: the class of its worst
// point's latency change across the virtual CPU counts, what it is, and the
// rate sweep's knees; "" for a workload without real-rate points. It
// returns the worst point too (nil with none).
func (m *Model) realRateLine(w string, rs *RateSweep) (string, *RateVerdict) {
	o := m.Options
	var rvs []*RateVerdict
	for _, rv := range m.RateVerdicts() {
		if rv.Point.Workload == w {
			rvs = append(rvs, rv)
		}
	}
	if len(rvs) == 0 {
		return "", nil
	}
	// The worst change that counts; the flagged points are named after it.
	var worst *RateVerdict
	var flagged []string
	for _, rv := range rvs {
		if len(rv.Flags) > 0 {
			flagged = append(flagged, fmt.Sprintf("at %d CPUs %s", rv.Point.Procs, strings.Join(rv.Flags, "; ")))
		}
		if rv.counts() && (worst == nil || rv.Latency.Change > worst.Latency.Change) {
			worst = rv
		}
	}
	var cpus []string
	for _, rv := range rvs {
		cpus = append(cpus, strconv.Itoa(rv.Point.Procs))
	}
	text := fmt.Sprintf("%s (%s events at their real rate, %s virtual CPUs): ", w, rvs[0].Role, strings.Join(cpus, ", "))
	switch {
	case worst == nil && !slices.ContainsFunc(rvs, func(rv *RateVerdict) bool { return rv.Latency.Metric != nil }):
		text += fmt.Sprintf("too few %s events arrive in a window at the real rate to time them in both designs; the rate sweep times them at higher rates.", rvs[0].Role)
	case worst == nil:
		text += "no significant change of the p99 at any CPU count that is not flagged."
	default:
		met := worst.Latency.Metric
		text += fmt.Sprintf("%s at worst, at %d CPUs: the p99 of a %s event, %s → %s, %s; accounted allocations %s.",
			latencyClass(worst.Latency), worst.Point.Procs, worst.Role, o.Baseline, o.Candidate,
			absoluteChange(met, ""), FormatChange(worst.Accounted))
		n := 0
		for _, rv := range rvs {
			if rv.counts() {
				n++
			}
		}
		text += fmt.Sprintf(" %d of the %d CPU counts show a significant (or exact) change of the p99; the others none, or are flagged.", n, len(rvs))
	}
	if len(flagged) > 0 {
		text += " Flagged, not stated: " + strings.Join(flagged, "; ") + "."
	}
	if rs != nil {
		var knees []string
		for _, r := range rs.Rows {
			if r.Workload == w && r.RealRate > 0 {
				where := fmt.Sprintf("%d virtual CPUs", r.CPUs)
				if r.Clock == Real {
					where = fmt.Sprintf("this machine's %d CPUs", r.CPUs)
				}
				knees = append(knees, fmt.Sprintf("on %s %s %s (%s %s)", where, o.Candidate, keepsUp(r.Knee[o.Candidate]), o.Baseline, keepsUp(r.Knee[o.Baseline])))
			}
		}
		if len(knees) > 0 {
			text += " Rate sweep: " + strings.Join(knees, "; ") + "."
		}
	}
	return text, worst
}

// keepsUp says how far a design keeps up in a sentence.
func keepsUp(k Knee) string {
	switch {
	case k.None:
		return fmt.Sprintf("keeps up with none of the rates swept (the lowest, %s/s)", formatRate(k.Rate))
	case k.Never:
		return fmt.Sprintf("keeps up with every rate swept (to %s/s)", formatRate(k.Rate))
	}
	return fmt.Sprintf("keeps up to %s/s", formatRate(k.Rate))
}

// formatLatencyChange is FormatChange, with growth past 2x as a factor
// ("x136").
func formatLatencyChange(v *Verdict) string {
	if v.Metric != nil && v.Change > 1 && (v.Metric.Deterministic() || v.Metric.Significant()) {
		return "x" + formatFactor(1+v.Change)
	}
	return FormatChange(v)
}

// stressBound is the sentence on the stress presets: the largest
// throughput change of any of them at any virtual CPU count, the bound on
// what a host that runs its locks at saturation would see.
func (m *Model) stressBound() string {
	var worst *Verdict
	for _, v := range m.Verdicts {
		p := v.Point
		if !strings.HasPrefix(p.Workload, "stress-") || p.Clock != Virtual || p.Workers != "1x" || v.Metric == nil {
			continue
		}
		if worst == nil || v.Change < worst.Change {
			worst = v
		}
	}
	if worst == nil {
		return ""
	}
	return fmt.Sprintf("Bound: the stress presets run the locks at saturation in closed loops; their worst is %s, throughput %s at %d virtual CPUs.",
		worst.Point.Workload, FormatChange(worst), worst.Point.Procs)
}

// realRateWorkloads reports whether the Model has real-rate points.
func (m *Model) realRateWorkloads() bool {
	return slices.ContainsFunc(m.Points, func(p *Point) bool {
		_, _, ok := primaryRole(p.Workload)
		return ok && p.Clock == Virtual
	})
}
