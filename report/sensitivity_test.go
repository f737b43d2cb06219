package report

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadSensitivity reads a hand-made sensitivity run: steady ties at
// every value; churn's new/old is 0.90 at the defaults, 0.97 and 0.50 with
// the grace period at x0.25 and x4 (other classes: it hinges on it), and
// 0.92 and 0.85 with the create cost (same class).
func TestReadSensitivity(t *testing.T) {
	s, err := ReadSensitivity("testdata/sensitivity.txt", DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	if s.CPUs != 64 || s.Low != 0.25 || s.High != 4 || s.Samples != 3 || len(s.Workloads) != 2 {
		t.Fatalf("CPUs %d, factors x%g and x%g, %d samples, %d workloads; want 64, x0.25 and x4, 3, 2",
			s.CPUs, s.Low, s.High, s.Samples, len(s.Workloads))
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	churn := s.Workloads[1]
	if churn.Workload != "churn" || !near(churn.Base, 0.9) {
		t.Fatalf("workload %s base %v, want churn 0.9", churn.Workload, churn.Base)
	}
	tests := []struct {
		constant  string
		low, high float64
	}{{"Costs.GracePeriod", 0.97, 0.5}, {"Costs.Create", 0.92, 0.85}} // largest swing first
	for i, tt := range tests {
		sw := churn.Swings[i]
		if sw.Constant != tt.constant || !near(sw.Low, tt.low) || !near(sw.High, tt.high) {
			t.Errorf("swing %d = %+v, want %s %v..%v", i, sw, tt.constant, tt.low, tt.high)
		}
	}
	if h := churn.Hinges(); len(h) != 1 || h[0].Constant != "Costs.GracePeriod" {
		t.Errorf("churn hinges on %+v, want Costs.GracePeriod only", h)
	}
	if got := churn.Sentence(s.Low, s.High); !strings.Contains(got, "hinges on Costs.GracePeriod (0.97 at x0.25, 0.50 at x4)") {
		t.Errorf("churn sentence %q", got)
	}
	steady := s.Workloads[0]
	if got := steady.Sentence(s.Low, s.High); !strings.Contains(got, "1.00 at the defaults (not a lot); no constant moves it by 0.01") {
		t.Errorf("steady sentence %q", got)
	}
	table := s.SensitivityTable()
	if len(table.Rows) != 2 || table.Rows[1][3] != "Costs.GracePeriod" || table.Rows[0][3] != "none" || table.Rows[0][1] != "new/old throughput" {
		t.Errorf("table rows %q", table.Rows)
	}
}

func TestReadSensitivityErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("BenchmarkRegistry/workload=x/design=old-1 1 1 ns/op\n"), 0o644)
	if _, err := ReadSensitivity(empty, DefaultOptions); err == nil || !strings.Contains(err.Error(), "no benchmark results") {
		t.Errorf("a file without sensitivity results: %v", err)
	}
	if _, err := ReadSensitivity(filepath.Join(dir, "missing.txt"), DefaultOptions); err == nil {
		t.Error("a missing file gave no error")
	}
}

// TestDrawTornado draws the hand-made run's charts and checks both files
// of each exist and are not empty.
func TestDrawTornado(t *testing.T) {
	s, err := ReadSensitivity("testdata/sensitivity.txt", DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, ws := range s.Workloads {
		if err := DrawTornado(s, ws, dir, ws.Workload+"-sensitivity"); err != nil {
			t.Fatal(err)
		}
		for _, ext := range []string{"png", "svg"} {
			if fi, err := os.Stat(filepath.Join(dir, ws.Workload+"-sensitivity."+ext)); err != nil || fi.Size() == 0 {
				t.Errorf("%s.%s: %v", ws.Workload, ext, err)
			}
		}
	}
}

// TestReadSensitivityLatency: a real-rate workload's sensitivity compares
// the p99 of its primary events (old/new), and falls back to throughput
// where a run timed none.
func TestReadSensitivityLatency(t *testing.T) {
	var b strings.Builder
	line := func(w, constant, factor, design string, p99 float64) {
		fmt.Fprintf(&b, "BenchmarkSensitivity/workload=%s/design=%s/constant=%s/factor=x%s/clock=virtual-64 1 1 ns/op 1000 ops/s", w, design, constant, factor)
		if p99 > 0 {
			fmt.Fprintf(&b, " %g start-p99-ns", p99)
		}
		b.WriteString("\n")
	}
	for _, w := range []string{"k8s-node", "faas-host"} {
		for _, c := range []struct{ constant, factor string }{{"none", "1"}, {"Costs.Create", "0.25"}, {"Costs.Create", "4"}} {
			line(w, c.constant, c.factor, "old", 10e6)
			p99 := 25e6 // new's p99 2.5x old's: old/new 0.4, a lot
			if w == "faas-host" && c.factor == "4" {
				p99 = 0 // no event timed: throughput instead
			}
			line(w, c.constant, c.factor, "new", p99)
		}
	}
	path := filepath.Join(t.TempDir(), "s.txt")
	os.WriteFile(path, []byte(b.String()), 0o644)
	s, err := ReadSensitivity(path, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	k8s, faas := s.Workloads[0], s.Workloads[1]
	if k8s.Ratio != "old/new p99 of start events" || math.Abs(k8s.Base-0.4) > 1e-9 || k8s.class(k8s.Base) != "a lot" {
		t.Errorf("k8s-node: %s %v (%s), want old/new p99 of start events 0.4 (a lot)", k8s.Ratio, k8s.Base, k8s.class(k8s.Base))
	}
	if faas.Ratio != "new/old throughput" || faas.Base != 1 {
		t.Errorf("faas-host: %s %v, want new/old throughput 1 (a run timed no event)", faas.Ratio, faas.Base)
	}
}

// TestClaimLines: a tornado's threshold lines are the claim's in its
// ratio's terms, throughput or latency.
func TestClaimLines(t *testing.T) {
	for _, tt := range []struct {
		ratio        string
		small, large float64
	}{
		{"new/old throughput", 0.95, 0.80},
		{"old/new p99 of start events", 1 / 1.2, 0.5},
	} {
		if s, l := claimLines(tt.ratio); math.Abs(s-tt.small) > 1e-9 || math.Abs(l-tt.large) > 1e-9 {
			t.Errorf("claimLines(%q) = %v, %v; want %v, %v", tt.ratio, s, l, tt.small, tt.large)
		}
	}
}
