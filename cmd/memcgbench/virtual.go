package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"golang.org/x/perf/benchfmt"

	"memcgbench/designs"
	"memcgbench/designs/catalog"
	"memcgbench/kern"
	"memcgbench/workloads"
)

// virtualPlan is what the virtual sweep runs: every preset and design on
// the virtual clock at each of cpus, with one worker per CPU (workers=1x),
// and with oversubscription (workers=Kx) at the CPU counts the real sweep
// also has, for the validation against it. Each point runs seeds times with
// seeds 1, 2, ...: the virtual clock is deterministic, so the samples
// differ by the workload's random choices only.
type virtualPlan struct {
	cpus []int
	// overCPUs are the CPU counts also run oversubscribed, with over
	// workers per CPU.
	overCPUs []int
	over     int
	seeds    int
	// opsPerWorker is each measured worker's share of a run's operations,
	// and minOps the fewest a run does: enough that mixes with a few
	// percent of slow operations have tens of them even on one worker.
	opsPerWorker, minOps int64
	// window and maxWindow bound the real-rate presets' window of
	// arrivals, long enough for windowEvents of the preset's primary
	// events at its rate where maxWindow allows.
	window, maxWindow time.Duration
	// closedCap ends a closed-loop run at that much virtual time if its
	// operations are not done by then.
	closedCap    time.Duration
	lineTransfer time.Duration
	wakeLatency  time.Duration
}

// virtualCPUs are the virtual sweep's CPU counts: powers of two to 1024.
var virtualCPUs = []int{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}

// planVirtual returns the full virtual sweep (4 seeds, 40 operations per
// measured worker, at least 2000 per run, every CPU count, real-rate
// windows of windowEvents primary events from 10 s to 100 s) or the quick
// one (4 seeds, 8 operations, at least 500, CPU counts to 64, a 2 s
// window), oversubscribed at the real sweep's CPU counts, each closed-loop
// run ending at closedLoopCap of virtual time if its operations are not
// done. Four seeds are the fewest at which benchstat's test can find a
// difference (p = 0.029 at best); the full sweep's size is what fits make
// report in half an hour on 2 CPUs with six designs.
func planVirtual(quick bool, real []int) virtualPlan {
	p := virtualPlan{cpus: virtualCPUs, overCPUs: real, over: oversubscribed,
		seeds: 4, opsPerWorker: 40, minOps: 2000, window: workloads.RealRateWindow, maxWindow: maxRealRateWindow, closedCap: closedLoopCap,
		lineTransfer: kern.DefaultLineTransfer, wakeLatency: kern.DefaultWakeLatency}
	if quick {
		p.cpus = []int{1, 2, 4, 16, 64}
		p.opsPerWorker, p.minOps, p.window, p.maxWindow = 8, 500, quickWindow, quickWindow
	}
	return p
}

// windowEvents is how many primary events a real-rate preset's window
// holds at the preset's rate where maxRealRateWindow allows: enough for a
// p99 that is not simply the largest of a handful. At the hosts' rates
// that is 80 s of Kubernetes pod starts (0.5/s) and 4 s of FaaS starts
// (10/s); a module every 100 s gets the longest window, 100 s, and one
// or two modules in it.
const windowEvents = 40

// maxRealRateWindow bounds a real-rate preset's window: its cost grows
// with window x CPUs (100 s at 256 CPUs is about 12 s of a run on the
// reference machine).
const maxRealRateWindow = 100 * time.Second

// quickWindow is the real-rate presets' window in quick runs.
const quickWindow = 2 * time.Second

// closedLoopCap is the most virtual time a closed-loop run of the sweep
// lasts: its throughput is then the operations done in it. A setting of
// the sweep, not of the model: it bounds the simulation's cost, which
// grows with virtual time times CPUs (at 1024 CPUs the background
// allocators of stress-slabinfo-scrape cost about 7 s of real time per
// virtual second, and asyncdestroy's scrapes, each waiting behind cache
// creation on slab_mutex, need more than 8 virtual seconds for their 2000
// operations); 10 s still holds thousands of operations at every point
// but the slowest churn.
const closedLoopCap = 10 * time.Second

// size sets how long a run of spec lasts: a real-rate preset its window,
// the fixed scenario its lifecycles, a closed loop opsPerWorker operations
// per measured worker, at least minOps, or closedCap of virtual time,
// whichever ends first.
func (p virtualPlan) size(spec *workloads.Spec, cpus int) {
	if spec.Open() {
		spec.Duration, spec.Ops = spec.WindowFor(cpus, windowEvents, p.window, p.maxWindow), 0
		return
	}
	if spec.LifecycleAllocs > 0 {
		return // a fixed scenario: the preset's lifecycles
	}
	spec.Duration, spec.Ops = p.closedCap, max(p.minOps, p.opsPerWorker*int64(spec.MeasuredWorkers(spec.Workers)))
}

// maxOpenCPUs is the most virtual CPUs the sweep runs the real-rate
// presets on: their allocators run a step per millisecond of every CPU for
// the whole window, so a run costs in proportion to CPUs x window (at 1024
// CPUs and a 10 s window, 10 million steps, about 15 s a run).
const maxOpenCPUs = 256

// oversubscribed is the bench package's workers=Kx sub-key for the
// oversubscribed point: K workers per CPU.
const oversubscribed = 4

// A virtualPoint is one run of the virtual sweep.
type virtualPoint struct {
	workload string
	design   designs.Design
	cpus     int
	over     int // workers per CPU
	seed     uint64
}

func (p virtualPlan) points() []virtualPoint {
	var pts []virtualPoint
	for _, w := range workloads.PresetNames() {
		spec, _ := workloads.Preset(w)
		for _, c := range p.cpus {
			if spec.Open() && c > maxOpenCPUs {
				continue
			}
			for seed := 1; seed <= p.seeds; seed++ {
				for _, d := range catalog.All() {
					if !workloads.Applies(w, d) {
						continue
					}
					pts = append(pts, virtualPoint{w, d, c, 1, uint64(seed)})
				}
			}
		}
		for _, c := range p.overCPUs {
			for seed := 1; seed <= p.seeds; seed++ {
				for _, d := range catalog.All() {
					if !workloads.Applies(w, d) {
						continue
					}
					pts = append(pts, virtualPoint{w, d, c, p.over, uint64(seed)})
				}
			}
		}
	}
	return pts
}

// describe is the plan in one line, for the results file's header.
func (p virtualPlan) describe() string {
	return fmt.Sprintf("every preset and design on the virtual clock at %s CPUs (real-rate presets to %d) with workers=1x and at %s CPUs with workers=%dx; seeds 1 to %d; %d operations per measured worker, at least %d per run, ending at %v of virtual time if not done, or for real-rate presets a window of %d primary events at the preset's rate, %v to %v; line transfer %v; wake-up latency %v; each design on its kernel's mutex; wakeup preemption",
		joinInts(p.cpus), maxOpenCPUs, joinInts(p.overCPUs), p.over, p.seeds, p.opsPerWorker, p.minOps, p.closedCap, windowEvents, p.window, p.maxWindow, p.lineTransfer, p.wakeLatency)
}

// runVirtualSweep runs the plan's points, as many at a time as there are
// CPUs (each simulation is deterministic and independent of real time, so
// running them side by side changes no result), and writes them to w in
// the plan's order as benchmarks named like the bench package's,
// Registry/workload=W/design=D/workers=Kx/clock=virtual-N, with N the
// virtual CPUs.
func runVirtualSweep(ctx context.Context, p virtualPlan, header []benchfmt.Config, w io.Writer, progress io.Writer) error {
	pts := p.points()
	start := time.Now()
	results, errs := runSimulations(ctx, len(pts), "virtual sweep", progress,
		func(i int) (*workloads.Result, error) { return runVirtualPoint(ctx, p, pts[i]) })
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("virtual sweep: %w", err)
	}
	bw := benchfmt.NewWriter(w)
	for i, res := range results {
		if errs[i] != nil {
			pt := pts[i]
			return fmt.Errorf("virtual sweep: %s, %s, %d CPUs, %dx, seed %d: %w", pt.workload, pt.design.Name, pt.cpus, pt.over, pt.seed, errs[i])
		}
		r := record(header, res)
		r.Name = benchfmt.Name(fmt.Sprintf("Registry/workload=%s/design=%s/workers=%dx/clock=virtual-%d",
			res.Spec.Name, res.Design, pts[i].over, res.CPUs))
		if res.Spec.Name == "calibrate" {
			limit, err := workloads.CalibrateLimit(pts[i].design, res.Workers, res.Spec.Memcgs, res.CPUs, workloads.CalibrateHold)
			if err != nil {
				return err
			}
			r.Values = append(r.Values, benchfmt.Value{Value: res.OpsPerSec() / limit, Unit: "measured/theory"})
		}
		if err := bw.Write(r); err != nil {
			return err
		}
	}
	fmt.Fprintf(progress, "memcgbench: virtual sweep: %d runs in %.0fs\n", len(pts), time.Since(start).Seconds())
	return nil
}

// runVirtualPoint runs one point of the virtual sweep.
func runVirtualPoint(ctx context.Context, p virtualPlan, pt virtualPoint) (*workloads.Result, error) {
	spec, err := workloads.Preset(pt.workload)
	if err != nil {
		return nil, err
	}
	spec.Workers = pt.over * pt.cpus
	spec.Seed = pt.seed
	p.size(&spec, pt.cpus)
	virt := &kern.Virtual{CPUs: pt.cpus, LineTransfer: p.lineTransfer, WakeLatency: p.wakeLatency}
	r, err := workloads.NewRunner(spec, pt.design, workloads.Options{LockStats: true, Virtual: virt})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.Run(ctx, spec.Ops, spec.Duration)
}

// runSimulations runs n independent virtual-clock runs, as many at a time as
// there are CPUs (each simulation is deterministic and independent of real
// time, so running them side by side changes no result), reporting
// progress every 100 runs as what. It stops starting runs once ctx is done.
func runSimulations(ctx context.Context, n int, what string, progress io.Writer,
	run func(i int) (*workloads.Result, error)) ([]*workloads.Result, []error) {
	return runPoints(ctx, n, what, progress, run, nil)
}

// runPoints is runSimulations for a mix of runs: those for which alone
// reports true (real-clock runs, whose timing others would disturb) run
// one at a time after all the others.
func runPoints(ctx context.Context, n int, what string, progress io.Writer,
	run func(i int) (*workloads.Result, error), alone func(i int) bool) ([]*workloads.Result, []error) {
	results := make([]*workloads.Result, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], errs[i] = run(i)
			}
		}()
	}
	start := time.Now()
	done := 0
	tick := func() {
		if done > 0 && done%100 == 0 {
			el := time.Since(start).Seconds()
			fmt.Fprintf(progress, "memcgbench: %s: %d/%d runs, %.0fs, about %.0fs left\n", what, done, n, el, el/float64(done)*float64(n-done))
		}
		done++
	}
	var later []int
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		if alone != nil && alone(i) {
			later = append(later, i)
			continue
		}
		tick()
		next <- i
	}
	close(next)
	wg.Wait()
	for _, i := range later {
		if ctx.Err() != nil {
			break
		}
		tick()
		results[i], errs[i] = run(i)
	}
	return results, errs
}
