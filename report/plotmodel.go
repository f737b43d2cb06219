package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// A Chart is a plot described as data: what the picture shows, before any
// pixels. The renderer draws it; tests check it.
type Chart struct {
	// Name is the file name without extension, e.g. "calibrate-throughput".
	Name   string
	Title  string
	XLabel string
	YLabel string
	// LogX and LogY draw the axis on a log scale.
	LogX, LogY bool
	// DecadesX marks a log x axis at powers of ten, not of two: rates,
	// not CPU counts.
	DecadesX bool
	// XMin and XMax, when XMax is above 0, fix the x axis' range, so
	// that panels of one figure share it.
	XMin, XMax float64
	// RatioY labels a log y axis as a ratio: plain numbers, not SI
	// prefixes.
	RatioY bool
	// Marks are vertical lines across the chart, each at X with a label
	// in the legend: the real rates on a rate sweep. Levels are horizontal
	// ones: a ratio's 1.
	Marks  []Mark
	Levels []Level
	// Stacked draws the series as bars stacked on each other, one stack
	// per category: a series' point with X = i is its part of the stack of
	// Categories[i]. YMax is then the y axis' top.
	Stacked    bool
	Categories []string
	YMax       float64
	Series     []Series
	// Below are more panels of the same picture, drawn under this one.
	Below []Chart
}

// A Level is a horizontal line of a Chart, at Y, with a label in the
// legend.
type Level struct {
	Y     float64
	Label string
}

// A Mark is a vertical line of a Chart.
type Mark struct {
	X     float64
	Label string
	// Color, if above 0, picks the line's colour as Series.Color does.
	Color int
}

// A Series is one line of a Chart.
type Series struct {
	Label  string
	Dashed bool
	// Hollow draws the points as open marks (simulated, not measured).
	Hollow bool
	// Band draws the confidence intervals as a shaded band along the
	// line, not as error bars; NoLine draws the points alone; Cross marks
	// them with crosses (points set apart, such as flagged ones).
	Band, NoLine, Cross bool
	// Color, if above 0, picks the series' colour (palette[Color-1]);
	// 0 colours series by their position in the chart.
	Color int
	// Curve draws a line without marks or error bars: a fitted model;
	// Dotted draws it thin and dotted: a reference, not data.
	Curve, Dotted bool
	Points        []ChartPoint
}

// A ChartPoint is one measured value with its confidence interval.
type ChartPoint struct {
	X, Y, YLo, YHi float64
}

// Charts returns the report's charts for the given machine label: for
// each workload, its contention curve (throughput against GOMAXPROCS, each
// design at each oversubscription, with confidence intervals), the lock
// wait per class, the p99 latency of its slow operations, and the
// baseline's deferred-destroy backlog, each where the data has it.
func (m *Model) Charts(machine string) []Chart {
	var charts []Chart
	for _, w := range m.Workloads {
		title := func(what string) string { return fmt.Sprintf("%s: %s (%s)", w, what, machine) }
		add := func(c Chart) {
			if len(c.Series) > 0 {
				charts = append(charts, c)
			}
		}
		throughput := func(u string) (string, bool) { return "", u == Throughput }
		add(Chart{Name: w + "-throughput", Title: title("throughput"), XLabel: "GOMAXPROCS (CPUs)",
			YLabel: "operations per second", Series: m.series(w, "", Real, throughput)})
		if virt := m.series(w, "1x", Virtual, throughput); len(virt) > 0 {
			// One ideal line, from the baseline's 1-CPU throughput: the
			// designs' differ little there, and two read as one.
			ideal := linearFrom1(slices.DeleteFunc(slices.Clone(virt), func(s Series) bool { return !strings.HasPrefix(s.Label, m.Options.Baseline+",") }))
			series := append(append(append(measured(m.series(w, "1x", Real, throughput)), virt...), m.fitSeries(w, Virtual)...), ideal...)
			for i, s := range series { // one colour per design: measured, simulated, fitted and ideal alike
				switch {
				case strings.HasPrefix(s.Label, m.Options.Baseline+","):
					series[i].Color = 1
				case strings.HasPrefix(s.Label, m.Options.Candidate+","):
					series[i].Color = 2
				}
			}
			top := 0.0
			for _, s := range virt {
				for _, p := range s.Points {
					top = math.Max(top, p.X)
				}
			}
			what := []string{"simulated"}
			if slices.ContainsFunc(series, func(s Series) bool { return strings.HasSuffix(s.Label, ", measured") }) {
				what = []string{"measured", "simulated"}
			}
			if slices.ContainsFunc(series, func(s Series) bool { return strings.Contains(s.Label, "USL fit") }) {
				what = append(what, "USL fits")
			}
			add(Chart{Name: w + "-scaling", Title: title(fmt.Sprintf("throughput to %g CPUs, %s", top, strings.Join(what, ", "))),
				XLabel: "CPUs (GOMAXPROCS, or virtual CPUs)", YLabel: "operations per second", LogX: true,
				LogY: spansDecade(series), Series: series})
		}
		add(Chart{Name: w + "-lockwait", Title: title("lock wait per operation, one worker per CPU"), XLabel: "GOMAXPROCS (CPUs)",
			YLabel: "wait per operation (seconds)", Series: nonzero(m.series(w, "1x", Real, suffixUnit("-wait-sec/op"))), LogY: false})
		if waits := m.series(w, "1x", Real, suffixUnit("-wait-max-sec")); len(waits) > 0 {
			add(Chart{Name: w + "-lockmax", Title: title("longest single lock wait, one worker per CPU"), XLabel: "GOMAXPROCS (CPUs)",
				YLabel: "longest wait (seconds)", LogY: true, Series: waits,
				Below: []Chart{{Title: title("longest single lock hold, one worker per CPU"), XLabel: "GOMAXPROCS (CPUs)",
					YLabel: "longest hold (seconds)", LogY: true, Series: m.series(w, "1x", Real, suffixUnit("-hold-max-sec"))}}})
		}
		if share := m.waitShareCharts(w, title); len(share) > 1 {
			share[0].Below = share[1:]
			add(share[0])
		}
		add(Chart{Name: w + "-latency", Title: title("p99 latency of slow operations, one worker per CPU"), XLabel: "GOMAXPROCS (CPUs)",
			YLabel: "p99 latency (seconds)", LogY: true, Series: m.series(w, "1x", Real, suffixUnit("-p99-sec"))})
		backlog := m.series(w, "", Real, func(u string) (string, bool) { return "", u == "destroy-backlog-max" })
		backlog = slices.DeleteFunc(backlog, func(s Series) bool { return !strings.HasPrefix(s.Label, m.Options.Baseline) })
		add(Chart{Name: w + "-backlog", Title: title(m.Options.Baseline + "'s deferred-destroy backlog"), XLabel: "GOMAXPROCS (CPUs)",
			YLabel: "destroy work queued, high-water mark", Series: backlog})
	}
	return charts
}

// linearFrom1 returns, for each series with a point at 1 CPU, the ideal
// linear scaling from it (N times the 1-CPU throughput), as will-it-scale
// draws it: how far below it a design falls is what contention costs.
func linearFrom1(series []Series) []Series {
	var out []Series
	for _, s := range series {
		i := slices.IndexFunc(s.Points, func(p ChartPoint) bool { return p.X == 1 })
		if i < 0 {
			continue
		}
		y1 := s.Points[i].Y
		line := Series{Label: s.Label + ": linear from 1 CPU", Curve: true, Dotted: true}
		for _, p := range s.Points {
			line.Points = append(line.Points, ChartPoint{X: p.X, Y: y1 * p.X, YLo: y1 * p.X, YHi: y1 * p.X})
		}
		out = append(out, line)
	}
	return out
}

// suffixUnit selects units ending in suffix and names them by the rest.
func suffixUnit(suffix string) func(string) (string, bool) {
	return func(u string) (string, bool) {
		name, ok := strings.CutSuffix(u, suffix)
		return name, ok
	}
}

// lockColor returns the colour number (for Series.Color) of a lock class:
// its place among every class the model measured, sorted by name, so that
// a class has the same colour in every chart of a report.
func (m *Model) lockColor(class string) int {
	var classes []string
	for _, p := range m.Points {
		for _, u := range p.Units {
			if c, ok := strings.CutSuffix(u, "-wait-sec/op"); ok && !slices.Contains(classes, c) {
				classes = append(classes, c)
			}
		}
	}
	slices.Sort(classes)
	return slices.Index(classes, class) + 1
}

// series collects, for workload w (and only workers, if set), one series
// per design, oversubscription and selected unit, with GOMAXPROCS on x.
// Units in seconds are drawn in seconds, their ticks with SI prefixes (5m, 100µ).
func (m *Model) series(w, workers, clock string, pick func(unit string) (name string, ok bool)) []Series {
	type key struct{ design, workers, name string }
	var order []key
	byKey := map[key]*Series{}
	var names []string // a named series' colour is its name's: one op or lock, one colour, whatever the design
	for _, p := range m.Points {
		if p.Workload != w || p.Clock != clock || workers != "" && p.Workers != workers {
			continue
		}
		for _, unit := range p.Units {
			name, ok := pick(unit)
			if !ok {
				continue
			}
			met := p.Metrics[unit]
			for _, d := range m.designs(met) {
				k := key{d.name, p.Workers, name}
				s := byKey[k]
				if s == nil {
					label := d.name
					if workers == "" {
						label += ", " + workersPerCPU(p) + "/CPU"
					}
					if name != "" {
						label += ", " + name
					}
					if clock != Real {
						label += ", " + clock
					}
					s = &Series{Label: label, Dashed: d.name == m.Options.Baseline, Hollow: clock != Real}
					switch {
					case strings.HasSuffix(unit, "-wait-sec/op") || strings.HasSuffix(unit, "-max-sec"):
						s.Color = m.lockColor(name) // one colour per lock class in every chart
					case name != "":
						if !slices.Contains(names, name) {
							names = append(names, name)
						}
						s.Color = slices.Index(names, name) + 1
					}
					byKey[k] = s
					order = append(order, k)
				}
				// Too few samples give an infinite interval: no error bar.
				lo, hi := d.s.Lo, d.s.Hi
				if math.IsInf(lo, 0) || math.IsInf(hi, 0) {
					lo, hi = d.s.Center, d.s.Center
				}
				s.Points = append(s.Points, ChartPoint{X: float64(p.Procs),
					Y: d.s.Center, YLo: lo, YHi: hi})
			}
		}
	}
	out := make([]Series, 0, len(order))
	for _, k := range order {
		s := byKey[k]
		slices.SortFunc(s.Points, func(a, b ChartPoint) int { return int(a.X - b.X) })
		out = append(out, *s)
	}
	return out
}

// fitSeries draws the USL fits of workload w's curves on clock (one worker
// per CPU) as smooth lines over the curve's range, sampled at 24 points per
// doubling.
func (m *Model) fitSeries(w, clock string) []Series {
	var out []Series
	for _, design := range []string{m.Options.Baseline, m.Options.Candidate} {
		c := m.Curve(w, design, "1x", clock)
		if c == nil || c.Fit == nil {
			continue
		}
		s := Series{Label: fmt.Sprintf("%s, USL fit (%s)", design, clock), Curve: true, Dashed: design == m.Options.Baseline}
		lo, hi := c.N[0], c.N[len(c.N)-1]
		steps := int(24*math.Log2(hi/lo)) + 1
		for i := 0; i <= steps; i++ {
			n := lo * math.Pow(hi/lo, float64(i)/float64(max(steps, 1)))
			y := c.Fit.Throughput(n)
			s.Points = append(s.Points, ChartPoint{X: n, Y: y, YLo: y, YHi: y})
		}
		out = append(out, s)
	}
	return out
}

// measured labels series of real measurements as such, beside simulated
// ones.
func measured(series []Series) []Series {
	for i := range series {
		series[i].Label += ", measured"
	}
	return series
}

// spansDecade reports whether the series' values span more than a factor of
// ten, where a log y axis helps; over a narrower range it shows no ticks.
func spansDecade(series []Series) bool {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, p := range s.Points {
			if p.Y > 0 {
				lo, hi = math.Min(lo, p.Y), math.Max(hi, p.Y)
			}
		}
	}
	return hi > 10*lo
}

// waitShareCharts are workload w's share of each design's lock wait by
// lock class, stacked to 100 % at each CPU count with one worker per CPU:
// one chart per design, on the virtual clock where it ran (more CPU counts)
// or else the real one.
func (m *Model) waitShareCharts(w string, title func(string) string) []Chart {
	clock := Real
	if slices.ContainsFunc(m.Points, func(p *Point) bool { return p.Workload == w && p.Clock == Virtual }) {
		clock = Virtual
	}
	var points []*Point
	for _, p := range m.Points {
		if p.Workload == w && p.Clock == clock && p.Workers == "1x" && p.Design == "" {
			points = append(points, p)
		}
	}
	slices.SortStableFunc(points, func(a, b *Point) int { return a.Procs - b.Procs })
	var out []Chart
	for _, design := range []string{m.Options.Baseline, m.Options.Candidate} {
		pick := candidate
		if design == m.Options.Baseline {
			pick = baseline
		}
		c := Chart{Name: w + "-waitshare", Title: title(fmt.Sprintf("%s's lock wait by class, one worker per CPU, %s clock", design, clock)),
			XLabel: "CPUs, and under each the lock wait per operation the shares divide", YLabel: "share of the lock wait (%)", Stacked: true, YMax: 100}
		if clock == Virtual {
			c.XLabel = "virtual " + c.XLabel
		}
		byClass := map[string]*Series{}
		var classes []string
		for i, p := range points {
			var total float64
			waits := map[string]float64{}
			for _, u := range p.Units {
				class, ok := strings.CutSuffix(u, "-wait-sec/op")
				if s := pick(p.Metrics[u]); ok && s != nil && s.Center > 0 {
					waits[class] = s.Center
					total += s.Center
				}
			}
			// Under each CPU count, the total the shares divide: a 100 %
			// stack hides it otherwise.
			sum := "no wait"
			if total > 0 {
				sum = FormatSeconds(total)
			}
			c.Categories = append(c.Categories, fmt.Sprintf("%d\n%s", p.Procs, sum))
			for class, wait := range waits {
				s := byClass[class]
				if s == nil {
					s = &Series{Label: class, Color: m.lockColor(class)}
					byClass[class] = s
					classes = append(classes, class)
				}
				s.Points = append(s.Points, ChartPoint{X: float64(i), Y: 100 * wait / total})
			}
		}
		slices.Sort(classes)
		for _, class := range classes {
			c.Series = append(c.Series, *byClass[class])
		}
		if len(c.Series) == 0 {
			return nil
		}
		out = append(out, c)
	}
	return out
}

// nonzero drops the series whose every point is zero: a lock no task
// waited for, which would only crowd the legend.
func nonzero(series []Series) []Series {
	return slices.DeleteFunc(series, func(s Series) bool {
		return !slices.ContainsFunc(s.Points, func(p ChartPoint) bool { return p.Y != 0 || p.YHi != 0 })
	})
}
