package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"

	"memcgbench/designs"
	"memcgbench/designs/catalog"
	"memcgbench/internal/outfile"
	"memcgbench/report"
	"memcgbench/workloads"
)

// sensitivityPlan is what the uncertainty run (memcgbench sensitivity)
// covers: every preset at cpus virtual CPUs with one worker per CPU, on
// the verdict's two designs, first with every constant at its default,
// then with each constant of workloads.Constants alone at each end of its
// hosts' range (Constant.Low and High: the costs, the shares of object
// lifetimes, the RCU share, the host rates, the activation path, fixed
// or managed kworkers); seeds runs of each.
type sensitivityPlan struct {
	cpus, seeds  int
	opsPerWorker int64
	minOps       int64
	// window and maxWindow bound the real-rate presets' window of
	// arrivals, long enough for minEvents of the preset's primary events
	// at its rate where maxWindow allows.
	window, maxWindow time.Duration
	minEvents         float64
	// lifecycleAllocs replaces the fixed scenario's allocations per
	// lifecycle.
	lifecycleAllocs int
	// verdictOnly keeps the presets the verdict rests on: the real-rate
	// ones and the fixed scenario.
	verdictOnly bool
	designs     []designs.Design
}

// planSensitivity returns the full plan (2 seeds, 20 operations per
// measured worker, real-rate windows of 40 primary events up to 100 s)
// or the quick one (1 seed, 8 CPUs unless cpus says otherwise, 1 s
// windows, and only the presets the verdict rests on: the real-rate ones
// and the fixed scenario). Both shorten the fixed scenario's allocations
// per lifecycle (250 of the preset's 1000; quick: 20), compared only with
// itself here. The plan's line in the results file says so.
func planSensitivity(quick bool, cpus int, ds []designs.Design) sensitivityPlan {
	p := sensitivityPlan{cpus: cpus, seeds: 2, opsPerWorker: 20, minOps: 1000, window: 2 * time.Second,
		maxWindow: 100 * time.Second, minEvents: 40, lifecycleAllocs: 250, designs: ds}
	if quick {
		p.seeds, p.opsPerWorker, p.minOps, p.window, p.maxWindow, p.lifecycleAllocs, p.verdictOnly = 1, 8, 400, time.Second, time.Second, 20, true
	}
	return p
}

func (p sensitivityPlan) describe() string {
	presets := "every preset"
	if p.verdictOnly {
		presets = "the real-rate presets and the fixed scenario,"
	}
	var names []string
	for _, d := range p.designs {
		names = append(names, d.Name)
	}
	return fmt.Sprintf("%s on %s on the virtual clock at %d CPUs, workers=1x; each constant of workloads.Constants alone at each end of its hosts' range, and all at their defaults; seeds 1 to %d; %d operations per measured worker, at least %d per run, ending at %v of virtual time if not done, the fixed scenario's %d lifecycles of %d allocations, real-rate windows of %v to %v (%g primary events at the preset's rate)",
		presets, strings.Join(names, " and "), p.cpus, p.seeds, p.opsPerWorker, p.minOps, closedLoopCap, workloads.ScenarioLifecycles, p.lifecycleAllocs, p.window, p.maxWindow, p.minEvents)
}

// quickSensitivityCPUs is the quick plan's CPU count unless -cpus says
// otherwise.
const quickSensitivityCPUs = 8

// A sensitivityPoint is one run of the plan: constant "none" at end
// "default" for the defaults, else the constant at end "low" or "high".
type sensitivityPoint struct {
	workload, constant, end string
	design                  designs.Design
	seed                    uint64
}

func (p sensitivityPlan) points() []sensitivityPoint {
	var pts []sensitivityPoint
	for _, w := range workloads.PresetNames() {
		if spec, _ := workloads.Preset(w); p.verdictOnly && !spec.Open() && spec.LifecycleAllocs == 0 {
			continue
		}
		add := func(constant, end string) {
			for seed := 1; seed <= p.seeds; seed++ {
				for _, d := range p.designs {
					if !workloads.Applies(w, d) {
						continue
					}
					pts = append(pts, sensitivityPoint{w, constant, end, d, uint64(seed)})
				}
			}
		}
		add("none", "default")
		for _, c := range workloads.Constants() {
			add(c.Name, "low")
			add(c.Name, "high")
		}
	}
	return pts
}

// constant returns the named constant.
func constant(name string) (workloads.Constant, bool) {
	for _, c := range workloads.Constants() {
		if c.Name == name {
			return c, true
		}
	}
	return workloads.Constant{}, false
}

// value is the point's constant's value, in its unit ("" for the
// defaults).
func (pt sensitivityPoint) value() string {
	c, ok := constant(pt.constant)
	switch {
	case !ok:
		return ""
	case pt.end == "low":
		return c.Format(c.Low)
	}
	return c.Format(c.High)
}

// windowOf is a real-rate preset's window of arrivals: long enough for
// minEvents of its primary events at the preset's rate, within window and
// maxWindow.
func (p sensitivityPlan) windowOf(spec workloads.Spec) time.Duration {
	return spec.WindowFor(p.cpus, p.minEvents, p.window, p.maxWindow)
}

// run runs one point: the preset, with its constant at the point's end,
// on the virtual clock.
func (p sensitivityPlan) run(ctx context.Context, pt sensitivityPoint) (*workloads.Result, error) {
	spec, err := workloads.Preset(pt.workload)
	if err != nil {
		return nil, err
	}
	virt := workloads.DefaultVirtual(p.cpus)
	window := p.windowOf(spec) // at the preset's rate, whatever HostRates does
	if c, ok := constant(pt.constant); ok {
		c.Set(&spec, &virt, map[string]float64{"low": c.Low, "high": c.High}[pt.end])
	}
	spec.Workers = p.cpus
	spec.Seed = pt.seed
	switch {
	case spec.Open():
		spec.Duration, spec.Ops = window, 0
	case spec.LifecycleAllocs > 0: // a fixed scenario: the preset's lifecycles
		spec.LifecycleAllocs = p.lifecycleAllocs
	default:
		// Its operations or the virtual sweep's cap, whichever ends first:
		// a constant at an end of its range can slow a closed loop by
		// orders of magnitude.
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
	designList := fs.String("design", "old,new", "designs, comma-separated ("+strings.Join(catalog.Names(), ", ")+"), or all: the report compares its -baseline and -candidate")
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
	ds, err := catalog.Parse(*designList)
	if err != nil {
		return usagef("-design %q: %v; give one or more of %s, comma-separated, or all", *designList, err, strings.Join(catalog.Names(), ", "))
	}
	p := planSensitivity(*quick, *cpus, ds)
	pts := p.points()
	estimate(stderr, "sensitivity", *quick)
	return simulateInto(ctx, simulation{out: out, label: *label, what: "sensitivity", describe: p.describe(), n: len(pts),
		run: func(ctx context.Context, i int) (*workloads.Result, error) { return p.run(ctx, pts[i]) },
		name: func(i int) string {
			pt := pts[i]
			name := fmt.Sprintf("%s/workload=%s/design=%s/constant=%s/end=%s", report.SensitivityBenchmark, pt.workload, pt.design.Name, pt.constant, pt.end)
			if v := pt.value(); v != "" {
				name += "/value=" + strings.ReplaceAll(v, " ", "_")
			}
			return name + fmt.Sprintf("/clock=virtual-%d", p.cpus)
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
