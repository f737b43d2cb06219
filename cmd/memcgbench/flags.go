package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// The rules every command's flags keep: -h lists every flag on stdout and
// exits 0; a bad flag or value is one line that names it and what it
// allows, exit 2; no positional argument is ignored.

// newFlagSet returns the flag set of memcgbench name; it prints nothing
// itself (parseFlags does).
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("memcgbench "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// errHelpShown is parseFlags' answer to -h once the usage is printed: the
// command returns nil.
var errHelpShown = errors.New("help shown")

var flagNameRE = regexp.MustCompile(`flag:? -?-?([A-Za-z0-9-]+)`)

// parseFlags parses args into fs by those rules. synopsis follows the
// command's name on the usage line (e.g. "[flags]"). It returns
// errHelpShown after printing the usage for -h, and a usage error (exit 2)
// for a bad flag or a positional argument.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer, synopsis string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(fs, stdout, synopsis)
			return errHelpShown
		}
		msg := err.Error()
		if m := flagNameRE.FindStringSubmatch(msg); m != nil {
			if fl := fs.Lookup(m[1]); fl != nil {
				return usagef("%s; -%s: %s", msg, fl.Name, fl.Usage)
			}
		}
		return usagef("%s (see %s -h)", msg, fs.Name())
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q: %s takes flags only (see %s -h)", fs.Arg(0), fs.Name(), fs.Name())
	}
	return nil
}

// helped turns errHelpShown into success and passes other errors on.
func helped(err error) error {
	if errors.Is(err, errHelpShown) {
		return nil
	}
	return err
}

// commandDocs says what each command does, for its -h and memcgbench -h,
// in the order memcgbench -h lists them.
var commandDocs = []struct{ name, doc string }{
	{"run", "Run a workload (a preset, or -mix) on one design, a list of them, or all, on this machine's clock or on the " +
		"virtual one (-clock virtual -cpus N), and print each run in the Go benchmark format, which benchstat reads."},
	{"sweep", "Run every preset on every design: the real clock's benchmark sweep into results/<label>/bench.txt, the harness's " +
		"checks into harness.txt and the virtual clock's sweep over CPU counts into virtual.txt (make report's first phases)."},
	{"sensitivity", "The uncertainty run: every preset on the verdict's designs at -cpus virtual CPUs, with each model constant " +
		"alone at the low and at the high end of its hosts' range (costs, object lifetimes, RCU share, host rates, " +
		"activation path, kworkers), into results/<label>/sensitivity.txt; the report states each workload's class over it."},
	{"rates", "Sweep the real-rate presets' arrival rates from a tenth of the hosts' rates to past saturation, on the virtual " +
		"clock and on this machine's, into results/<label>/rates.txt: each design's knee against the rates hosts see."},
	{"knownanswers", "Run the published problems of the kernel's history as scenarios with known answers (mass destruction " +
		"of caches, creation bursts, /proc/slabinfo over dead caches, dead caches and dying memcgs left by containers), on " +
		"every design, into results/<label>/knownanswers.txt."},
	{"report", "Read results/<label>/ and write REPORT.md there and its charts into plots/<label>/: the answer to the claim " +
		"first, then the evidence. It runs no benchmark."},
	{"diff", "Benchmark two revisions of this repository (-base, -head) in temporary worktrees and print their benchstat " +
		"comparison as markdown, with a verdict on the changes that count."},
}

// commandDoc returns what the command does, "" for an unknown one.
func commandDoc(name string) string {
	for _, c := range commandDocs {
		if c.name == name {
			return c.doc
		}
	}
	return ""
}

// printUsage says what fs's command does and lists every flag of fs with
// its usage on w.
func printUsage(fs *flag.FlagSet, w io.Writer, synopsis string) {
	fmt.Fprintf(w, "usage: %s %s\n", fs.Name(), synopsis)
	if doc := commandDoc(strings.TrimPrefix(fs.Name(), "memcgbench ")); doc != "" {
		fmt.Fprintf(w, "\n%s\n\nflags:\n", doc)
	}
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// labelRE is what a results label may be: a name for a directory under
// results/ and plots/, no path.
var labelRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$`)

// checkLabel refuses a label that is not one plain directory name.
func checkLabel(label string) error {
	if !labelRE.MatchString(label) || strings.Contains(label, "..") {
		return usagef("-label %q: want 1 to 100 letters, digits, '.', '_', '+' or '-', starting with a letter or digit (a directory under results/)", label)
	}
	return nil
}
