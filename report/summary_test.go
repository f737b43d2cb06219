package report

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// summaryModel builds a Model of three workloads: stress-mixed measured at
// 1 and 2 CPUs (new 10 % slower at 2) and simulated at 64 CPUs (new 60 %
// slower, the same value every round) and 256 (hit rates 20 points apart:
// flagged); k8s-node simulated at 64 CPUs (start p99 x2.5) and 256 (equal,
// exactly); stress-slabinfo-scrape flagged everywhere it was run.
func summaryModel(t *testing.T) *Model {
	t.Helper()
	var b strings.Builder
	line := func(w, design, workers, clock string, cpus int, metrics string, args ...any) {
		fmt.Fprintf(&b, "BenchmarkRegistry/workload=%s/design=%s/workers=%s/clock=%s-%d 1 1 ns/op "+metrics+"\n",
			append([]any{w, design, workers, clock, cpus}, args...)...)
	}
	for i := range 8 {
		k := float64(i)
		for _, cpus := range []int{1, 2} {
			slow := 1.0
			if cpus == 2 {
				slow = 0.9
			}
			line("stress-mixed", "old", "1x", "real", cpus, "%g ops/s 95 hit-%% 0 memcg.slab_caches_mutex-wait-sec/op", 1000*float64(cpus)+k)
			line("stress-mixed", "new", "1x", "real", cpus, "%g ops/s 95 hit-%% %g memcg_slab_mutex-wait-sec/op", (1000*float64(cpus)+k)*slow, 1e-6*(1-slow))
		}
		line("stress-slabinfo-scrape", "old", "1x", "real", 2, "%g ops/s 100 scrape-ops/s 100 churn-ops/s", 1000+k)
		line("stress-slabinfo-scrape", "new", "1x", "real", 2, "%g ops/s 100 scrape-ops/s 10 churn-ops/s", 500+k)
	}
	for range 4 {
		line("stress-mixed", "old", "1x", "virtual", 64, "1000 ops/s 90 hit-%% 1e-6 memcg.slab_caches_mutex-wait-sec/op 0 slab_mutex-wait-sec/op")
		line("stress-mixed", "new", "1x", "virtual", 64, "400 ops/s 90 hit-%% 9e-6 memcg_slab_mutex-wait-sec/op 1e-6 slab_mutex-wait-sec/op")
		line("stress-mixed", "old", "1x", "virtual", 256, "1000 ops/s 90 hit-%%")
		line("stress-mixed", "new", "1x", "virtual", 256, "300 ops/s 70 hit-%%")
		line("k8s-node", "old", "1x", "virtual", 64, "1000 ops/s 0.010 start-p99-sec 0 start-unserved-%% 5 start-ops/s")
		line("k8s-node", "new", "1x", "virtual", 64, "1000 ops/s 0.025 start-p99-sec 0 start-unserved-%% 5 start-ops/s")
		line("k8s-node", "old", "1x", "virtual", 256, "1000 ops/s 0.010 start-p99-sec 0 start-unserved-%% 5 start-ops/s")
		line("k8s-node", "new", "1x", "virtual", 256, "1000 ops/s 0.010 start-p99-sec 0 start-unserved-%% 5 start-ops/s")
	}
	m := buildText(t, b.String())
	return m
}

func TestAnswers(t *testing.T) {
	m := summaryModel(t)
	answers := map[string]*WorkloadAnswer{}
	for _, a := range m.Answers() {
		answers[a.Workload] = a
	}
	text := func(c *Effect) string {
		if c == nil {
			return "nil"
		}
		s := c.Text()
		if len(c.Flags) > 0 {
			s += " flagged"
		}
		return s
	}
	tests := []struct {
		workload, kind, measured, at64, at256, class, worst, lock string
		notes                                                     []string
	}{
		{"stress-mixed", "stress (saturating)", "-10 %", "-60 %", "-70 % flagged", HarmLot, "at 64 simulated CPUs", "memcg_slab_mutex",
			[]string{"⚑ not counted simulated at 256 CPUs: hit rates differ: old 90 %, new 70 %", "the simulated changes are exact"}},
		{"k8s-node", "real rates", "nil", "x2.5", "=", HarmLot, "at 64 simulated CPUs", "", []string{"the simulated changes are exact"}},
		// Flagged only because new starves the background churn: the loss
		// counts, as a lower bound.
		{"stress-slabinfo-scrape", "stress (saturating)", "-50 % flagged", "nil", "nil", HarmLot, "measured at 2 CPUs", "",
			[]string{"⚑ not counted measured at 2 CPUs: new's churn rate falls by 90 %"}},
	}
	for _, tt := range tests {
		a := answers[tt.workload]
		if a == nil {
			t.Errorf("%s: no answer", tt.workload)
			continue
		}
		got := []string{a.Kind, text(a.Measured), text(a.Simulated[0]), text(a.Simulated[1]), a.Class, a.Lock}
		want := []string{tt.kind, tt.measured, tt.at64, tt.at256, tt.class, tt.lock}
		if !slices.Equal(got, want) {
			t.Errorf("%s: kind, measured, 64, 256, class, lock = %q, want %q", tt.workload, got, want)
		}
		if w := ""; a.Worst != nil {
			if w = a.Worst.Where(); w != tt.worst {
				t.Errorf("%s: worst %s, want %s", tt.workload, w, tt.worst)
			}
		} else if tt.worst != "" {
			t.Errorf("%s: no worst change, want one %s", tt.workload, tt.worst)
		}
		notes := strings.Join(a.Notes, "\n")
		for _, n := range tt.notes {
			if !strings.Contains(notes, n) {
				t.Errorf("%s: notes %q lack %q", tt.workload, a.Notes, n)
			}
		}
	}
	if a := answers["stress-mixed"]; a.LockShare < 0.85 || a.LockShare > 0.95 {
		t.Errorf("stress-mixed: memcg_slab_mutex's share of new's wait %.2f, want 0.9", a.LockShare)
	}

	tab := m.AnswerTable(m.Answers(), nil)
	claims := map[string]string{}
	for _, row := range tab.Rows {
		claims[strings.Fields(row[0])[0]] = row[len(row)-3]
	}
	for w, want := range map[string]string{
		"stress-mixed":           "hurts a lot (1 of 4 points flagged)",
		"k8s-node":               "hurts a lot",
		"stress-slabinfo-scrape": "hurts a lot (a lower bound: new's churn rate falls by 90 %)",
	} {
		if claims[w] != want {
			t.Errorf("%s: the claim %q, want %q", w, claims[w], want)
		}
	}

	head := m.Headline(m.Answers())
	// The stress presets bound the cost apart from the claim: neither
	// their changes nor their classes enter the headline.
	for _, want := range []string{"measured on this machine, no significant change; ",
		"simulated, **k8s-node start p99 10 ms → 25 ms (+15 ms)** at 64 simulated CPUs, a regression (old's 10 ms is its floor, the unloaded value: no ratio)", "in 1 of 1 workloads",
		"stress-mixed, stress-slabinfo-scrape are stress bounds and what-ifs, outside the claim"} {
		if !strings.Contains(head, want) {
			t.Errorf("headline %q lacks %q", head, want)
		}
	}
}

func TestFormatChangeValue(t *testing.T) {
	for _, tt := range []struct {
		change float64
		want   string
	}{
		{-0.494, "-49 %"}, {0.004, "+0.4 %"}, {0.59, "+59 %"}, {1.75, "x2.75"}, {29.4, "x30.4"}, {19699, "x19700"}, {3608.5, "x3610"}, {-0.98, "-98 %"}, {-0.99962, "-99.96 %"},
	} {
		if got := formatChangeValue(tt.change); got != tt.want {
			t.Errorf("formatChangeValue(%g) = %q, want %q", tt.change, got, tt.want)
		}
	}
}

func TestNumberRanges(t *testing.T) {
	for _, tt := range []struct {
		texts []string
		want  string
	}{
		{[]string{"new's churn rate falls by 54 %"}, "new's churn rate falls by 54 %"},
		{[]string{"new's churn rate falls by 54 %", "new's churn rate falls by 89 %", "new's churn rate falls by 36 %"}, "new's churn rate falls by 36 to 89 %"},
		{[]string{"hit rates differ: old 82 %, new 75 %", "hit rates differ: old 92 %, new 97 %"}, "hit rates differ: old 82 to 92 %, new 75 to 97 %"},
		{[]string{"a 1", "b 2"}, "a 1; b 2"},
		{[]string{"x falls by 5 %", "x falls by 5 % now"}, "x falls by 5 %; x falls by 5 % now"},
	} {
		if got := numberRanges(tt.texts); got != tt.want {
			t.Errorf("numberRanges(%q) = %q, want %q", tt.texts, got, tt.want)
		}
	}
}

func TestSummaryCharts(t *testing.T) {
	m := summaryModel(t)
	panels := m.SummaryCharts("test")
	if len(panels) != 2 {
		t.Fatalf("%d panels, want throughput and latency", len(panels))
	}
	for i, c := range panels {
		// The throughput panel's ratio has a line at 1; the latency
		// panel's absolute values none.
		if c.XMin != 1 || c.XMax != 256 || !c.LogX || !c.LogY || len(c.Levels) != 1-i || i == 0 && c.Levels[0].Y != 1 {
			t.Errorf("%s: x %g to %g (log %v), levels %v: want one log x axis from 1 to 256 CPUs, and a line at 1 on the ratio's panel only", c.Title, c.XMin, c.XMax, c.LogX, c.Levels)
		}
	}
	series := map[string]Series{}
	for _, c := range panels {
		for _, s := range c.Series {
			series[s.Label] = s
		}
	}
	for _, tt := range []struct {
		label  string
		hollow bool
		xs     []float64
	}{
		{"stress-mixed, measured", false, []float64{1, 2}},
		{"stress-mixed, simulated", true, []float64{64}},
		{"flagged, not counted (see the table)", false, []float64{256}},
		{"k8s-node (start), old", true, []float64{64, 256}},
		{"k8s-node (start), new", true, []float64{64, 256}},
	} {
		s, ok := series[tt.label]
		if !ok {
			t.Errorf("no series %q in %v", tt.label, slices.Collect(func(yield func(string) bool) {
				for l := range series {
					if !yield(l) {
						return
					}
				}
			}))
			continue
		}
		var xs []float64
		for _, p := range s.Points {
			xs = append(xs, p.X)
			if !(p.YLo <= p.Y && p.Y <= p.YHi) {
				t.Errorf("%s: point %+v outside its interval", tt.label, p)
			}
		}
		if s.Hollow != tt.hollow || s.Band != tt.hollow || s.Cross != strings.HasPrefix(tt.label, "flagged") || !slices.Equal(xs, tt.xs) {
			t.Errorf("%s: hollow %v, band %v, CPUs %v; want hollow and band %v, CPUs %v", tt.label, s.Hollow, s.Band, xs, tt.hollow, tt.xs)
		}
	}
	old, new := series["k8s-node (start), old"], series["k8s-node (start), new"]
	if r := new.Points[0].Y / old.Points[0].Y; math.Abs(r-2.5) > 1e-9 || !old.Dashed || new.Dashed || old.Color != new.Color {
		t.Errorf("k8s-node at 64 CPUs: old %+v, new %+v: want new's p99 2.5 times old's, old dashed, one colour", old, new)
	}
	if series["stress-mixed, measured"].Color != series["stress-mixed, simulated"].Color {
		t.Error("a workload's measured and simulated series differ in colour")
	}
	if err := DrawFigure("summary", t.TempDir(), panels...); err != nil {
		t.Fatal(err)
	}
}

// TestAnswerTableColumns: the simulated columns are the summary CPU counts
// the virtual clock ran, and a workload measured in one design only gets
// no answer, not "holds".
func TestAnswerTableColumns(t *testing.T) {
	var b strings.Builder
	for range 4 {
		b.WriteString("BenchmarkRegistry/workload=stress-mixed/design=old/workers=1x/clock=virtual-64 1 1 ns/op 1000 ops/s\n")
		b.WriteString("BenchmarkRegistry/workload=stress-mixed/design=new/workers=1x/clock=virtual-64 1 1 ns/op 400 ops/s\n")
		b.WriteString("BenchmarkRegistry/workload=module-load/design=old/workers=1x/clock=virtual-64 1 1 ns/op 1000 ops/s 0.005 module-p99-sec\n")
		b.WriteString("BenchmarkRegistry/workload=module-load/design=new/workers=1x/clock=virtual-64 1 1 ns/op 1000 ops/s\n")
	}
	m := buildText(t, b.String())
	tab := m.AnswerTable(m.Answers(), nil)
	if got := strings.Join(tab.Header, "|"); strings.Contains(got, "256") || !strings.Contains(got, "simulated, 64 CPUs") {
		t.Errorf("header %q: want a column for 64 simulated CPUs and none for 256", got)
	}
	for _, row := range tab.Rows {
		claim := row[len(row)-3]
		switch w := strings.Fields(row[0])[0]; w {
		case "stress-mixed":
			if claim != HarmLot {
				t.Errorf("stress-mixed: %q, want %q", claim, HarmLot)
			}
		case "module-load":
			if claim != "no answer: not measured in both designs" {
				t.Errorf("module-load, p99 measured in old only: %q, want no answer", claim)
			}
		}
	}
}

// TestLatencyFlags: a real-rate p99 comparison is flagged where the
// baseline already leaves more than UnservedLimit of the arrivals
// unstarted, or where too few rounds saw events for the U test.
func TestLatencyFlags(t *testing.T) {
	var b strings.Builder
	for i := range 4 {
		fmt.Fprintf(&b, "BenchmarkRegistry/workload=faas-host/design=old/workers=1x/clock=virtual-64 1 1 ns/op 1000 ops/s %g start-p99-sec 30 start-unserved-%%\n", 1+0.01*float64(i))
		fmt.Fprintf(&b, "BenchmarkRegistry/workload=faas-host/design=new/workers=1x/clock=virtual-64 1 1 ns/op 1000 ops/s %g start-p99-sec 70 start-unserved-%%\n", 3+0.01*float64(i))
	}
	b.WriteString("BenchmarkRegistry/workload=module-load/design=old/workers=1x/clock=virtual-64 1 1 ns/op 1000 ops/s 0.1 module-p99-sec 0 module-unserved-%\n")
	b.WriteString("BenchmarkRegistry/workload=module-load/design=new/workers=1x/clock=virtual-64 1 1 ns/op 1000 ops/s 4 module-p99-sec 0 module-unserved-%\n")
	m := buildText(t, b.String())
	for w, want := range map[string]string{
		"faas-host":   "old already leaves 30 % of the start events unstarted",
		"module-load": "too few rounds with module events to test: n=1+1",
	} {
		effects := m.Effects(w)
		if len(effects) != 1 || !strings.Contains(strings.Join(effects[0].Flags, "; "), want) {
			t.Errorf("%s: flags %v, want %q", w, effects, want)
		}
	}
}

func TestKnownAnswerCell(t *testing.T) {
	var b strings.Builder
	for i := range 4 {
		fmt.Fprintf(&b, "BenchmarkRegistry/workload=calibrate/design=old/workers=1x-2 1 1 ns/op 1000 ops/s %g measured/theory\n", 0.97+0.001*float64(i))
		fmt.Fprintf(&b, "BenchmarkRegistry/workload=calibrate/design=new/workers=1x-2 1 1 ns/op 500 ops/s %g measured/theory\n", 0.90+0.001*float64(i))
	}
	m := buildText(t, b.String())
	if got := m.knownAnswerCell("calibrate"); got != "harness check, not the claim: measured/theory 0.901 to 0.972 ✗" {
		t.Errorf("cell %q: want the range and a failed check (0.901 is more than 5 %% off)", got)
	}
	if !strings.Contains(m.Headline(m.Answers()), "calibrate, the harness's checks, left out") {
		t.Errorf("headline %q counts the known answer", m.Headline(m.Answers()))
	}
}

// TestControlRow: steady, the control, is a check of the harness: its
// row says whether it moved, and the headline leaves it out.
func TestControlRow(t *testing.T) {
	var b strings.Builder
	for i := range 8 {
		fmt.Fprintf(&b, "BenchmarkRegistry/workload=steady/design=old/workers=1x-2 1 1 ns/op %d ops/s\n", 1000+i)
		fmt.Fprintf(&b, "BenchmarkRegistry/workload=steady/design=new/workers=1x-2 1 1 ns/op %d ops/s\n", 700+i)
	}
	m := buildText(t, b.String())
	tab := m.AnswerTable(m.Answers(), nil)
	if claim := tab.Rows[0][len(tab.Rows[0])-3]; !strings.HasPrefix(claim, "control, not the claim") || !strings.Contains(claim, "✗") {
		t.Errorf("steady moved by -30 %%: claim %q, want a failed control", claim)
	}
	if head := m.Headline(m.Answers()); !strings.Contains(head, "no significant change") || !strings.Contains(head, "steady, the harness's checks, left out") {
		t.Errorf("headline %q: want steady left out", head)
	}
}

// TestBuildNeedsBothDesigns: results without one of the two designs
// compared are an error naming the designs they have, not a report of
// empty columns.
func TestBuildNeedsBothDesigns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench.txt")
	if err := os.WriteFile(path, []byte("BenchmarkRegistry/workload=w/design=old/workers=1x-2 1 1 ns/op 10 ops/s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := DefaultOptions
	opts.Candidate = "v4.0"
	_, err := Build([]string{path}, opts)
	if !errors.Is(err, ErrNoResults) || !strings.Contains(err.Error(), `design "v4.0": the results have old`) {
		t.Errorf("Build without the candidate: %v", err)
	}
}

// TestSplitAnswers parts the first screen: the claim keeps the real-rate
// workloads and the harness's checks; stress presets and what-ifs go to
// the bounds, whose table says so.
func TestSplitAnswers(t *testing.T) {
	var answers []*WorkloadAnswer
	for _, w := range []string{"k8s-node", "calibrate", "steady", "lifecycles", "stress-mixed", "whatif-slabinfo-agent"} {
		answers = append(answers, &WorkloadAnswer{Workload: w})
	}
	claim, bounds := SplitAnswers(answers)
	names := func(as []*WorkloadAnswer) (out []string) {
		for _, a := range as {
			out = append(out, a.Workload)
		}
		return out
	}
	if got, want := strings.Join(names(claim), ","), "k8s-node,calibrate,steady,lifecycles"; got != want {
		t.Errorf("claim %s, want %s", got, want)
	}
	if got, want := strings.Join(names(bounds), ","), "stress-mixed,whatif-slabinfo-agent"; got != want {
		t.Errorf("bounds %s, want %s", got, want)
	}
	bt := (&Model{Options: DefaultOptions}).BoundsTable(nil, nil)
	if !strings.HasPrefix(bt.Title, "Bounds") || !slices.Contains(bt.Header, "as a bound") || slices.Contains(bt.Header, "the claim") {
		t.Errorf("bounds table %q, header %q", bt.Title, bt.Header)
	}
}
