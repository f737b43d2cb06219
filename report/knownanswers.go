package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"

	"memcgbench/designs/catalog"
	"memcgbench/workloads"
)

// KnownAnswerBenchmark is the benchmark name of the known-answer runs
// (memcgbench knownanswers).
const KnownAnswerBenchmark = "KnownAnswer"

// Known-answer scenarios, as the results name them.
const (
	MassDestroy  = "mass-destroy"
	MassCreate   = "mass-create"
	DeadSlabinfo = "dead-slabinfo"
	// DeadCachesSLUB and DeadCachesSLAB are the dead caches left by
	// container churn (workloads.DeadCaches) under SLUB, whose kept empty
	// slabs an idle cache keeps for ever, and SLAB, whose cache_reap
	// frees them (DeadCachesScenario).
	DeadCachesSLUB = "dead-caches"
	DeadCachesSLAB = "dead-caches-slab"
)

// massDestroyScaledPrefix names the mass destruction runs at the size of
// Tejun Heo's report with every cost scaled (MassDestroyScaled).
const massDestroyScaledPrefix = "mass-destroy-costs-x"

// MassDestroyScaled returns the scenario name of a mass destruction run
// with every cost times f.
func MassDestroyScaled(f float64) string {
	return massDestroyScaledPrefix + strconv.FormatFloat(f, 'g', -1, 64)
}

// DeadCachesScenario returns the dead-caches scenario's name for a run
// whose allocator reaps idle caches' kept empty slabs (SLAB) or not
// (SLUB).
func DeadCachesScenario(reaps bool) string {
	if reaps {
		return DeadCachesSLAB
	}
	return DeadCachesSLUB
}

// deadReaps says whether a dead-caches scenario's allocator reaps.
var deadReaps = map[string]bool{DeadCachesSLUB: false, DeadCachesSLAB: true}

// The file configuration keys of a known-answer run that the dead-slabinfo
// answer is read with: the costs the run charged a list step and a child's
// sum into its root's line.
const (
	WalkCostKey          = "walk-cost"
	SlabinfoChildCostKey = "slabinfo-child-cost"
)

// KnownAnswers are the known-answer runs of every design, by scenario and
// design, each sorted by memcgs; Designs in the order of the list of
// designs.
type KnownAnswers struct {
	Designs []string
	Runs    map[string]map[string][]KnownAnswerRun
}

// A KnownAnswerRun is one run of a scenario: its size, its time (destroy,
// create or read), for mass creation the unrelated work item's wait and
// system_wq's capacity, and for dead-slabinfo (where Caches are the dead
// caches) the roots, the read() calls that walked the list, the lines
// printed twice, and the costs of a list step and of a child's sum.
type KnownAnswerRun struct {
	Memcgs, Caches   int
	Seconds          float64
	ProbeWait        float64
	MaxActive        int
	Roots            int
	Seeks, Reprinted int
	Walk, Child      time.Duration
	// DeadLeft, DeadMax and LongLived are a dead-caches run's dead caches
	// left once every object is freed, the most at once, and the caches
	// that held long-lived objects (Memcgs is then its containers).
	DeadLeft, DeadMax, LongLived int
	// Dying and DyingLeft are its dying memcgs once the churn has drained
	// and once every object is freed, and LongLivedContainers the
	// containers that left long-lived objects; all -1 in results written
	// before they were measured.
	Dying, DyingLeft, LongLivedContainers int
}

// ReadKnownAnswers reads a known-answer run's results with x/perf's
// parser and projections.
func ReadKnownAnswers(path string) (*KnownAnswers, error) {
	if err := CheckComplete(path); err != nil {
		return nil, err
	}
	var parser benchproc.ProjectionParser
	proj, err := parser.Parse("/scenario,/design,/memcgs,/roots", nil)
	if err != nil {
		return nil, err
	}
	f := proj.Fields()
	out := &KnownAnswers{Runs: map[string]map[string][]KnownAnswerRun{}}
	files := benchfmt.Files{Paths: []string{path}}
	for files.Scan() {
		switch rec := files.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, fmt.Errorf("%s: %w", path, rec)
		case *benchfmt.Result:
			if string(rec.Name.Base()) != KnownAnswerBenchmark {
				continue
			}
			if u, dup := repeatedUnit(rec); dup {
				return nil, fmt.Errorf("%s: %s: %s given twice: want each unit once", path, rec.Name.Full(), u)
			}
			k := proj.Project(rec)
			scenario, design := k.Get(f[0]), k.Get(f[1])
			memcgs, err := strconv.Atoi(k.Get(f[2]))
			if err != nil {
				return nil, fmt.Errorf("%s: %s: memcgs %q: %w", path, rec.Name.Full(), k.Get(f[2]), err)
			}
			run := KnownAnswerRun{Memcgs: memcgs}
			caches, ok := rec.Value("caches")
			if _, dead := deadReaps[scenario]; dead {
				units := []string{"caches", "dead-left", "dead-max", "long-lived", "dead-pages-left"}
				counts, err := wholeValues(rec, units, maxCount, fmt.Sprintf("a whole number from 0 to %d", maxCount))
				if err != nil {
					return nil, fmt.Errorf("%s: %s: %w", path, rec.Name.Full(), err)
				}
				vals := make(map[string]int, len(units))
				for i, u := range units {
					vals[u] = counts[i]
				}
				switch {
				case memcgs < 1:
					return nil, fmt.Errorf("%s: %s: memcgs (containers) = %d: want 1 or more", path, rec.Name.Full(), memcgs)
				case vals["dead-left"] > vals["dead-max"] || vals["dead-max"] > vals["caches"] || vals["long-lived"] > memcgs*maxCachesPerContainer:
					return nil, fmt.Errorf("%s: %s: dead-left %d, dead-max %d, caches %d, long-lived %d: want dead-left <= dead-max <= caches", path, rec.Name.Full(),
						vals["dead-left"], vals["dead-max"], vals["caches"], vals["long-lived"])
				}
				run.Caches, run.DeadLeft, run.DeadMax, run.LongLived = vals["caches"], vals["dead-left"], vals["dead-max"], vals["long-lived"]
				run.Dying, run.DyingLeft, run.LongLivedContainers, err = readDying(rec, memcgs, run.LongLived, run.Caches)
				if err != nil {
					return nil, fmt.Errorf("%s: %s: %w", path, rec.Name.Full(), err)
				}
				out.add(scenario, design, run)
				continue
			}
			for _, u := range dyingUnits {
				if _, ok := rec.Value(u); ok {
					return nil, fmt.Errorf("%s: %s: %s on a %s record: only dead-caches records carry it", path, rec.Name.Full(), u, scenario)
				}
			}
			unit, known := map[string]string{MassDestroy: "destroy-sec", MassCreate: "create-sec", DeadSlabinfo: "read-sec"}[scenario]
			if strings.HasPrefix(scenario, massDestroyScaledPrefix) {
				if f, err := strconv.ParseFloat(strings.TrimPrefix(scenario, massDestroyScaledPrefix), 64); err != nil || !(f > 0 && f <= 1e6) {
					return nil, fmt.Errorf("%s: %s: cost scale %q: want a number above 0 to 1e6", path, rec.Name.Full(), strings.TrimPrefix(scenario, massDestroyScaledPrefix))
				}
				if secs, ok := rec.Value("destroy-sec"); !ok || !(secs > 0 && secs < math.MaxInt64/1e9) || !(caches >= 1 && caches <= maxCount) || memcgs < 1 {
					return nil, fmt.Errorf("%s: %s: want destroy-sec above 0, caches a whole number from 1, memcgs 1 or more", path, rec.Name.Full())
				}
				unit, known = "destroy-sec", true
			}
			if !known {
				return nil, fmt.Errorf("%s: %s: unknown scenario %q", path, rec.Name.Full(), scenario)
			}
			secs, ok2 := rec.Value(unit)
			if !ok || !ok2 {
				return nil, fmt.Errorf("%s: %s: want caches and %s", path, rec.Name.Full(), unit)
			}
			run.Caches, run.Seconds = int(caches), secs
			if scenario == MassCreate {
				wait, ok := rec.Value("probe-wait-sec")
				active, ok2 := rec.Value("max-active")
				if !ok || !ok2 {
					return nil, fmt.Errorf("%s: %s: want probe-wait-sec and max-active", path, rec.Name.Full())
				}
				run.ProbeWait, run.MaxActive = wait, int(active)
			}
			if scenario == DeadSlabinfo {
				seeks, ok := rec.Value("seeks")
				reprinted, ok2 := rec.Value("reprinted")
				roots, err0 := strconv.Atoi(k.Get(f[3]))
				walk, err := time.ParseDuration(rec.GetConfig(WalkCostKey))
				child, err2 := time.ParseDuration(rec.GetConfig(SlabinfoChildCostKey))
				if !ok || !ok2 || err0 != nil || err != nil || err2 != nil || walk <= 0 {
					return nil, fmt.Errorf("%s: %s: want seeks, reprinted and roots, and %s (above 0) and %s in the configuration", path, rec.Name.Full(), WalkCostKey, SlabinfoChildCostKey)
				}
				run.Roots, run.Seeks, run.Reprinted, run.Walk, run.Child = roots, int(seeks), int(reprinted), walk, child
			}
			out.add(scenario, design, run)
		}
	}
	if err := files.Err(); err != nil {
		return nil, err
	}
	if len(out.Designs) == 0 {
		return nil, fmt.Errorf("%s: %w", path, ErrNoResults)
	}
	// The list's order, oldest kernel first; designs it lacks after.
	names := catalog.Names()
	rank := func(d string) int {
		if i := slices.Index(names, d); i >= 0 {
			return i
		}
		return len(names)
	}
	slices.SortStableFunc(out.Designs, func(a, b string) int { return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b)) })
	for _, byDesign := range out.Runs {
		for _, runs := range byDesign {
			slices.SortFunc(runs, func(a, b KnownAnswerRun) int { return cmp.Compare(a.Memcgs, b.Memcgs) })
		}
	}
	return out, nil
}

// ScaleNote states the mass destruction runs at the size of Tejun Heo's
// report against it: per design, the time at the default costs and with
// every cost x1/4 and x4; "" where there are none.
func (ka *KnownAnswers) ScaleNote() string {
	var parts []string
	caches, memcgs, most := 0, 0, 0.0
	for _, name := range ka.Designs {
		var byScale []string
		for _, f := range []float64{0.25, 1, 4} {
			runs := ka.Runs[MassDestroyScaled(f)][name]
			if len(runs) == 0 {
				continue
			}
			caches, memcgs, most = runs[0].Caches, runs[0].Memcgs, max(most, runs[0].Seconds)
			byScale = append(byScale, fmt.Sprintf("%s at x%g", formatLong(runs[0].Seconds), f))
		}
		if len(byScale) > 0 {
			parts = append(parts, name+" "+strings.Join(byScale, ", "))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	verdict := fmt.Sprintf("The longest, %s, is under the half day reported; what the model leaves out at that size is in the README (the list_lru drain at offline, pages of page cache pinning the memcgs until reclaim, cgroup_destroy_wq's one item a CPU).", formatLong(most))
	if most >= halfADay {
		verdict = fmt.Sprintf("The longest, %s, reaches the half day reported.", formatLong(most))
	}
	return fmt.Sprintf("At the size of Tejun Heo's report (v4.11 cover letter, Message-ID 20170114055449.11044-1-tj@kernel.org: \"hundred thousands of caches\", destruction that \"can easily keep running for half a day\"), "+
		"%d caches (%d memcgs) removed at once, every cost x1/4, x1 and x4: %s. %s",
		caches, memcgs, strings.Join(parts, "; "), verdict)
}

// maxCount bounds a count read from known-answer results (caches, dead
// caches): the most a run can make, 65,535 memcgs of 10,000 caches.
const maxCount = 65535 * 10000

// maxCachesPerContainer bounds a dead-caches run's caches per container.
const maxCachesPerContainer = 10000

// wholeCount reports whether v is a whole number from 0 to maxCount.
func wholeCount(v float64) bool { return v >= 0 && v <= maxCount && v == math.Trunc(v) }

// halfADay is Tejun Heo's "can easily keep running for half a day".
const halfADay = 12 * 3600.0

// formatLong renders a long time in hours or minutes, a short one as
// FormatSeconds does.
func formatLong(s float64) string {
	switch {
	case s >= 3600:
		return fmt.Sprintf("%.2g h", s/3600)
	case s >= 60:
		return fmt.Sprintf("%.2g min", s/60)
	}
	return FormatSeconds(s)
}

// add files run under scenario and design.
func (ka *KnownAnswers) add(scenario, design string, run KnownAnswerRun) {
	if ka.Runs[scenario] == nil {
		ka.Runs[scenario] = map[string][]KnownAnswerRun{}
	}
	ka.Runs[scenario][design] = append(ka.Runs[scenario][design], run)
	if !slices.Contains(ka.Designs, design) {
		ka.Designs = append(ka.Designs, design)
	}
}

// dyingUnits are the units of a dead-caches record's dying memcgs,
// written together (cmd/memcgbench knownanswers) and absent from results
// written before they were measured.
var dyingUnits = []string{"dying-memcgs", "dying-memcgs-left", "long-lived-containers"}

// readDying reads a dead-caches record's dying memcgs, once the churn has
// drained and once every object is freed, and the containers that left
// long-lived objects: each a whole number from 0 to the record's
// containers, all three or none (then -1 each), the second no more than
// the first (nothing goes offline once the churn has drained), and the
// third consistent with the record's long-lived caches and caches.
func readDying(rec *benchfmt.Result, containers, longLived, caches int) (dying, left, llc int, err error) {
	present := 0
	for _, u := range dyingUnits {
		if _, ok := rec.Value(u); ok {
			present++
		}
	}
	if present == 0 {
		return -1, -1, -1, nil
	}
	vals, err := wholeValues(rec, dyingUnits, containers,
		fmt.Sprintf("a whole number from 0 to the containers, %d, with %s", containers, strings.Join(dyingUnits, " and ")))
	if err != nil {
		return 0, 0, 0, err
	}
	dying, left, llc = vals[0], vals[1], vals[2]
	switch {
	case left > dying:
		return 0, 0, 0, fmt.Errorf("dying-memcgs-left = %d above dying-memcgs = %d: want no more, as nothing goes offline once the churn has drained", left, dying)
	case llc > longLived:
		return 0, 0, 0, fmt.Errorf("long-lived-containers = %d above long-lived = %d: want no more, as each such container holds a long-lived cache", llc, longLived)
	case caches > 0 && longLived > llc*(caches/containers):
		return 0, 0, 0, fmt.Errorf("long-lived = %d above long-lived-containers x caches a container = %d x %d: want no more", longLived, llc, caches/containers)
	}
	return dying, left, llc, nil
}

// wholeValues reads units from rec, each a whole number from 0 to most
// (and to maxCount); a unit missing or out of range is an error naming
// it and saying what is allowed.
func wholeValues(rec *benchfmt.Result, units []string, most int, allowed string) ([]int, error) {
	out := make([]int, len(units))
	for i, u := range units {
		v, ok := rec.Value(u)
		if !ok {
			return nil, fmt.Errorf("no %s: want %s", u, allowed)
		}
		if !wholeCount(v) || v > float64(most) {
			return nil, fmt.Errorf("%s = %v: want %s", u, v, allowed)
		}
		out[i] = int(v)
	}
	return out, nil
}

// repeatedUnit returns a unit that rec gives more than once, if any.
func repeatedUnit(rec *benchfmt.Result) (string, bool) {
	seen := make(map[string]bool, len(rec.Values))
	for _, v := range rec.Values {
		if seen[v.Unit] {
			return v.Unit, true
		}
		seen[v.Unit] = true
	}
	return "", false
}

// DeadLeft describes design's dead-caches runs of scenario: the dead
// caches left by the most containers run, and whether every run is the
// design's known answer (workloads.DeadLeftHolds; known is false for a
// design not in the list, or without runs).
func (ka *KnownAnswers) DeadLeft(scenario, design string) (last KnownAnswerRun, holds, known bool) {
	runs := ka.Runs[scenario][design]
	d, err := catalog.Lookup(design)
	if len(runs) == 0 {
		return last, false, false
	}
	last = runs[len(runs)-1]
	if err != nil {
		return last, false, false
	}
	stay := d.DeadCachesStay != nil && d.DeadCachesStay(deadReaps[scenario])
	holds = true
	for _, r := range runs {
		if r.Dying >= 0 {
			holds = holds && workloads.DyingHolds(d.SharedCaches, int64(r.Dying), int64(r.LongLivedContainers), int64(r.Memcgs))
			holds = holds && (stay || r.DyingLeft == 0)
		}
		if d.SharedCaches {
			holds = holds && r.DeadMax == 0
			continue
		}
		holds = holds && workloads.DeadLeftHolds(stay, int64(r.DeadLeft), int64(r.LongLived))
	}
	return last, holds, true
}

// DestroyExponent fits the growth of design's mass destruction time with
// the memcgs removed; ok is false with fewer than two runs.
func (ka *KnownAnswers) DestroyExponent(design string) (k, r2 float64, ok bool) {
	x, y := ka.destroyRuns(design)
	k, r2, err := workloads.Exponent(x, y)
	return k, r2, err == nil
}

// excessSizes is how many of the largest mass destruction runs
// DestroyExcess fits: the fewest workloads.Superlinear takes. The largest
// are where the walks of v4.0 to v4.10 outweigh the rest; below them the
// rest is not linear either on v4.10's hand-off mutex (createwq's
// offlines, retaking cgroup_mutex one after another, leave css_free's
// releases waiting for it more or less long with N): over 16 to 16384
// memcgs createwq's part beyond linear fits N^2.11, over 256 to 16384
// N^1.92, and over 64 to 4096 N^2.34.
const excessSizes = 4

// DestroyExcess measures the part of design's mass destruction time
// beyond linear growth (workloads.Superlinear) over its excessSizes
// largest runs: its exponent k (ok false when nothing grows faster than
// linear) and its share of the largest run's time; known is false with
// fewer runs.
func (ka *KnownAnswers) DestroyExcess(design string) (k, share float64, ok, known bool) {
	x, y := ka.destroyRuns(design)
	if len(x) > excessSizes {
		x, y = x[len(x)-excessSizes:], y[len(y)-excessSizes:]
	}
	k, share, ok, err := workloads.Superlinear(x, y)
	return k, share, ok, err == nil
}

// destroyRuns returns design's mass destruction runs as memcgs and
// seconds.
func (ka *KnownAnswers) destroyRuns(design string) (x, y []float64) {
	for _, r := range ka.Runs[MassDestroy][design] {
		x, y = append(x, float64(r.Memcgs)), append(y, r.Seconds)
	}
	return x, y
}

// destroyShapeHolds reports whether design's mass destruction grows as
// it is known to: the part beyond linear grows as N^2 (within 0.15) where
// growth is 2, is at most 5 % of the largest run where it is 1, and the
// time does not grow (by 5 %) where it is 0.
func (ka *KnownAnswers) destroyShapeHolds(design string, growth, k, share float64, ok bool) bool {
	switch growth {
	case 2:
		return ok && math.Abs(k-2) <= 0.15
	case 1:
		return math.Abs(share) <= 0.05
	}
	_, y := ka.destroyRuns(design)
	return len(y) > 0 && y[len(y)-1] <= 1.05*y[0]
}

// SlabinfoSteps is what each dead cache adds to design's read of
// /proc/slabinfo (workloads.SlabinfoSlope over its dead-slabinfo runs)
// and how many list steps that is once the child's sums into its root's
// line are taken off (workloads.SlabinfoSteps, with the run's costs), with
// the read() calls that walked the list; ok is false with fewer than two
// runs of dead caches.
func (ka *KnownAnswers) SlabinfoSteps(design string) (perCache time.Duration, steps float64, seeks int, ok bool) {
	var x, y []float64
	var last KnownAnswerRun
	for _, r := range ka.Runs[DeadSlabinfo][design] {
		if r.Caches > 0 {
			x, y, last = append(x, float64(r.Caches)), append(y, r.Seconds), r
		}
	}
	perCache, _, _, err := workloads.SlabinfoSlope(x, y)
	if err != nil {
		return 0, 0, 0, false
	}
	return perCache, workloads.SlabinfoSteps(perCache, last.Child, last.Walk, last.Roots, last.Reprinted), last.Seeks, true
}

// Stall is design's largest mass-creation burst past system_wq's
// capacity, with the unrelated work item's wait there, and its largest
// burst within the capacity with the wait there; a run is nil where there
// is none.
func (ka *KnownAnswers) Stall(design string) (within, past *KnownAnswerRun) {
	for _, r := range ka.Runs[MassCreate][design] {
		if r.Caches == 0 {
			continue // nothing created: the memcgs share the roots
		}
		if r.Caches <= r.MaxActive {
			within = &r
		} else {
			past = &r
		}
	}
	return within, past
}

// KnownAnswerTable gives, per design, the shape of mass destruction (the
// fitted exponent against the design's known one) and the stall of mass
// creation (the unrelated work item's wait within and past system_wq's
// capacity, against whether the design is known to stall).
func (ka *KnownAnswers) KnownAnswerTable() Table {
	t := Table{Title: "Known answers: the problems later kernels fixed, per design",
		Header: []string{"design", "kernel", "destroy time grows as", "beyond linear", "known", "", "unrelated work waits, burst within max_active", "past max_active", "known", "", "/proc/slabinfo: a dead cache adds", "known", "",
			"dead caches left, SLUB", "known", "", "dead caches left, SLAB", "known", ""}}
	for _, name := range ka.Designs {
		d, err := catalog.Lookup(name)
		known := err == nil
		row := []string{name, "", "—", "—", "", "", "—", "—", "", "", "—", "", "", "—", "", "", "—", "", ""}
		if known {
			row[1] = d.Kernel
		}
		if k, r2, ok := ka.DestroyExponent(name); ok {
			row[2] = fmt.Sprintf("N^%.2f (R² %.3f)", k, r2)
			if math.IsNaN(r2) {
				row[2] = fmt.Sprintf("N^%.2f (every run the same)", k)
			}
		}
		if k, share, ok, measured := ka.DestroyExcess(name); measured {
			if ok {
				row[3] = fmt.Sprintf("N^%.2f, %.0f %% of the largest", k, 100*share)
			} else {
				row[3] = fmt.Sprintf("none (%.1f %% of the largest)", 100*share)
			}
			if known {
				row[4] = fmt.Sprintf("N^%g", d.DestroyGrowth)
				row[5] = check(ka.destroyShapeHolds(name, d.DestroyGrowth, k, share, ok))
			}
		}
		within, past := ka.Stall(name)
		if within != nil {
			row[6] = fmt.Sprintf("%s (%d creations)", FormatSeconds(within.ProbeWait), within.Caches)
		}
		if past != nil {
			row[7] = fmt.Sprintf("%s (%d creations)", FormatSeconds(past.ProbeWait), past.Caches)
		}
		if known && within != nil && past != nil {
			row[8] = map[bool]string{true: "stalls", false: "no stall"}[d.CreateStalls]
			row[9] = check(stalled(within, past) == d.CreateStalls)
		}
		if perCache, steps, seeks, ok := ka.SlabinfoSteps(name); ok {
			row[10] = fmt.Sprintf("%v: %.2f list steps (%d reads)", perCache, steps, seeks)
			if known {
				row[11] = map[bool]string{true: "a step a read", false: "no list step"}[d.SlabinfoSeeksChildren]
				row[12] = check(workloads.SlabinfoShapeHolds(d.SlabinfoSeeksChildren, steps, seeks))
			}
		} else if runs := ka.Runs[DeadSlabinfo][name]; len(runs) > 0 && runs[len(runs)-1].Caches == 0 {
			row[10] = "no dead caches"
			if known && d.SharedCaches {
				row[11], row[12] = "none", check(true)
			}
		}
		for i, scenario := range []string{DeadCachesSLUB, DeadCachesSLAB} {
			last, holds, measured := ka.DeadLeft(scenario, name)
			if len(ka.Runs[scenario][name]) == 0 {
				continue
			}
			col := 13 + 3*i
			row[col] = fmt.Sprintf("%d of %d after %d containers (most %d at once)", last.DeadLeft, last.Caches, last.Memcgs, last.DeadMax)
			if last.Dying >= 0 {
				row[col] += fmt.Sprintf("; dying memcgs %d, then %d", last.Dying, last.DyingLeft)
			}
			if measured {
				stay := d.DeadCachesStay != nil && d.DeadCachesStay(deadReaps[scenario])
				row[col+1] = map[bool]string{true: "stay, grow with the containers", false: "none left"}[stay]
				row[col+2] = check(holds)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	t.Notes = append(t.Notes, "Mass destruction: N memcgs with the same caches each, removed at once, timed on the virtual clock to the last destroy; "+
		"the exponent is the least-squares slope of log time on log N; beyond linear is what is left of the time once second differences "+
		"on the fourfold ladder of N, its four largest sizes, cancel its constant and linear parts (workloads.Superlinear), with its share of the largest run; its growth is the known answer: none where a memcg's caches are on a list of its own, "+
		"N^2 where each memcg's destroy walks every cache; the whole time shows N^2 only once the walks outweigh the per-cache work. "+
		"Mass creation: every memcg's first allocations at once on every CPU; "+
		"the wait of one unrelated work item queued on system_wq after the burst. "+
		"/proc/slabinfo: memcgs whose caches each hold a page, removed, so their caches stay dead; one whole read of /proc/slabinfo by cat (a read() per 4 KiB, and one that finds the end); "+
		"what a dead cache adds is the least-squares slope of the read's time on the dead caches, and less its sums into its root's line (Costs.SlabinfoPerChild, again for a line printed twice) it is "+
		"list steps (Costs.WalkPerCache): one per read where the reads seek along slab_caches, none on slab_root_caches, where the sum is all a dead cache costs. "+
		"Dead caches: containers of 40 caches started one after another, their objects freed when each ends or, long-lived ones (a quarter of the caches), a second after the last; the child caches of offline memcgs not yet destroyed once everything has drained. "+
		"SLUB keeps up to 5 empty slabs a cache (min_partial) and frees none of an idle cache's; SLAB keeps every free slab and its cache_reap frees them within seconds. Where they stay, every long-lived cache is left dead; where they go, none is left. "+
		"Dying memcgs (offline, not yet freed), once the churn has drained and then once every object is freed: with per-memcg caches, every container that left a long-lived object is one, so they grow with the containers, the shape of Roman Gushchin's v5.3 letter (39 to 1574 dying memcgs in six days on a production host, \"almost linearly\"); with v5.9's obj_cgroup none (his patched hosts, whose v5.3 series moved a dying memcg's kmem caches to its parent, stayed near 50, held by page cache, which the model has not). ✓: the model shows the design's known answer; ✗: it does not.")
	if note := ka.ScaleNote(); note != "" {
		t.Notes = append(t.Notes, note)
	}
	return t
}

// stalled reports whether mass creation past system_wq's capacity held an
// unrelated work item up: a wait a hundred times the one within it, and at
// least a millisecond.
func stalled(within, past *KnownAnswerRun) bool {
	return past.ProbeWait > 1e-3 && past.ProbeWait > 100*within.ProbeWait
}

func check(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

// KnownAnswerCharts are the known answers' pictures: mass destruction's
// time against the memcgs on log-log axes, one line per design with its
// fitted exponent; mass creation's unrelated wait against the burst, with
// system_wq's capacity marked.
func (ka *KnownAnswers) KnownAnswerCharts(machine string) []Chart {
	destroy := Chart{Name: "known-mass-destroy", Title: fmt.Sprintf("mass cgroup destruction: time to destroy N memcgs' caches (%s)", machine),
		XLabel: "memcgs removed at once", YLabel: "time to the last destroy (seconds)", LogX: true, DecadesX: true, LogY: true}
	create := Chart{Name: "known-mass-create", Title: fmt.Sprintf("mass cgroup creation: an unrelated work item's wait on system_wq (%s)", machine),
		XLabel: "cache creations queued at once", YLabel: "wait (seconds)", LogX: true, DecadesX: true}
	for _, r := range ka.Runs[MassDestroy][ka.Designs[0]] {
		destroy.XLabel = fmt.Sprintf("memcgs removed at once, %d caches each", r.Caches/max(r.Memcgs, 1))
	}
	for i, name := range ka.Designs {
		s := Series{Label: name, Color: i + 1, Hollow: true}
		for _, r := range ka.Runs[MassDestroy][name] {
			s.Points = append(s.Points, ChartPoint{X: float64(r.Memcgs), Y: r.Seconds, YLo: r.Seconds, YHi: r.Seconds})
		}
		if k, _, ok := ka.DestroyExponent(name); ok {
			s.Label = fmt.Sprintf("%s: N^%.2f", name, k)
			if kx, _, ok, _ := ka.DestroyExcess(name); ok {
				s.Label += fmt.Sprintf(", beyond linear N^%.2f", kx)
			}
		}
		if len(s.Points) > 0 {
			destroy.Series = append(destroy.Series, s)
		}
		c := Series{Label: name, Color: i + 1, Hollow: true}
		for _, r := range ka.Runs[MassCreate][name] {
			if r.Caches == 0 {
				continue // no creation to burst: the memcgs share the roots
			}
			c.Points = append(c.Points, ChartPoint{X: float64(r.Caches), Y: r.ProbeWait, YLo: r.ProbeWait, YHi: r.ProbeWait})
			if !slices.ContainsFunc(create.Marks, func(m Mark) bool { return m.X == float64(r.MaxActive) }) {
				create.Marks = append(create.Marks, Mark{X: float64(r.MaxActive), Label: fmt.Sprintf("system_wq max_active (%d)", r.MaxActive)})
			}
		}
		if len(c.Points) > 0 {
			create.Series = append(create.Series, c)
		}
	}
	var out []Chart
	slabinfo := Chart{Name: "known-dead-slabinfo", Title: fmt.Sprintf("/proc/slabinfo against dead caches: one whole read (%s)", machine),
		XLabel: "dead caches", YLabel: "read time (seconds)", LogX: true, DecadesX: true, LogY: true}
	for i, name := range ka.Designs {
		s := Series{Label: name, Color: i + 1, Hollow: true}
		for _, r := range ka.Runs[DeadSlabinfo][name] {
			if r.Caches > 0 { // none where the memcgs share the roots
				s.Points = append(s.Points, ChartPoint{X: float64(r.Caches), Y: r.Seconds, YLo: r.Seconds, YHi: r.Seconds})
			}
		}
		if perCache, _, _, ok := ka.SlabinfoSteps(name); ok {
			s.Label = fmt.Sprintf("%s: %v a dead cache", name, perCache)
		}
		if len(s.Points) > 0 {
			slabinfo.Series = append(slabinfo.Series, s)
		}
	}
	dead := Chart{Name: "known-dead-caches", Title: fmt.Sprintf("dead caches left by container churn once every object is freed, SLUB (%s)", machine),
		XLabel: "containers run, one after another", YLabel: "dead caches left", LogX: true}
	for i, name := range ka.Designs {
		s := Series{Label: name, Color: i + 1, Hollow: true}
		for _, r := range ka.Runs[DeadCachesSLUB][name] {
			s.Points = append(s.Points, ChartPoint{X: float64(r.Memcgs), Y: float64(r.DeadLeft), YLo: float64(r.DeadLeft), YHi: float64(r.DeadLeft)})
		}
		if len(s.Points) > 0 {
			dead.Series = append(dead.Series, s)
		}
	}
	for _, c := range []Chart{destroy, create, slabinfo, dead} {
		if len(c.Series) > 0 {
			out = append(out, c)
		}
	}
	return out
}
