package report

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadSensitivity reads a hand-made uncertainty run: steady ties at
// every end; churn's new/old is 0.90 at the defaults (hurts noticeably),
// 0.97 and 0.50 with the grace period at 1 ms and 30 ms (other classes:
// its class depends on it), and 0.92 and 0.85 with the create cost (the
// same class).
func TestReadSensitivity(t *testing.T) {
	defer func(f func() []string) { uncertainConstants = f }(uncertainConstants)
	uncertainConstants = func() []string { return []string{"Costs.Create", "Costs.GracePeriod"} }
	s, err := ReadSensitivity("testdata/sensitivity.txt", DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	if s.CPUs != 64 || s.Samples != 3 || len(s.Workloads) != 2 {
		t.Fatalf("CPUs %d, %d samples, %d workloads; want 64, 3, 2", s.CPUs, s.Samples, len(s.Workloads))
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	churn := s.Workloads[1]
	if churn.Workload != "churn" || !near(churn.Base.Ratio, 0.9) || churn.Base.Class != HarmNoticeable {
		t.Fatalf("workload %s base %+v, want churn 0.9, %s", churn.Workload, churn.Base, HarmNoticeable)
	}
	tests := []struct {
		constant            string
		low, high           float64
		lowValue, highValue string
		lowClass, highClass string
	}{
		{"Costs.GracePeriod", 0.97, 0.5, "1ms", "30ms", HarmNone, HarmLot}, // largest swing first
		{"Costs.Create", 0.92, 0.85, "30µs", "1ms", HarmNoticeable, HarmNoticeable},
	}
	for i, tt := range tests {
		sw := churn.Swings[i]
		if sw.Constant != tt.constant || !near(sw.Low.Ratio, tt.low) || !near(sw.High.Ratio, tt.high) ||
			sw.Low.Value != tt.lowValue || sw.High.Value != tt.highValue || sw.Low.Class != tt.lowClass || sw.High.Class != tt.highClass {
			t.Errorf("swing %d = %+v, want %+v", i, sw, tt)
		}
	}
	if h := churn.Hinges(); len(h) != 1 || h[0].Constant != "Costs.GracePeriod" {
		t.Errorf("churn hinges on %+v, want Costs.GracePeriod only", h)
	}
	want := "hurts noticeably at the defaults; depends on Costs.GracePeriod (holds at 1ms, hurts a lot at 30ms)"
	if got := churn.OverSet(0); got != want {
		t.Errorf("churn over the set: %q, want %q", got, want)
	}
	if got, short := churn.OverSet(1), churn.OverSet(0); got != short {
		t.Errorf("churn over the set, at most one constant: %q, want %q", got, short)
	}
	if got := churn.OverSet(-1); got != want {
		t.Errorf("churn over the set: %q, want %q", got, want)
	}
	if got := churn.Sentence(); !strings.Contains(got, "depends on Costs.GracePeriod (0.97, holds, at 1ms; 0.50, hurts a lot, at 30ms)") {
		t.Errorf("churn sentence %q", got)
	}
	steady := s.Workloads[0]
	if got := steady.OverSet(3); got != "holds over the whole set" {
		t.Errorf("steady over the set: %q", got)
	}
	if got := steady.Sentence(); !strings.Contains(got, "1.00 at the defaults (holds); the same class over the whole set, and no constant moves the ratio by 0.01") {
		t.Errorf("steady sentence %q", got)
	}
	// A run that lacks a constant states no class over the set.
	uncertainConstants = func() []string { return []string{"Costs.Create", "Costs.GracePeriod", "HostRates"} }
	if s, err := ReadSensitivity("testdata/sensitivity.txt", DefaultOptions); err != nil || !strings.Contains(s.Workloads[0].OverSet(0), "not stated over the set: the run lacks 1 of the model's constants (HostRates)") {
		t.Errorf("a run without HostRates: %v, %q", err, s.Workloads[0].OverSet(0))
	}
	table := s.SensitivityTable()
	if len(table.Rows) != 2 || table.Rows[1][3] != want || table.Rows[0][1] != "new/old throughput" {
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

// TestReadSensitivityLatency: a real-rate workload's class over the set
// takes the p99 of its primary events (old/new) and the events served,
// the worse of the two; an end where a design timed no event has no
// answer and moves no class.
func TestReadSensitivityLatency(t *testing.T) {
	defer func(f func() []string) { uncertainConstants = f }(uncertainConstants)
	uncertainConstants = func() []string { return []string{"HostRates"} }
	var b strings.Builder
	line := func(w, constant, end, design string, p99, served float64) {
		fmt.Fprintf(&b, "BenchmarkSensitivity/workload=%s/design=%s/constant=%s/end=%s/clock=virtual-64 1 1 ns/op 1000 ops/s %g start-ops/s", w, design, constant, end, served)
		if p99 > 0 {
			fmt.Fprintf(&b, " %g start-p99-sec", p99)
		}
		b.WriteString("\n")
	}
	for _, w := range []string{"k8s-node", "faas-host"} {
		for _, c := range []struct{ constant, end string }{{"none", "default"}, {"HostRates", "low"}, {"HostRates", "high"}} {
			line(w, c.constant, c.end, "old", 0.010, 10)
			p99, served := 0.025, 10.0 // new's p99 2.5x old's: old/new 0.4, hurts a lot
			switch {
			case w == "k8s-node" && c.end == "low":
				p99 = 0.011 // within 20 %: holds
			case w == "k8s-node" && c.end == "high":
				p99, served = 0.011, 7 // the p99 holds, but 30 % of the events are left unserved
			case w == "faas-host" && c.end == "high":
				p99 = 0 // no event timed: throughput instead
			}
			line(w, c.constant, c.end, "new", p99, served)
		}
	}
	path := filepath.Join(t.TempDir(), "s.txt")
	os.WriteFile(path, []byte(b.String()), 0o644)
	s, err := ReadSensitivity(path, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	k8s, faas := s.Workloads[0], s.Workloads[1]
	if k8s.Ratio != "old/new p99 of start events" || math.Abs(k8s.Base.Ratio-0.4) > 1e-9 || k8s.Base.Class != HarmLot {
		t.Errorf("k8s-node: %s %+v, want old/new p99 of start events 0.4 (hurts a lot)", k8s.Ratio, k8s.Base)
	}
	sw := k8s.Swings[0]
	if sw.Low.Class != HarmNone || sw.High.Class != HarmLot || math.Abs(sw.High.Served-0.7) > 1e-9 {
		t.Errorf("k8s-node HostRates: low %+v, high %+v; want holds, and hurts a lot for the events left unserved", sw.Low, sw.High)
	}
	if faas.Base.Class != HarmLot || faas.Swings[0].High.Class != noAnswer || len(faas.Hinges()) != 0 {
		t.Errorf("faas-host: base %+v, swings %+v: want hurts a lot, no answer at the end that timed no event, and no hinge", faas.Base, faas.Swings)
	}
	if got, want := faas.OverSet(0), "hurts a lot over the whole set (no event timed at HostRates at )"; got != want {
		t.Errorf("faas-host over the set: %q, want %q", got, want)
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
