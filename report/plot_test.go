package report

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCharts(t *testing.T) {
	m, err := Build([]string{"testdata/sweep.txt"}, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	charts := map[string]Chart{}
	for _, c := range m.Charts("test-machine") {
		charts[c.Name] = c
		if !strings.Contains(c.Title, "test-machine") || c.XLabel == "" || c.YLabel == "" {
			t.Errorf("%s: title %q, labels %q, %q: want the machine named and both axes labelled", c.Name, c.Title, c.XLabel, c.YLabel)
		}
	}
	tests := []struct {
		chart  string
		series []string
	}{
		{"calibrate-throughput", []string{"old, 1 worker/CPU", "new, 1 worker/CPU", "old, 4 workers/CPU", "new, 4 workers/CPU"}},
		{"calibrate-lockwait", []string{"old, memcg.slab_caches_mutex", "new, memcg_slab_mutex"}},
		{"calibrate-latency", []string{"old, slabinfo", "new, slabinfo"}},
		{"container-churn-backlog", []string{"old, 1 worker/CPU", "old, 4 workers/CPU"}},
	}
	for _, tt := range tests {
		c, ok := charts[tt.chart]
		if !ok {
			t.Errorf("no chart %s", tt.chart)
			continue
		}
		var labels []string
		for _, s := range c.Series {
			labels = append(labels, s.Label)
			if len(s.Points) != 2 || s.Points[0].X != 1 || s.Points[1].X != 2 {
				t.Errorf("%s/%s: points %+v, want GOMAXPROCS 1 and 2", tt.chart, s.Label, s.Points)
			}
			for _, p := range s.Points {
				if !(p.YLo <= p.Y && p.Y <= p.YHi) {
					t.Errorf("%s/%s: point %+v outside its interval", tt.chart, s.Label, p)
				}
			}
		}
		if strings.Join(labels, "; ") != strings.Join(tt.series, "; ") {
			t.Errorf("%s: series %q, want %q", tt.chart, labels, tt.series)
		}
	}
	if _, ok := charts["calibrate-backlog"]; ok {
		t.Error("calibrate has no destroy work, but a backlog chart was made")
	}
	// The throughput points are the model's medians, not a second computation.
	p := pointFor(m, "Registry/workload=calibrate/workers=1x-2")
	got := charts["calibrate-throughput"].Series[1].Points[1].Y
	if want := p.Metrics[Throughput].Candidate.Center; got != want {
		t.Errorf("new's throughput at GOMAXPROCS=2 is %v in the chart, %v in the model", got, want)
	}
}

func TestDrawWritesPNGAndSVG(t *testing.T) {
	dir := t.TempDir()
	c := Chart{Name: "c", Title: "t", XLabel: "x", YLabel: "y", Series: []Series{
		{Label: "a", Points: []ChartPoint{{1, 10, 9, 11}, {2, 20, 18, 22}}},
		{Label: "b", Dashed: true, Points: []ChartPoint{{1, 5, 5, 5}, {2, 6, 5, 7}}},
	}}
	if err := Draw(c, dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"c.png", "c.svg"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("files in the plot directory: %v, want only c.png and c.svg", entries)
	}
}

func TestSILabel(t *testing.T) {
	for v, want := range map[float64]string{1e6: "1M", 50000: "50k", 2.5e8: "250M", 0.001: "1m", 0: "0", 1: "1", 1.5e-6: "1.5µ", 120: "120", 0.25: "250m"} {
		if got := siLabel(v); got != want {
			t.Errorf("siLabel(%g) = %q, want %q", v, got, want)
		}
	}
}

// TestLockColorsAgreeAcrossCharts: a lock class has one colour in every
// lock-wait chart of a report, whatever the chart's other classes.
func TestLockColorsAgreeAcrossCharts(t *testing.T) {
	m, err := Build([]string{"testdata/sweep.txt"}, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	colors := map[string]int{}
	for _, c := range m.Charts("t") {
		if !strings.HasSuffix(c.Name, "-lockwait") {
			continue
		}
		for _, s := range c.Series {
			class := s.Label[strings.Index(s.Label, ", ")+2:]
			if s.Color == 0 {
				t.Errorf("%s: %s has no class colour", c.Name, s.Label)
			}
			if old, ok := colors[class]; ok && old != s.Color {
				t.Errorf("%s: %s has colour %d, elsewhere %d", c.Name, class, s.Color, old)
			}
			colors[class] = s.Color
		}
	}
	if len(colors) < 3 {
		t.Errorf("only %d classes seen: %v", len(colors), colors)
	}
}

// TestWaitShareCharts: each design's lock wait by class is a stack of
// shares that sum to 100 % at every CPU count with any wait, CPU counts in
// order, on the virtual clock where it ran, a class's colour its colour in
// every chart.
func TestWaitShareCharts(t *testing.T) {
	m := buildBoth(t)
	c := chartNamed(t, m, "calibrate-waitshare")
	panels := append([]Chart{c}, c.Below...)
	if len(panels) != 2 || !strings.Contains(panels[0].Title, "old's lock wait") || !strings.Contains(panels[1].Title, "new's lock wait") ||
		!strings.Contains(panels[0].Title, "virtual clock") {
		t.Fatalf("panels %d, titles %q, %q: want old's then new's, virtual clock", len(panels), panels[0].Title, panels[len(panels)-1].Title)
	}
	for _, p := range panels {
		if !p.Stacked || p.YMax != 100 || len(p.Categories) < 3 {
			t.Errorf("%s: stacked %v, y max %g, categories %q", p.Title, p.Stacked, p.YMax, p.Categories)
		}
		prev := 0
		for _, cat := range p.Categories {
			var n int
			fmt.Sscan(cat, &n)
			if n <= prev {
				t.Errorf("%s: CPU counts %q not in order", p.Title, p.Categories)
			}
			prev = n
		}
		sums := make([]float64, len(p.Categories))
		for _, s := range p.Series {
			if s.Color != m.lockColor(s.Label) {
				t.Errorf("%s: %s has colour %d, its class colour is %d", p.Title, s.Label, s.Color, m.lockColor(s.Label))
			}
			for _, pt := range s.Points {
				sums[int(pt.X)] += pt.Y
			}
		}
		for i, sum := range sums {
			if sum != 0 && math.Abs(sum-100) > 1e-9 {
				t.Errorf("%s: shares at %s CPUs sum to %g, want 100", p.Title, p.Categories[i], sum)
			}
		}
	}
	if err := Draw(c, t.TempDir()); err != nil {
		t.Fatal(err)
	}
}

// TestLockMaxChart: the longest single wait and hold per lock class are
// drawn, one panel each, from the -wait-max-sec and -hold-max-sec units.
func TestLockMaxChart(t *testing.T) {
	var b strings.Builder
	for i := range 6 {
		for _, cpus := range []int{1, 2} {
			fmt.Fprintf(&b, "BenchmarkRegistry/workload=w/design=old/workers=1x-%d 1 1 ns/op %d ops/s 1e-6 slab_mutex-wait-sec/op %g slab_mutex-wait-max-sec %g slab_mutex-hold-max-sec\n", cpus, 1000+i, 1e-4*float64(cpus), 2e-4)
			fmt.Fprintf(&b, "BenchmarkRegistry/workload=w/design=new/workers=1x-%d 1 1 ns/op %d ops/s 1e-6 memcg_slab_mutex-wait-sec/op %g memcg_slab_mutex-wait-max-sec %g memcg_slab_mutex-hold-max-sec\n", cpus, 900+i, 3e-4*float64(cpus), 4e-4)
		}
	}
	m := buildText(t, b.String())
	c := chartNamed(t, m, "w-lockmax")
	if len(c.Below) != 1 || !strings.Contains(c.Title, "longest single lock wait") || !strings.Contains(c.Below[0].Title, "longest single lock hold") {
		t.Fatalf("titles %q and %d panels below, want the longest wait over the longest hold", c.Title, len(c.Below))
	}
	for i, p := range []Chart{c, c.Below[0]} {
		var labels []string
		for _, s := range p.Series {
			labels = append(labels, s.Label)
		}
		if want := "old, slab_mutex; new, memcg_slab_mutex"; strings.Join(labels, "; ") != want {
			t.Errorf("panel %d: series %q, want %q", i, labels, want)
		}
	}
	if got := c.Series[1].Points[1].Y; got != 6e-4 {
		t.Errorf("new's longest memcg_slab_mutex wait at 2 CPUs is %g, want 6e-4", got)
	}
}

// TestLogAxisLeavesZerosOut: a log axis cannot show zero; a series of
// zeros, and the zeros of another, are left out, and the chart still
// draws.
func TestLogAxisLeavesZerosOut(t *testing.T) {
	c := Chart{Name: "z", Title: "t", XLabel: "x", YLabel: "y", LogY: true, Series: []Series{
		{Label: "zeros", Points: []ChartPoint{{1, 0, 0, 0}, {2, 0, 0, 0}}},
		{Label: "some", Points: []ChartPoint{{1, 0, 0, 0}, {2, 5, 4, 6}}},
	}}
	p, leg, err := c.plot()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(leg.texts, "; "); got != "some" {
		t.Errorf("legend %q: want the series with a nonzero value only", got)
	}
	if p.Y.Min <= 0 {
		t.Errorf("y axis from %g: a log axis must start above 0", p.Y.Min)
	}
	if err := Draw(c, t.TempDir()); err != nil {
		t.Fatal(err)
	}
}

func TestNonzero(t *testing.T) {
	got := nonzero([]Series{
		{Label: "never waited", Points: []ChartPoint{{1, 0, 0, 0}, {2, 0, 0, 0}}},
		{Label: "waited at 2", Points: []ChartPoint{{1, 0, 0, 0}, {2, 3e-6, 2e-6, 4e-6}}},
		{Label: "median 0, interval not", Points: []ChartPoint{{1, 0, 0, 1e-6}}},
	})
	var labels []string
	for _, s := range got {
		labels = append(labels, s.Label)
	}
	if strings.Join(labels, "; ") != "waited at 2; median 0, interval not" {
		t.Errorf("kept %q: want the series with any wait", labels)
	}
}
