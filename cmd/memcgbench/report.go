package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"

	"memcgbench/report"
)

// defaultLabel names this machine: its CPU count and model, e.g.
// "2cpu-amd-epyc".
func defaultLabel() string {
	slug := strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(cpuModel()), "-"), "-")
	return fmt.Sprintf("%dcpu-%s", runtime.NumCPU(), slug)
}

// resolveLabel returns label, or the default label of this machine, with
// -quick appended for quick runs so they never mix with full ones.
func resolveLabel(label string, quick bool) string {
	if label != "" {
		return label
	}
	if quick {
		return defaultLabel() + "-quick"
	}
	return defaultLabel()
}

// sweepPlan is what a sweep runs: the go test flags.
type sweepPlan struct {
	cpus      string
	count     int
	benchtime string
}

// plan returns the full sweep (count 10) or the quick one, on GOMAXPROCS
// 1, 2 and the machine's CPU count; the oversubscribed point is the
// benchmark's own workers=4x sub-key.
func plan(quick bool) sweepPlan {
	cpus := []string{"1", "2"}
	if n := runtime.NumCPU(); n > 2 {
		cpus = append(cpus, strconv.Itoa(n))
	}
	p := sweepPlan{cpus: strings.Join(cpus, ","), count: 10, benchtime: "0.4s"}
	if quick {
		p.count, p.benchtime = 4, "0.1s"
	}
	return p
}

// sweepCmd runs the registry sweep into results/<label>/bench.txt.
func sweepCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("memcgbench sweep", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	label := fs.String("label", "", "results label (default: CPU count and model, with -quick appended for quick runs)")
	quick := fs.Bool("quick", false, "a quick sweep: 4 samples of 0.1s per point instead of 10 of 0.4s")
	force := fs.Bool("force", false, "overwrite existing results of the label")
	if err := fs.Parse(args); err != nil {
		return usagef("%v (flags: -label, -quick, -force)", err)
	}
	*label = resolveLabel(*label, *quick)
	out := filepath.Join("results", *label, "bench.txt")
	if _, err := os.Stat(out); err == nil && !*force {
		return usagef("%s exists; use -force (make report FORCE=1) to overwrite it, or another -label", out)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	p := plan(*quick)
	host, _ := os.Hostname()
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
	build := exec.Command("go", "test", "-c", "-o", bin, "./bench")
	build.Stdout, build.Stderr = stderr, stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building the benchmarks: %w", err)
	}
	runArgs := []string{"-test.run", "^$", "-test.bench", "^BenchmarkRegistry$", "-test.cpu", p.cpus,
		"-test.count", "1", "-test.benchtime", p.benchtime}
	header := [][2]string{
		{"label", *label}, {"machine", host}, {"cpu-model", cpuModel()}, {"ncpu", strconv.Itoa(runtime.NumCPU())},
		{"go", runtime.Version()}, {"commit", gitCommit()},
		{"sweep", fmt.Sprintf("go test -c ./bench, then %d rounds of: bench.test %s", p.count, strings.Join(runArgs, " "))},
	}
	fmt.Fprintf(stderr, "memcgbench: sweeping into %s: %d rounds of -cpu %s -benchtime %s\n", out, p.count, p.cpus, p.benchtime)
	return report.WriteFileAtomic(out, func(w io.Writer) error {
		for _, kv := range header {
			fmt.Fprintf(w, "%s: %s\n", kv[0], kv[1])
		}
		for round := range p.count {
			fmt.Fprintf(stderr, "memcgbench: round %d/%d\n", round+1, p.count)
			cmd := exec.Command(bin, runArgs...)
			cmd.Dir = "bench"
			cmd.Stdout, cmd.Stderr = w, stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("round %d: %w", round+1, err)
			}
		}
		return nil
	})
}

// reportCmd builds REPORT.md and the plots from results/<label>/bench.txt.
func reportCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("memcgbench report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	label := fs.String("label", "", "results label (default: CPU count and model, with -quick appended with -quick)")
	quick := fs.Bool("quick", false, "use the quick sweep's default label")
	if err := fs.Parse(args); err != nil {
		return usagef("%v (flags: -label, -quick)", err)
	}
	*label = resolveLabel(*label, *quick)
	results := filepath.Join("results", *label, "bench.txt")
	m, err := report.Build([]string{results}, report.DefaultOptions)
	if err != nil {
		return err
	}
	plotDir := filepath.Join("plots", *label)
	doc := report.Document{
		Title:   "memcgbench report: " + *label,
		Results: "bench.txt",
		Plots:   map[string][]report.Plot{},
		Reproduce: []string{
			"make report LABEL=" + *label + map[bool]string{true: " QUICK=1", false: ""}[*quick] + " FORCE=1",
			"# or, step by step:",
			"go run ./cmd/memcgbench sweep -label " + *label + map[bool]string{true: " -quick", false: ""}[*quick],
			"go run ./cmd/memcgbench report -label " + *label,
			"go tool benchstat -col /design " + results,
		},
	}
	for _, c := range m.Charts(*label) {
		if err := report.Draw(c, plotDir); err != nil {
			return err
		}
		wl := c.Name[:strings.LastIndex(c.Name, "-")]
		doc.Plots[wl] = append(doc.Plots[wl], report.Plot{Caption: c.Title,
			Path: filepath.ToSlash(filepath.Join("..", "..", plotDir, c.Name+".png"))})
	}
	out := filepath.Join("results", *label, "REPORT.md")
	if err := report.WriteFileAtomic(out, func(w io.Writer) error { return report.WriteMarkdown(w, m, doc) }); err != nil {
		return err
	}
	if err := report.WriteText(stdout, m.VerdictTable()); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	for _, l := range m.ClaimLines() {
		fmt.Fprintln(stdout, l)
	}
	fmt.Fprintf(stdout, "\nwrote %s and %s/\n", out, plotDir)
	return nil
}
