package report

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestRealRateAnswer builds a Model from virtual results of the k8s-node
// preset (start p99 doubling in new at 64 CPUs, equal at 4) and a stress
// preset, and checks the answer at real rates: the table's rows, the class
// of each, the sentence on the worst point and the stress bound.
func TestRealRateAnswer(t *testing.T) {
	var b strings.Builder
	for i := range 6 {
		k := float64(i)
		for _, c := range []struct {
			cpus     int
			old, new float64 // start p99, ms
		}{{4, 10, 10}, {64, 10, 25}} {
			fmt.Fprintf(&b, "BenchmarkRegistry/workload=k8s-node/design=old/workers=1x/clock=virtual-%d 1 1 ns/op %g ops/s %g accounted-allocs/s %g start-p99-ns 0 start-unserved-%% 5 start-ops/s\n",
				c.cpus, 1e9+k, 1e9+k, (c.old+k/100)*1e6)
			fmt.Fprintf(&b, "BenchmarkRegistry/workload=k8s-node/design=new/workers=1x/clock=virtual-%d 1 1 ns/op %g ops/s %g accounted-allocs/s %g start-p99-ns 0.5 start-unserved-%% 5 start-ops/s\n",
				c.cpus, 1e9+k, 1e9+k, (c.new+k/100)*1e6)
		}
		fmt.Fprintf(&b, "BenchmarkRegistry/workload=stress-mixed/design=old/workers=1x/clock=virtual-64 1 1 ns/op %g ops/s\n", 1000+k)
		fmt.Fprintf(&b, "BenchmarkRegistry/workload=stress-mixed/design=new/workers=1x/clock=virtual-64 1 1 ns/op %g ops/s\n", 400+k)
	}
	m := buildText(t, b.String())
	rt := m.RateVerdictTable()
	if len(rt.Rows) != 2 {
		t.Fatalf("rate verdict table has %d rows, want k8s-node at 4 and 64 CPUs: %q", len(rt.Rows), rt.Rows)
	}
	for i, want := range [][]string{
		{"k8s-node", "4", "start", "0.5/s", "10 ms → 10 ms", "~", "no significant change"},
		{"k8s-node", "64", "start", "0.5/s", "10 ms → 25 ms", "x2.5", "hurts a lot"},
	} {
		if got := rt.Rows[i][:7]; strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("row %d = %q, want %q", i, got, want)
		}
	}
	lines := m.RealRateLines(nil)
	if len(lines) != 2 || !strings.Contains(lines[0], "hurts a lot at worst, at 64 CPUs: the p99 of a start event, old → new, 10 ms → 25 ms (+15 ms)") {
		t.Errorf("lines %q: want k8s-node's worst point, then the bound", lines)
	}
	if !strings.Contains(lines[1], "their worst is stress-mixed, throughput -60 %") {
		t.Errorf("bound %q, want stress-mixed's -60 %%", lines[1])
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, m, Document{Title: "t", Results: "x"}); err != nil {
		t.Fatal(err)
	}
	if out := md.String(); strings.Index(out, "## The answer at real rates") > strings.Index(out, "## Verdict") {
		t.Error("the answer at real rates does not come first")
	}
	if strings.Contains(md.String(), QuickWarning) {
		t.Error("a full run's report says it is a quick run")
	}
	md.Reset()
	if err := WriteMarkdown(&md, m, Document{Title: "t", Results: "x", Quick: true}); err != nil {
		t.Fatal(err)
	}
	if head, _, _ := strings.Cut(md.String(), "## "); !strings.Contains(head, QuickWarning) {
		t.Errorf("a quick run's report begins %q, without saying it is a quick run", head)
	}
}

// TestHeadlineAbsoluteFirst builds k8s-node results whose old start p99
// sits at its floor at 64 CPUs in one case and above it in the other, and
// checks that the headline reads old -> new and the difference first,
// and gives the factor only above the floor.
func TestHeadlineAbsoluteFirst(t *testing.T) {
	for _, tt := range []struct {
		name          string
		old64, new64  float64 // start p99 at 64 CPUs, ms; 10 ms at 4
		want, wantNot string
		cell          string // the first screen's cell at 64 CPUs
	}{
		{"at the floor", 10, 25, "**k8s-node start p99 10 ms → 25 ms (+15 ms)** at 64 simulated CPUs, a regression (old's 10 ms is its floor, the unloaded value: no ratio)", "x2.5",
			"10 ms → 25 ms (+15 ms)"},
		{"above the floor", 30, 60, "**k8s-node start p99 30 ms → 60 ms (+30 ms)** at 64 simulated CPUs, a regression (+100 %)", "no ratio",
			"30 ms → 60 ms (+30 ms, +100 %)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			for i := range 6 {
				for _, c := range []struct {
					cpus     int
					old, new float64
				}{{4, 10, 10}, {64, tt.old64, tt.new64}} {
					for _, d := range []struct {
						name string
						ms   float64
					}{{"old", c.old}, {"new", c.new}} {
						fmt.Fprintf(&b, "BenchmarkRegistry/workload=k8s-node/design=%s/workers=1x/clock=virtual-%d 1 1 ns/op 1e9 ops/s 1e9 accounted-allocs/s %g start-p99-ns 0 start-unserved-%% 5 start-ops/s\n",
							d.name, c.cpus, d.ms*1e6+float64(i))
					}
				}
			}
			m := buildText(t, b.String())
			head := m.Headline(m.Answers())
			if !strings.Contains(head, tt.want) || strings.Contains(head, tt.wantNot) {
				t.Errorf("headline %q: want %q, and no %q", head, tt.want, tt.wantNot)
			}
			tab := m.AnswerTable(m.Answers(), nil)
			col := slices.Index(tab.Header, "simulated, 64 CPUs")
			if col < 0 || len(tab.Rows) != 1 || tab.Rows[0][col] != tt.cell {
				t.Errorf("first screen %q, rows %q: want the 64-CPU cell %q", tab.Header, tab.Rows, tt.cell)
			}
		})
	}
}

// TestLockPerEvent: a real-rate row's lock cell gives the class's
// utilisation and the wait it adds to each event of the primary role
// (wait per operation x operations per event), not per allocation.
func TestLockPerEvent(t *testing.T) {
	var b strings.Builder
	for i := range 6 {
		k := float64(i)
		for _, cpus := range []int{4, 64} {
			fmt.Fprintf(&b, "BenchmarkRegistry/workload=k8s-node/design=old/workers=1x/clock=virtual-%d 1 1 ns/op 1e9 ops/s 1e9 accounted-allocs/s %g start-p99-ns 5 start-ops/s 0 memcg_slab_mutex-wait-sec/op 1 memcg_slab_mutex-occupancy-%%\n",
				cpus, 10e6+k)
			fmt.Fprintf(&b, "BenchmarkRegistry/workload=k8s-node/design=new/workers=1x/clock=virtual-%d 1 1 ns/op 1e9 ops/s 1e9 accounted-allocs/s %g start-p99-ns 5 start-ops/s %g memcg_slab_mutex-wait-sec/op 30 memcg_slab_mutex-occupancy-%%\n",
				cpus, map[int]float64{4: 10e6, 64: 40e6}[cpus]+k, map[int]float64{4: 0, 64: 1e-9}[cpus])
		}
	}
	m := buildText(t, b.String())
	tab := m.AnswerTable(m.Answers(), nil)
	if len(tab.Rows) != 1 {
		t.Fatalf("rows %q", tab.Rows)
	}
	if cell, want := tab.Rows[0][len(tab.Rows[0])-1], "memcg_slab_mutex 30 % busy, +200 ms a start (100 % of new's lock wait)"; cell != want {
		t.Errorf("carried by %q, want %q", cell, want)
	}
}
