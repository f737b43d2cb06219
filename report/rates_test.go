package report

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"memcgbench/workloads"
)

// writeRates writes a rate sweep's results for one workload at 64 CPUs:
// at each scale, the role's arrivals per second (10 x scale), its unserved
// share and its p99 from the given functions of the design and the scale.
func writeRates(t *testing.T, scales []float64, unserved, p99 func(design string, scale float64) float64) string {
	t.Helper()
	var b strings.Builder
	for _, d := range []string{"old", "new"} {
		for _, s := range scales {
			for seed := range 2 {
				fmt.Fprintf(&b, "BenchmarkRates/workload=k8s-node/design=%s/scale=x%g/clock=virtual-64 1 1 ns/op 1e9 accounted-allocs/s %g start-unserved-%% %g start-p99-ns %g start-arrivals/s\n",
					d, s, unserved(d, s), 1e9*p99(d, s)*(1+0.01*float64(seed)), 10*s)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "rates.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadRatesKnees(t *testing.T) {
	scales := []float64{0.1, 1, 10, 100}
	// old keeps up to x10; new's latency grows past 10x its quiet p99 at
	// x10, and it leaves events unstarted at x100.
	unserved := func(d string, s float64) float64 {
		if s >= 100 {
			return 30
		}
		return 0
	}
	p99 := func(d string, s float64) float64 {
		if d == "new" && s >= 10 {
			return 0.5
		}
		return 0.01
	}
	rs, err := ReadRates(writeRates(t, scales, unserved, p99), DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Rows) != 1 {
		t.Fatalf("%d rows, want 1", len(rs.Rows))
	}
	r := rs.Rows[0]
	if r.Role != "start" || r.CPUs != 64 || r.RealRate != 10 || r.Clock != Virtual {
		t.Errorf("row %+v: want role start, 64 virtual CPUs, real rate 10/s", r)
	}
	ratios := rs.RatioTable().Rows
	if len(ratios) != len(scales) {
		t.Fatalf("ratio table has %d rows, want one per scale", len(ratios))
	}
	// At x10: new's p99 is 0.5 s against old's 10 ms.
	if want := []string{"k8s-node", "virtual", "64", "100/s", "10.1 ms", "502 ms", "50.00", "—", "1.00", "0.0 % → 0.0 %", "0 % → 0 %"}; strings.Join(ratios[2], "|") != strings.Join(want, "|") {
		t.Errorf("ratio row at x10 %q, want %q", ratios[2], want)
	}
	if k := r.Knee["old"]; k.Rate != 100 || k.Never || k.None {
		t.Errorf("old knee %+v, want 100/s", k)
	}
	if k := r.Knee["new"]; k.Rate != 10 || k.Never || k.None {
		t.Errorf("new knee %+v, want 10/s", k)
	}
	row := rs.KneeTable().Rows[0]
	if want := []string{"k8s-node", "start", "virtual", "64", "10/s", "0.03 to 5.5/s", "100/s", "10/s", "1x",
		"new keeps up with all of it; old keeps up with all of it", "10.1 ms → 10.1 ms"}; strings.Join(row, "|") != strings.Join(want, "|") {
		t.Errorf("knee table row %q, want %q", row, want)
	}
}

func TestReadRatesNeverAndNone(t *testing.T) {
	scales := []float64{1, 10}
	never := func(string, float64) float64 { return 0 }
	p99 := func(d string, s float64) float64 { return 0.01 }
	rs, err := ReadRates(writeRates(t, scales, func(d string, s float64) float64 {
		if d == "new" {
			return 5 // above KneeUnserved from the start
		}
		return never(d, s)
	}, p99), DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	r := rs.Rows[0]
	if k := r.Knee["old"]; !k.Never || k.String() != "beyond 100/s" {
		t.Errorf("old knee %+v (%s), want beyond 100/s", k, k)
	}
	if k := r.Knee["new"]; !k.None || k.String() != "none of the rates swept (the lowest, 10/s)" {
		t.Errorf("new knee %+v (%s), want none of the rates swept", k, k)
	}
}

func TestReadRatesErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ name, content, want string }{
		{"empty", "", "no benchmark results"},
		{"no open role", "BenchmarkRates/workload=w/design=old/scale=x1/clock=virtual-4 1 1 ns/op\n", "no open-loop role"},
		{"bad scale", "BenchmarkRates/workload=w/design=old/scale=xx/clock=virtual-4 1 1 ns/op 1 a-arrivals/s\n", `scale "xx"`},
	} {
		path := filepath.Join(dir, tt.name+".txt")
		os.WriteFile(path, []byte(tt.content), 0o644)
		if _, err := ReadRates(path, DefaultOptions); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: ReadRates = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

// TestKneeAgainst places knees against a hosts' range of 0.03 to 5.5
// events a second.
func TestKneeAgainst(t *testing.T) {
	h := &workloads.KubernetesStarts
	for _, tt := range []struct {
		knee Knee
		want string
	}{
		{Knee{Rate: 10}, "keeps up with all of it"},
		{Knee{Rate: 5.5}, "keeps up with all of it"},
		{Knee{Rate: 2}, "keeps up to 2/s, inside it"},
		{Knee{Rate: 0.01}, "falls short of it (0.01/s)"},
		{Knee{None: true}, "keeps up with no rate swept"},
		{Knee{Rate: 3, Never: true}, "keeps up with all it was swept to (3/s), inside it"},
		{Knee{Rate: 30, Never: true}, "keeps up with all of it"},
	} {
		if got := kneeAgainst(tt.knee, h); got != tt.want {
			t.Errorf("kneeAgainst(%+v) = %q, want %q", tt.knee, got, tt.want)
		}
	}
}

// TestRateChartsSkipEmpty: a workload at whose every rate no event
// arrived (a rate of 0 measured, p99 NaN) gets no chart, and a zero rate
// never reaches a log axis.
func TestRateChartsSkipEmpty(t *testing.T) {
	rs := &RateSweep{Baseline: "old", Candidate: "new", Rows: []*RateRow{{
		Workload: "module-load", Role: "module", Clock: Virtual, CPUs: 64, Scales: []float64{0.1, 1},
		Rates: []float64{0, 0.02},
		P99:   map[string][]float64{"old": {math.NaN(), math.NaN()}, "new": {math.NaN(), math.NaN()}},
	}, {
		Workload: "k8s-node", Role: "start", Clock: Virtual, CPUs: 64, Scales: []float64{0.1, 1},
		Rates: []float64{0, 0.5},
		P99:   map[string][]float64{"old": {0.01, 0.02}, "new": {0.01, 0.03}},
	}}}
	charts := rs.Charts("test")
	if len(charts) != 1 || charts[0].Name != "k8s-node-rates" {
		t.Fatalf("charts %v, want k8s-node's alone", charts)
	}
	for _, s := range charts[0].Series {
		for _, p := range s.Points {
			if p.X <= 0 {
				t.Errorf("%s: a point at rate %v on a log axis", s.Label, p.X)
			}
		}
	}
}

// TestHostSentences reads the claim per real-rate workload from the knees
// at the most virtual CPUs swept, against the hosts' range; a what-if
// and the real clock give none.
func TestHostSentences(t *testing.T) {
	rs := &RateSweep{Baseline: "old", Candidate: "new", Rows: []*RateRow{
		{Workload: "faas-host", Role: "start", Clock: Virtual, CPUs: 4, RealRate: 10, Knee: map[string]Knee{"old": {Rate: 100}, "new": {Rate: 100}}},
		{Workload: "faas-host", Role: "start", Clock: Virtual, CPUs: 64, RealRate: 10, Knee: map[string]Knee{"old": {Rate: 10}, "new": {Rate: 1}}},
		{Workload: "faas-host", Role: "start", Clock: Real, CPUs: 2, RealRate: 10, Knee: map[string]Knee{"old": {Rate: 1000}, "new": {Rate: 1000}}},
		{Workload: "whatif-slabinfo-agent", Role: "scrape", Clock: Virtual, CPUs: 64, RealRate: 64, Knee: map[string]Knee{"old": {Rate: 1}, "new": {Rate: 1}}},
	}}
	got := rs.HostSentences()
	want := []string{"faas-host at 64 simulated CPUs, start events: new keeps up to 1/s, inside it; old keeps up to 10/s, inside it. Hosts see 1 to 150/s (the preset's rate 10/s)."}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("HostSentences() = %q, want %q", got, want)
	}
}

// TestRatioTableNamesBusiestClasses: the note on the busiest lock
// classes says whose each is.
func TestRatioTableNamesBusiestClasses(t *testing.T) {
	rs := &RateSweep{Baseline: "old", Candidate: "new", Rows: []*RateRow{{
		Workload: "faas-host", Role: "start", Clock: Virtual, CPUs: 64,
		BusiestClass: map[string]string{"old": "slab_mutex", "new": "memcg_slab_mutex"},
	}}}
	notes := strings.Join(rs.RatioTable().Notes, "\n")
	for _, want := range []string{"faas-host at 64 CPUs (virtual), new: memcg_slab_mutex", "faas-host at 64 CPUs (virtual), old: slab_mutex"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
}
