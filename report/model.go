package report

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchproc"
	"golang.org/x/perf/benchunit"
)

// Options configure how a Model is built.
type Options struct {
	// Confidence is the confidence level of the intervals, e.g. 0.95.
	Confidence float64
	// Thresholds are benchmath's test thresholds (CompareAlpha).
	Thresholds benchmath.Thresholds
	// Benchmark is the benchmark (.name) whose results are read, or
	// several, separated by commas.
	Benchmark string
	// Compare is the projection whose values are compared: "/design" (the
	// default; Baseline and Candidate are design names) or ".file" (file
	// labels, as in "base=base.txt", to compare two revisions).
	Compare string
	// Baseline and Candidate are the two values of Compare compared.
	Baseline, Candidate string
}

// DefaultOptions are benchstat's defaults applied to the registry sweep:
// 95 % intervals, alpha 0.05, old as the baseline and new as the candidate.
var DefaultOptions = Options{
	Confidence: 0.95,
	Thresholds: benchmath.DefaultThresholds,
	Benchmark:  "Registry",
	Compare:    "/design",
	Baseline:   "old",
	Candidate:  "new",
}

// A Model is everything a report shows, computed once.
type Model struct {
	Options Options
	// Config are the file configuration lines of the results (machine, Go,
	// commit, sweep parameters), in the order first seen, each with its
	// first value.
	Config []ConfigLine
	// Workloads are the workloads, in the order first seen.
	Workloads []string
	// Points are the measured points, sorted by workload, workers,
	// GOMAXPROCS and clock.
	Points []*Point
	// Verdicts has one verdict per Point, in the same order.
	Verdicts []*Verdict
	// Claims has one plain-words answer per workload, in Workloads order.
	Claims []Claim
	// Compared are every value of Options.Compare the results hold
	// (every design, or file), sorted; the Model compares two of them.
	Compared []string
	// Curves are the throughput curves with their Universal Scalability
	// Law fits, one per workload, design, oversubscription and clock.
	Curves []*Curve
}

// A ConfigLine is one file configuration key: Value is its first value,
// Values every value it took, in the order first seen, and Files, for each
// of Values, the files (.file) where it was seen.
type ConfigLine struct {
	Key, Value string
	Values     []string
	Files      [][]string
}

// add records value, seen in file.
func (l *ConfigLine) add(value, file string) {
	i := slices.Index(l.Values, value)
	if i < 0 {
		l.Values, l.Files = append(l.Values, value), append(l.Files, nil)
		i = len(l.Values) - 1
	}
	if !slices.Contains(l.Files[i], file) {
		l.Files[i] = append(l.Files[i], file)
	}
}

// A Point is one workload at one oversubscription and one GOMAXPROCS, with
// every unit measured there.
type Point struct {
	Workload string
	// Design is the /design key when designs are not what is compared
	// (comparing revisions); empty otherwise.
	Design  string
	Workers string // the /workers key, e.g. "1x" (workers per CPU)
	Procs   int    // GOMAXPROCS, or the virtual CPUs on the virtual clock
	// Clock is Real, or Virtual for results of kern's simulation (the
	// /clock key).
	Clock string
	// Units are the units measured, in the order first seen.
	Units []string
	// Mixed says, one line per key, where the point's samples came from
	// more than one commit, machine, CPU model or Go version (originKeys):
	// then its comparison may be of the harness's change or the machine's,
	// not the designs'.
	Mixed []string
	// Origin holds, by each of originKeys, the values its samples carry.
	Origin map[string][]string
	// Metrics maps each unit to its baseline-vs-candidate comparison.
	Metrics map[string]*Metric
}

// A Metric is one unit at one Point: each design's summary and, when both
// have samples, their comparison.
type Metric struct {
	Unit      string
	Baseline  *Summary // nil if the baseline did not report the unit
	Candidate *Summary // nil if the candidate did not report the unit
	// Comparison is set when both designs have samples.
	Comparison *benchmath.Comparison
	// Delta is benchmath's FormatDelta: "+12.34%", or "~" when not
	// significant; empty without a comparison.
	Delta string
}

// A Summary is one design's sample of one unit at one Point.
type Summary struct {
	Sample *benchmath.Sample
	benchmath.Summary
}

// Deterministic reports whether each design's sample holds one value
// repeated (more than one sample each), as a simulation whose seeds do not
// change what it draws gives: the difference is then exact, and a test of
// it, or an interval, would be made up from copies.
func (m *Metric) Deterministic() bool {
	one := func(s *Summary) bool {
		if s == nil || s.Sample == nil || len(s.Sample.Values) < 2 {
			return false
		}
		v := s.Sample.Values
		return v[0] == v[len(v)-1] // sorted ascending
	}
	return one(m.Baseline) && one(m.Candidate)
}

// PCell is what a table prints for the comparison's p-value: the value, or
// "all samples equal" where each design repeats one value (Deterministic),
// or "" without a comparison.
func (m *Metric) PCell() string {
	switch {
	case m == nil || m.Comparison == nil:
		return ""
	case m.Deterministic():
		return "all samples equal"
	}
	return fmt.Sprintf("%.3f", m.Comparison.P)
}

// Significant reports whether the comparison rejects "no difference".
func (m *Metric) Significant() bool {
	return m.Comparison != nil && m.Delta != "~" && m.Comparison.P <= m.Comparison.Alpha
}

// Ratio returns candidate/baseline of the centers, and a conservative
// interval for it from the two confidence intervals (infinite when either
// interval is, as with too few samples); ok is false without both
// summaries or with a baseline of zero.
func (m *Metric) Ratio() (r, lo, hi float64, ok bool) {
	if m.Baseline == nil || m.Candidate == nil || m.Baseline.Center == 0 {
		return 0, 0, 0, false
	}
	b, c := m.Baseline.Summary, m.Candidate.Summary
	r = c.Center / b.Center
	if b.Lo <= 0 || math.IsInf(b.Hi, 0) || math.IsInf(c.Lo, 0) || math.IsInf(c.Hi, 0) {
		return r, math.Inf(-1), math.Inf(1), true
	}
	return r, c.Lo / b.Hi, c.Hi / b.Lo, true
}

// Build reads the results files and builds the Model. A file that cannot be
// read, or holds a syntax error, is an error naming the file and line; a
// file with no results of the benchmark is an error too.
func Build(paths []string, opts Options) (*Model, error) {
	ss, err := readSamples(paths, opts)
	if err != nil {
		return nil, err
	}
	return ss.model(opts)
}

// A sampleSet is what Build reads of results files: every point's samples
// by design and unit, the files' configuration, and where each point's
// samples came from. One set makes a Model of any two of its designs.
type sampleSet struct {
	paths     []string
	samples   map[cellKey][]float64
	points    map[benchproc.Key]*Point // each Model copies its own
	pointKeys []benchproc.Key          // sorted
	config    []ConfigLine
	origins   map[benchproc.Key]map[string][]string // by point, originKeys' values
	workloads []string
	designs   map[string]bool
}

// A cellKey is one point's samples of one design in one unit.
type cellKey struct {
	point  benchproc.Key
	design string
	unit   string
}

// readSamples reads the results of opts.Benchmark in paths, points keyed
// as opts.Compare says, with x/perf's parser and projections.
func readSamples(paths []string, opts Options) (*sampleSet, error) {
	for _, p := range paths {
		if _, path, ok := strings.Cut(p, "="); ok {
			p = path
		}
		if err := CheckComplete(p); err != nil {
			return nil, err
		}
	}
	files := benchfmt.Files{Paths: paths, AllowLabels: true}
	var parser benchproc.ProjectionParser
	pointExpr := "/workload,/workers,/gomaxprocs,/clock,/design"
	if opts.Compare == "/design" {
		pointExpr = "/workload,/workers,/gomaxprocs,/clock"
	}
	pointProj, err := parser.Parse(pointExpr, nil)
	if err != nil {
		return nil, err
	}
	designProj, err := parser.Parse(opts.Compare, nil)
	if err != nil {
		return nil, fmt.Errorf("compare %q: %w", opts.Compare, err)
	}
	fields := pointProj.Fields()
	designField := designProj.Fields()[0]

	ss := &sampleSet{paths: paths, samples: map[cellKey][]float64{}, points: map[benchproc.Key]*Point{},
		origins: map[benchproc.Key]map[string][]string{}, designs: map[string]bool{}}
	configIndex := map[string]int{} // ss.config's index of each key
	n := 0
	for files.Scan() {
		switch rec := files.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, rec
		case *benchfmt.Result:
			if !slices.Contains(strings.Split(opts.Benchmark, ","), string(rec.Name.Base())) {
				continue
			}
			n++
			for _, c := range rec.Config {
				if !c.File {
					continue
				}
				i, seen := configIndex[c.Key]
				if !seen {
					i = len(ss.config)
					configIndex[c.Key] = i
					ss.config = append(ss.config, ConfigLine{Key: c.Key, Value: string(c.Value)})
				}
				ss.config[i].add(string(c.Value), rec.GetConfig(".file"))
			}
			origin := map[string]string{}
			for _, key := range originKeys {
				origin[key] = rec.GetConfig(key)
			}
			pk := pointProj.Project(rec)
			p := ss.points[pk]
			if p == nil {
				procs, _ := strconv.Atoi(pk.Get(fields[2]))
				p = &Point{Workload: pk.Get(fields[0]), Workers: pk.Get(fields[1]), Procs: max(procs, 1),
					Clock: pk.Get(fields[3])}
				if p.Clock == "" {
					p.Clock = Real
				}
				if len(fields) > 4 {
					p.Design = pk.Get(fields[4])
				}
				ss.points[pk] = p
				ss.pointKeys = append(ss.pointKeys, pk)
				ss.origins[pk] = map[string][]string{}
				if !slices.Contains(ss.workloads, p.Workload) {
					ss.workloads = append(ss.workloads, p.Workload)
				}
			}
			for _, key := range originKeys {
				if v := origin[key]; !slices.Contains(ss.origins[pk][key], v) {
					ss.origins[pk][key] = append(ss.origins[pk][key], v)
				}
			}
			design := designProj.Project(rec).Get(designField)
			ss.designs[design] = true
			for _, v := range rec.Values {
				// benchfmt tidies most units (ns -> sec); tidy the rest
				// (it leaves some zero values alone) the same way.
				val, unit := benchunit.Tidy(v.Value, v.Unit)
				if !slices.Contains(p.Units, unit) {
					p.Units = append(p.Units, unit)
				}
				k := cellKey{pk, design, unit}
				ss.samples[k] = append(ss.samples[k], val)
			}
		}
	}
	if err := files.Err(); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: %w of Benchmark%s", strings.Join(paths, ", "), ErrNoResults, opts.Benchmark)
	}
	benchproc.SortKeys(ss.pointKeys)
	return ss, nil
}

// model compares opts.Candidate with opts.Baseline at every point of the
// set, with benchmath's test.
func (ss *sampleSet) model(opts Options) (*Model, error) {
	for _, d := range []string{opts.Baseline, opts.Candidate} {
		if !ss.designs[d] {
			return nil, fmt.Errorf("%s: %w of %s %q: the results have %s", strings.Join(ss.paths, ", "), ErrNoResults, strings.TrimPrefix(opts.Compare, "/"), d,
				strings.Join(slices.Sorted(maps.Keys(ss.designs)), ", "))
		}
	}
	m := &Model{Options: opts, Config: slices.Clone(ss.config), Workloads: slices.Clone(ss.workloads),
		Compared: slices.Sorted(maps.Keys(ss.designs))}
	assume := benchmath.AssumeNothing
	summarize := func(vals []float64) *Summary {
		if len(vals) == 0 {
			return nil
		}
		s := benchmath.NewSample(vals, &opts.Thresholds)
		return &Summary{Sample: s, Summary: assume.Summary(s, opts.Confidence)}
	}
	for _, pk := range ss.pointKeys {
		p := new(Point)
		*p = *ss.points[pk]
		p.Units, p.Metrics, p.Origin = slices.Clone(p.Units), map[string]*Metric{}, ss.origins[pk]
		for _, key := range originKeys {
			if vs := p.Origin[key]; len(vs) > 1 {
				p.Mixed = append(p.Mixed, fmt.Sprintf("samples from %d values of %s (%s)", len(vs), key, strings.Join(vs, ", ")))
			}
		}
		for _, unit := range p.Units {
			met := &Metric{Unit: unit,
				Baseline:  summarize(ss.samples[cellKey{pk, opts.Baseline, unit}]),
				Candidate: summarize(ss.samples[cellKey{pk, opts.Candidate, unit}]),
			}
			if met.Baseline != nil && met.Candidate != nil {
				c := assume.Compare(met.Baseline.Sample, met.Candidate.Sample)
				met.Comparison = &c
				met.Delta = c.FormatDelta(met.Baseline.Center, met.Candidate.Center)
			}
			p.Metrics[unit] = met
		}
		m.Points = append(m.Points, p)
		m.Verdicts = append(m.Verdicts, verdict(p))
	}
	m.Curves = curves(m)
	m.Claims = claims(m)
	return m, nil
}

// originKeys are the config keys whose values must agree within a point.
var originKeys = []string{"commit", "machine", "cpu", "go"}

// CheckComplete refuses a results file whose last line has no newline: a
// file cut short (a copy or a write that stopped) whose last line may still
// parse, as a value with half its unit.
func CheckComplete(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		return fmt.Errorf("%s:%d: the last line is cut short (no newline at the end): the file was truncated; run the sweep again",
			path, bytes.Count(data, []byte{'\n'})+1)
	}
	return nil
}

// The clocks a Point can be measured on.
const (
	Real    = "real"
	Virtual = "virtual"
)

// Throughput is the unit the verdict compares.
const Throughput = "ops/s"

// A Verdict is the answer at one Point: the candidate's throughput relative
// to the baseline's, how sure, and how the lock wait per operation changed.
type Verdict struct {
	Point *Point
	// Metric is the throughput comparison; nil if a design is missing.
	Metric *Metric
	// Change is candidate/baseline - 1 of the medians, with a conservative
	// interval [ChangeLo, ChangeHi] from the two confidence intervals.
	Change, ChangeLo, ChangeHi float64
	// WaitDelta is the net change of the total lock wait per operation,
	// candidate minus baseline, in seconds; WaitClasses are the lock
	// classes whose wait moved, the largest move first.
	WaitDelta   float64
	WaitClasses []ClassWait
}

// A ClassWait is one lock class's change of wait per operation, candidate
// minus baseline, in seconds.
type ClassWait struct {
	Class string
	Delta float64
}

// WaitCell describes the verdict's lock wait for a table or a sentence:
// the net change per operation, then up to three classes that moved, as
// "+99 µs/op net (memcg_slab_mutex +800 µs, slab_mutex -700 µs)"; "—"
// where the throughput shows no difference (not significant, or exactly
// equal), since a wait that did not change the throughput explains
// nothing.
func (v *Verdict) WaitCell() string {
	if v.Metric == nil || len(v.WaitClasses) == 0 {
		return "—"
	}
	if det := v.Metric.Deterministic(); det && v.Change == 0 || !det && !v.Metric.Significant() {
		return "—"
	}
	var parts []string
	for _, c := range v.WaitClasses[:min(3, len(v.WaitClasses))] {
		parts = append(parts, c.Class+" "+signedSeconds(c.Delta))
	}
	return fmt.Sprintf("%s/op net (%s)", signedSeconds(v.WaitDelta), strings.Join(parts, ", "))
}

// signedSeconds is FormatSeconds with a + on gains.
func signedSeconds(s float64) string {
	if s >= 0 {
		return "+" + FormatSeconds(s)
	}
	return FormatSeconds(s)
}

// Warnings returns the statistics warnings behind the verdict, such as too
// few samples for a confidence interval or a test (benchstat's own).
func (v *Verdict) Warnings() []error {
	if v.Metric == nil {
		return nil
	}
	return v.Metric.Warnings()
}

// Warnings returns benchmath's warnings about the metric's summaries and
// comparison, each once.
func (m *Metric) Warnings() []error {
	var ws []error
	for _, s := range []*Summary{m.Baseline, m.Candidate} {
		if s != nil {
			ws = append(ws, s.Warnings...)
		}
	}
	if m.Comparison != nil {
		ws = append(ws, m.Comparison.Warnings...)
	}
	return dedupErrors(ws)
}

// footnotes numbers warnings as benchstat does: each row carries the marks
// of its own warnings, and the notes under the table say them once, as
// "[N] benchstat: text".
type footnotes struct{ numbered }

// mark returns the marks of errs, as " [1, 2]", numbering new texts; "" for
// none.
func (f *footnotes) mark(errs []error) string {
	texts := make([]string, len(errs))
	for i, e := range errs {
		texts[i] = "benchstat: " + e.Error()
	}
	return f.numbered.mark(texts)
}

func dedupErrors(errs []error) []error {
	var out []error
	for _, e := range errs {
		if !slices.ContainsFunc(out, func(o error) bool { return o.Error() == e.Error() }) {
			out = append(out, e)
		}
	}
	return out
}

func verdict(p *Point) *Verdict {
	v := &Verdict{Point: p}
	if met := p.Metrics[Throughput]; met != nil {
		if r, lo, hi, ok := met.Ratio(); ok {
			v.Metric = met
			v.Change, v.ChangeLo, v.ChangeHi = r-1, lo-1, hi-1
		}
	}
	for _, unit := range p.Units {
		class, ok := strings.CutSuffix(unit, "-wait-sec/op")
		if !ok {
			continue
		}
		met := p.Metrics[unit]
		var before, after float64
		if met.Baseline != nil {
			before = met.Baseline.Center
		}
		if met.Candidate != nil {
			after = met.Candidate.Center
		}
		if d := after - before; d != 0 {
			v.WaitDelta += d
			v.WaitClasses = append(v.WaitClasses, ClassWait{class, d})
		}
	}
	slices.SortStableFunc(v.WaitClasses, func(a, b ClassWait) int {
		return cmp.Compare(math.Abs(b.Delta), math.Abs(a.Delta))
	})
	return v
}

// Claim thresholds: a significant throughput loss of at most ClaimSmall
// still holds the claim; beyond ClaimLarge it hurts a lot.
const (
	ClaimSmall = 0.05
	ClaimLarge = 0.20
)

// A Claim answers "it shouldn't hurt concurrency a lot" for one workload.
type Claim struct {
	Workload string
	// Holds is false when the candidate lost more than ClaimSmall of the
	// throughput, significantly, at some point, or the claim is flagged.
	Holds bool
	// Flagged is set where a point's throughput does not compare like with
	// like (Model.Flags): the claim is then not stated.
	Flagged bool
	// Text is the answer in plain words.
	Text string
}

func claims(m *Model) []Claim {
	var out []Claim
	for _, w := range m.Workloads {
		var worst *Verdict
		var gains, ties, losses, unsure int
		for _, v := range m.Verdicts {
			if v.Point.Workload != w || v.Point.Clock != Real || v.Metric == nil {
				continue
			}
			switch {
			case v.Metric.Comparison == nil || len(v.Warnings()) > 0 && !v.Metric.Significant():
				unsure++
			case !v.Metric.Significant():
				ties++
			case v.Change < 0:
				losses++
				if worst == nil || v.Change < worst.Change {
					worst = v
				}
			default:
				gains++
			}
		}
		c := Claim{Workload: w, Holds: true}
		total := gains + ties + losses + unsure
		var flagged []string
		for _, v := range m.Verdicts {
			if p := v.Point; p.Workload == w && p.Clock == Real && v.Metric != nil {
				if fs := m.Flags(p); len(fs) > 0 {
					flagged = append(flagged, fmt.Sprintf("at GOMAXPROCS=%d with %s per CPU, %s", p.Procs, workersPerCPU(p), strings.Join(fs, "; ")))
				}
			}
		}
		rateText, rateWorst := m.realRateLine(w, nil)
		switch {
		case total == 0 && rateText != "" && rateWorst == nil:
			c.Text, c.Holds = rateText, false // nothing significant to state
			out = append(out, c)
			continue
		case total == 0 && rateWorst != nil:
			// A real-rate workload: its answer is at real rates, from
			// the virtual clock (the real sweep runs it only with
			// -open-window).
			c.Text = rateText
			c.Holds = latencyClass(rateWorst.Latency) == HarmNone
			out = append(out, c)
			continue
		case total > 0 && len(flagged) > 0:
			c.Holds, c.Flagged = false, true
			c.Text = fmt.Sprintf("%s: flagged, not stated: its throughput does not compare like with like (%s).", w, strings.Join(flagged, "; "))
		case total == 0:
			c.Text = fmt.Sprintf("%s: no throughput measured for both designs; no answer.", w)
		case worst == nil || -worst.Change <= ClaimSmall:
			c.Text = fmt.Sprintf("%s: the claim holds here. Of %d points, %d show no significant difference, %d favour %s, and %d favour %s, none by more than %.0f %%.",
				w, total, ties+unsure, gains, m.Options.Candidate, losses, m.Options.Baseline, 100*ClaimSmall)
			if unsure > 0 {
				c.Text += fmt.Sprintf(" %d of them have too few samples to tell.", unsure)
			}
		default:
			c.Holds = false
			size := "noticeably"
			if -worst.Change > ClaimLarge {
				size = "a lot"
			}
			c.Text = fmt.Sprintf("%s: the claim does not hold: %s hurts %s. Its throughput is %s at GOMAXPROCS=%d with %s per CPU (p=%.3f)",
				w, m.Options.Candidate, size, FormatChange(worst), worst.Point.Procs, workersPerCPU(worst.Point), worst.Metric.Comparison.P)
			if wait := worst.WaitCell(); wait != "—" {
				c.Text += ", and its lock wait changed by " + wait
			}
			c.Text += fmt.Sprintf(". %d of %d points lose significantly, %d gain, %d show no significant difference.", losses, total, gains, ties+unsure)
		}
		c.Text += m.prediction(w)
		out = append(out, c)
	}
	return out
}

// HitRateDrop is the fall in the candidate's allocation hit rate, in
// percentage points, beyond which the virtual clock's sentence warns that
// throughput flatters it.
const HitRateDrop = 10

// hitRateDrop returns the point on clock where the candidate's allocation
// hit rate falls most, significantly and by more than HitRateDrop points,
// or nil.
func (m *Model) hitRateDrop(w, clock string) *Point {
	var worst *Point
	var drop float64
	for _, p := range m.Points {
		met := p.Metrics["hit-%"]
		if p.Workload != w || p.Clock != clock || met == nil || !met.Significant() {
			continue
		}
		if d := met.Baseline.Center - met.Candidate.Center; d > HitRateDrop && d > drop {
			worst, drop = p, d
		}
	}
	return worst
}

// workersPerCPU says "1 worker" or "4 workers" for a point's /workers key.
func workersPerCPU(p *Point) string {
	n := strings.TrimSuffix(p.Workers, "x")
	if n == "1" {
		return "1 worker"
	}
	return n + " workers"
}

// FormatChange renders a verdict's change as "-37 % ± 3 %", or "~" when the
// comparison finds no significant difference; where the samples are
// deterministic copies, the exact change with no interval.
func FormatChange(v *Verdict) string {
	if v.Metric == nil {
		return "?"
	}
	if v.Metric.Deterministic() {
		if v.Change == 0 {
			return "= (deterministic)"
		}
		return fmt.Sprintf("%+.0f %% (deterministic)", 100*v.Change)
	}
	if !v.Metric.Significant() {
		return "~"
	}
	if math.IsInf(v.ChangeLo, 0) || math.IsInf(v.ChangeHi, 0) || math.IsNaN(v.ChangeLo) || math.IsNaN(v.ChangeHi) {
		return fmt.Sprintf("%+.0f %%", 100*v.Change)
	}
	// The interval is asymmetric (a ratio's), so both ends, not a ±.
	return fmt.Sprintf("%+.0f %% (%+.0f %% to %+.0f %%)", 100*v.Change, 100*v.ChangeLo, 100*v.ChangeHi)
}

// FormatSeconds renders a duration in seconds with a unit that fits.
func FormatSeconds(s float64) string {
	switch a := math.Abs(s); {
	case a >= 1:
		return fmt.Sprintf("%.3g s", s)
	case a >= 1e-3:
		return fmt.Sprintf("%.3g ms", s*1e3)
	case a >= 1e-6:
		return fmt.Sprintf("%.3g µs", s*1e6)
	}
	return fmt.Sprintf("%.3g ns", s*1e9)
}

// ErrNoResults is returned for input without results.
var ErrNoResults = errors.New("no benchmark results")
