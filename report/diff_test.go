package report

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeSynthetic writes a results file with one point per workload whose
// eight sec/op samples are center * (1 + spread*k) for k in -3.5..3.5.
func writeSynthetic(t *testing.T, path string, centers map[string]float64, spread float64) {
	t.Helper()
	var b strings.Builder
	b.WriteString("goos: linux\n")
	for i := range 8 {
		k := float64(i) - 3.5
		for _, w := range []string{"regression", "noise", "improvement", "small"} {
			v := centers[w] * (1 + spread*k)
			fmt.Fprintf(&b, "BenchmarkRegistry/workload=%s/design=new/workers=1x-2 100 %g ns/op %g ops/s\n", w, v, 1e9/v)
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestGate(t *testing.T) {
	dir := t.TempDir()
	base, head := filepath.Join(dir, "base.txt"), filepath.Join(dir, "head.txt")
	writeSynthetic(t, base, map[string]float64{"regression": 1000, "noise": 1000, "improvement": 1000, "small": 1000}, 0.002)
	writeSynthetic(t, head, map[string]float64{"regression": 1300, "noise": 1001, "improvement": 700, "small": 1030}, 0.002)
	opts := DefaultOptions
	opts.Compare, opts.Baseline, opts.Candidate = ".file", "base", "head"
	m, err := Build([]string{"base=" + base, "head=" + head}, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range DefaultGate.Changes(m) {
		verdict := "better"
		switch {
		case c.Fails:
			verdict = "fails"
		case c.Regression:
			verdict = "worse"
		}
		key := c.Point.Workload + " " + c.Metric.Unit
		got[key] = verdict
	}
	want := map[string]string{
		"regression sec/op": "fails", "regression ops/s": "worse", // one regression, counted once
		"improvement sec/op": "better", "improvement ops/s": "better",
		"small sec/op": "worse", "small ops/s": "worse", // significant but 3 % < 5 %
	}
	// noise: the samples overlap, so nothing is significant.
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	for k := range got {
		if strings.HasPrefix(k, "noise") {
			t.Errorf("%s: noise reported as a change (%s)", k, got[k])
		}
	}

	var b strings.Builder
	failing, err := WriteDiffComment(&b, m, DefaultGate, "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(failing) != 1 {
		t.Errorf("%d failing changes, want 1 (regression's sec/op; its ops/s is the same measurement)", len(failing))
	}
	comment := b.String()
	for _, s := range []string{"**1 regression(s) beyond 5 %** in sec/op, ops/s (Holm-corrected at 0.05 across 4 comparisons", "workload=regression/design=new/workers=1x-2 | sec/op",
		"+30 %", "❌ regression", "better", "2 of 8 metrics show no significant difference"} {
		// (all changed metrics here are gated units, so no <details> block)
		if !strings.Contains(comment, s) {
			t.Errorf("comment lacks %q:\n%s", s, comment)
		}
	}
	if strings.Contains(comment, "<details>") {
		t.Errorf("a comment with only gated changes has a <details> block:\n%s", comment)
	}
	// Ungated units go in a folded block.
	b.Reset()
	onlyTime := Gate{Alpha: 0.05, Threshold: 0.05, Units: []string{"sec/op"}}
	if _, err := WriteDiffComment(&b, m, onlyTime, "test"); err != nil {
		t.Fatal(err)
	}
	if details := b.String()[strings.Index(b.String(), "<details>"):]; !strings.Contains(details, "3 other metric(s) changed") ||
		!strings.Contains(details, "workload=regression/design=new/workers=1x-2 | ops/s") {
		t.Errorf("ops/s changes not folded under <details> when only sec/op is gated:\n%s", b.String())
	}
	// A looser threshold lets the regression through.
	loose := Gate{Alpha: 0.05, Threshold: 0.5, Units: DefaultGate.Units}
	if _, err := WriteDiffComment(&b, m, loose, "loose"); err != nil {
		t.Fatal(err)
	}
	for _, c := range loose.Changes(m) {
		if c.Fails {
			t.Errorf("%s %s fails a 50 %% threshold with a 30 %% change", c.Point.Workload, c.Metric.Unit)
		}
	}
}

func TestHigherIsBetter(t *testing.T) {
	for unit, want := range map[string]bool{
		"ops/s": true, "scrape-ops/s": true, "hit-%": true, "measured/theory": true,
		"accounted-allocs/s": true, "fallback-allocs/s": false,
		"sec/op": false, "slab_mutex-wait-sec/op": false, "churn-p99-sec": false, "contended-%": false, "B/op": false,
	} {
		if HigherIsBetter(unit) != want {
			t.Errorf("HigherIsBetter(%q) = %v, want %v", unit, !want, want)
		}
	}
}

// TestFlags: a claim is flagged, not stated, where the hit rates differ by
// more than HitRateGap points or a background role loses more than
// BackgroundLoss of its rate, and stated otherwise.
func TestFlags(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	line := func(w, d string, ns, ops, hit float64, extra string) {
		fmt.Fprintf(&b, "BenchmarkRegistry/workload=%s/design=%s/workers=1x-2 100 %g ns/op %g ops/s %g hit-%% %s\n", w, d, ns, ops, hit, extra)
	}
	for i := range 8 {
		k := float64(i)
		line("fall", "old", 1000+k, 1e6-k, 84+0.1*k, "")
		line("fall", "new", 600+k, 1.6e6-k, 35+0.1*k, "")
		line("gap6", "old", 1000+k, 1e6-k, 90+0.1*k, "")
		line("gap6", "new", 1000+k, 1e6-k, 84+0.1*k, "")
		line("same", "old", 1000+k, 1e6-k, 90+0.1*k, "")
		line("same", "new", 1000+k, 1e6-k, 89+0.1*k, "")
		// The preset's churn role is background: new cuts it in half.
		line("stress-slabinfo-scrape", "old", 1000+k, 1e6-k, 99, fmt.Sprintf("%g churn-ops/s", 40-k/10))
		line("stress-slabinfo-scrape", "new", 1000+k, 1e6-k, 99, fmt.Sprintf("%g churn-ops/s", 20-k/10))
	}
	path := filepath.Join(dir, "r.txt")
	os.WriteFile(path, []byte(b.String()), 0o644)
	m, err := Build([]string{path}, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"fall":                   "hit rates differ: old 84 %, new 35 %",
		"gap6":                   "hit rates differ: old 90 %, new 84 %",
		"same":                   "",
		"stress-slabinfo-scrape": "new's churn rate falls by 50 %",
	}
	for _, c := range m.Claims {
		w := want[c.Workload]
		if flagged := strings.Contains(c.Text, "flagged, not stated"); flagged != (w != "") || c.Flagged != (w != "") || !strings.Contains(c.Text, w) {
			t.Errorf("%s: claim %q (Flagged %v), want it flagged for %q", c.Workload, c.Text, c.Flagged, w)
		}
	}
	if vt := m.VerdictTable(); !slices.ContainsFunc(vt.Notes, func(n string) bool {
		return strings.HasPrefix(n, "⚑ fall, 1 worker per CPU, GOMAXPROCS=2: hit rates differ")
	}) {
		t.Errorf("verdict table notes %q lack fall's flag", vt.Notes)
	}
}

func TestMinSamples(t *testing.T) {
	// Two-sided U test, samples that do not overlap: p = 2/C(2n, n) for
	// small n (0.029 at 4, 0.0079 at 5, 0.0012 at 6, 0.00058 at 7), as
	// benchmath computes it; no n up to 100 reaches 1e-60.
	tests := []struct {
		alpha float64
		want  int
	}{{0.05, 4}, {0.01, 5}, {0.001, 7}, {1e-60, 0}}
	for _, tt := range tests {
		if got := MinSamples(tt.alpha); got != tt.want {
			t.Errorf("MinSamples(%v) = %d, want %d", tt.alpha, got, tt.want)
		}
	}
}

func TestMissingUnits(t *testing.T) {
	m, err := Build([]string{"testdata/sweep.txt"}, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	g := Gate{Alpha: 0.05, Units: []string{"sec/op", "nosuch", "ops/s"}}
	if got := g.MissingUnits(m); len(got) != 1 || got[0] != "nosuch" {
		t.Errorf("MissingUnits = %q, want [nosuch]", got)
	}
}

// TestGateHolm: a regression whose p passes 0.05 alone does not fail once
// the gate corrects for its four comparisons; with enough rounds it does.
func TestGateHolm(t *testing.T) {
	build := func(rounds int) *Model {
		dir := t.TempDir()
		for _, side := range []string{"base", "head"} {
			var b strings.Builder
			for i := range rounds {
				for _, w := range []string{"regression", "a", "b", "c"} {
					v := 1000 + float64(i)
					if side == "head" && w == "regression" {
						v *= 1.3
					}
					fmt.Fprintf(&b, "BenchmarkRegistry/workload=%s/design=new/workers=1x-2 100 %g ns/op %g ops/s\n", w, v, 1e9/v)
				}
			}
			os.WriteFile(filepath.Join(dir, side+".txt"), []byte(b.String()), 0o644)
		}
		opts := DefaultOptions
		opts.Compare, opts.Baseline, opts.Candidate = ".file", "base", "head"
		m, err := Build([]string{"base=" + filepath.Join(dir, "base.txt"), "head=" + filepath.Join(dir, "head.txt")}, opts)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	fails := func(m *Model) (n int) {
		for _, c := range DefaultGate.Changes(m) {
			if c.Fails {
				n++
			}
		}
		return n
	}
	four := build(4) // p = 0.029 < 0.05, but above 0.05/4
	if n := fails(four); n != 0 {
		t.Errorf("4 rounds, 4 comparisons: %d failures, want 0 (Holm)", n)
	}
	if got := DefaultGate.MinRounds(DefaultGate.Comparisons(four)); got != 5 {
		t.Errorf("MinRounds(%d comparisons) = %d, want 5", DefaultGate.Comparisons(four), got)
	}
	if n := fails(build(5)); n != 1 {
		t.Errorf("5 rounds: %d failures, want 1", n)
	}
}

// TestCommentMarker: the workflow that posts the diff comment finds its
// earlier one by the marker every comment starts with.
func TestCommentMarker(t *testing.T) {
	wf, err := os.ReadFile("../.github/workflows/bench-comment.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(wf), "marker='"+CommentMarker+"'") {
		t.Errorf("bench-comment.yml does not look for %q", CommentMarker)
	}
	m, err := Build([]string{"testdata/sweep.txt"}, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if _, err := WriteDiffComment(&b, m, DefaultGate, "t"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), CommentMarker+"\n") {
		t.Errorf("the comment starts %q, want the marker", b.String()[:min(40, b.Len())])
	}
}
