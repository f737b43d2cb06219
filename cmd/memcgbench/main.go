// Command memcgbench drives the memcg kmem cache registry models.
//
// Usage:
//
//	memcgbench run [flags]      run a workload on one design, several or all
//	memcgbench sweep [flags]    run the registry sweep into results/<label>/bench.txt
//	memcgbench sensitivity      each model constant at both ends of its hosts' range, into results/<label>/sensitivity.txt
//	memcgbench rates            sweep the real-rate presets' arrival rates, into results/<label>/rates.txt
//	memcgbench knownanswers     the published problems as scenarios, into results/<label>/knownanswers.txt
//	memcgbench report [flags]   build results/<label>/REPORT.md and plots/<label>/
//	memcgbench diff -base REV   benchmark two revisions, print a markdown comparison
//
// Run "memcgbench run -h" for the flags. Output is in the Go benchmark
// format, which benchstat reads as is.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// SIGINT and SIGTERM cancel ctx: every command stops its work, keeps
	// or removes what it wrote as its doc says, removes its temporary files
	// and worktrees, and exits 1. A second signal kills at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err == nil && ctx.Err() != nil {
		err = errInterrupted
	}
	os.Exit(exitCode(err, os.Stderr))
}

// errInterrupted is a command stopped by SIGINT or SIGTERM; it exits 1.
var errInterrupted = errors.New("interrupted by a signal")

// usageError is bad input: a flag or value out of range. It exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// exitCode prints err, if any, as one line and returns the exit status: 0
// for success, 2 for bad input, 1 for anything else.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "memcgbench: %v\n", err)
	if errors.As(err, new(*usageError)) {
		return 2
	}
	return 1
}

// run dispatches a subcommand; ctx is cancelled by a signal.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("no command; usage: memcgbench run|sweep|sensitivity|rates|knownanswers|report|diff [flags] (see memcgbench run -h)")
	}
	switch args[0] {
	case "run":
		return runCmd(ctx, args[1:], stdout, stderr)
	case "sweep":
		return sweepCmd(ctx, args[1:], stdout, stderr)
	case "sensitivity":
		return sensitivityCmd(ctx, args[1:], stdout, stderr)
	case "rates":
		return ratesCmd(ctx, args[1:], stdout, stderr)
	case "knownanswers":
		return knownAnswersCmd(ctx, args[1:], stdout, stderr)
	case "report":
		return reportCmd(args[1:], stdout, stderr)
	case "diff":
		return diffCmd(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, "usage: memcgbench COMMAND [flags]; memcgbench COMMAND -h says what it does and lists its flags\n\ncommands:")
		for _, c := range commandDocs {
			fmt.Fprintf(stdout, "  %-13s %s\n", c.name, c.doc)
		}
		return nil
	}
	return usagef("unknown command %q; valid commands are: run, sweep, sensitivity, rates, knownanswers, report, diff", args[0])
}
