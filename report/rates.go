package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/montanaflynn/stats"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"
)

// RatesBenchmark is the benchmark name of a rate sweep's results.
const RatesBenchmark = "Rates"

// Knee limits: a design keeps up with a rate while at most KneeUnserved
// percent of its primary role's arrivals go unstarted in the window and
// that role's p99 latency stays within KneeGrowth times its p99 at the
// sweep's lowest rate.
const (
	KneeUnserved = 1.0
	KneeGrowth   = 10.0
)

// A RateSweep is a rate sweep's answer: for each real-rate workload and
// CPU count, the rate at which each design stops keeping up (its knee),
// set against the real rate.
type RateSweep struct {
	Baseline, Candidate string
	// Scales are the multiples of the real rates the sweep ran, sorted.
	Scales []float64
	Rows   []*RateRow
}

// A RateRow is one workload at one CPU count.
type RateRow struct {
	Workload string
	// Role is the primary open-loop role (the preset's first), whose
	// arrivals the knee counts.
	Role string
	CPUs int
	// RealRate is the role's rate at scale 1, in events per second.
	RealRate float64
	// Knee maps a design to its knee.
	Knee map[string]Knee
	// P99 maps a design to the role's median p99 latency at each scale
	// (seconds), and Accounted to its accounted allocations per second.
	P99, Accounted map[string][]float64
}

// A Knee is the highest rate of the sweep a design kept up with.
type Knee struct {
	// Rate is in events per second; Scale is its multiple of the real
	// rate.
	Rate, Scale float64
	// Never: the design kept up with every rate swept; None: with none.
	Never, None bool
}

// String formats a knee in events per second.
func (k Knee) String() string {
	switch {
	case k.None:
		return fmt.Sprintf("below %s/s", formatRate(k.Rate))
	case k.Never:
		return fmt.Sprintf("beyond %s/s", formatRate(k.Rate))
	}
	return formatRate(k.Rate) + "/s"
}

func formatRate(r float64) string { return strconv.FormatFloat(r, 'g', 3, 64) }

// ReadRates reads a rate sweep's results with x/perf's parser and
// projections, takes each point's median over seeds and finds each
// design's knee. It compares opts.Candidate with opts.Baseline.
func ReadRates(path string, opts Options) (*RateSweep, error) {
	files := benchfmt.Files{Paths: []string{path}}
	var parser benchproc.ProjectionParser
	proj, err := parser.Parse("/workload,/design,/scale,/gomaxprocs", nil)
	if err != nil {
		return nil, err
	}
	f := proj.Fields()
	type point struct {
		workload, design string
		cpus             int
		scale            float64
	}
	type samples struct {
		role                 string
		rate                 float64
		unserved, p99, alloc []float64
	}
	data := map[point]*samples{}
	out := &RateSweep{Baseline: opts.Baseline, Candidate: opts.Candidate}
	for files.Scan() {
		switch rec := files.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, fmt.Errorf("%s: %w", path, rec)
		case *benchfmt.Result:
			if string(rec.Name.Base()) != RatesBenchmark {
				continue
			}
			k := proj.Project(rec)
			cpus, _ := strconv.Atoi(k.Get(f[3]))
			scale, err := strconv.ParseFloat(strings.TrimPrefix(k.Get(f[2]), "x"), 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: scale %q: %w", path, rec.Name.Full(), k.Get(f[2]), err)
			}
			p := point{k.Get(f[0]), k.Get(f[1]), cpus, scale}
			s := data[p]
			if s == nil {
				s = &samples{}
				data[p] = s
			}
			for _, v := range rec.Values {
				if role, ok := strings.CutSuffix(v.Unit, "-arrivals/s"); ok && s.role == "" {
					s.role, s.rate = role, v.Value
				}
			}
			if s.role == "" {
				return nil, fmt.Errorf("%s: %s: no open-loop role (no <role>-arrivals/s)", path, rec.Name.Full())
			}
			unserved, ok := rec.Value(s.role + "-unserved-%")
			if !ok {
				return nil, fmt.Errorf("%s: %s: no %s-unserved-%%", path, rec.Name.Full(), s.role)
			}
			// No latency where no event arrived in the window (a low
			// rate on few CPUs): NaN, which the medians skip.
			p99, ok := rec.Value(s.role + "-p99-sec") // the reader tidies ns to sec
			if !ok {
				p99 = math.NaN()
			}
			alloc, _ := rec.Value("accounted-allocs/s")
			if p99 < 0 {
				return nil, fmt.Errorf("%s: %s: %s-p99-ns = %g, below 0", path, rec.Name.Full(), s.role, p99)
			}
			s.unserved = append(s.unserved, unserved)
			s.p99 = append(s.p99, p99)
			s.alloc = append(s.alloc, alloc)
		}
	}
	if err := files.Err(); err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%s: %w of Benchmark%s", path, ErrNoResults, RatesBenchmark)
	}
	type rowKey struct {
		workload string
		cpus     int
	}
	rows := map[rowKey]*RateRow{}
	for p, s := range data {
		if !slices.Contains(out.Scales, p.scale) {
			out.Scales = append(out.Scales, p.scale)
		}
		key := rowKey{p.workload, p.cpus}
		if rows[key] == nil {
			rows[key] = &RateRow{Workload: p.workload, Role: s.role, CPUs: p.cpus,
				Knee: map[string]Knee{}, P99: map[string][]float64{}, Accounted: map[string][]float64{}}
		}
	}
	slices.Sort(out.Scales)
	median := func(v []float64) float64 {
		v = slices.DeleteFunc(slices.Clone(v), math.IsNaN)
		m, err := stats.Median(v)
		if err != nil {
			return math.NaN()
		}
		return m
	}
	for key, row := range rows {
		for _, d := range []string{opts.Baseline, opts.Candidate} {
			knee := Knee{None: true}
			base := math.NaN()
			for i, scale := range out.Scales {
				s := data[point{key.workload, d, key.cpus, scale}]
				if s == nil {
					return nil, fmt.Errorf("%s: no %s %s at %d CPUs, x%g: every point of the sweep is needed", path, key.workload, d, key.cpus, scale)
				}
				if scale == 1 {
					row.RealRate = s.rate
				}
				p99 := median(s.p99)
				row.P99[d] = append(row.P99[d], p99)
				row.Accounted[d] = append(row.Accounted[d], median(s.alloc))
				if math.IsNaN(base) {
					base = p99 // the lowest rate at which events arrived
				}
				keeps := median(s.unserved) <= KneeUnserved && !(p99 > KneeGrowth*base)
				switch {
				case keeps && (knee.None && i == 0 || !knee.None && knee.Scale == out.Scales[i-1]):
					knee = Knee{Rate: s.rate, Scale: scale}
				case i == 0:
					knee.Rate = s.rate
				}
			}
			if !knee.None && knee.Scale == out.Scales[len(out.Scales)-1] {
				knee.Never = true
			}
			row.Knee[d] = knee
		}
		out.Rows = append(out.Rows, row)
	}
	slices.SortFunc(out.Rows, func(a, b *RateRow) int {
		if c := strings.Compare(a.Workload, b.Workload); c != 0 {
			return c
		}
		return a.CPUs - b.CPUs
	})
	return out, nil
}

// KneeTable is the rate sweep's answer: per workload and CPU count, the
// real rate, each design's knee and how far above the real rate it is, and
// the primary role's p99 at the real rate.
func (rs *RateSweep) KneeTable() Table {
	b, c := rs.Baseline, rs.Candidate
	t := Table{Title: "Rate sweeps: where each design stops keeping up",
		Header: []string{"workload", "events", "CPUs", "real rate", b + " knee", c + " knee", c + " knee / real rate",
			"p99 at the real rate, " + b + " → " + c}}
	real := slices.Index(rs.Scales, 1)
	for _, r := range rs.Rows {
		headroom := "—"
		if k := r.Knee[c]; !k.None && r.RealRate > 0 {
			headroom = fmt.Sprintf("%s%.3gx", map[bool]string{true: "≥ ", false: ""}[k.Never], k.Rate/r.RealRate)
		} else if k.None {
			headroom = "below the sweep"
		}
		p99 := "—"
		if real >= 0 && !math.IsNaN(r.P99[b][real]) && !math.IsNaN(r.P99[c][real]) {
			p99 = FormatSeconds(r.P99[b][real]) + " → " + FormatSeconds(r.P99[c][real])
		}
		t.Rows = append(t.Rows, []string{r.Workload, r.Role, strconv.Itoa(r.CPUs), formatRate(r.RealRate) + "/s",
			r.Knee[b].String(), r.Knee[c].String(), headroom, p99})
	}
	t.Notes = append(t.Notes, fmt.Sprintf("Every open-loop rate of the preset at %s of its real rate, on the virtual clock; medians over seeds. "+
		"A design keeps up while at most %g %% of the events arrived in the window go unstarted and their p99 latency, timed from arrival, "+
		"stays within %gx of its p99 at the lowest rate; its knee is the highest rate it keeps up with, and every lower one.",
		scalesString(rs.Scales), KneeUnserved, KneeGrowth))
	return t
}

func scalesString(scales []float64) string {
	var s []string
	for _, x := range scales {
		s = append(s, "x"+strconv.FormatFloat(x, 'g', -1, 64))
	}
	return strings.Join(s, ", ")
}
