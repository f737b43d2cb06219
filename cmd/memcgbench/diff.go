package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"memcgbench/internal/outfile"
	"memcgbench/report"
)

// errRegression is returned (exit 1) when the gate fails.
var errRegression = errors.New("benchmark regression")

// diffCmd benchmarks two revisions in git worktrees, interleaving their
// runs, and prints the comparison as a markdown comment.
func diffCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("diff")
	base := fs.String("base", "", "base revision (required), e.g. HEAD~1 or origin/main")
	head := fs.String("head", "HEAD", "head revision")
	bench := fs.String("bench", "^Benchmark(Registry|Simulator)$", "benchmarks to run (go test -bench): the registry sweep, and the virtual runtime's own speed")
	cpu := fs.String("cpu", "", "go test -cpu list (default: GOMAXPROCS)")
	count := fs.Int("count", 8, "rounds, from the fewest the U test needs at -alpha (4 at 0.05; Holm's correction across the gated comparisons may need more) to 100: each runs base and head once, alternating which goes first")
	benchtime := fs.String("benchtime", "0.1s", "go test -benchtime")
	alpha := fs.Float64("alpha", report.DefaultGate.Alpha, "fail only below this p-value, above 0 and at most 1")
	threshold := fs.Float64("threshold", 100*report.DefaultGate.Threshold, "fail only beyond this change in percent, 0 to 1000")
	units := fs.String("units", strings.Join(report.DefaultGate.Units, ","), "gated units, comma-separated, as benchstat shows them")
	out := fs.String("o", "", "also write the comment to this file")
	keep := fs.String("results", "", "also keep the raw results in this existing directory, as base.txt and head.txt (overwritten)")
	if err := parseFlags(fs, args, stdout, "-base REV [flags]"); err != nil {
		return helped(err)
	}
	switch {
	case *base == "":
		return usagef("-base is required: the revision to compare against")
	case !isRevision(*base):
		return usagef("-base %q: not a revision of this repository (git rev-parse --verify)", *base)
	case !isRevision(*head):
		return usagef("-head %q: not a revision of this repository (git rev-parse --verify)", *head)
	case !(*alpha > 0 && *alpha <= 1): // NaN too
		return usagef("-alpha = %v: allowed range is above 0 and at most 1", *alpha)
	}
	switch minCount := report.MinSamples(*alpha); {
	case minCount == 0:
		return usagef("-alpha = %v: no -count up to 100 can reach it; allowed range is above 0 and at most 1, e.g. 0.05", *alpha)
	case *count < minCount || *count > 100:
		return usagef("-count = %d: allowed range is %d to 100 (with fewer rounds the U test cannot find a difference at -alpha %v, and the gate would pass anything)",
			*count, minCount, *alpha)
	case !(*threshold >= 0 && *threshold <= 1000):
		return usagef("-threshold = %v: allowed range is 0 to 1000 (percent)", *threshold)
	}
	gate := report.Gate{Alpha: *alpha, Threshold: *threshold / 100}
	for _, u := range strings.Split(*units, ",") {
		if u = strings.TrimSpace(u); u == "" {
			return usagef("-units %q: want units as benchstat shows them, comma-separated, e.g. sec/op,ops/s", *units)
		}
		gate.Units = append(gate.Units, u)
	}
	// Both overwrite what they name: the comment and raw results of a
	// previous diff.
	if err := checkOutput("o", *out, true); err != nil {
		return err
	}
	if *keep != "" {
		for _, name := range []string{"base.txt", "head.txt"} {
			if err := checkOutput("results", filepath.Join(*keep, name), true); err != nil {
				return err
			}
		}
	}

	tmp, err := os.MkdirTemp("", "memcgbench-diff-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// Worktrees are removed on every way out, a signal's too (ctx stops
	// the builds and runs, and these run as diffCmd returns); prune drops
	// any a kill left registered before.
	defer git(io.Discard, "worktree", "prune")
	sides := []struct{ name, rev, dir, bin, out string }{
		{name: "base", rev: *base}, {name: "head", rev: *head},
	}
	for i := range sides {
		s := &sides[i]
		s.dir = filepath.Join(tmp, s.name)
		s.bin = filepath.Join(tmp, s.name+".test")
		s.out = filepath.Join(tmp, s.name+".txt")
		if err := git(stderr, "worktree", "add", "--detach", s.dir, s.rev); err != nil {
			return fmt.Errorf("%s %s: %w", s.name, s.rev, err)
		}
		defer git(io.Discard, "worktree", "remove", "--force", s.dir)
		build := exec.CommandContext(ctx, "go", "test", "-c", "-o", s.bin, "./bench")
		build.Dir, build.Stdout, build.Stderr = s.dir, stderr, stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building %s (%s) benchmarks: %w", s.name, s.rev, err)
		}
	}
	runArgs := []string{"-test.run", "^$", "-test.bench", *bench, "-test.benchtime", *benchtime, "-test.count", "1"}
	if *cpu != "" {
		runArgs = append(runArgs, "-test.cpu", *cpu)
	}
	for round := range *count {
		// Alternate the order, so drift over the run (heat, other load)
		// falls on both sides alike.
		order := []int{0, 1}
		if round%2 == 1 {
			order = []int{1, 0}
		}
		for _, i := range order {
			s := sides[i]
			fmt.Fprintf(stderr, "memcgbench diff: round %d/%d: %s (%s)\n", round+1, *count, s.name, s.rev)
			f, err := os.OpenFile(s.out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			run := exec.CommandContext(ctx, s.bin, runArgs...)
			run.Dir, run.Stdout, run.Stderr = filepath.Join(s.dir, "bench"), f, stderr
			err = run.Run()
			f.Close()
			if err != nil {
				return fmt.Errorf("%s benchmarks: %w", s.name, err)
			}
		}
	}
	if *keep != "" {
		for _, side := range sides {
			data, err := os.ReadFile(side.out)
			if err != nil {
				return err
			}
			if err := outfile.Write(filepath.Join(*keep, side.name+".txt"), func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
				return fmt.Errorf("-results %w", err)
			}
		}
	}
	opts := report.DefaultOptions
	opts.Compare, opts.Baseline, opts.Candidate = ".file", "base", "head"
	opts.Benchmark = "Registry,Simulator"
	m, err := report.Build([]string{"base=" + sides[0].out, "head=" + sides[1].out}, opts)
	if err != nil {
		return err
	}
	tests := gate.Comparisons(m)
	if need := gate.MinRounds(tests); need == 0 || need > *count {
		rounds := "more than 100"
		if need > 0 {
			rounds = fmt.Sprintf("at least %d", need)
		}
		return usagef("-count = %d: the gate makes %d comparisons, and Holm's correction at -alpha %v needs %s rounds to find any regression; the gate would pass anything",
			*count, tests, *alpha, rounds)
	}
	if missing := gate.MissingUnits(m); len(missing) > 0 {
		return usagef("-units: no result has %s: a gate on it would pass whatever changed", strings.Join(missing, ", "))
	}
	var comment strings.Builder
	title := fmt.Sprintf("memcgbench: %s vs %s (%d interleaved rounds)", *head, *base, *count)
	failing, err := report.WriteDiffComment(&comment, m, gate, title)
	if err != nil {
		return err
	}
	io.WriteString(stdout, comment.String())
	if *out != "" {
		if err := outfile.Write(*out, func(w io.Writer) error { _, err := io.WriteString(w, comment.String()); return err }); err != nil {
			return err
		}
	}
	if len(failing) > 0 {
		return fmt.Errorf("%w: %d metric(s) worse by more than %s%% at p < %v", errRegression, len(failing),
			strconv.FormatFloat(*threshold, 'g', -1, 64), *alpha)
	}
	return nil
}

// isRevision reports whether rev names a commit of the repository.
func isRevision(rev string) bool {
	return exec.Command("git", "rev-parse", "--verify", "--quiet", rev+"^{commit}").Run() == nil
}

func git(stderr io.Writer, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	return cmd.Run()
}
