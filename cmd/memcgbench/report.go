package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"

	"memcgbench/designs/catalog"
	"memcgbench/designs/new"
	"memcgbench/designs/old"
	"memcgbench/internal/outfile"
	"memcgbench/kern"
	"memcgbench/report"
)

// defaultLabel names this machine: its CPU count and model, e.g.
// "2cpu-amd-epyc" on an AMD EPYC VM.
func defaultLabel() string {
	slug := strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(cpuModel()), "-"), "-")
	return fmt.Sprintf("%dcpu-%s", runtime.NumCPU(), slug)
}

// resolveLabel returns label, or the default label of this machine, with
// -quick appended for quick runs so they never mix with full ones.
func resolveLabel(label string, quick bool) (string, error) {
	switch {
	case label != "":
	case quick:
		label = defaultLabel() + "-quick"
	default:
		label = defaultLabel()
	}
	return label, checkLabel(label)
}

// checkResultFile makes results/<label>/ and refuses a result file that
// cannot be written whole, or that exists without -force.
func checkResultFile(path string, force bool) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := outfile.Check(path, force); err != nil {
		if errors.Is(err, outfile.ErrExists) {
			return usagef("%s exists; use -force (make report FORCE=1) to overwrite it, or another -label", path)
		}
		return usagef("%s: %v", path, err)
	}
	return nil
}

// sweepPlan is what a sweep runs: the go test flags.
type sweepPlan struct {
	cpus      []int // GOMAXPROCS values
	count     int
	benchtime string
	bench     string // the -test.bench pattern
	// harnessCount rounds of BenchmarkHarnessOverhead, each sub-benchmark
	// for harnessTime, follow the registry's.
	harnessCount int
	harnessTime  string
	harness      string // its -test.bench pattern
}

// plan returns the full sweep or the quick one, on GOMAXPROCS 1, 2 and the
// machine's CPU count; the oversubscribed point is the benchmark's own
// workers=4x sub-key. The full sweep is 8 rounds of 0.1 s per point (a
// steady allocation point does millions of operations in that; the
// scenario's few), sized with the rest of make report to fit 10 minutes
// on a 2-CPU machine (10 rounds took 10m10s there). The quick one, a smoke run of the pipeline, runs
// workers=1x only, 4 rounds of 20 ms: enough for benchstat's test at 4+4
// samples, not for conclusions; and of the harness's overhead, two rounds
// of the hit path and lock statistics, not the whole workload's (the full
// sweep's six are the fewest that give each ratio its 95 % interval).
func plan(quick bool) sweepPlan {
	cpus := []int{1, 2}
	if n := runtime.NumCPU(); n > 2 {
		cpus = append(cpus, n)
	}
	p := sweepPlan{cpus: cpus, count: 8, benchtime: "0.1s", bench: "^BenchmarkRegistry$",
		harnessCount: 6, harnessTime: "0.1s", harness: "^BenchmarkHarnessOverhead$"}
	if quick {
		p.count, p.benchtime, p.bench = 4, "0.02s", "^BenchmarkRegistry$//.*/workers=1x$"
		p.harnessCount, p.harnessTime, p.harness = 2, "0.02s", "^BenchmarkHarnessOverhead$/op="
	}
	return p
}

// joinInts joins v with commas: a -cpu flag's value.
func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// sweepHeader is the header of a sweep's results file: the label and the
// machine, toolchain and commit it ran on, the mutex each design ran on
// (its kernel's: the sweeps do not force one), then extra.
func sweepHeader(label, host string, extra ...[2]string) [][2]string {
	return append([][2]string{
		{"label", label}, {"machine", host}, {"cpu-model", cpuModel()}, {"ncpu", strconv.Itoa(runtime.NumCPU())},
		{"go", runtime.Version()}, {"commit", gitCommit()}, {"mutex", mutexConfig(nil, catalog.All())},
	}, extra...)
}

// sweepCmd runs the registry sweep into results/<label>/bench.txt and the
// virtual-clock sweep into results/<label>/virtual.txt.
func sweepCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sweep")
	label := fs.String("label", "", "results label (default: CPU count and model, with -quick appended for quick runs)")
	quick := fs.Bool("quick", false, "a quick sweep: 4 samples of 20ms per point at workers=1x instead of 8 of 0.1s, and a smaller virtual sweep")
	force := fs.Bool("force", false, "overwrite existing results of the label")
	doReal := fs.Bool("real", true, "run the real-clock sweep (bench.txt)")
	doVirtual := fs.Bool("virtual", true, "run the virtual-clock sweep (virtual.txt)")
	doHarness := fs.Bool("harness", true, "run BenchmarkHarnessOverhead's rounds (harness.txt)")
	if err := parseFlags(fs, args, stdout, "[flags]"); err != nil {
		return helped(err)
	}
	var err error
	if *label, err = resolveLabel(*label, *quick); err != nil {
		return err
	}
	out := filepath.Join("results", *label, "bench.txt")
	vout := filepath.Join("results", *label, "virtual.txt")
	hout := filepath.Join("results", *label, "harness.txt")
	for _, f := range []struct {
		path string
		on   bool
	}{{out, *doReal}, {vout, *doVirtual}, {hout, *doHarness}} {
		if f.on {
			if err := checkResultFile(f.path, *force); err != nil {
				return err
			}
		}
	}
	p := plan(*quick)
	host, _ := os.Hostname()
	if *doReal {
		estimate(stderr, "real", *quick)
	}
	if *doHarness {
		estimate(stderr, "harness", *quick)
	}
	if *doReal || *doHarness {
		if err := realSweep(ctx, p, *label, host, out, *doReal, *doHarness, stderr); err != nil {
			return err
		}
	}
	if !*doVirtual {
		return nil
	}
	vp := planVirtual(*quick, p.cpus)
	var header []benchfmt.Config
	for _, kv := range sweepHeader(*label, host, [2]string{"clock", "virtual"},
		[2]string{"line-transfer", vp.lineTransfer.String()}, [2]string{"quantum", kern.DefaultQuantum.String()},
		[2]string{"wake-latency", vp.wakeLatency.String()},
		[2]string{"sweep", vp.describe()}) {
		header = append(header, benchfmt.Config{Key: kv[0], Value: []byte(kv[1]), File: true})
	}
	fmt.Fprintf(stderr, "memcgbench: virtual sweep into %s: %s\n", vout, vp.describe())
	estimate(stderr, "virtual", *quick)
	return interrupted(ctx, vout, outfile.Write(vout, func(w io.Writer) error {
		return runVirtualSweep(ctx, vp, header, w, stderr)
	}))
}

// interrupted turns err, when ctx was cancelled, into errInterrupted
// saying that out was left as it was.
func interrupted(ctx context.Context, out string, err error) error {
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%w: %s not written (left as it was)", errInterrupted, out)
	}
	return err
}

// realSweep runs the real-clock sweep into out; a signal (ctx) kills the
// benchmark binary and leaves out as it was.
func realSweep(ctx context.Context, p sweepPlan, label, host, out string, registry, harness bool, stderr io.Writer) error {
	// One test binary, run round by round with -count 1: go test -count N
	// would run each sub-benchmark N times back to back, so every sample of
	// one design would share one stretch of machine state (a noisy
	// neighbour, a placement) and drift would look like a design
	// difference. Rounds interleave old and new all the way through.
	tmp, err := os.MkdirTemp("", "memcgbench-sweep-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bench.test")
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, "./bench")
	build.Stdout, build.Stderr = stderr, stderr
	if err := build.Run(); err != nil {
		return interrupted(ctx, out, fmt.Errorf("building the benchmarks: %w", err))
	}
	if registry {
		runArgs := []string{"-test.run", "^$", "-test.bench", p.bench, "-test.cpu", joinInts(p.cpus),
			"-test.count", "1", "-test.benchtime", p.benchtime}
		fmt.Fprintf(stderr, "memcgbench: sweeping into %s: %d rounds of -cpu %s -benchtime %s\n", out, p.count, joinInts(p.cpus), p.benchtime)
		if err := benchRounds(ctx, bin, runArgs, p.count, label, host, out, stderr); err != nil {
			return err
		}
	}
	if !harness {
		return nil
	}
	// The harness's own cost, beside the results it qualifies: every
	// ratio of BenchmarkHarnessOverhead from rounds of its own.
	harnessArgs := []string{"-test.run", "^$", "-test.bench", p.harness, "-test.cpu", strconv.Itoa(runtime.NumCPU()),
		"-test.count", "1", "-test.benchtime", p.harnessTime}
	hout := filepath.Join(filepath.Dir(out), "harness.txt")
	fmt.Fprintf(stderr, "memcgbench: the harness's overhead into %s: %d rounds\n", hout, p.harnessCount)
	return benchRounds(ctx, bin, harnessArgs, p.harnessCount, label, host, hout, stderr)
}

// benchRounds runs the benchmark binary count times with args, round by
// round, into out (atomically), under a header naming the machine and the
// command.
func benchRounds(ctx context.Context, bin string, args []string, count int, label, host, out string, stderr io.Writer) error {
	header := sweepHeader(label, host,
		[2]string{"sweep", fmt.Sprintf("go test -c ./bench, then %d rounds of: bench.test %s", count, strings.Join(args, " "))})
	return interrupted(ctx, out, outfile.Write(out, func(w io.Writer) error {
		for _, kv := range header {
			fmt.Fprintf(w, "%s: %s\n", kv[0], kv[1])
		}
		start := time.Now()
		for round := range count {
			left := ""
			if round > 0 {
				el := time.Since(start).Seconds()
				left = fmt.Sprintf(", about %.0fs left", el/float64(round)*float64(count-round))
			}
			fmt.Fprintf(stderr, "memcgbench: round %d/%d%s\n", round+1, count, left)
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Dir = "bench"
			cmd.Stdout, cmd.Stderr = w, stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("round %d: %w", round+1, err)
			}
		}
		return nil
	}))
}

// historyCPUs is the virtual CPU count of the report's table of every
// design: a large host's.
const historyCPUs = 64

// reportCmd builds REPORT.md and the plots from results/<label>/bench.txt.
func reportCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report")
	label := fs.String("label", "", "results label (default: CPU count and model, with -quick appended with -quick)")
	quick := fs.Bool("quick", false, "use the quick sweep's default label")
	names := catalog.Names()
	baseline := fs.String("baseline", old.Design.Name, "the design every other is compared with ("+strings.Join(names, ", ")+")")
	candidate := fs.String("candidate", new.Design.Name, "the design compared with the baseline")
	if err := parseFlags(fs, args, stdout, "[flags]"); err != nil {
		return helped(err)
	}
	var err error
	if *label, err = resolveLabel(*label, *quick); err != nil {
		return err
	}
	for _, f := range []struct{ flag, name string }{{"-baseline", *baseline}, {"-candidate", *candidate}} {
		if _, err := catalog.Lookup(f.name); err != nil {
			return usagef("%s %q: %v", f.flag, f.name, err)
		}
	}
	if *baseline == *candidate {
		return usagef("-candidate %q: the same design as -baseline; compare two", *candidate)
	}
	opts := report.DefaultOptions
	opts.Baseline, opts.Candidate = *baseline, *candidate
	results := filepath.Join("results", *label, "bench.txt")
	files := []string{results}
	virtual := filepath.Join("results", *label, "virtual.txt")
	if _, err := os.Stat(virtual); err == nil {
		files = append(files, virtual)
	}
	m, err := report.Build(files, opts)
	if err != nil {
		return err
	}
	// Validation notes are written by whoever ran the sweep, beside it.
	notes, err := os.ReadFile(filepath.Join("results", *label, "validation-notes.md"))
	if err != nil && !errors.Is(err, iofs.ErrNotExist) {
		return err
	}
	plotDir := filepath.Join("plots", *label)
	doc := report.Document{
		Title:           "memcgbench report: " + *label,
		Results:         strings.Join(relNames(files), "`, `"),
		ValidationNotes: string(notes),
		Plots:           map[string][]report.Plot{},
		Reproduce: []string{
			"make report LABEL=" + *label + map[bool]string{true: " QUICK=1", false: ""}[*quick] + " FORCE=1",
			"# or, step by step, as make runs them:",
			"go run ./cmd/memcgbench sweep -label " + *label + map[bool]string{true: " -quick", false: ""}[*quick],
			"go run ./cmd/memcgbench sensitivity -label " + *label + map[bool]string{true: " -quick", false: ""}[*quick],
			"go run ./cmd/memcgbench rates -label " + *label + map[bool]string{true: " -quick", false: ""}[*quick],
			"go run ./cmd/memcgbench knownanswers -label " + *label + map[bool]string{true: " -quick", false: ""}[*quick],
			"go run ./cmd/memcgbench report -label " + *label + map[bool]string{true: " -quick", false: ""}[*quick],
			"go tool benchstat -col /design " + strings.Join(files, " "),
		},
		Quick: *quick,
	}
	sens := filepath.Join("results", *label, "sensitivity.txt")
	if _, err := os.Stat(sens); err == nil {
		s, err := report.ReadSensitivity(sens, opts)
		if err != nil {
			return err
		}
		doc.Sensitivity = s
		doc.Results += "`, `sensitivity.txt"
		for _, ws := range s.Workloads {
			if !ws.Drawable() {
				continue // no ratio at the defaults (no event timed), or no constant
			}
			name := ws.Workload + "-sensitivity"
			if err := report.DrawTornado(s, ws, plotDir, name); err != nil {
				return err
			}
			doc.Tornadoes = append(doc.Tornadoes, report.Plot{Caption: ws.Workload + ": over the model's uncertainty, each constant at both ends of its range",
				Path: filepath.ToSlash(filepath.Join("..", "..", plotDir, name+".png"))})
		}
		doc.Reproduce = append(doc.Reproduce, "go run ./cmd/memcgbench sensitivity -label "+*label+map[bool]string{true: " -quick", false: ""}[*quick])
	}
	harness := filepath.Join("results", *label, "harness.txt")
	if _, err := os.Stat(harness); err == nil {
		hs, err := report.ReadHarness(harness, report.DefaultOptions)
		if err != nil {
			return err
		}
		doc.Harness = hs
		doc.Results += "`, `harness.txt"
	}
	rates := filepath.Join("results", *label, "rates.txt")
	if _, err := os.Stat(rates); err == nil {
		rs, err := report.ReadRates(rates, opts)
		if err != nil {
			return err
		}
		doc.Rates = rs
		doc.Results += "`, `rates.txt"
		if doc.RatePlots, err = drawCharts(rs.Charts(*label), plotDir); err != nil {
			return err
		}
		doc.Reproduce = append(doc.Reproduce, "go run ./cmd/memcgbench rates -label "+*label+map[bool]string{true: " -quick", false: ""}[*quick])
	}
	known := filepath.Join("results", *label, "knownanswers.txt")
	if _, err := os.Stat(known); err == nil {
		ka, err := report.ReadKnownAnswers(known)
		if err != nil {
			return err
		}
		doc.KnownAnswers = ka
		doc.Results += "`, `knownanswers.txt"
		if doc.KnownAnswerPlots, err = drawCharts(ka.KnownAnswerCharts(*label), plotDir); err != nil {
			return err
		}
		doc.Reproduce = append(doc.Reproduce, "go run ./cmd/memcgbench knownanswers -label "+*label+map[bool]string{true: " -quick", false: ""}[*quick])
	}
	if _, err := os.Stat(virtual); err == nil {
		// Every design at the real-rate presets: the simulated sweep has
		// them all, each compared with the baseline.
		h, err := report.BuildHistory([]string{virtual}, opts)
		switch {
		case errors.Is(err, report.ErrNoResults):
		case err != nil:
			return err
		case len(h.Designs) > 2:
			doc.History, doc.HistoryCPUs = h, historyCPUs
			if doc.HistoryPlots, err = drawCharts(h.Charts(*label), plotDir); err != nil {
				return err
			}
		}
	}
	if panels := m.SummaryCharts(*label); len(panels) > 0 {
		if err := report.DrawFigure("summary", plotDir, panels...); err != nil {
			return err
		}
		doc.Summary = &report.Plot{Caption: fmt.Sprintf("%s against %s at every CPU count (%s)", m.Options.Candidate, m.Options.Baseline, *label),
			Path: filepath.ToSlash(filepath.Join("..", "..", plotDir, "summary.png"))}
	}
	charts := m.Charts(*label)
	plots, err := drawCharts(charts, plotDir)
	if err != nil {
		return err
	}
	for i, c := range charts {
		wl := c.Name[:strings.LastIndex(c.Name, "-")]
		doc.Plots[wl] = append(doc.Plots[wl], plots[i])
	}
	out := filepath.Join("results", *label, "REPORT.md")
	if err := outfile.Write(out, func(w io.Writer) error { return report.WriteMarkdown(w, m, doc) }); err != nil {
		return err
	}
	// The terminal gets the report's first screen; the evidence is in the
	// file.
	answers := m.Answers()
	if doc.Sensitivity != nil {
		doc.Sensitivity.Annotate(answers) // as WriteMarkdown does: the same first screen
	}
	if doc.Quick {
		fmt.Fprintln(stdout, strings.ReplaceAll(report.QuickWarning, "**", ""))
	}
	fmt.Fprintln(stdout, strings.ReplaceAll(m.Headline(answers), "**", ""))
	fmt.Fprintln(stdout)
	claim, bounds := report.SplitAnswers(answers)
	if err := report.WriteText(stdout, m.AnswerTable(claim, doc.Rates)); err != nil {
		return err
	}
	if len(bounds) > 0 {
		fmt.Fprintln(stdout)
		if err := report.WriteText(stdout, m.BoundsTable(bounds, doc.Rates)); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "\nwrote %s and %s/\n", out, plotDir)
	return nil
}

// relNames returns the base names of paths.
func relNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}

// drawCharts draws charts into plotDir and returns them as the report
// embeds them, in order.
func drawCharts(charts []report.Chart, plotDir string) ([]report.Plot, error) {
	var plots []report.Plot
	for _, c := range charts {
		if err := report.Draw(c, plotDir); err != nil {
			return nil, err
		}
		plots = append(plots, report.Plot{Caption: c.Title, Path: filepath.ToSlash(filepath.Join("..", "..", plotDir, c.Name+".png"))})
	}
	return plots, nil
}
