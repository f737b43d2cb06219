package report

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/perf/benchmath"

	"memcgbench/usl"
)

// buildBoth builds the Model of the committed real sweep and a virtual
// sweep of calibrate and container-churn (results of memcgbench sweep
// -quick).
func buildBoth(t *testing.T) *Model {
	t.Helper()
	m, err := Build([]string{"testdata/sweep.txt", "testdata/virtual.txt"}, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// buildText builds a Model from results given as text, written to a
// temporary file.
func buildText(t *testing.T, text string) *Model {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bench.txt")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Build([]string{path}, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// chartNamed returns the chart of m named name, or fails the test.
func chartNamed(t *testing.T, m *Model, name string) Chart {
	t.Helper()
	for _, c := range m.Charts("test") {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s chart", name)
	return Chart{}
}

func TestVirtualPoints(t *testing.T) {
	m := buildBoth(t)
	counts := map[string]int{}
	for _, p := range m.Points {
		counts[p.Clock]++
		if p.Clock == Virtual && p.Workload != "calibrate" && p.Workload != "container-churn" {
			t.Errorf("virtual point of %s: testdata has calibrate and container-churn only", p.Workload)
		}
	}
	// Real: 3 workloads x 2 oversubscriptions x 2 GOMAXPROCS. Virtual: 2
	// workloads x (11 CPU counts at 1x + 2 at 4x).
	if counts[Real] != 12 || counts[Virtual] != 26 {
		t.Errorf("points per clock %v, want 12 real and 26 virtual", counts)
	}
	// The verdict table and the claims are about this machine: real only.
	if got := len(m.VerdictTable().Rows); got != 12 {
		t.Errorf("verdict table has %d rows, want the 12 real points", got)
	}
}

// TestCalibratePrediction checks the prediction against calibrate's known
// answer: new's limit is 1/H and old's min(P, M, C)/H, so at N CPUs with
// N workers and 64 memcgs new/old is 1/min(N, 64).
func TestCalibratePrediction(t *testing.T) {
	m := buildBoth(t)
	for _, n := range PredictAt {
		want := 1 / math.Min(float64(n), 64)
		p := m.pointAt("calibrate", "1x", n, Virtual)
		if p == nil {
			t.Fatalf("no virtual calibrate point at %d CPUs", n)
		}
		v := m.verdictAt(p)
		if got := 1 + v.Change; math.Abs(got/want-1) > 0.02 {
			t.Errorf("simulated new/old at %d CPUs = %.4f, want %.4f (1/min(N, 64))", n, got, want)
		}
		// The law has no step, so its fit to a curve that rises and then
		// stops is rough; it must still land near the known answer.
		got, ok := m.Predict("calibrate", Virtual, float64(n))
		if !ok {
			t.Fatalf("no USL prediction for calibrate at %d", n)
		}
		if math.Abs(got/want-1) > 0.5 {
			t.Errorf("USL predicts new/old = %.4f at %d CPUs, want within 50 %% of %.4f", got, n, want)
		}
	}
	// new's curve is flat at 1/H: the fit must say all contention (σ = 1).
	// (R² says little of a flat curve, whose variance is all noise.)
	c := m.Curve("calibrate", "new", "1x", Virtual)
	if c == nil || c.Fit == nil {
		t.Fatal("no fit of new's virtual calibrate curve")
	}
	if c.Fit.Sigma < 0.99 || math.Abs(c.Fit.Lambda/50000-1) > 0.02 || c.Fit.RMSRel > 0.01 {
		t.Errorf("new's calibrate fit %+v: want σ ≈ 1, λ ≈ 1/20µs = 50000/s, RMS relative error < 1 %%", *c.Fit)
	}
}

func TestRealCurvesTooFewToFit(t *testing.T) {
	m := buildBoth(t)
	c := m.Curve("container-churn", "old", "1x", Real)
	if c == nil {
		t.Fatal("no real container-churn curve")
	}
	if len(c.N) != 2 || !errors.Is(c.FitErr, usl.ErrTooFew) {
		t.Errorf("real curve N=%v, fit error %v: want 2 points and usl.ErrTooFew", c.N, c.FitErr)
	}
	found := false
	for _, row := range m.ScalingTable().Rows {
		if row[0] == "container-churn" && row[2] == Real && strings.HasPrefix(row[4], "no fit") {
			found = true
		}
	}
	if !found {
		t.Error("the scaling table does not say why the real curves have no fit")
	}
}

func TestValidationTable(t *testing.T) {
	m := buildBoth(t)
	tab := m.ValidationTable()
	if len(tab.Rows) != 8 { // calibrate and container-churn x 1x, 4x x 1, 2 CPUs
		t.Fatalf("validation table has %d rows, want 8", len(tab.Rows))
	}
	for _, row := range tab.Rows {
		procs := 1
		if row[2] == "2" {
			procs = 2
		}
		real := m.pointAt(row[0], row[1]+"x", procs, Real)
		virt := m.pointAt(row[0], row[1]+"x", procs, Virtual)
		want := formatRatio(center(virt, Throughput, baseline) / center(real, Throughput, baseline))
		if got := strings.TrimSuffix(row[5], " †"); got != want {
			t.Errorf("%v: old virtual/real %q, want %q from the medians", row, got, want)
		}
		r, _ := parseRatio(row[5])
		if marked := strings.HasSuffix(row[5], "†"); marked != (math.Abs(r-1) > GapLimit) {
			t.Errorf("%v: ratio %q marked %v; want marks exactly beyond %.0f %%", row, row[5], marked, 100*GapLimit)
		}
	}
	agree := 0
	for _, row := range tab.Rows {
		procs := map[string]int{"1": 1, "2": 2}[row[2]]
		r, v := m.pointAt(row[0], row[1]+"x", procs, Real), m.pointAt(row[0], row[1]+"x", procs, Virtual)
		rr := center(r, Throughput, candidate) / center(r, Throughput, baseline)
		vr := center(v, Throughput, candidate) / center(v, Throughput, baseline)
		if math.Abs(rr-vr) <= RatioAgreement {
			agree++
		}
	}
	if want := fmt.Sprintf("agrees within 0.10 at %d of 8 points", agree); !strings.Contains(strings.Join(tab.Notes, " "), want) {
		t.Errorf("notes %q: want %q", tab.Notes, want)
	}
	if !strings.Contains(strings.Join(tab.Notes, " "), "virtual clock") {
		t.Errorf("notes %q: want calibrate's measured/theory on the virtual clock", tab.Notes)
	}
}

func parseRatio(cell string) (float64, error) {
	var r float64
	_, err := fmt.Sscan(strings.TrimSuffix(cell, " †"), &r)
	return r, err
}

func TestScalingChart(t *testing.T) {
	m := buildBoth(t)
	var c *Chart
	for _, ch := range m.Charts("test") {
		if ch.Name == "calibrate-scaling" {
			c = &ch
		}
	}
	if c == nil {
		t.Fatal("no calibrate-scaling chart")
	}
	if !c.LogX {
		t.Error("the scaling chart's x axis is not logarithmic")
	}
	if !strings.Contains(c.Title, "throughput to 1024 CPUs, measured, simulated, USL fits") {
		t.Errorf("title %q: want the CPU range and the three kinds of series it draws", c.Title)
	}
	if v := chartNamed(t, buildText(t, "BenchmarkRegistry/workload=w/design=old/workers=1x/clock=virtual-4 1 1 ns/op 10 ops/s\n"+
		"BenchmarkRegistry/workload=w/design=new/workers=1x/clock=virtual-4 1 1 ns/op 10 ops/s\n"),
		"w-scaling"); !strings.HasSuffix(v.Title, "throughput to 4 CPUs, simulated (test)") {
		t.Errorf("title %q: want only the simulated series, to 4 CPUs", v.Title)
	}
	if !c.LogY { // 50k (new) to 3.2M (old at 64 CPUs and more)
		t.Error("calibrate's throughput spans two decades, but the y axis is linear")
	}
	if spansDecade([]Series{{Points: []ChartPoint{{Y: 5000}, {Y: 7000}}}}) {
		t.Error("a y range within one decade asks for a log axis")
	}
	var labels []string
	for _, s := range c.Series {
		labels = append(labels, s.Label)
		if (strings.Contains(s.Label, "USL fit") || strings.Contains(s.Label, "linear from 1 CPU")) != s.Curve {
			t.Errorf("%s: Curve = %v", s.Label, s.Curve)
		}
	}
	want := "old, measured; new, measured; old, virtual; new, virtual; old, USL fit (virtual); new, USL fit (virtual); " +
		"old, virtual: linear from 1 CPU"
	if got := strings.Join(labels, "; "); got != want {
		t.Errorf("series %q, want %q", got, want)
	}
	fit := c.Series[5]
	if first, last := fit.Points[0].X, fit.Points[len(fit.Points)-1].X; first != 1 || math.Abs(last-1024) > 1e-9 {
		t.Errorf("fit drawn over %v..%v, want 1..1024", first, last)
	}
	// The ideal line is N times the 1-CPU throughput.
	virt, ideal := c.Series[2], c.Series[6]
	for i, p := range ideal.Points {
		if !ideal.Dotted || p.X != virt.Points[i].X || p.Y != virt.Points[0].Y*p.X {
			t.Errorf("linear point %v, want %v x %v, dotted", p, virt.Points[0].Y, p.X)
		}
	}
	if err := Draw(*c, t.TempDir()); err != nil {
		t.Fatal(err)
	}
}

// TestPredictionCellsPreferSimulated: where the virtual clock simulated a
// CPU count, the verdict table gives that ratio, not the fit's.
func TestPredictionCellsPreferSimulated(t *testing.T) {
	m := buildBoth(t)
	p := m.pointAt("calibrate", "1x", 2, Real)
	if p == nil {
		t.Fatal("no real calibrate point at 2 CPUs")
	}
	cells := m.predictionCells(p)
	for i, n := range PredictAt {
		v := m.verdictAt(m.pointAt("calibrate", "1x", n, Virtual))
		if want := formatRatio(1 + v.Change); cells[i] != want {
			t.Errorf("at %d CPUs the cell reads %q, want the simulated %q", n, cells[i], want)
		}
	}
}

func TestMarkdownVirtualSections(t *testing.T) {
	m := buildBoth(t)
	var b bytes.Buffer
	if err := WriteMarkdown(&b, m, Document{Title: "t", Results: "x", ValidationNotes: "calibrate at 2 CPUs: explained."}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"new/old at 64", "## Past this machine: the virtual clock", "### Validation notes",
		"calibrate at 2 CPUs: explained.", "Universal Scalability Law fits", "the virtual clock simulates new/old = "} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	b.Reset()
	if err := WriteMarkdown(&b, m, Document{Title: "t", Results: "x"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "are not explained here") {
		t.Error("without notes, the report does not say the gaps are unexplained")
	}
}

// withOccupancy adds the new design's memcg_slab_mutex occupancy, 99 %, to
// a calibrate point.
func withOccupancy(p *Point) *Point {
	unit := "memcg_slab_mutex-occupancy-%"
	p.Units = append(p.Units, unit)
	p.Metrics[unit] = &Metric{Unit: unit, Candidate: &Summary{Summary: benchmath.Summary{Center: 99}}}
	return p
}

// TestCalibrationLineFlagsRealPointsOffTheirLimit checks that a real-clock
// calibrate point outside 1 ± CalibrationTolerance is named, and that
// virtual points and points inside the band are not.
func TestCalibrationLineFlagsRealPointsOffTheirLimit(t *testing.T) {
	point := func(clock string, procs int, old, new float64) *Point {
		return &Point{Workload: "calibrate", Workers: "1x", Procs: procs, Clock: clock,
			Metrics: map[string]*Metric{"measured/theory": {
				Unit:      "measured/theory",
				Baseline:  &Summary{Summary: benchmath.Summary{Center: old}},
				Candidate: &Summary{Summary: benchmath.Summary{Center: new}},
			}}}
	}
	tests := []struct {
		name   string
		points []*Point
		want   []string
		absent []string
	}{
		{"inside", []*Point{point(Real, 2, 0.98, 1.01)}, nil, []string{"⚠"}},
		{"new low", []*Point{point(Real, 2, 0.98, 0.91)}, []string{"⚠", "new workers=1x at 2 CPUs: 0.910"}, []string{"old workers"}},
		{"old high", []*Point{point(Real, 1, 1.06, 1.0)}, []string{"old workers=1x at 1 CPUs: 1.060"}, []string{"new workers"}},
		{"virtual ignored", []*Point{point(Virtual, 64, 0.5, 0.5)}, []string{"virtual clock 0.500 to 0.500"}, []string{"⚠", "occupancy"}},
		{"occupancy beside it", []*Point{withOccupancy(point(Real, 2, 1, 0.99))}, []string{"Lock occupancy", "new memcg_slab_mutex 99 to 99 %"}, []string{"⚠"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Model{Options: DefaultOptions, Points: tt.points}
			got := m.calibrationLine()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("calibrationLine() = %q, want it to contain %q", got, w)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(got, a) {
					t.Errorf("calibrationLine() = %q, want no %q", got, a)
				}
			}
		})
	}
}
