package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"

	"memcgbench/designs/catalog"
	"memcgbench/kern"
	"memcgbench/report"
	"memcgbench/workloads"
)

// TestReportCommand builds a report from the report package's committed
// results in a scratch directory, then checks that a corrupt results file
// fails with its file and line and leaves the good report in place.
func TestReportCommand(t *testing.T) {
	data, err := os.ReadFile("../../report/testdata/sweep.txt")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	os.MkdirAll("results/t", 0o755)
	os.WriteFile("results/t/bench.txt", data, 0o644)

	var stdout, stderr bytes.Buffer
	if code := exitCode(run(context.Background(), []string{"report", "-label", "t"}, &stdout, &stderr), &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	report, err := os.ReadFile("results/t/REPORT.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Verdict", "| calibrate | 1 | 2 | -52 % (-54 % to -48 %) |", "## Machine", "## Reproduce",
		"![calibrate: throughput (t)](../../plots/t/calibrate-throughput.png)"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("REPORT.md lacks %q", want)
		}
	}
	for _, f := range []string{"calibrate-throughput.png", "calibrate-throughput.svg", "slabinfo-scrape-latency.svg"} {
		if _, err := os.Stat(filepath.Join("plots/t", f)); err != nil {
			t.Errorf("plot %s: %v", f, err)
		}
	}
	if out := stdout.String(); !strings.Contains(out, "regression of slabinfo-scrape throughput") || !regexp.MustCompile(`(?m)^calibrate +known answer +throughput +-52 % +harness check`).MatchString(out) {
		t.Errorf("stdout lacks the headline and the claim's table:\n%s", out)
	}

	os.WriteFile("results/t/bench.txt", []byte("BenchmarkRegistry/workload=x/design=old/workers=1x 1 x ns/op\n"), 0o644)
	stderr.Reset()
	if code := exitCode(run(context.Background(), []string{"report", "-label", "t"}, &stdout, &stderr), &stderr); code != 1 {
		t.Errorf("corrupt results: exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "results/t/bench.txt:1:") {
		t.Errorf("stderr %q, want the file and line of the bad measurement", stderr.String())
	}
	if again, _ := os.ReadFile("results/t/REPORT.md"); !bytes.Equal(again, report) {
		t.Error("a failed report run changed REPORT.md")
	}
	if _, err := os.Stat("results/none/bench.txt"); err == nil {
		t.Fatal("unexpected file")
	}
	stderr.Reset()
	if code := exitCode(run(context.Background(), []string{"report", "-label", "none"}, &stdout, &stderr), &stderr); code != 1 || !strings.Contains(stderr.String(), "results/none/bench.txt") {
		t.Errorf("missing results: exit %d, stderr %q", code, stderr.String())
	}
}

// TestVirtualSweep runs a small virtual sweep and reads it back: every
// point has its samples under the bench package's names with the clock
// sub-key and the virtual CPUs as the -N suffix, and a second run of part
// of it gives the same numbers (the virtual clock is deterministic).
// Budget: 100 s under -race on 2 CPUs.
func TestVirtualSweep(t *testing.T) {
	p := virtualPlan{cpus: []int{1, 4}, overCPUs: []int{2}, over: 4, seeds: 2,
		opsPerWorker: 5, minOps: 40, window: 50 * time.Millisecond, maxWindow: 50 * time.Millisecond, lineTransfer: kern.DefaultLineTransfer}
	header := []benchfmt.Config{{Key: "clock", Value: []byte("virtual"), File: true}}
	var first bytes.Buffer
	if err := runVirtualSweep(context.Background(), p, header, &first, io.Discard); err != nil {
		t.Fatal(err)
	}
	// The same plan gives the same results: checked on its 4-CPU point
	// with one seed, a sixth of the sweep.
	small := p
	small.cpus, small.overCPUs, small.seeds = []int{4}, nil, 1
	var a, b bytes.Buffer
	for _, out := range []*bytes.Buffer{&a, &b} {
		if err := runVirtualSweep(context.Background(), small, header, out, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	if a.String() != b.String() {
		t.Error("two virtual sweeps of one plan differ")
	}
	counts := map[string]int{}
	r := benchfmt.NewReader(&first, "virtual.txt")
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			t.Fatalf("not a result: %v", r.Result())
		}
		counts[string(res.Name)]++
		if _, ok := res.Value("ops/s"); !ok {
			t.Errorf("%s: no ops/s", res.Name)
		}
	}
	pairs := 0 // the presets and designs that run together
	for _, w := range workloads.PresetNames() {
		for _, d := range catalog.All() {
			if workloads.Applies(w, d) {
				pairs++
			}
		}
	}
	if len(counts) != pairs*3 {
		t.Errorf("%d distinct names, want %d (presets x designs that run them x 3 points)", len(counts), pairs*3)
	}
	for _, name := range []string{
		"Registry/workload=steady/design=old/workers=1x/clock=virtual-1",
		"Registry/workload=calibrate/design=new/workers=1x/clock=virtual-4",
		"Registry/workload=stress-mixed/design=new/workers=4x/clock=virtual-2",
	} {
		if counts[name] != 2 {
			t.Errorf("%s: %d samples, want 2 (one per seed)", name, counts[name])
		}
	}
}

// TestEstimate: each phase of make report says how long it should take
// before it starts; an unknown phase says nothing.
func TestEstimate(t *testing.T) {
	for _, phase := range []string{"real", "harness", "virtual", "sensitivity", "rates"} {
		for _, quick := range []bool{false, true} {
			var b bytes.Buffer
			estimate(&b, phase, quick)
			if !strings.HasPrefix(b.String(), "memcgbench: "+phase+": expect about ") || strings.Count(b.String(), "\n") != 1 {
				t.Errorf("estimate(%s, quick=%v) = %q, want one line with the expected time", phase, quick, b.String())
			}
		}
	}
	var b bytes.Buffer
	if estimate(&b, "nosuch", false); b.Len() != 0 {
		t.Errorf("estimate of an unknown phase = %q, want nothing", b.String())
	}
}

// TestKnownAnswersCmd runs the quick known answers into a results
// directory, refuses to overwrite them without -force, and reads them
// back: every design, both scenarios, every size of the plan, and every
// design shows its known answers in the quick run too. Its mass
// destruction is a quarter of the quick plan's (64 to 4096 memcgs):
// budget 40 s under -race on 2 CPUs.
func TestKnownAnswersCmd(t *testing.T) {
	defer func(s []int) { quickDestroyMemcgs = s }(quickDestroyMemcgs)
	quickDestroyMemcgs = []int{64, 256, 1024, 4096}
	t.Chdir(t.TempDir())
	var stdout, stderr bytes.Buffer
	if code := exitCode(run(context.Background(), []string{"knownanswers", "-label", "k", "-quick"}, &stdout, &stderr), &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	ka, err := report.ReadKnownAnswers(filepath.Join("results", "k", "knownanswers.txt"))
	if err != nil {
		t.Fatal(err)
	}
	p := planKnownAnswers(true)
	if want := catalog.Names(); !slices.Equal(ka.Designs, want) {
		t.Errorf("designs %q, want %q", ka.Designs, want)
	}
	for _, d := range ka.Designs {
		if n, m := len(ka.Runs[report.MassDestroy][d]), len(ka.Runs[report.MassCreate][d]); n != len(p.destroyMemcgs) || m != len(p.createMemcgs) {
			t.Errorf("%s: %d destroy and %d create runs, want %d and %d", d, n, m, len(p.destroyMemcgs), len(p.createMemcgs))
		}
	}
	for _, r := range ka.KnownAnswerTable().Rows {
		if slices.Contains(r, "✗") {
			t.Errorf("quick run, %s: %q: a known answer the model does not show", r[0], r)
		}
	}
	stderr.Reset()
	if code := exitCode(run(context.Background(), []string{"knownanswers", "-label", "k", "-quick"}, &stdout, &stderr), &stderr); code != 2 {
		t.Errorf("a second run without -force: exit %d (%s), want 2", code, stderr.String())
	}
}

// TestVirtualPlanSizes: a closed-loop run of the sweep does its operations
// or closedLoopCap of virtual time, whichever ends first, and its spec is
// valid so; a real-rate preset runs a window of windowEvents primary
// events, within its bounds; the fixed scenario its lifecycles.
func TestVirtualPlanSizes(t *testing.T) {
	p := planVirtual(false, []int{1, 2})
	for _, tt := range []struct {
		preset   string
		duration time.Duration
		ops      bool
	}{
		{"stress-slabinfo-scrape", closedLoopCap, true},
		{"whatif-slabinfo-agent", workloads.RealRateWindow, false}, // 64 scrapes a second: the shortest window
		{"k8s-node", 80 * time.Second, false},                      // 40 starts at 0.5/s
		{"module-load", maxRealRateWindow, false},                  // a module every 100 s: the longest
	} {
		spec, err := workloads.Preset(tt.preset)
		if err != nil {
			t.Fatal(err)
		}
		spec.Workers = 1024
		p.size(&spec, 1024)
		if spec.Duration != tt.duration || (spec.Ops > 0) != tt.ops {
			t.Errorf("%s: duration %v, ops %d; want %v, ops %v", tt.preset, spec.Duration, spec.Ops, tt.duration, tt.ops)
		}
		if err := spec.Validate(); err != nil {
			t.Errorf("%s: %v", tt.preset, err)
		}
	}
	spec, _ := workloads.Preset("lifecycles")
	before := spec
	p.size(&spec, 64)
	if spec.Duration != before.Duration || spec.Ops != before.Ops {
		t.Errorf("lifecycles: sized to %v and %d ops, want its own %v and %d", spec.Duration, spec.Ops, before.Duration, before.Ops)
	}
}

// TestSensitivityPlan: the uncertainty run takes every constant to both
// ends of its hosts' range on each design and seed, once at the defaults;
// a real-rate preset's window holds 40 of its primary events at the
// preset's rate, within the plan's bounds.
func TestSensitivityPlan(t *testing.T) {
	ds, err := catalog.Parse("old,new")
	if err != nil {
		t.Fatal(err)
	}
	p := planSensitivity(false, 64, ds)
	count := map[string]int{}
	for _, pt := range p.points() {
		if pt.workload == "k8s-node" {
			count[pt.constant+"/"+pt.end]++
		}
	}
	if count["none/default"] != 2*p.seeds {
		t.Errorf("k8s-node at the defaults: %d runs, want %d", count["none/default"], 2*p.seeds)
	}
	for _, c := range workloads.Constants() {
		for _, end := range []string{"low", "high"} {
			if n := count[c.Name+"/"+end]; n != 2*p.seeds {
				t.Errorf("k8s-node, %s at its %s end: %d runs, want %d", c.Name, end, n, 2*p.seeds)
			}
		}
	}
	for _, tt := range []struct {
		preset string
		want   time.Duration
	}{
		{"k8s-node", 80 * time.Second},     // 40 starts at 0.5/s
		{"faas-host", 4 * time.Second},     // 40 starts at 10/s
		{"module-load", 100 * time.Second}, // 40 modules at 0.01/s would need 4000 s: the bound
	} {
		spec, err := workloads.Preset(tt.preset)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.windowOf(spec); got != tt.want {
			t.Errorf("%s: window %v, want %v", tt.preset, got, tt.want)
		}
	}
	pt := sensitivityPoint{workload: "k8s-node", constant: "Costs.Create", end: "high", design: ds[1], seed: 1}
	if pt.value() != "1ms" {
		t.Errorf("Costs.Create's high end reads %q, want 1ms", pt.value())
	}
}
