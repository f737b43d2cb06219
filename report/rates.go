package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/montanaflynn/stats"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"

	"memcgbench/workloads"
)

// RatesBenchmark is the benchmark name of a rate sweep's results.
const RatesBenchmark = "Rates"

// Knee limits: a design keeps up with a rate while at most KneeUnserved
// percent of its primary role's arrivals go unstarted in the window and
// that role's p99 latency stays within KneeGrowth times its p99 at the
// sweep's lowest rate.
const (
	KneeUnserved = 1.0
	KneeGrowth   = 10.0
)

// A RateSweep is a rate sweep's answer: for each real-rate workload and
// CPU count, the rate at which each design stops keeping up (its knee),
// set against the real rate.
type RateSweep struct {
	Baseline, Candidate string
	Rows                []*RateRow
}

// A RateRow is one workload at one CPU count on one clock.
type RateRow struct {
	Workload string
	// Role is the primary open-loop role (the preset's first), whose
	// arrivals the knee counts.
	Role  string
	Clock string // Real or Virtual
	CPUs  int
	// Scales are the multiples of the real rate the row ran, sorted;
	// Rates the primary role's rate at each, in events per second.
	Scales, Rates []float64
	// RealRate is the role's rate at scale 1, in events per second.
	RealRate float64
	// Knee maps a design to its knee.
	Knee map[string]Knee
	// P99 maps a design to the role's median p99 latency at each scale
	// (seconds; NaN where no event arrived), Accounted to its accounted
	// allocations per second, Unserved to the share of the role's
	// arrivals never started (percent), ToAccounting to a started
	// container's p99 time to accounting (seconds; NaN without starts)
	// and Busiest to the occupancy of its busiest lock class (percent).
	P99, Accounted, Unserved, ToAccounting, Busiest map[string][]float64
	// BusiestClass maps a design to the lock class of Busiest at the
	// highest rate.
	BusiestClass map[string]string
}

// A Knee is the highest rate of the sweep a design kept up with.
type Knee struct {
	// Rate is in events per second; Scale is its multiple of the real
	// rate.
	Rate, Scale float64
	// Never: the design kept up with every rate swept; None: with none.
	Never, None bool
}

// String formats a knee in events per second.
func (k Knee) String() string {
	switch {
	case k.None:
		return fmt.Sprintf("none of the rates swept (the lowest, %s/s)", formatRate(k.Rate))
	case k.Never:
		return fmt.Sprintf("beyond %s/s", formatRate(k.Rate))
	}
	return formatRate(k.Rate) + "/s"
}

func formatRate(r float64) string {
	if r >= 1000 {
		return formatFactor(r) // 6400, not 6.4e+03
	}
	return strconv.FormatFloat(r, 'g', 3, 64)
}

// ReadRates reads a rate sweep's results with x/perf's parser and
// projections, takes each point's median over seeds and finds each
// design's knee. It compares opts.Candidate with opts.Baseline.
func ReadRates(path string, opts Options) (*RateSweep, error) {
	if err := CheckComplete(path); err != nil {
		return nil, err
	}
	files := benchfmt.Files{Paths: []string{path}}
	var parser benchproc.ProjectionParser
	proj, err := parser.Parse("/workload,/design,/scale,/gomaxprocs,/clock", nil)
	if err != nil {
		return nil, err
	}
	f := proj.Fields()
	type point struct {
		workload, design, clock string
		cpus                    int
		scale                   float64
	}
	type samples struct {
		role                         string
		rate                         float64
		unserved, p99, alloc, toAcct []float64
		occupancy                    map[string][]float64 // per lock class, percent
	}
	data := map[point]*samples{}
	out := &RateSweep{Baseline: opts.Baseline, Candidate: opts.Candidate}
	for files.Scan() {
		switch rec := files.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, fmt.Errorf("%s: %w", path, rec)
		case *benchfmt.Result:
			if string(rec.Name.Base()) != RatesBenchmark {
				continue
			}
			k := proj.Project(rec)
			cpus, _ := strconv.Atoi(k.Get(f[3]))
			scale, err := strconv.ParseFloat(strings.TrimPrefix(k.Get(f[2]), "x"), 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: scale %q: %w", path, rec.Name.Full(), k.Get(f[2]), err)
			}
			clock := k.Get(f[4])
			if clock == "" {
				clock = Real
			}
			p := point{k.Get(f[0]), k.Get(f[1]), clock, cpus, scale}
			s := data[p]
			if s == nil {
				s = &samples{}
				data[p] = s
			}
			for _, v := range rec.Values {
				if role, ok := strings.CutSuffix(v.Unit, "-arrivals/s"); ok && s.role == "" {
					s.role, s.rate = role, v.Value
				}
			}
			if s.role == "" {
				return nil, fmt.Errorf("%s: %s: no open-loop role (no <role>-arrivals/s)", path, rec.Name.Full())
			}
			unserved, ok := rec.Value(s.role + "-unserved-%")
			if !ok {
				return nil, fmt.Errorf("%s: %s: no %s-unserved-%%", path, rec.Name.Full(), s.role)
			}
			// No latency where no event arrived in the window (a low
			// rate on few CPUs): NaN, which the medians skip.
			p99, ok := rec.Value(s.role + "-p99-sec") // the reader tidies ns to sec
			if !ok {
				p99 = math.NaN()
			}
			alloc, _ := rec.Value("accounted-allocs/s")
			toAcct, ok := rec.Value("to-accounting-p99-sec")
			if !ok {
				toAcct = math.NaN()
			}
			s.toAcct = append(s.toAcct, toAcct)
			for _, v := range rec.Values {
				if class, ok := strings.CutSuffix(v.Unit, "-occupancy-%"); ok {
					if s.occupancy == nil {
						s.occupancy = map[string][]float64{}
					}
					s.occupancy[class] = append(s.occupancy[class], v.Value)
				}
			}
			if p99 < 0 {
				return nil, fmt.Errorf("%s: %s: %s-p99-ns = %g, below 0", path, rec.Name.Full(), s.role, p99)
			}
			s.unserved = append(s.unserved, unserved)
			s.p99 = append(s.p99, p99)
			s.alloc = append(s.alloc, alloc)
		}
	}
	if err := files.Err(); err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%s: %w of Benchmark%s", path, ErrNoResults, RatesBenchmark)
	}
	type rowKey struct {
		workload, clock string
		cpus            int
	}
	rows := map[rowKey]*RateRow{}
	for p, s := range data {
		key := rowKey{p.workload, p.clock, p.cpus}
		row := rows[key]
		if row == nil {
			row = &RateRow{Workload: p.workload, Role: s.role, Clock: p.clock, CPUs: p.cpus, Knee: map[string]Knee{},
				P99: map[string][]float64{}, Accounted: map[string][]float64{}, Unserved: map[string][]float64{},
				ToAccounting: map[string][]float64{}, Busiest: map[string][]float64{}, BusiestClass: map[string]string{}}
			rows[key] = row
		}
		if !slices.Contains(row.Scales, p.scale) {
			row.Scales = append(row.Scales, p.scale)
		}
	}
	median := func(v []float64) float64 {
		v = slices.DeleteFunc(slices.Clone(v), math.IsNaN)
		m, err := stats.Median(v)
		if err != nil {
			return math.NaN()
		}
		return m
	}
	for key, row := range rows {
		slices.Sort(row.Scales)
		for _, d := range []string{opts.Baseline, opts.Candidate} {
			knee := Knee{None: true}
			base := math.NaN()
			for i, scale := range row.Scales {
				s := data[point{key.workload, d, key.clock, key.cpus, scale}]
				if s == nil {
					return nil, fmt.Errorf("%s: no %s %s on the %s clock at %d CPUs, x%g: every point of the sweep is needed", path, key.workload, d, key.clock, key.cpus, scale)
				}
				if d == opts.Baseline {
					row.Rates = append(row.Rates, s.rate)
				}
				if scale == 1 || row.RealRate == 0 && i == 0 {
					// Without an x1 point (the real clock's runs
					// start at x10), the lowest scale's rate scaled
					// back.
					row.RealRate = s.rate / scale
				}
				p99, unserved := median(s.p99), median(s.unserved)
				row.P99[d] = append(row.P99[d], p99)
				row.Accounted[d] = append(row.Accounted[d], median(s.alloc))
				row.Unserved[d] = append(row.Unserved[d], unserved)
				row.ToAccounting[d] = append(row.ToAccounting[d], median(s.toAcct))
				busiest, class := 0.0, ""
				for c, v := range s.occupancy {
					if o := median(v); o > busiest || o == busiest && c < class {
						busiest, class = o, c
					}
				}
				row.Busiest[d] = append(row.Busiest[d], busiest)
				row.BusiestClass[d] = class
				if math.IsNaN(base) {
					base = p99 // the lowest rate at which events arrived
				}
				keeps := unserved <= KneeUnserved && !(p99 > KneeGrowth*base)
				switch {
				case keeps && (knee.None && i == 0 || !knee.None && knee.Scale == row.Scales[i-1]):
					knee = Knee{Rate: s.rate, Scale: scale}
				case i == 0:
					knee.Rate = s.rate
				}
			}
			if !knee.None && knee.Scale == row.Scales[len(row.Scales)-1] {
				knee.Never = true
			}
			row.Knee[d] = knee
		}
		out.Rows = append(out.Rows, row)
	}
	slices.SortFunc(out.Rows, func(a, b *RateRow) int {
		if c := strings.Compare(a.Workload, b.Workload); c != 0 {
			return c
		}
		if c := strings.Compare(a.Clock, b.Clock); c != 0 {
			return -c // real first
		}
		return a.CPUs - b.CPUs
	})
	return out, nil
}

// KneeTable is the rate sweep's answer: per workload, clock and CPU
// count, the real rate, each design's knee and how far above the real
// rate it is, and the primary role's p99 at the real rate.
func (rs *RateSweep) KneeTable() Table {
	b, c := rs.Baseline, rs.Candidate
	t := Table{Title: "Rate sweeps: where each design stops keeping up",
		Header: []string{"workload", "events", "clock", "CPUs", "real rate", "hosts see", b + " knee", c + " knee", c + " knee / real rate",
			"against the hosts' range", "p99 at the real rate, " + b + " → " + c}}
	var scales []float64
	for _, r := range rs.Rows {
		for _, s := range r.Scales {
			if !slices.Contains(scales, s) {
				scales = append(scales, s)
			}
		}
		headroom := "—"
		if k := r.Knee[c]; k.None {
			headroom = "below the sweep"
		} else if r.RealRate > 0 {
			headroom = map[bool]string{true: "≥ ", false: ""}[k.Never] + formatFactor(k.Rate/r.RealRate) + "x"
		}
		p99 := "—"
		if i := slices.Index(r.Scales, 1); i >= 0 && !math.IsNaN(r.P99[b][i]) && !math.IsNaN(r.P99[c][i]) {
			p99 = FormatSeconds(r.P99[b][i]) + " → " + FormatSeconds(r.P99[c][i])
		}
		hosts, against := "— (no real program)", "—"
		if h := hostRange(r.Workload); h != nil {
			hosts = formatRate(h.Low) + " to " + formatRate(h.High) + "/s"
			against = fmt.Sprintf("%s %s; %s %s", c, kneeAgainst(r.Knee[c], h), b, kneeAgainst(r.Knee[b], h))
		}
		t.Rows = append(t.Rows, []string{r.Workload, r.Role, r.Clock, strconv.Itoa(r.CPUs), formatRate(r.RealRate) + "/s", hosts,
			r.Knee[b].String(), r.Knee[c].String(), headroom, against, p99})
	}
	slices.Sort(scales)
	t.Notes = append(t.Notes, fmt.Sprintf("Every open-loop rate of the preset at %s of its real rate; medians over seeds. "+
		"A design keeps up while at most %g %% of the events arrived in the window go unstarted and their p99 latency, timed from arrival, "+
		"stays within %gx of its p99 at the lowest rate at which events arrived; its knee is the highest rate it keeps up with, and every lower one. "+
		"Hosts see: the range of the primary events' rate on real hosts, per host, with its source in workloads (HostRate); a what-if has none.",
		scalesString(scales), KneeUnserved, KneeGrowth))
	return t
}

// HostSentences are the claim per real-rate workload read from the knees,
// one sentence for each workload's row at the most virtual CPUs swept:
// "faas-host at 64 simulated CPUs: new keeps up to 10/s, old to 10/s;
// hosts see 1 to 150/s: both fall inside it". What-ifs are left out.
func (rs *RateSweep) HostSentences() []string {
	best := map[string]*RateRow{}
	var order []string
	for _, r := range rs.Rows {
		if r.Clock != Virtual || hostRange(r.Workload) == nil {
			continue
		}
		if b, ok := best[r.Workload]; !ok {
			order = append(order, r.Workload)
			best[r.Workload] = r
		} else if r.CPUs > b.CPUs {
			best[r.Workload] = r
		}
	}
	var out []string
	for _, w := range order {
		r, h := best[w], hostRange(w)
		b, c := rs.Baseline, rs.Candidate
		out = append(out, fmt.Sprintf("%s at %d simulated CPUs, %s events: %s %s; %s %s. Hosts see %s to %s/s (the preset's rate %s/s).",
			w, r.CPUs, r.Role, c, kneeAgainst(r.Knee[c], h), b, kneeAgainst(r.Knee[b], h),
			formatRate(h.Low), formatRate(h.High), formatRate(r.RealRate)))
	}
	return out
}

// hostRange returns the range of rates real hosts see for workload w's
// primary events, or nil where no real program makes them.
func hostRange(w string) *workloads.HostRate {
	spec, role, open := primaryRole(w)
	if !open || spec.WhatIf != "" {
		return nil
	}
	return role.Host
}

// kneeAgainst says where knee k falls against the hosts' range h: "keeps
// up with all of it", "keeps up to 3.2/s, inside it", or "falls short of
// it".
func kneeAgainst(k Knee, h *workloads.HostRate) string {
	switch {
	case k.None:
		return "keeps up with no rate swept"
	case k.Never && k.Rate < h.High:
		return fmt.Sprintf("keeps up with all it was swept to (%s/s), inside it", formatRate(k.Rate))
	case k.Rate >= h.High:
		return "keeps up with all of it"
	case k.Rate >= h.Low:
		return fmt.Sprintf("keeps up to %s/s, inside it", formatRate(k.Rate))
	}
	return fmt.Sprintf("falls short of it (%s/s)", formatRate(k.Rate))
}

// RatioTable is the rate sweep along the way: at every rate of every
// row, each design's p99 of the primary events, their ratio, the ratio of
// accounted allocations and each design's unserved share.
func (rs *RateSweep) RatioTable() Table {
	b, c := rs.Baseline, rs.Candidate
	t := Table{Title: fmt.Sprintf("Rate sweeps along the way: %s against %s at every rate", c, b),
		Header: []string{"workload", "clock", "CPUs", "rate", "p99 " + b, "p99 " + c, "p99 " + c + "/" + b,
			"to accounting p99 " + c + "/" + b, "accounted allocs/s " + c + "/" + b, "unserved " + b + " → " + c,
			"busiest lock " + b + " → " + c}}
	for _, r := range rs.Rows {
		for i, scale := range r.Scales {
			rate := formatRate(r.Rates[i]) + "/s"
			if scale == 1 {
				rate += " (real)"
			}
			t.Rows = append(t.Rows, []string{r.Workload, r.Clock, strconv.Itoa(r.CPUs), rate,
				secondsOrDash(r.P99[b][i]), secondsOrDash(r.P99[c][i]), formatRatio(r.P99[c][i] / r.P99[b][i]),
				formatRatio(r.ToAccounting[c][i] / r.ToAccounting[b][i]),
				formatRatio(r.Accounted[c][i] / r.Accounted[b][i]),
				fmt.Sprintf("%.1f %% → %.1f %%", r.Unserved[b][i], r.Unserved[c][i]),
				fmt.Sprintf("%.0f %% → %.0f %%", r.Busiest[b][i], r.Busiest[c][i])})
		}
	}
	t.Notes = append(t.Notes, "Medians over seeds; p99 of the primary events (the preset's first open-loop role), timed from arrival; — where no event arrived. "+
		"To accounting: a started container's time from its arrival to its first allocation served by its own cache. "+
		"Busiest lock: the occupancy (hold time over the window, summed over the class's locks) of each design's busiest lock class.")
	classes := map[string]bool{}
	for _, r := range rs.Rows {
		for d, c := range r.BusiestClass {
			if c != "" {
				classes[fmt.Sprintf("%s at %d CPUs (%s), %s: %s", r.Workload, r.CPUs, r.Clock, d, c)] = true
			}
		}
	}
	if len(classes) > 0 {
		var names []string
		for n := range classes {
			names = append(names, n)
		}
		slices.Sort(names)
		t.Notes = append(t.Notes, "Busiest classes at the highest rate: "+strings.Join(names, "; ")+".")
	}
	return t
}

// Charts are the rate sweep's pictures: per workload, the p99 latency of
// its primary events against their arrival rate, each design at each CPU
// count and clock, with the real rate at each CPU count marked.
func (rs *RateSweep) Charts(machine string) []Chart {
	var charts []*Chart
	byWorkload := map[string]*Chart{}
	rows := map[string]int{}
	for _, r := range rs.Rows {
		c := byWorkload[r.Workload]
		if c == nil {
			c = &Chart{Name: r.Workload + "-rates", LogX: true, LogY: true, DecadesX: true,
				Title:  fmt.Sprintf("%s: p99 of %s events against their rate (%s)", r.Workload, r.Role, machine),
				XLabel: r.Role + " events per second", YLabel: "p99 latency from arrival (seconds)"}
			charts = append(charts, c)
			byWorkload[r.Workload] = c
		}
		rows[r.Workload]++
		color := rows[r.Workload] // one colour per CPU count and clock; the baseline dashed, as in every chart
		for _, d := range []string{rs.Baseline, rs.Candidate} {
			s := Series{Label: fmt.Sprintf("%s, %d CPUs (%s)", d, r.CPUs, r.Clock), Dashed: d == rs.Baseline, Hollow: r.Clock == Virtual, Color: color}
			for i, y := range r.P99[d] {
				// Log axes: a rate at which no event arrived in the
				// window, or a p99 of 0, has no place on them.
				if x := r.Rates[i]; x > 0 && y > 0 && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
					s.Points = append(s.Points, ChartPoint{X: x, Y: y, YLo: y, YHi: y})
				}
			}
			if len(s.Points) > 0 {
				c.Series = append(c.Series, s)
			}
		}
		if h := hostRange(r.Workload); h != nil && !slices.ContainsFunc(c.Marks, func(m Mark) bool { return m.X == h.High }) {
			c.Marks = append(c.Marks, Mark{X: h.Low, Label: "hosts see from " + formatRate(h.Low) + "/s"},
				Mark{X: h.High, Label: "hosts see to " + formatRate(h.High) + "/s"})
		}
		if r.RealRate > 0 {
			where := fmt.Sprintf("%d %s", r.CPUs, r.Clock)
			if i := slices.IndexFunc(c.Marks, func(m Mark) bool { return m.X == r.RealRate }); i >= 0 {
				c.Marks[i].Label += ", " + where
				c.Marks[i].Color = 0 // shared by several CPU counts: a colour of its own
			} else {
				c.Marks = append(c.Marks, Mark{X: r.RealRate, Label: "real rate at CPUs: " + where, Color: color})
			}
		}
	}
	out := make([]Chart, 0, len(charts))
	for _, c := range charts {
		if len(c.Series) == 0 {
			continue // no event arrived at any rate swept: nothing to draw
		}
		out = append(out, *c)
	}
	return out
}

func secondsOrDash(s float64) string {
	if math.IsNaN(s) {
		return "—"
	}
	return FormatSeconds(s)
}

func scalesString(scales []float64) string {
	var s []string
	for _, x := range scales {
		s = append(s, "x"+strconv.FormatFloat(x, 'g', -1, 64))
	}
	return strings.Join(s, ", ")
}
