package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"golang.org/x/perf/benchfmt"

	"memcgbench/designs"
	"memcgbench/designs/catalog"
	"memcgbench/internal/outfile"
	"memcgbench/report"
	"memcgbench/workloads"
)

// sensitivityPlan is what a sensitivity run covers: every preset and
// design at cpus virtual CPUs with one worker per CPU, first with every
// constant at its default, then with each constant of workloads.Constants
// alone at low and at high times its default; seeds runs of each.
type sensitivityPlan struct {
	cpus, seeds  int
	low, high    float64
	opsPerWorker int64
	minOps       int64
	window       time.Duration // the real-rate presets' window of arrivals
	// lifecycleAllocs replaces the fixed scenario's allocations per
	// lifecycle.
	lifecycleAllocs int
	// verdictOnly keeps the presets the verdict rests on: the real-rate
	// ones and the fixed scenario.
	verdictOnly bool
}

// planSensitivity returns the full plan (2 seeds, 20 operations per
// measured worker) or the quick one (1 seed, 8 CPUs unless cpus says
// otherwise, a 1 s window, and only the presets the verdict rests on: the
// real-rate ones and the fixed scenario). Both shorten what costs most, and is
// compared only with itself here: the real-rate presets' window (2 s: at
// 64 CPUs about 13 container starts per seed in k8s-node) and the fixed
// scenario's allocations per lifecycle (250 of the preset's 1000; quick:
// 20). The plan's line in the results file says so.
func planSensitivity(quick bool, cpus int) sensitivityPlan {
	p := sensitivityPlan{cpus: cpus, seeds: 2, low: 0.25, high: 4, opsPerWorker: 20, minOps: 1000, window: 2 * time.Second,
		lifecycleAllocs: 250}
	if quick {
		p.seeds, p.opsPerWorker, p.minOps, p.window, p.lifecycleAllocs, p.verdictOnly = 1, 8, 400, time.Second, 20, true
	}
	return p
}

func (p sensitivityPlan) describe() string {
	presets := "every preset"
	if p.verdictOnly {
		presets = "the real-rate presets and the fixed scenario,"
	}
	return fmt.Sprintf("%s and design on the virtual clock at %d CPUs, workers=1x; each constant of workloads.Constants alone at x%g and x%g, and all at their defaults; seeds 1 to %d; %d operations per measured worker, at least %d per run, ending at %v of virtual time if not done, the fixed scenario's %d lifecycles of %d allocations, a %v window for real-rate presets",
		presets, p.cpus, p.low, p.high, p.seeds, p.opsPerWorker, p.minOps, closedLoopCap, workloads.ScenarioLifecycles, p.lifecycleAllocs, p.window)
}

// quickSensitivityCPUs is the quick plan's CPU count unless -cpus says
// otherwise.
const quickSensitivityCPUs = 8

// A sensitivityPoint is one run of the plan; constant is "none" for the
// defaults.
type sensitivityPoint struct {
	workload, constant string
	factor             float64
	design             designs.Design
	seed               uint64
}

func (p sensitivityPlan) points() []sensitivityPoint {
	var pts []sensitivityPoint
	for _, w := range workloads.PresetNames() {
		if spec, _ := workloads.Preset(w); p.verdictOnly && !spec.Open() && spec.LifecycleAllocs == 0 {
			continue
		}
		add := func(constant string, factor float64) {
			for seed := 1; seed <= p.seeds; seed++ {
				for _, d := range catalog.All() {
					if !workloads.Applies(w, d) {
						continue
					}
					pts = append(pts, sensitivityPoint{w, constant, factor, d, uint64(seed)})
				}
			}
		}
		add("none", 1)
		for _, c := range workloads.Constants() {
			add(c.Name, p.low)
			add(c.Name, p.high)
		}
	}
	return pts
}

// run runs one point: the preset, with its constant scaled, on the
// virtual clock.
func (p sensitivityPlan) run(ctx context.Context, pt sensitivityPoint) (*workloads.Result, error) {
	spec, err := workloads.Preset(pt.workload)
	if err != nil {
		return nil, err
	}
	virt := workloads.DefaultVirtual(p.cpus)
	for _, c := range workloads.Constants() {
		if c.Name == pt.constant {
			c.Set(&spec, &virt, c.Get(&spec, &virt)*pt.factor)
		}
	}
	spec.Workers = p.cpus
	spec.Seed = pt.seed
	switch {
	case spec.Open():
		spec.Duration, spec.Ops = p.window, 0
	case spec.LifecycleAllocs > 0: // a fixed scenario: the preset's lifecycles
		spec.LifecycleAllocs = p.lifecycleAllocs
	default:
		// Its operations or the virtual sweep's cap, whichever ends first:
		// a constant at x4 can slow a closed loop by orders of magnitude.
		spec.Duration, spec.Ops = closedLoopCap, max(p.minOps, p.opsPerWorker*int64(spec.MeasuredWorkers(spec.Workers)))
	}
	r, err := workloads.NewRunner(spec, pt.design, workloads.Options{LockStats: true, Virtual: &virt})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.Run(ctx, spec.Ops, spec.Duration)
}

// sensitivityCmd runs the sensitivity plan into
// results/<label>/sensitivity.txt.
func sensitivityCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sensitivity")
	label := fs.String("label", "", "results label (default: CPU count and model, with -quick appended for quick runs)")
	quick := fs.Bool("quick", false, "a quick run: 1 seed, 8 operations per worker, 8 CPUs unless -cpus is given")
	force := fs.Bool("force", false, "overwrite an existing sensitivity.txt of the label")
	cpus := fs.Int("cpus", 64, "virtual CPUs, 1 to 1024")
	if err := parseFlags(fs, args, stdout, "[flags]"); err != nil {
		return helped(err)
	}
	if *cpus < 1 || *cpus > 1024 {
		return usagef("-cpus = %d: allowed range is 1 to 1024", *cpus)
	}
	var err error
	if *label, err = resolveLabel(*label, *quick); err != nil {
		return err
	}
	out := filepath.Join("results", *label, "sensitivity.txt")
	if err := checkResultFile(out, *force); err != nil {
		return err
	}
	if *quick && !setFlags(fs)["cpus"] {
		*cpus = quickSensitivityCPUs
	}
	p := planSensitivity(*quick, *cpus)
	pts := p.points()
	estimate(stderr, "sensitivity", *quick)
	return simulateInto(ctx, simulation{out: out, label: *label, what: "sensitivity", describe: p.describe(), n: len(pts),
		run: func(ctx context.Context, i int) (*workloads.Result, error) { return p.run(ctx, pts[i]) },
		name: func(i int) string {
			pt := pts[i]
			return fmt.Sprintf("%s/workload=%s/design=%s/constant=%s/factor=x%s/clock=virtual-%d",
				report.SensitivityBenchmark, pt.workload, pt.design.Name, pt.constant,
				strconv.FormatFloat(pt.factor, 'g', -1, 64), p.cpus)
		}}, stderr)
}

// A simulation is a set of runs written to one results file: the
// sensitivity run's or the rate sweep's, virtual-clock runs side by side
// and real-clock ones alone.
type simulation struct {
	out, label, what, describe string
	n                          int
	run                        func(ctx context.Context, i int) (*workloads.Result, error)
	// name is run i's benchmark name; extra, if set, adds values to its
	// record.
	name  func(i int) string
	extra func(res *workloads.Result, r *benchfmt.Result)
	// alone, if set, marks the runs (real-clock ones) that run one at a
	// time, after the others.
	alone func(i int) bool
}

// simulateInto runs sim's runs, as many at a time as there are CPUs, and
// writes them to sim.out atomically, in order, under a header naming the
// machine, the label and the plan; a signal (ctx) stops it and writes
// nothing.
func simulateInto(ctx context.Context, sim simulation, stderr io.Writer) error {
	host, _ := os.Hostname()
	var header []benchfmt.Config
	for _, kv := range sweepHeader(sim.label, host, [2]string{"clock", "virtual"}, [2]string{"sweep", sim.describe}) {
		header = append(header, benchfmt.Config{Key: kv[0], Value: []byte(kv[1]), File: true})
	}
	header = slices.DeleteFunc(header, func(c benchfmt.Config) bool { return c.Key == "clock" && sim.alone != nil })
	fmt.Fprintf(stderr, "memcgbench: %s into %s: %d runs: %s\n", sim.what, sim.out, sim.n, sim.describe)
	start := time.Now()
	results, errs := runPoints(ctx, sim.n, sim.what, stderr,
		func(i int) (*workloads.Result, error) { return sim.run(ctx, i) }, sim.alone)
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %s: %s not written (left as it was)", errInterrupted, sim.what, sim.out)
	}
	err := outfile.Write(sim.out, func(w io.Writer) error {
		bw := benchfmt.NewWriter(w)
		for i, res := range results {
			if errs[i] != nil {
				return fmt.Errorf("%s: %s: %w", sim.what, sim.name(i), errs[i])
			}
			r := record(header, res)
			r.Name = benchfmt.Name(sim.name(i))
			if sim.extra != nil {
				sim.extra(res, r)
			}
			if err := bw.Write(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "memcgbench: %s: %d runs in %.0fs; wrote %s\n", sim.what, sim.n, time.Since(start).Seconds(), sim.out)
	return nil
}
