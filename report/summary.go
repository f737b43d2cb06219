package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// An Effect is one comparison the first screen can state: a workload's
// primary metric at one point, candidate against baseline.
type Effect struct {
	Point *Point
	// Latency is set for a real-rate workload, whose primary metric is
	// the p99 latency of its primary events (Role): a rise hurts. Otherwise
	// the metric is throughput: a fall hurts.
	Latency bool
	Role    string
	// Verdict is the comparison: Change is candidate/baseline - 1.
	Verdict *Verdict
	// Flags are why the point cannot be stated as it stands
	// (Model.Flags); a flagged change does not count.
	Flags []string
}

// LowerBound reports whether a flagged change still states a harm, as a
// lower bound: a significant loss whose only flags say the candidate
// starves a background role (whose work would otherwise have slowed the
// measured one further).
func (c *Effect) LowerBound(o Options) bool {
	met := c.Verdict.Metric
	if len(c.Flags) == 0 || met == nil || c.Harm() == 0 || !(met.Significant() || met.Deterministic()) {
		return false
	}
	for _, f := range c.Flags {
		if !strings.HasPrefix(f, o.Candidate+"'s ") || !strings.Contains(f, " rate falls by ") {
			return false
		}
	}
	return true
}

// Counts reports whether the change is one to state: measured in both
// designs, significant or exact (deterministic samples that differ), and
// not flagged.
func (c *Effect) Counts() bool {
	met := c.Verdict.Metric
	if met == nil || len(c.Flags) > 0 {
		return false
	}
	if met.Deterministic() {
		return c.Verdict.Change != 0
	}
	return met.Significant()
}

// Harm is how much the change hurts the candidate, as a positive log
// ratio (0 for a gain): a throughput that halves and a latency that
// doubles hurt the same.
func (c *Effect) Harm() float64 {
	r := math.Log(1 + c.Verdict.Change)
	if !c.Latency {
		r = -r
	}
	return math.Max(r, 0)
}

// Size is the change's size whichever way it goes, as |log ratio|.
func (c *Effect) Size() float64 { return math.Abs(math.Log(1 + c.Verdict.Change)) }

// MetricName names the primary metric, as "throughput" or "start p99".
func (c *Effect) MetricName() string {
	if c.Latency {
		return c.Role + " p99"
	}
	return "throughput"
}

// Where says where the change was seen, as "at 2 CPUs, measured" or "at
// 64 simulated CPUs", with the oversubscription where it is not one worker
// per CPU.
func (c *Effect) Where() string {
	p := c.Point
	s := "at " + strings.Replace(cpusText(p.Procs), " ", " simulated ", 1)
	if p.Clock == Real {
		s = "measured at " + cpusText(p.Procs)
	}
	if p.Workers != "1x" {
		s += fmt.Sprintf(", %s per CPU", workersPerCPU(p))
	}
	return s
}

// Text formats the change: a throughput's as a percentage ("-49 %"), a
// latency's as a factor past 2x ("x30.4"), "~" where it is not
// significant, "=" where the samples are exact copies and equal.
func (c *Effect) Text() string {
	v := c.Verdict
	met := v.Metric
	switch {
	case met == nil:
		return "—"
	case met.Deterministic() && v.Change == 0:
		return "="
	case !met.Deterministic() && !met.Significant():
		return "~"
	}
	return formatChangeValue(v.Change)
}

// formatChangeValue renders a relative change: "+12 %", "-98 %", and past
// a doubling a factor, "x2.75", "x19700", not "+1969900 %".
func formatChangeValue(ch float64) string {
	if r := 1 + ch; r >= 2 {
		return "x" + formatFactor(r)
	}
	if math.Abs(ch) < 0.01 || ch < -0.99 {
		if ch < -0.99 {
			return fmt.Sprintf("%+.2f %%", 100*ch) // -99.96 %, not a -100 % that says it stopped
		}
		return fmt.Sprintf("%+.1f %%", 100*ch)
	}
	return fmt.Sprintf("%+.0f %%", 100*ch)
}

// formatFactor renders a factor with three significant digits and no
// exponent: 2.75, 30.4, 19700.
func formatFactor(r float64) string {
	if r < 1000 {
		return strconv.FormatFloat(r, 'g', 3, 64)
	}
	e := math.Pow(10, math.Floor(math.Log10(r))-2)
	return strconv.FormatFloat(math.Round(r/e)*e, 'f', 0, 64)
}

// Effects returns every change of workload w's primary metric the model
// can state or flag: for a closed-loop workload, its throughput at every
// measured point and at every simulated CPU count with one worker per CPU;
// for a real-rate workload, the p99 of its primary events at every
// simulated CPU count with one worker per CPU.
func (m *Model) Effects(w string) []*Effect {
	var out []*Effect
	_, role, open := primaryRole(w)
	for _, p := range m.Points {
		if !comparedAt(p, w) {
			continue
		}
		c := &Effect{Point: p}
		switch {
		case open && p.Clock == Virtual:
			c.Latency, c.Role, c.Verdict = true, role.Name, compare(p, role.Name+"-p99-sec")
			c.Flags = append(m.Flags(p, role.Name), latencyFlags(p, role.Name, m.Options)...)
		case open:
			continue // the real clock runs real-rate presets only in the rate sweep
		default:
			c.Verdict, c.Flags = m.verdictAt(p), m.Flags(p)
		}
		if c.Verdict != nil {
			out = append(out, c)
		}
	}
	return out
}

// comparedAt reports whether Effects compares workload w at point p:
// both designs' point (no single design's), and on the virtual clock
// one worker per CPU.
func comparedAt(p *Point, w string) bool {
	return p.Workload == w && p.Design == "" && (p.Clock != Virtual || p.Workers == "1x")
}

// UnservedLimit is the share of a real-rate role's arrivals, in percent,
// that the baseline may leave unstarted before a p99 comparison is
// flagged: past it both designs are overloaded, and the window, not the
// design, caps the p99.
const UnservedLimit = 1.0

// latencyFlags are why a p99 comparison of role at p cannot be stated:
// fewer rounds with events than the U test needs, or a baseline that
// already leaves more than UnservedLimit of the arrivals unstarted.
func latencyFlags(p *Point, role string, o Options) []string {
	var out []string
	if n1, n2, need, _, few := p.Metrics[role+"-p99-sec"].tooFewSamples(); few {
		out = append(out, fmt.Sprintf("too few rounds with %s events to test: n=%d+%d, the U test needs %d per design", role, n1, n2, need))
	}
	if met := p.Metrics[role+"-unserved-%"]; met != nil && met.Baseline != nil && met.Baseline.Center > UnservedLimit {
		out = append(out, fmt.Sprintf("%s already leaves %.0f %% of the %s events unstarted: both overloaded, the window caps the p99", o.Baseline, met.Baseline.Center, role))
	}
	return out
}

// Harm classes of the first screen, from the claim's thresholds.
const (
	HarmNone       = "holds"
	HarmNoticeable = "hurts noticeably"
	HarmLot        = "hurts a lot"
)

// harmClass names how much a change that counts hurts: a throughput loss
// up to ClaimSmall, or a latency rise up to LatencySmall, holds the claim;
// past ClaimLarge or LatencyLarge it hurts a lot; between, noticeably.
func harmClass(c *Effect) string {
	ch := c.Verdict.Change
	small, large := -ClaimSmall, -ClaimLarge
	hurt := func(limit float64) bool { return ch < limit }
	if c.Latency {
		small, large = LatencySmall, LatencyLarge
		hurt = func(limit float64) bool { return ch > limit }
	}
	switch {
	case hurt(large):
		return HarmLot
	case hurt(small):
		return HarmNoticeable
	}
	return HarmNone
}

// A WorkloadAnswer is one workload's row of the first screen.
type WorkloadAnswer struct {
	Workload string
	// Kind is what the workload loads the locks with: "real rates",
	// "stress (saturating)", "known answer", "fixed scenario" or "closed
	// loop".
	Kind string
	// Measured is the change at this machine's CPU count (the real clock,
	// one worker per CPU), nil where it has none; Simulated the changes at
	// Model.SimulatedCPUs, nil where there is none.
	Measured  *Effect
	Simulated []*Effect
	// Effects are every change of the workload's primary metric
	// (Model.Effects).
	Effects []*Effect
	// Worst is the change that counts and hurts most (nil with none), and
	// Class its harm class; Counted how many of Effects count.
	Worst   *Effect
	Class   string
	Counted int
	// Flagged are the changes with a flag; Bounds how many of them count
	// anyway as a lower bound of the harm (Effect.LowerBound).
	Flagged []*Effect
	Bounds  int
	// Lock is the lock class whose wait per operation grew most at the
	// worst point, LockWait that growth in seconds, and LockShare its
	// share of the candidate's lock wait there.
	Lock                string
	LockWait, LockShare float64
	// Notes are what a reader needs to trust the row: flags, exact
	// samples, hit-rate drops, statistics warnings.
	Notes []string
	// OverSet is the workload over the model's uncertainty set
	// (Sensitivity.Annotate), nil where no uncertainty run covered it.
	OverSet     *WorkloadSensitivity
	OverSetCPUs int
}

// SummaryCPUs are the simulated CPU counts the first screen shows, those
// of them the virtual clock ran.
var SummaryCPUs = []int{64, 256}

// SimulatedCPUs are those of SummaryCPUs at which the virtual clock ran
// some workload.
func (m *Model) SimulatedCPUs() []int {
	var out []int
	for _, n := range SummaryCPUs {
		if slices.ContainsFunc(m.Points, func(p *Point) bool { return p.Clock == Virtual && p.Procs == n }) {
			out = append(out, n)
		}
	}
	return out
}

// kind names what a workload loads the locks with.
func kind(w string) string {
	spec, _, open := primaryRole(w)
	switch {
	case spec.WhatIf != "":
		return "what if"
	case open:
		return "real rates"
	case strings.HasPrefix(w, "stress-"):
		return "stress (saturating)"
	case w == "calibrate":
		return "known answer"
	case w == "steady":
		return "control"
	case w == "lifecycles":
		return "fixed scenario"
	}
	return "closed loop"
}

// harnessCheck reports whether workload w checks the harness rather than the
// claim: the known answer (calibrate), whose changes are built in, and the
// control (steady), whose path the designs share, so that any change is
// noise. The headline and the summary figure leave them out.
func harnessCheck(w string) bool { return kind(w) == "known answer" || kind(w) == "control" }

// outsideClaim reports whether workload w's answer stays out of the
// claim's verdict: a harness check; a stress preset, whose saturating
// closed loops bound the cost and are not what a host sees; or a what-if,
// which loads the registry as no real program does. The report gives
// their changes as bounds, apart.
func outsideClaim(w string) bool {
	k := kind(w)
	return harnessCheck(w) || k == "stress (saturating)" || k == "what if"
}

// MachineCPUs is the largest GOMAXPROCS the real clock measured: this
// machine's CPUs.
func (m *Model) MachineCPUs() int {
	n := 0
	for _, p := range m.Points {
		if p.Clock == Real {
			n = max(n, p.Procs)
		}
	}
	return n
}

// Answers returns the first screen's rows, one per workload.
func (m *Model) Answers() []*WorkloadAnswer {
	var out []*WorkloadAnswer
	cpus, simulated := m.MachineCPUs(), m.SimulatedCPUs()
	for _, w := range m.Workloads {
		a := &WorkloadAnswer{Workload: w, Kind: kind(w), Simulated: make([]*Effect, len(simulated)), Class: HarmNone}
		changes := m.Effects(w)
		a.Effects = changes
		exact := false
		for _, c := range changes {
			p := c.Point
			if p.Clock == Real && p.Procs == cpus && p.Workers == "1x" {
				a.Measured = c
			}
			if i := slices.Index(simulated, p.Procs); i >= 0 && p.Clock == Virtual {
				a.Simulated[i] = c
				exact = exact || c.Verdict.Metric != nil && c.Verdict.Metric.Deterministic()
			}
			if len(c.Flags) > 0 {
				a.Flagged = append(a.Flagged, c)
				if !c.LowerBound(m.Options) {
					continue
				}
				a.Bounds++ // a loss that the flag can only shrink: it counts
			}
			if !c.Counts() && !(len(c.Flags) > 0 && c.Harm() > 0) {
				continue
			}
			a.Counted++
			if c.Harm() > 0 && (a.Worst == nil || c.Harm() > a.Worst.Harm()) {
				a.Worst = c
			}
		}
		if a.Worst != nil {
			a.Class = harmClass(a.Worst)
			if v := m.verdictAt(a.Worst.Point); v != nil {
				for _, cw := range v.WaitClasses {
					if cw.Delta > 0 {
						a.Lock, a.LockWait, a.LockShare = cw.Class, cw.Delta, waitShare(a.Worst.Point, cw.Class)
						break
					}
				}
			}
		}
		a.Notes = append(a.Notes, flagNotes(a.Flagged)...)
		if exact {
			a.Notes = append(a.Notes, "the simulation gave the same value in every round (its seeds do not change what it draws): "+
				"the simulated changes are exact, with no interval and no p-value")
		}
		var warned []*Effect
		for _, c := range append([]*Effect{a.Measured}, a.Simulated...) {
			if c != nil && c.Verdict.Metric != nil && !c.Verdict.Metric.Deterministic() {
				warned = append(warned, c)
			}
		}
		a.Notes = append(a.Notes, warningNotes(warned)...)
		out = append(out, a)
	}
	return out
}

// Headline is the report's first line, as LKP's robot writes its own: the
// largest change measured on this machine that counts (a regression or an
// improvement where nothing regressed), its metric and where; then the
// largest the virtual clock simulated; then in how many workloads the
// claim fails. Workloads outside the claim (outsideClaim: harness checks,
// stress bounds, what-ifs) are left out of all three.
func (m *Model) Headline(answers []*WorkloadAnswer) string {
	o := m.Options
	var measured, simulated []*Effect
	for _, a := range answers {
		if outsideClaim(a.Workload) {
			continue
		}
		for _, c := range a.Effects {
			switch {
			case !c.Counts():
			case c.Point.Clock == Real:
				measured = append(measured, c)
			default:
				simulated = append(simulated, c)
			}
		}
	}
	// The largest regression, as LKP leads with; the largest improvement
	// where nothing regressed.
	largest := func(cs []*Effect) *Effect {
		return slices.MaxFunc(cs, func(a, b *Effect) int {
			return cmp.Or(cmp.Compare(a.Harm(), b.Harm()), cmp.Compare(a.Size(), b.Size()))
		})
	}
	describe := func(c *Effect) string {
		word := "improvement"
		if c.Harm() > 0 {
			word = "regression"
		}
		met := c.Verdict.Metric
		if !c.Latency || met == nil {
			return fmt.Sprintf("**%s %s** of %s %s %s", c.Text(), word, c.Point.Workload, c.MetricName(), c.Where())
		}
		// A latency reads absolute first: old -> new and the
		// difference; its factor only where the baseline is above its
		// floor (a ratio over an unloaded value says nothing of a
		// lock's cost).
		text := fmt.Sprintf("**%s %s %s** %s, a %s", c.Point.Workload, c.MetricName(), absoluteChange(met, ""), c.Where(), word)
		if m.AtFloor(c) {
			text += fmt.Sprintf(" (%s's %s is its floor, the unloaded value: no ratio)", o.Baseline, FormatSeconds(met.Baseline.Center))
		} else {
			text += fmt.Sprintf(" (%s)", c.Text())
		}
		return text
	}
	var parts []string
	if len(measured) > 0 {
		parts = append(parts, "measured on this machine, "+describe(largest(measured)))
	} else {
		parts = append(parts, "measured on this machine, no significant change")
	}
	if len(simulated) > 0 {
		parts = append(parts, "simulated, "+describe(largest(simulated)))
	}
	bad, n, known, bounds := 0, 0, []string{}, []string{}
	for _, a := range answers {
		if harnessCheck(a.Workload) {
			known = append(known, a.Workload)
			continue
		}
		if outsideClaim(a.Workload) {
			bounds = append(bounds, a.Workload)
			continue
		}
		n++
		if a.Class == HarmLot {
			bad++
		}
	}
	text := fmt.Sprintf("%s against %s: %s. The claim fails (%s hurts a lot) in %d of %d workloads", o.Candidate, o.Baseline,
		strings.Join(parts, "; "), o.Candidate, bad, n)
	if over := overSetCounts(answers); over != "" {
		text += "; " + over
	}
	if len(known) > 0 {
		text += fmt.Sprintf(" (%s, the harness's checks, left out)", strings.Join(known, ", "))
	}
	if len(bounds) > 0 {
		text += fmt.Sprintf("; %s are stress bounds and what-ifs, outside the claim", strings.Join(bounds, ", "))
	}
	return text + "."
}

// overSetCounts says how the claim's workloads fare over the uncertainty
// set: how many keep one class at every end of every range, by class, and
// in how many the class depends on the model's choices; "" where no
// uncertainty run covered them.
func overSetCounts(answers []*WorkloadAnswer) string {
	counts := map[string]int{}
	depends, n, cpus := 0, 0, 0
	for _, a := range answers {
		if outsideClaim(a.Workload) || a.OverSet == nil {
			continue
		}
		n, cpus = n+1, a.OverSetCPUs
		if len(a.OverSet.Hinges()) > 0 {
			depends++
		} else {
			counts[a.OverSet.Base.Class]++
		}
	}
	if n == 0 {
		return ""
	}
	var parts []string
	for _, c := range []string{HarmLot, HarmNoticeable, HarmNone, noAnswer} {
		if counts[c] > 0 {
			parts = append(parts, fmt.Sprintf("%s in %d", c, counts[c]))
		}
	}
	if depends > 0 {
		parts = append(parts, fmt.Sprintf("depends on the model's choices in %d", depends))
	}
	return fmt.Sprintf("over the model's uncertainty set at %d CPUs, of %d: %s", cpus, n, strings.Join(parts, ", "))
}

// FloorSlack is how close to its floor a latency may be and still count
// as sitting at it: within 10 % of the lowest value the same design gives
// for the same workload and clock anywhere.
const FloorSlack = 0.10

// AtFloor reports whether latency change c's baseline sits at its floor:
// within FloorSlack of the lowest baseline of c's workload on c's clock
// over every point, the event's unloaded latency, so that a ratio over it
// is a lock's cost over nothing and is not to be printed.
func (m *Model) AtFloor(c *Effect) bool {
	met := c.Verdict.Metric
	if !c.Latency || met == nil || met.Baseline == nil {
		return false
	}
	// The points Effects compares a latency at, read directly: building
	// every Effect again (its verdict and flags) for each cell would
	// redo the workload's comparisons.
	floor := math.Inf(1)
	for _, p := range m.Points {
		if !comparedAt(p, c.Point.Workload) || p.Clock != c.Point.Clock {
			continue
		}
		if pm := p.Metrics[c.Role+"-p99-sec"]; pm != nil && pm.Baseline != nil && pm.Baseline.Center > 0 {
			if _, _, _, ok := pm.Ratio(); ok {
				floor = min(floor, pm.Baseline.Center)
			}
		}
	}
	return met.Baseline.Center <= (1+FloorSlack)*floor
}

// CellText is a first-screen cell of change c: a throughput's as Text
// gives it; a latency's that counts, absolute first, "10 ms → 25 ms
// (+15 ms)", with its factor or percentage after only where the
// baseline is above its floor (AtFloor): "30 ms → 60 ms (+30 ms, x2)".
func (m *Model) CellText(c *Effect) string {
	met := c.Verdict.Metric
	text := c.Text()
	if !c.Latency || met == nil || met.Baseline == nil || met.Candidate == nil || text == "~" || text == "=" || text == "—" {
		return text
	}
	if m.AtFloor(c) {
		return absoluteChange(met, "")
	}
	return absoluteChange(met, text)
}

// absoluteChange is a latency's change absolute first: "10 ms → 25 ms
// (+15 ms)", or with a relative change after, "(+15 ms, x2.5)".
func absoluteChange(met *Metric, relative string) string {
	b, n := met.Baseline.Center, met.Candidate.Center
	diff := signedSeconds(n - b)
	if relative != "" {
		diff += ", " + relative
	}
	return fmt.Sprintf("%s → %s (%s)", FormatSeconds(b), FormatSeconds(n), diff)
}

// SplitAnswers parts the first screen's rows: those of the claim (and the
// harness's checks, which say whether to trust it), and the bounds apart
// from it, the stress presets and the what-ifs (outsideClaim).
func SplitAnswers(answers []*WorkloadAnswer) (claim, bounds []*WorkloadAnswer) {
	for _, a := range answers {
		if outsideClaim(a.Workload) && !harnessCheck(a.Workload) {
			bounds = append(bounds, a)
		} else {
			claim = append(claim, a)
		}
	}
	return claim, bounds
}

// BoundsTable is AnswerTable of the bounds: the stress presets' saturating
// closed loops and the what-ifs' loads no real program makes, each a
// bound on what the candidate's lock can cost, apart from the claim.
func (m *Model) BoundsTable(bounds []*WorkloadAnswer, rs *RateSweep) Table {
	t := m.AnswerTable(bounds, rs)
	t.Title = "Bounds, apart from the claim: stress presets and what-ifs"
	if i := slices.Index(t.Header, "the claim"); i >= 0 {
		t.Header[i] = "as a bound"
	}
	t.Notes = append([]string{"These rows load the registry as no host does (closed loops at saturation, or readers no real program runs): " +
		"each bounds what the lock can cost and enters neither the headline nor its count."}, t.Notes...)
	return t
}

// AnswerTable is the first screen's table: one row per workload with its
// change measured on this machine, simulated at SimulatedCPUs, the answer to
// the claim, the lock that carries it, and footnotes for what a row needs
// to be trusted.
func (m *Model) AnswerTable(answers []*WorkloadAnswer, rs *RateSweep) Table {
	o := m.Options
	cpus := m.MachineCPUs()
	t := Table{Title: "The claim, workload by workload",
		Header: []string{"workload", "load", "metric", fmt.Sprintf("measured, %d CPUs", cpus)}}
	for _, n := range m.SimulatedCPUs() {
		t.Header = append(t.Header, fmt.Sprintf("simulated, %d CPUs", n))
	}
	t.Header = append(t.Header, "the claim", "worst", "carried by")
	setCPUs := 0
	for _, a := range answers {
		if a.OverSet != nil {
			setCPUs = a.OverSetCPUs
		}
	}
	if setCPUs > 0 {
		t.Header = append(t.Header, fmt.Sprintf("over the uncertainty set, %d CPUs", setCPUs))
	}
	var notes numbered
	for _, a := range answers {
		metric := "throughput"
		if _, role, open := primaryRole(a.Workload); open {
			metric = role.Name + " p99"
		}
		row := []string{a.Workload + notes.mark(a.Notes), a.Kind, metric, m.measuredCell(a, rs)}
		for _, c := range a.Simulated {
			cell := "—"
			if c != nil {
				cell = m.CellText(c)
				if len(c.Flags) > 0 {
					cell += " ⚑"
				}
			}
			row = append(row, cell)
		}
		worst, lock := "—", "—"
		if a.Worst != nil {
			worst = m.CellText(a.Worst) + " " + a.Worst.Where()
		}
		if a.Lock != "" {
			lock = fmt.Sprintf("%s +%s/op (%.0f %%)", a.Lock, FormatSeconds(a.LockWait), 100*a.LockShare)
			if c := a.Worst; c != nil && c.Latency {
				if s, ok := perEventLock(c.Point, a.Lock, c.Role, a.LockWait); ok {
					lock = fmt.Sprintf("%s %s (%.0f %% of %s's lock wait)", a.Lock, s, 100*a.LockShare, o.Candidate)
				}
			}
		}
		claim := a.Class
		switch {
		case a.Kind == "known answer":
			claim = m.knownAnswerCell(a.Workload)
		case a.Kind == "control":
			claim = "control, not the claim: the designs share its path, so a change is the harness's noise or drift " +
				map[bool]string{true: "✓ (none)", false: "✗ (trust the other measured rows less)"}[a.Worst == nil]
		case a.Worst != nil && len(a.Worst.Flags) > 0:
			claim += fmt.Sprintf(" (a lower bound: %s)", strings.Join(a.Worst.Flags, "; "))
		case a.Worst == nil && len(a.Flagged) > 0:
			claim = fmt.Sprintf("not stated: %d of %d points flagged", len(a.Flagged), len(a.Effects))
		case a.Worst == nil && !slices.ContainsFunc(a.Effects, func(c *Effect) bool { return c.Verdict.Metric != nil }):
			claim = "no answer: not measured in both designs"
		case a.Worst == nil && a.Counted == 0:
			claim = "holds: no significant change"
		case len(a.Flagged) > 0:
			claim += fmt.Sprintf(" (%d of %d points flagged)", len(a.Flagged), len(a.Effects))
		}
		row = append(row, claim, worst, lock)
		if setCPUs > 0 {
			over := "—"
			if a.OverSet != nil {
				over = a.OverSet.OverSet(3)
			}
			row = append(row, over)
		}
		t.Rows = append(t.Rows, row)
	}
	t.Notes = append(t.Notes, fmt.Sprintf("Change of %s against %s: throughput as a percentage (a fall hurts); the p99 latency of a real-rate preset's "+
		"primary events from their arrival as old → new and the difference, then a percentage or, past a doubling, a factor, only where old's p99 is "+
		"above its floor (more than 10 %% above the lowest it gives on that clock; a rise hurts); \"~\": not significant (Mann-Whitney U, α=%g); "+
		"\"=\": exactly equal. Measured: the real clock at this machine's %d CPUs, one worker per CPU. Simulated: the virtual clock, one worker per CPU. "+
		"The claim: the worst change that counts, over every point (each GOMAXPROCS and oversubscription measured, each CPU count simulated), "+
		"holds up to a %.0f %% throughput loss or a %.0f %% latency rise, hurts a lot past %.0f %% or x%g, and hurts noticeably (throughput) or some (latency) between. "+
		"Carried by: the lock whose wait per operation grew most there, by how much, and its share of the candidate's lock wait; for a real-rate preset, "+
		"the candidate's utilisation of it (hold time over the window) and the wait it added to each of the primary role's events. "+
		"A real-rate preset's measured cell is its rate sweep on this machine, at the lowest rate it ran there (ten times the real one: at the real rate "+
		"too few events arrive in a window), one run: no test. "+
		"Load: real rates are events arriving at the rates hosts see; stress presets run closed loops at saturation, a bound, not a host's load.",
		o.Candidate, o.Baseline, o.Thresholds.CompareAlpha, cpus, 100*ClaimSmall, 100*LatencySmall, 100*ClaimLarge, 1+LatencyLarge))
	t.Notes = append(t.Notes, notes.notes()...)
	return t
}

// measuredCell is a row's change on this machine: the throughput change,
// or for a real-rate preset the rate sweep's knees on the real clock.
func (m *Model) measuredCell(a *WorkloadAnswer, rs *RateSweep) string {
	if a.Measured != nil {
		cell := a.Measured.Text()
		if len(a.Measured.Flags) > 0 {
			cell += " ⚑"
		}
		return cell
	}
	if rs == nil {
		return "—"
	}
	for _, r := range rs.Rows {
		if r.Workload != a.Workload || r.Clock != Real || r.RealRate <= 0 {
			continue
		}
		for i, scale := range r.Scales {
			b, c := r.P99[rs.Baseline][i], r.P99[rs.Candidate][i]
			if math.IsNaN(b) || math.IsNaN(c) {
				continue
			}
			return fmt.Sprintf("p99 %s → %s at x%s the real rate", FormatSeconds(b), FormatSeconds(c), formatFactor(scale))
		}
	}
	return "—"
}

// numbered numbers a table's footnotes: each row carries the mark of its
// notes, and the notes under the table say them once.
type numbered struct{ texts []string }

// mark returns the marks of texts, as " [1, 3]", numbering the texts not
// seen before; "" for none.
func (n *numbered) mark(texts []string) string {
	var nums []string
	for _, t := range texts {
		i := slices.Index(n.texts, t)
		if i < 0 {
			n.texts = append(n.texts, t)
			i = len(n.texts) - 1
		}
		nums = append(nums, strconv.Itoa(i+1))
	}
	if len(nums) == 0 {
		return ""
	}
	slices.SortFunc(nums, func(a, b string) int {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return x - y
	})
	return " [" + strings.Join(nums, ", ") + "]"
}

func (n *numbered) notes() []string {
	out := make([]string, len(n.texts))
	for i, t := range n.texts {
		out[i] = fmt.Sprintf("[%d] %s.", i+1, t)
	}
	return out
}

// SummaryCharts are the panels of the report's summary figure, one over
// the other on one log CPU axis: every closed-loop workload's new/old
// throughput, with a line at 1 (no change); then every real-rate
// workload's p99 latency in seconds, the baseline's dashed and the
// candidate's solid (absolute values: a ratio over an unloaded p99 would
// say nothing of the lock), each against CPUs; measured points filled,
// simulated ones hollow with their intervals as bands; flagged points
// apart, as grey crosses. A panel with no data is left out.
func (m *Model) SummaryCharts(machine string) []Chart {
	o := m.Options
	ratio := fmt.Sprintf("%s/%s", o.Candidate, o.Baseline)
	tput := Chart{Name: "summary", Title: fmt.Sprintf("%s throughput: below 1, %s is slower (%s)", ratio, o.Candidate, machine),
		XLabel: "CPUs (GOMAXPROCS, or virtual CPUs), one worker per CPU", YLabel: ratio + " throughput", LogX: true, LogY: true, RatioY: true}
	lat := Chart{Name: "summary", Title: fmt.Sprintf("p99 latency at real rates, %s dashed, %s solid (%s)", o.Baseline, o.Candidate, machine),
		XLabel: "virtual CPUs, one worker per CPU", YLabel: "p99 latency of the primary events (s)", LogX: true, LogY: true}
	flagged := map[*Chart]*Series{}
	next := 0
	for _, w := range m.Workloads {
		if harnessCheck(w) {
			continue // a harness check: its changes are built in, or noise
		}
		next++
		color := next // one colour per workload, in both series and both panels; grey is the flagged points'
		if color >= flagColor {
			color++
		}
		byClock := map[string]*Series{}
		var order []string
		for _, c := range m.Effects(w) {
			if c.Point.Workers != "1x" || c.Verdict.Metric == nil {
				continue
			}
			v := c.Verdict
			r, lo, hi, _ := v.Metric.Ratio()
			if math.IsInf(lo, 0) || math.IsInf(hi, 0) || math.IsNaN(lo) || math.IsNaN(hi) || lo <= 0 {
				lo, hi = v.Metric.SampleRatioRange() // too few rounds for an interval: their range
			}
			if c.Latency {
				// Absolute values, the baseline's and the candidate's: a
				// ratio over an unloaded p99 says nothing of a lock.
				for _, side := range []struct {
					sum    *Summary
					design string
				}{{v.Metric.Baseline, o.Baseline}, {v.Metric.Candidate, o.Candidate}} {
					if side.sum == nil {
						continue
					}
					key := c.Point.Clock + "/" + side.design
					s := byClock[key]
					if s == nil {
						s = &Series{Label: fmt.Sprintf("%s (%s), %s", w, c.Role, side.design), Color: color, Hollow: true, Band: true,
							Dashed: side.design == o.Baseline}
						byClock[key] = s
						order = append(order, key)
					}
					if len(c.Flags) > 0 && !c.LowerBound(o) && side.design == o.Candidate {
						f := flagged[&lat]
						if f == nil {
							f = &Series{Label: "flagged, not counted (see the table)", Color: flagColor, NoLine: true, Cross: true}
							flagged[&lat] = f
						}
						f.Points = append(f.Points, ChartPoint{X: float64(c.Point.Procs), Y: side.sum.Center, YLo: side.sum.Center, YHi: side.sum.Center})
						continue
					}
					lo, hi := side.sum.Lo, side.sum.Hi
					if !(lo > 0 && hi >= lo && !math.IsInf(hi, 0)) {
						lo, hi = side.sum.Center, side.sum.Center // too few rounds for an interval
					}
					s.Points = append(s.Points, ChartPoint{X: float64(c.Point.Procs), Y: side.sum.Center, YLo: lo, YHi: hi})
				}
				continue
			}
			s := byClock[c.Point.Clock]
			if s == nil {
				label := w + ", measured"
				if c.Point.Clock == Virtual {
					label = w + ", simulated"
				}
				s = &Series{Label: label, Color: color, Hollow: c.Point.Clock == Virtual, Band: c.Point.Clock == Virtual}
				byClock[c.Point.Clock] = s
				order = append(order, c.Point.Clock)
			}
			if len(c.Flags) > 0 && !c.LowerBound(o) {
				f := flagged[&tput]
				if f == nil {
					f = &Series{Label: "flagged, not counted (see the table)", Color: flagColor, NoLine: true, Cross: true}
					flagged[&tput] = f
				}
				f.Points = append(f.Points, ChartPoint{X: float64(c.Point.Procs), Y: r, YLo: r, YHi: r})
				continue
			}
			s.Points = append(s.Points, ChartPoint{X: float64(c.Point.Procs), Y: r, YLo: lo, YHi: hi})
		}
		for _, clock := range order {
			s := byClock[clock]
			slices.SortFunc(s.Points, func(a, b ChartPoint) int { return cmp.Compare(a.X, b.X) })
			if _, _, open := primaryRole(w); open {
				lat.Series = append(lat.Series, *s)
			} else {
				tput.Series = append(tput.Series, *s)
			}
		}
	}
	for _, panel := range []*Chart{&tput, &lat} {
		if f := flagged[panel]; f != nil {
			panel.Series = append(panel.Series, *f)
		}
	}
	var out []Chart
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range []Chart{tput, lat} {
		if len(c.Series) > 0 {
			if c.RatioY {
				c.Levels = []Level{{Y: 1, Label: ratio + " = 1: no change"}}
			}
			out = append(out, c)
		}
		for _, s := range c.Series {
			for _, p := range s.Points {
				lo, hi = math.Min(lo, p.X), math.Max(hi, p.X)
			}
		}
	}
	for i := range out {
		out[i].XMin, out[i].XMax = lo, hi // one CPU axis for every panel
	}
	return out
}

// cpusText says "1 CPU" or "64 CPUs".
func cpusText(n int) string {
	if n == 1 {
		return "1 CPU"
	}
	return strconv.Itoa(n) + " CPUs"
}

// flagNotes says why flagged changes do not count, one note per kind of
// flag (its text without numbers), naming where and the flag's range:
// "⚑ not counted at 2 CPUs measured; 2 to 1024 CPUs simulated: new's
// churn rate falls by 53 % ... 89 %".
func flagNotes(flagged []*Effect) []string {
	type group struct {
		texts   []string
		points  []string // measured points, as "2 CPUs with 4 workers per CPU"
		virtual []int
	}
	var order []string
	groups := map[string]*group{}
	for _, c := range flagged {
		for _, f := range c.Flags {
			k := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' || r == '.' {
					return -1
				}
				return r
			}, f)
			g := groups[k]
			if g == nil {
				g = &group{}
				groups[k] = g
				order = append(order, k)
			}
			g.texts = append(g.texts, f)
			if c.Point.Clock == Real {
				pt := cpusText(c.Point.Procs)
				if c.Point.Workers != "1x" {
					pt += " with " + workersPerCPU(c.Point) + " per CPU"
				}
				g.points = append(g.points, pt)
			} else {
				g.virtual = append(g.virtual, c.Point.Procs)
			}
		}
	}
	var out []string
	for _, k := range order {
		g := groups[k]
		var where []string
		if len(g.points) > 0 {
			where = append(where, "measured at "+strings.Join(g.points, ", "))
		}
		if len(g.virtual) > 0 {
			where = append(where, "simulated at "+cpuList(g.virtual))
		}
		out = append(out, fmt.Sprintf("⚑ not counted %s: %s", strings.Join(where, "; "), numberRanges(g.texts)))
	}
	return out
}

// cpuList says a set of CPU counts in a few words: "1 CPU", "1 and 2 CPUs",
// "2 to 1024 CPUs (8 counts)".
func cpuList(n []int) string {
	n = slices.Compact(slices.Sorted(slices.Values(n)))
	switch len(n) {
	case 1:
		return cpusText(n[0])
	case 2:
		return fmt.Sprintf("%d and %d CPUs", n[0], n[1])
	}
	return fmt.Sprintf("%d to %d CPUs (%d counts)", n[0], n[len(n)-1], len(n))
}

// warningNotes gives benchstat's warnings on the changes a row shows, each
// once, with where it applies.
func warningNotes(effects []*Effect) []string {
	var order []string
	where := map[string]*[2][]int{} // CPU counts measured, simulated
	for _, c := range effects {
		for _, e := range c.Verdict.Metric.Warnings() {
			t := e.Error()
			if _, ok := where[t]; !ok {
				order = append(order, t)
				where[t] = &[2][]int{}
			}
			i := 0
			if c.Point.Clock == Virtual {
				i = 1
			}
			where[t][i] = append(where[t][i], c.Point.Procs)
		}
	}
	var out []string
	for _, t := range order {
		var at []string
		if n := where[t][0]; len(n) > 0 {
			at = append(at, "measured at "+cpuList(n))
		}
		if n := where[t][1]; len(n) > 0 {
			at = append(at, "simulated at "+cpuList(n))
		}
		out = append(out, fmt.Sprintf("benchstat, %s: %s", strings.Join(at, " and "), t))
	}
	return out
}

// waitShare is class's share of the candidate's lock wait per operation at
// p, summed over classes.
// perEventLock describes, for a real-rate point, the lock class that
// carries a change per event of the role, not per operation: the
// candidate's utilisation of it (occupancy, hold time over the window)
// and the wait it added to each event of the role, wait (the growth of
// the class's wait per operation) times the operations per event, as
// "12 % busy, +3.1 ms a start". It reports false where the point lacks
// the units.
func perEventLock(p *Point, class, role string, wait float64) (string, bool) {
	center := func(unit string) (float64, bool) {
		m := p.Metrics[unit]
		if m == nil || m.Candidate == nil {
			return 0, false
		}
		return m.Candidate.Center, true
	}
	busy, ok1 := center(class + "-occupancy-%")
	ops, ok2 := center("ops/s")
	events, ok3 := center(role + "-ops/s")
	if !ok1 || !ok2 || !ok3 || events <= 0 {
		return "", false
	}
	return fmt.Sprintf("%.0f %% busy, %s a %s", busy, signedSeconds(wait*ops/events), role), true
}

func waitShare(p *Point, class string) float64 {
	var total, mine float64
	for _, u := range p.Units {
		c, ok := strings.CutSuffix(u, "-wait-sec/op")
		if !ok || p.Metrics[u].Candidate == nil {
			continue
		}
		total += p.Metrics[u].Candidate.Center
		if c == class {
			mine = p.Metrics[u].Candidate.Center
		}
	}
	if total == 0 {
		return 0
	}
	return mine / total
}

// numberRanges merges texts that differ only in their numbers into one,
// each differing number shown as the range it spans: "new's churn rate
// falls by 36 % to 89 %". Texts of different shapes are joined with "; ".
func numberRanges(texts []string) string {
	texts = slices.Compact(slices.Clone(texts))
	first := strings.Fields(texts[0])
	for _, t := range texts[1:] {
		if len(strings.Fields(t)) != len(first) {
			return strings.Join(texts, "; ")
		}
	}
	out := slices.Clone(first)
	for i, tok := range first {
		num := strings.TrimRight(tok, ",;:")
		lo, err := strconv.ParseFloat(num, 64)
		if err != nil {
			for _, t := range texts[1:] {
				if strings.Fields(t)[i] != tok {
					return strings.Join(texts, "; ")
				}
			}
			continue
		}
		hi := lo
		for _, t := range texts[1:] {
			v, err := strconv.ParseFloat(strings.TrimRight(strings.Fields(t)[i], ",;:"), 64)
			if err != nil {
				return strings.Join(texts, "; ")
			}
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		if lo != hi {
			f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
			out[i] = f(lo) + " to " + f(hi) + tok[len(num):]
		}
	}
	return strings.Join(out, " ")
}

// SampleRatioRange is the range of candidate/baseline over the two
// samples' values, from the candidate's least over the baseline's most to
// its most over the baseline's least: what a chart shades where there are
// too few samples for a confidence interval. Without both samples, or with
// a baseline value of zero, it is the ratio of the centers twice.
func (m *Metric) SampleRatioRange() (lo, hi float64) {
	b, c := m.Baseline, m.Candidate
	if b == nil || c == nil || b.Sample == nil || c.Sample == nil || len(b.Sample.Values) == 0 || len(c.Sample.Values) == 0 {
		r, _, _, _ := m.Ratio()
		return r, r
	}
	bv, cv := b.Sample.Values, c.Sample.Values // sorted ascending
	if bv[0] <= 0 {
		r, _, _, _ := m.Ratio()
		return r, r
	}
	return cv[0] / bv[len(bv)-1], cv[len(cv)-1] / bv[0]
}

// CalibrateTolerance is how far the calibrate preset's measured/theory may
// stray from 1 for the harness check to pass.
const CalibrateTolerance = 0.05

// knownAnswerCell is a known-answer workload's cell where other rows give
// the claim: the harness check it is, the range of its measured/theory
// over every point, and whether that range is within CalibrateTolerance.
func (m *Model) knownAnswerCell(w string) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range m.Points {
		met := p.Metrics["measured/theory"]
		if p.Workload != w || met == nil {
			continue
		}
		for _, s := range []*Summary{met.Baseline, met.Candidate} {
			if s != nil {
				lo, hi = math.Min(lo, s.Center), math.Max(hi, s.Center)
			}
		}
	}
	if math.IsInf(lo, 1) {
		return "harness check, not the claim: no measured/theory"
	}
	return fmt.Sprintf("harness check, not the claim: measured/theory %.3f to %.3f %s", lo, hi,
		check(CalibrateHolds(lo) && CalibrateHolds(hi)))
}
