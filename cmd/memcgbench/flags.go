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

// printUsage lists every flag of fs with its usage on w.
func printUsage(fs *flag.FlagSet, w io.Writer, synopsis string) {
	fmt.Fprintf(w, "usage: %s %s\n", fs.Name(), synopsis)
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
