package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/perf/benchfmt"

	"memcgbench/designs"
	"memcgbench/designs/catalog"
	"memcgbench/internal/outfile"
	"memcgbench/report"
	"memcgbench/workloads"
)

// knownAnswerPlan is what the known-answer run covers: mass destruction
// of each of destroyMemcgs memcgs with destroyRoots caches each on
// destroyCPUs virtual CPUs, mass creation of each of createMemcgs memcgs'
// createRoots caches on createCPUs, and a read of /proc/slabinfo with
// slabinfoRoots roots and the dead caches of each of slabinfoMemcgs
// memcgs, slabinfoPerMemcg each, on slabinfoCPUs, on every design.
type knownAnswerPlan struct {
	destroyMemcgs                   []int
	destroyRoots, destroyCPUs       int
	createMemcgs                    []int
	createRoots, createCPUs         int
	slabinfoMemcgs                  []int
	slabinfoRoots, slabinfoPerMemcg int
	slabinfoCPUs                    int
	deadContainers                  []int
	dead                            workloads.DeadCaches
	// scaleMemcgs is the size of Tejun Heo's report run on the designs
	// that walk every cache (the full plan only), at every cost times
	// each of scales.
	scaleMemcgs int
	scales      []float64
}

// planKnownAnswers returns the full plan (destruction of 10^2 to 10^5
// caches, 10 per memcg, on 16 CPUs, at fourfold steps, the geometric
// ladder workloads.Superlinear needs; creation bursts of 128 to 4096
// caches on 4 CPUs, whose system_wq runs 1024 at once; /proc/slabinfo
// with 10^2 to 10^5 dead caches, 10 per memcg, and the dev VM's 235 roots,
// read by cat: seven 4 KiB read() calls and an eighth that finds the end)
// or the quick one (the four largest sizes of destruction, which the
// report's fit of growth beyond linear reads, report.DestroyExcess; three
// bursts; three sizes of dead caches).
func planKnownAnswers(quick bool) knownAnswerPlan {
	p := knownAnswerPlan{destroyMemcgs: []int{16, 64, 256, 1024, 4096, 16384}, destroyRoots: 10, destroyCPUs: 16,
		createMemcgs: []int{16, 32, 64, 96, 128, 160, 192, 256, 384, 512}, createRoots: 8, createCPUs: 4,
		slabinfoMemcgs: []int{16, 64, 256, 1024, 4096, 16384}, slabinfoRoots: 235, slabinfoPerMemcg: 10, slabinfoCPUs: 4,
		deadContainers: []int{16, 32, 64, 128}, dead: deadCachesScenario,
		scaleMemcgs: designs.MaxMemcgs, scales: []float64{0.25, 1, 4}}
	if quick {
		p.destroyMemcgs, p.createMemcgs, p.slabinfoMemcgs = quickDestroyMemcgs, []int{64, 128, 256}, []int{64, 256, 1024}
		p.deadContainers = []int{16, 64}
		p.scaleMemcgs, p.scales = 0, nil
	}
	return p
}

// quickDestroyMemcgs is the quick plan's ladder of mass destruction:
// the full plan's four largest sizes. TestKnownAnswersCmd runs it a
// quarter as large, the smallest ladder whose shapes still read right.
var quickDestroyMemcgs = []int{256, 1024, 4096, 16384}

// deadCachesScenario is the dead-caches known answer's setting: containers
// of the default working set (40 caches over the default 116 roots, the
// default objects: a quarter long-lived, a tenth freed by RCU), one
// started every 10 ms on 4 CPUs, whose long-lived objects reclaim frees a
// second after the last one ends (an estimate of a host under pressure:
// the answer is what is left once they are freed).
var deadCachesScenario = workloads.DeadCaches{
	Population: workloads.Population{Roots: workloads.DefaultRoots, CPUs: 4},
	PerMemcg:   workloads.DefaultCachesPerMemcg, Gap: 10 * time.Millisecond,
	Objects: func() workloads.Objects {
		o := workloads.DefaultObjects
		o.LongLivedLife = time.Second
		return o
	}(),
}

func (p knownAnswerPlan) describe() string {
	scale := ""
	if len(p.scales) > 0 {
		scale = fmt.Sprintf("mass destroy of %d memcgs with %d caches each on %d CPUs, every cost times %v, on the designs whose destroys walk every cache; ",
			p.scaleMemcgs, p.destroyRoots, p.destroyCPUs, p.scales)
	}
	return fmt.Sprintf("every design on the virtual clock: mass destroy of %v memcgs with %d caches each on %d CPUs; mass create of %v memcgs' %d caches each on %d CPUs (system_wq max_active %d per CPU); "+
		"one read of /proc/slabinfo by cat with %d roots and the dead caches of %v removed memcgs, %d each, on %d CPUs; "+
		"dead caches left by %v containers of %d caches each over %d roots, one every %v on %d CPUs, their long-lived objects freed %v after the last, under SLUB (%d empty slabs kept) and SLAB (all kept, reaped in %v); "+
		"%sone run each (the simulation is deterministic)",
		p.destroyMemcgs, p.destroyRoots, p.destroyCPUs, p.createMemcgs, p.createRoots, p.createCPUs, workloads.SystemWQActive,
		p.slabinfoRoots, p.slabinfoMemcgs, p.slabinfoPerMemcg, p.slabinfoCPUs,
		p.deadContainers, p.dead.PerMemcg, p.dead.Roots, p.dead.Gap, p.dead.CPUs, p.dead.Objects.LongLivedLife, designs.DefaultKeepEmpty, designs.SLABReapEmpty,
		scale)
}

// knownAnswersCmd runs the known-answer scenarios into
// results/<label>/knownanswers.txt.
func knownAnswersCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("knownanswers")
	label := fs.String("label", "", "results label (default: CPU count and model, with -quick appended for quick runs)")
	quick := fs.Bool("quick", false, "a quick run: three sizes of each scenario")
	force := fs.Bool("force", false, "overwrite an existing knownanswers.txt of the label")
	if err := parseFlags(fs, args, stdout, "[flags]"); err != nil {
		return helped(err)
	}
	var err error
	if *label, err = resolveLabel(*label, *quick); err != nil {
		return err
	}
	out := filepath.Join("results", *label, "knownanswers.txt")
	if err := checkResultFile(out, *force); err != nil {
		return err
	}
	p := planKnownAnswers(*quick)
	fmt.Fprintf(stderr, "memcgbench: known answers into %s: %s\n", out, p.describe())
	host, _ := os.Hostname()
	var header []benchfmt.Config
	costs := workloads.DefaultSpec.Costs
	for _, kv := range sweepHeader(*label, host, [2]string{"clock", "virtual"}, [2]string{"sweep", p.describe()},
		[2]string{report.WalkCostKey, costs.WalkPerCache.String()}, [2]string{report.SlabinfoChildCostKey, costs.SlabinfoPerChild.String()}) {
		header = append(header, benchfmt.Config{Key: kv[0], Value: []byte(kv[1]), File: true})
	}
	start := time.Now()
	var records []*benchfmt.Result
	add := func(scenario string, d designs.Design, memcgs, roots, cpus int, values ...benchfmt.Value) {
		records = append(records, &benchfmt.Result{Config: header, Iters: 1, Values: values,
			Name: benchfmt.Name(fmt.Sprintf("%s/scenario=%s/design=%s/memcgs=%d/roots=%d/clock=virtual-%d",
				report.KnownAnswerBenchmark, scenario, d.Name, memcgs, roots, cpus))})
	}
	for _, d := range catalog.All() {
		for _, n := range p.destroyMemcgs {
			if ctx.Err() != nil {
				return fmt.Errorf("%w: known answers: %s not written (left as it was)", errInterrupted, out)
			}
			res, err := workloads.MassDestroy{Population: workloads.Population{Memcgs: n, Roots: p.destroyRoots, CPUs: p.destroyCPUs}}.Run(d)
			if err != nil {
				return err
			}
			add("mass-destroy", d, n, p.destroyRoots, p.destroyCPUs, benchfmt.Value{Value: float64(res.Elapsed), Unit: "ns/op"},
				benchfmt.Value{Value: res.Elapsed.Seconds(), Unit: "destroy-sec"}, benchfmt.Value{Value: float64(res.Caches), Unit: "caches"})
		}
		for _, n := range p.createMemcgs {
			if ctx.Err() != nil {
				return fmt.Errorf("%w: known answers: %s not written (left as it was)", errInterrupted, out)
			}
			res, err := workloads.MassCreate{Population: workloads.Population{Memcgs: n, Roots: p.createRoots, CPUs: p.createCPUs}}.Run(d)
			if err != nil {
				return err
			}
			add("mass-create", d, n, p.createRoots, p.createCPUs, benchfmt.Value{Value: float64(res.Elapsed), Unit: "ns/op"},
				benchfmt.Value{Value: res.Probe.Seconds(), Unit: "probe-wait-sec"}, benchfmt.Value{Value: res.Elapsed.Seconds(), Unit: "create-sec"},
				benchfmt.Value{Value: float64(res.Caches), Unit: "caches"},
				benchfmt.Value{Value: float64(workloads.SystemWQActive * p.createCPUs), Unit: "max-active"})
		}
		for _, n := range p.slabinfoMemcgs {
			if ctx.Err() != nil {
				return fmt.Errorf("%w: known answers: %s not written (left as it was)", errInterrupted, out)
			}
			res, err := workloads.DeadSlabinfo{Population: workloads.Population{Memcgs: n, Roots: p.slabinfoRoots, CPUs: p.slabinfoCPUs}, PerMemcg: p.slabinfoPerMemcg, ReadBytes: designs.ReadBytesCat}.Run(d)
			if err != nil {
				return err
			}
			add(report.DeadSlabinfo, d, n, p.slabinfoRoots, p.slabinfoCPUs, benchfmt.Value{Value: float64(res.Elapsed), Unit: "ns/op"},
				benchfmt.Value{Value: res.Elapsed.Seconds(), Unit: "read-sec"}, benchfmt.Value{Value: float64(res.Dead), Unit: "caches"},
				benchfmt.Value{Value: float64(res.Seeks), Unit: "seeks"}, benchfmt.Value{Value: float64(res.Reprinted), Unit: "reprinted"})
		}
		for _, f := range p.scales {
			if d.DestroyGrowth != 2 {
				break
			}
			if ctx.Err() != nil {
				return fmt.Errorf("%w: known answers: %s not written (left as it was)", errInterrupted, out)
			}
			pop := workloads.Population{Memcgs: p.scaleMemcgs, Roots: p.destroyRoots, CPUs: p.destroyCPUs,
				Costs: workloads.DefaultSpec.Costs.Scaled(f), RCUShare: workloads.DefaultSpec.RCUShare}
			res, err := workloads.MassDestroy{Population: pop}.Run(d)
			if err != nil {
				return err
			}
			add(report.MassDestroyScaled(f), d, p.scaleMemcgs, p.destroyRoots, p.destroyCPUs, benchfmt.Value{Value: float64(res.Elapsed), Unit: "ns/op"},
				benchfmt.Value{Value: res.Elapsed.Seconds(), Unit: "destroy-sec"}, benchfmt.Value{Value: float64(res.Caches), Unit: "caches"})
		}
		for _, reaps := range []bool{false, true} {
			scenario := report.DeadCachesScenario(reaps)
			for _, n := range p.deadContainers {
				if ctx.Err() != nil {
					return fmt.Errorf("%w: known answers: %s not written (left as it was)", errInterrupted, out)
				}
				s := p.dead
				s.Containers, s.KeepEmpty, s.ReapEmpty = n, designs.DefaultKeepEmpty, 0
				if reaps {
					s.KeepEmpty, s.ReapEmpty = designs.SLABKeepEmpty, designs.SLABReapEmpty
				}
				res, err := s.Run(d)
				if err != nil {
					return err
				}
				add(scenario, d, n, s.Roots, s.CPUs, benchfmt.Value{Value: float64(res.Dead), Unit: "dead-left"},
					benchfmt.Value{Value: float64(res.DeadPages), Unit: "dead-pages-left"}, benchfmt.Value{Value: float64(res.Max), Unit: "dead-max"},
					benchfmt.Value{Value: float64(s.LongLivedCaches()), Unit: "long-lived"},
					benchfmt.Value{Value: float64(res.Caches), Unit: "caches"},
					benchfmt.Value{Value: float64(res.Dying), Unit: "dying-memcgs"},
					benchfmt.Value{Value: float64(res.DyingLeft), Unit: "dying-memcgs-left"},
					benchfmt.Value{Value: float64(s.LongLivedContainers()), Unit: "long-lived-containers"})
			}
		}
	}
	err = outfile.Write(out, func(w io.Writer) error {
		bw := benchfmt.NewWriter(w)
		for _, r := range records {
			if err := bw.Write(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "memcgbench: known answers: %d runs in %.0fs; wrote %s\n", len(records), time.Since(start).Seconds(), out)
	return nil
}
