package report

import (
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
