package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/perf/benchfmt"

	"memcgbench/designs"
	"memcgbench/designs/catalog"
	"memcgbench/report"
	"memcgbench/workloads"
)

// ratePlan is what a rate sweep covers: every real-rate preset and design
// on the virtual clock at each of cpus, with every open-loop role's rate
// at each of scales times the preset's (1 is the real rate), seeds runs
// of each, over a window of arrivals.
type ratePlan struct {
	cpus   []int
	scales []float64
	seeds  int
	window time.Duration
	// realScales are run on the real clock too, at this machine's
	// GOMAXPROCS, one at a time, over realWindow: at the real rates a
	// machine of a few CPUs sees a few events a minute, so the real clock
	// checks the virtual one from x1 up.
	realScales []float64
	realWindow time.Duration
}

// planRates returns the full plan (4, 64 and 256 CPUs; a tenth of the real
// rates to 100 times them; 2 seeds; a 5 s window; on the real clock x10
// and x30 over 2 s: at x1 this machine sees less than one container start
// in that, and at x100 faas-host's creates queue for seconds after the
// window, which only lengthen the drain) or the quick one (64 CPUs, four
// scales, 1 seed, a 1 s window, x10 over 0.5 s on the real clock). The full plan's windows are what fits
// make report in 10 minutes on 2 CPUs; the virtual sweep has the real
// rates over the full 10 s.
func planRates(quick bool) ratePlan {
	p := ratePlan{cpus: []int{4, 64, 256}, scales: []float64{0.1, 0.3, 1, 3, 10, 30, 100}, seeds: 2,
		window: 5 * time.Second, realScales: []float64{10, 30}, realWindow: 2 * time.Second}
	if quick {
		p.cpus, p.scales, p.seeds, p.window = []int{64}, []float64{0.1, 1, 10, 100}, 1, time.Second
		p.realScales, p.realWindow = []float64{10}, time.Second/2
	}
	return p
}

func (p ratePlan) describe() string {
	var scales []string
	for _, s := range p.scales {
		scales = append(scales, "x"+strconv.FormatFloat(s, 'g', -1, 64))
	}
	var real []string
	for _, s := range p.realScales {
		real = append(real, "x"+strconv.FormatFloat(s, 'g', -1, 64))
	}
	return fmt.Sprintf("every real-rate preset and design on the virtual clock at %s CPUs, workers=1x; every open-loop rate at %v of the preset's; seeds 1 to %d; a %v window of arrivals; and on the real clock at GOMAXPROCS %d at %v, seed 1, a %v window, one run at a time",
		joinInts(p.cpus), scales, p.seeds, p.window, runtime.GOMAXPROCS(0), real, p.realWindow)
}

// A ratePoint is one run of the plan.
type ratePoint struct {
	workload string
	design   designs.Design
	cpus     int
	scale    float64
	seed     uint64
	real     bool // on the real clock, with GOMAXPROCS = cpus
}

func (p ratePlan) points() []ratePoint {
	var pts []ratePoint
	for _, w := range workloads.PresetNames() {
		if spec, _ := workloads.Preset(w); !spec.Open() {
			continue
		}
		for _, c := range p.cpus {
			for _, scale := range p.scales {
				for seed := 1; seed <= p.seeds; seed++ {
					for _, d := range catalog.All() {
						pts = append(pts, ratePoint{w, d, c, scale, uint64(seed), false})
					}
				}
			}
		}
		for _, scale := range p.realScales {
			for _, d := range catalog.All() {
				pts = append(pts, ratePoint{w, d, runtime.GOMAXPROCS(0), scale, 1, true})
			}
		}
	}
	return pts
}

// run runs one point: the preset with its rates scaled, on the virtual
// clock or this machine's, with one allocator per CPU.
func (p ratePlan) run(ctx context.Context, pt ratePoint) (*workloads.Result, error) {
	spec, err := workloads.Preset(pt.workload)
	if err != nil {
		return nil, err
	}
	for i := range spec.Roles {
		spec.Roles[i].Rate = spec.Roles[i].Rate.Scaled(pt.scale)
	}
	spec.Workers, spec.Seed = pt.cpus, pt.seed
	spec.Duration, spec.Ops = p.window, 0
	opts := workloads.Options{LockStats: true}
	if pt.real {
		spec.Duration = p.realWindow
	} else {
		virt := workloads.DefaultVirtual(pt.cpus)
		opts.Virtual = &virt
	}
	r, err := workloads.NewRunner(spec, pt.design, opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.Run(ctx, 0, spec.Duration)
}

// ratesCmd runs the rate sweep into results/<label>/rates.txt.
func ratesCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("rates")
	label := fs.String("label", "", "results label (default: CPU count and model, with -quick appended for quick runs)")
	quick := fs.Bool("quick", false, "a quick run: 64 CPUs, 4 rates, 1 seed, a 1 s window")
	force := fs.Bool("force", false, "overwrite an existing rates.txt of the label")
	if err := parseFlags(fs, args, stdout, "[flags]"); err != nil {
		return helped(err)
	}
	var err error
	if *label, err = resolveLabel(*label, *quick); err != nil {
		return err
	}
	out := filepath.Join("results", *label, "rates.txt")
	if err := checkResultFile(out, *force); err != nil {
		return err
	}
	p := planRates(*quick)
	pts := p.points()
	estimate(stderr, "rates", *quick)
	return simulateInto(ctx, simulation{out: out, label: *label, what: "rate sweep", describe: p.describe(), n: len(pts),
		run: func(ctx context.Context, i int) (*workloads.Result, error) { return p.run(ctx, pts[i]) },
		name: func(i int) string {
			pt := pts[i]
			clock := "virtual"
			if pt.real {
				clock = "real"
			}
			return fmt.Sprintf("%s/workload=%s/design=%s/scale=x%s/clock=%s-%d",
				report.RatesBenchmark, pt.workload, pt.design.Name, strconv.FormatFloat(pt.scale, 'g', -1, 64), clock, pt.cpus)
		},
		alone: func(i int) bool { return pts[i].real },
		// Each open-loop role's arrival rate: the report's knees are in
		// events per second.
		extra: func(res *workloads.Result, r *benchfmt.Result) {
			for _, role := range res.Roles {
				if role.Rate > 0 {
					r.Values = append(r.Values, benchfmt.Value{Value: role.Rate, Unit: role.Name + "-arrivals/s"})
				}
			}
		}}, stderr)
}
