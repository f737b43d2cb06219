package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"

	"memcgbench/designs/catalog"
)

// TestMain lets the test binary act as the command, for the tests that need
// a real process (signals).
func TestMain(m *testing.M) {
	if os.Getenv("MEMCGBENCH_AS_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// designList is the designs as the CLI's errors list them.
var designList = strings.Join(catalog.Names(), ", ")

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.txt")
	os.WriteFile(existing, []byte("keep me"), 0o644)
	// Special files, elsewhere: a directory, a link and a named pipe.
	special := t.TempDir()
	link := filepath.Join(special, "link")
	os.Symlink(existing, link)
	fifo := filepath.Join(special, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(special, "nosuch", "out.txt")
	// The memory guard compares with what the machine has: 8 GB here.
	defer func(f func() (int64, bool)) { availableMemory = f }(availableMemory)
	availableMemory = func() (int64, bool) { return 8 << 30, true }
	tests := []struct {
		args []string
		want string // the one line on stderr, after "memcgbench: "
	}{
		{nil, "no command"},
		{[]string{"frob"}, `unknown command "frob"; valid commands are: run, sweep, sensitivity, rates, knownanswers, report, diff`},
		{[]string{"run", "-roots", "0"}, "-roots = 0: allowed range is 1 to 10000"},
		{[]string{"run", "-roots", "x"}, `invalid value "x" for flag -roots: parse error; -roots: root caches, 1 to 10000`},
		{[]string{"run", "-memcgs", "65536"}, "-memcgs = 65536: allowed range is 1 to 65535"},
		{[]string{"run", "-workers", "5000"}, "-workers = 5000: allowed range is 0 (GOMAXPROCS) to 4096"},
		{[]string{"run", "-caches", "0"}, "-caches = 0: allowed range is 1 to Roots (116)"},
		{[]string{"run", "-kworkers", "-2"}, "-kworkers = -2: allowed range is 0 (one per CPU) to 1024"},
		{[]string{"run", "-rcu-share", "1.5"}, "-rcu-share = 1.5: allowed range is 0 to 1"},
		{[]string{"run", "-grace-period", "2s"}, "-grace-period = 2s: allowed range is 0 to 1s"},
		{[]string{"run", "-mutex", "futex"}, "-mutex \"futex\": valid mutex models are design, kernel, go-handoff, kernel-handoff"},
		{[]string{"run", "-clock", "virtual", "-wake-latency", "2s"}, "-wake-latency = 2s: allowed range is 0 to 1s"},
		{[]string{"run", "-shrink", "-1ms"}, "-shrink = -1ms: allowed range is 0 to 1s"},
		{[]string{"run", "-slabinfo-cost", "2s"}, "-slabinfo-cost = 2s: allowed range is 0 to 1s"},
		{[]string{"run", "-churn-poll", "5s"}, "-churn-poll = 5s: allowed range is 0 to 1s"},
		{[]string{"run", "-skew", "zipf:1"}, "-skew = 1: allowed range is above 1 and at most 10"},
		{[]string{"run", "-skew", "pareto"}, `-skew "pareto": want uniform or zipf:S`},
		{[]string{"run", "-workload", "x"}, `-workload "x": valid presets are calibrate, faas-host, k8s-node, lifecycles, module-load, steady, stress-container-churn, stress-mixed, stress-module-churn, stress-slabinfo-scrape, whatif-slabinfo-agent`},
		{[]string{"run", "-workload", "k8s-node", "-rate", "nosuch=poisson:1/s"}, `-rate "nosuch=poisson:1/s": no role "nosuch" in k8s-node; its roles are alloc, start, slabinfo`},
		{[]string{"run", "-workload", "k8s-node", "-rate", "start=poisson:1/min"}, `-rate: rate "poisson:1/min": unit "/min": want /s, /cpu or /memcg`},
		{[]string{"run", "-workload", "k8s-node", "-rate", "alloc=fixed:0/s"}, "Roles[0].Rate = fixed:0/s: allowed range is above 0 events per second for the first (measured) role"},
		{[]string{"run", "-workload", "k8s-node", "-role-workers", "start=0"}, "-role-workers: start=\"0\": allowed range is 1 to 4096 workers"},
		{[]string{"run", "-workload", "k8s-node", "-role-workers", "start"}, "-role-workers \"start\": \"start\" is not role=N"},
		{[]string{"run", "-workload", "k8s-node", "-role-workers", "start=1,start=2"}, "role \"start\" given twice"},
		{[]string{"run", "-workload", "k8s-node", "-rate-scale", "0"}, "-rate-scale = 0: allowed range is above 0 to 1e6"},
		{[]string{"run", "-workload", "k8s-node", "-ops", "100"}, "-duration = 0s: allowed range is above 0 to 24h0m0s with open-loop roles"},
		{[]string{"run", "-grain", "1s"}, "-grain = 1s: allowed range is 0 to 100ms"},
		{[]string{"run", "-mix", "alloc=5,bad=1"}, `-mix: unknown key "bad"; valid keys are alloc, miss`},
		{[]string{"run", "-mix", "alloc=0"}, "-mix = no weight: allowed range is at least one op with weight 1 to 1000000"},
		{[]string{"run", "-design", "x"}, `-design "x": unknown design "x": the designs are ` + designList + `; give one or more of ` + designList + `, comma-separated, or all`},
		{[]string{"run", "-design", "old,old"}, `-design "old,old": design "old" given twice; give one or more of ` + designList + `, comma-separated, or all`},
		{[]string{"run", "-cpu", "1,0"}, `-cpu "1,0": each value must be an integer from 1 to 4096`},
		{[]string{"run", "-count", "0"}, "-count = 0: allowed range is 1 to 1000"},
		{[]string{"run", "-clock", "wall"}, `-clock "wall": valid clocks are real, virtual`},
		{[]string{"run", "-clock", "virtual", "-cpus", "1,0"}, `-cpus "1,0": each value must be an integer from 1 to 65536`},
		{[]string{"run", "-clock", "virtual", "-line-transfer", "2ms"}, "-line-transfer = 2ms: allowed range is 0 to 1ms"},
		{[]string{"run", "-clock", "virtual", "-quantum", "0s"}, "-quantum = 0s: allowed range is 1µs to 1s"},
		{[]string{"run", "-ops", "-3"}, "-ops = -3: allowed range is 1 or more"},
		{[]string{"run", "-duration", "0s"}, "-duration = 0s: allowed range is 1ns to 24h0m0s"},
		{[]string{"run", "-nope"}, "flag provided but not defined: -nope"},
		{[]string{"run", "extra"}, `unexpected argument "extra"`},
		{[]string{"run", "-o", existing}, "file exists; use -force to overwrite it"},
		{[]string{"run", "-mutexprofile", existing}, "file exists; use -force"},
		{[]string{"run", "-skew", "zipf:NaN"}, "-skew = NaN: allowed range is above 1 and at most 10"},
		{[]string{"run", "-skew", "zipf:+Inf"}, "-skew = +Inf: allowed range is above 1 and at most 10"},
		{[]string{"run", "-mix", ""}, "-mix: empty; want key=weight"},
		{[]string{"run", "-mix", "alloc=1,churn=1,alloc=2"}, `-mix: key "alloc" given twice`},
		{[]string{"run", "-workload", "k8s-node", "-rate", "start=poisson:1/s,start=poisson:2/s"}, `role "start" given twice`},
		{[]string{"run", "-workers", "-1"}, "-workers = -1: allowed range is 0 (GOMAXPROCS) to 4096"},
		{[]string{"run", "-roots", "-1"}, "-roots = -1: allowed range is 1 to 10000"},
		{[]string{"run", "-cpus", "4"}, "-cpus applies to -clock virtual only, not real"},
		{[]string{"run", "-quantum", "1ms"}, "-quantum applies to -clock virtual only, not real"},
		{[]string{"run", "-clock", "virtual", "-cpu", "2"}, "-cpu applies to -clock real only, not virtual"},
		{[]string{"run", "-o", special}, "-o " + special + ": is a directory"},
		{[]string{"run", "-o", link, "-force"}, "-o " + link + ": is a symbolic link"},
		{[]string{"run", "-o", fifo, "-force"}, "-o " + fifo + ": is not a regular file (a named pipe)"},
		{[]string{"run", "-o", missing}, "-o " + missing + ": directory " + filepath.Dir(missing) + " does not exist"},
		{[]string{"run", "-mutexprofile", missing}, "-mutexprofile " + missing + ": directory " + filepath.Dir(missing) + " does not exist"},
		{[]string{"run", "-memcgs", "65535", "-roots", "10000", "-caches", "10000"},
			"-roots 10000, -memcgs 65535, -caches 10000 at 2 CPUs need about 254.0 GB (workloads.MemoryEstimate), and this machine has 8.0 GB available"},
		{[]string{"run", "-clock", "virtual", "-cpus", "65536", "-duration", "1s"}, "at 65536 CPUs need about 16.7 GB"},
		{[]string{"sweep", "foo"}, `unexpected argument "foo": memcgbench sweep takes flags only`},
		{[]string{"sweep", "-label", "x", "foo", "-quick"}, `unexpected argument "foo"`},
		{[]string{"sweep", "-label", "../../x"}, `-label "../../x": want 1 to 100 letters`},
		{[]string{"sweep", "-label", "a b"}, `-label "a b": want`},
		{[]string{"report", "foo"}, `unexpected argument "foo": memcgbench report takes flags only`},
		{[]string{"report", "-label", "/etc"}, `-label "/etc": want`},
		{[]string{"rates", "-label", ".."}, `-label "..": want`},
		{[]string{"rates", "extra"}, `unexpected argument "extra"`},
		{[]string{"knownanswers", "-label", ".."}, `-label "..": want`},
		{[]string{"knownanswers", "extra"}, `unexpected argument "extra"`},
		{[]string{"report", "-baseline", "x"}, `-baseline "x": unknown design "x": the designs are ` + designList},
		{[]string{"report", "-baseline", "new"}, `-candidate "new": the same design as -baseline; compare two`},
		{[]string{"diff"}, "-base is required"},
		{[]string{"diff", "-base", "no-such-revision"}, `-base "no-such-revision": not a revision`},
		{[]string{"diff", "-base", "HEAD", "-alpha", "NaN"}, "-alpha = NaN: allowed range is above 0 and at most 1"},
		{[]string{"diff", "-base", "HEAD", "-alpha", "1e-60"}, "-alpha = 1e-60: no -count up to 100 can reach it"},
		{[]string{"diff", "-base", "HEAD", "-count", "2"}, "-count = 2: allowed range is 4 to 100 (with fewer rounds the U test cannot find a difference at -alpha 0.05"},
		{[]string{"diff", "-base", "HEAD", "-threshold", "NaN"}, "-threshold = NaN: allowed range is 0 to 1000"},
		{[]string{"diff", "-base", "HEAD", "-units", "sec/op,,ops/s"}, `-units "sec/op,,ops/s": want units`},
		{[]string{"diff", "-base", "HEAD", "-o", special}, "-o " + special + ": is a directory"},
		{[]string{"diff", "-base", "HEAD", "stray"}, `unexpected argument "stray"`},
		{[]string{"sensitivity", "-cpus", "0"}, "-cpus = 0: allowed range is 1 to 1024"},
		{[]string{"sensitivity", "extra"}, `unexpected argument "extra"`},
		{[]string{"sensitivity", "-design", "old,bogus"}, `-design "old,bogus"`},
		{[]string{"run", "-host-rates", "1.5"}, "-host-rates = 1.5: allowed range is -1 to 1"},
		{[]string{"run", "-host-rates", "NaN"}, "-host-rates = NaN: allowed range is -1 to 1"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := exitCode(run(context.Background(), tt.args, &stdout, &stderr), &stderr)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if stdout.Len() != 0 {
				t.Errorf("wrote %q to stdout", stdout.String())
			}
			msg := stderr.String()
			if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "memcgbench: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("stderr %q, want one line containing %q", msg, tt.want)
			}
			if data, _ := os.ReadFile(existing); string(data) != "keep me" {
				t.Errorf("existing file changed to %q", data)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("files left in the output directory: %v", entries)
			}
		})
	}
}

// TestHelp checks that -h of every command exits 0 and lists every flag,
// with no sentinel defaults.
func TestHelp(t *testing.T) {
	tests := []struct {
		cmd   string
		flags []string
	}{
		{"run", []string{"-workload", "-mix", "-design", "-cpu", "-clock", "-cpus", "-workers", "-roots", "-memcgs", "-caches",
			"-kworkers", "-duration", "-ops", "-skew", "-rate", "-rate-scale", "-host-rates", "-activate-at-online", "-seed", "-count", "-o", "-force", "-mutexprofile", "-stats"}},
		{"sweep", []string{"-label", "-quick", "-force", "-real", "-virtual", "-harness"}},
		{"sensitivity", []string{"-label", "-quick", "-force", "-cpus", "-design"}},
		{"rates", []string{"-label", "-quick", "-force"}},
		{"knownanswers", []string{"-label", "-quick", "-force"}},
		{"report", []string{"-label", "-quick", "-baseline", "-candidate"}},
		{"diff", []string{"-base", "-head", "-bench", "-cpu", "-count", "-benchtime", "-alpha", "-threshold", "-units", "-o"}},
	}
	var top bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, &top, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		if !strings.Contains(top.String(), "\n  "+tt.cmd+" ") {
			t.Errorf("memcgbench -h does not list %s:\n%s", tt.cmd, top.String())
		}
		t.Run(tt.cmd, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := exitCode(run(context.Background(), []string{tt.cmd, "-h"}, &stdout, &stderr), &stderr); code != 0 {
				t.Fatalf("exit %d, want 0; stderr %q", code, stderr.String())
			}
			out := stdout.String()
			if !strings.HasPrefix(out, "usage: memcgbench "+tt.cmd+" ") {
				t.Errorf("usage starts %q", out[:min(len(out), 40)])
			}
			for _, f := range tt.flags {
				if !strings.Contains(out, "\n  "+f+" ") && !strings.Contains(out, "\n  "+f+"\n") {
					t.Errorf("%s not listed:\n%s", f, out)
				}
			}
			if doc := commandDoc(tt.cmd); doc == "" || !strings.Contains(out, doc) {
				t.Errorf("-h does not say what %s does:\n%s", tt.cmd, out)
			}
			if strings.Contains(out, "(default -1") {
				t.Errorf("a -1 sentinel default is shown:\n%s", out)
			}
		})
	}
}

// TestRunWritesBenchmarkFormat runs both designs briefly into a file and
// reads it back with benchfmt.
func TestRunWritesBenchmarkFormat(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.txt")
	prof := filepath.Join(dir, "mutex.pprof")
	var stdout, stderr bytes.Buffer
	args := []string{"run", "-workload", "calibrate", "-ops", "200", "-count", "2", "-cpu", "1,2", "-o", out, "-mutexprofile", prof}
	if code := exitCode(run(context.Background(), args, &stdout, &stderr), &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("wrote to stdout with -o: %q", stdout.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := map[string]int{}
	r := benchfmt.NewReader(f, out)
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.Result:
			names[string(rec.Name.Full())]++
			for _, key := range []string{"go", "commit", "cpu", "workload", "mix", "designs", "gomaxprocs", "costs"} {
				if rec.GetConfig(key) == "" {
					t.Errorf("%s: no %q config line", rec.Name.Full(), key)
				}
			}
			if rec.Iters != 200 {
				t.Errorf("%s: %d iterations, want 200 operations", rec.Name.Full(), rec.Iters)
			}
			// Units as benchfmt tidies them: ns becomes sec.
			for _, unit := range []string{"sec/op", "ops/s", "slabinfo-p99-sec"} {
				if _, ok := rec.Value(unit); !ok {
					t.Errorf("%s: no %s", rec.Name.Full(), unit)
				}
			}
		case *benchfmt.SyntaxError:
			t.Errorf("syntax error: %v", rec)
		}
	}
	want := []string{
		"Run/workload=calibrate/design=old/workers=1-1", "Run/workload=calibrate/design=new/workers=1-1",
		"Run/workload=calibrate/design=old/workers=2-2", "Run/workload=calibrate/design=new/workers=2-2",
	}
	for _, n := range want {
		if names[n] != 2 {
			t.Errorf("%s: %d results, want 2 (got %v)", n, names[n], names)
		}
	}
	if st, err := os.Stat(prof); err != nil || st.Size() == 0 {
		t.Errorf("mutex profile: %v, %v", st, err)
	}
	// -force lets a second run overwrite both.
	if code := exitCode(run(context.Background(), append(args, "-force"), &stdout, &stderr), &stderr); code != 0 {
		t.Errorf("with -force: exit %d: %s", code, stderr.String())
	}
}

// TestVirtualClock runs calibrate on the virtual clock and reads back its
// known answers: 1/H for new, min(P, M, C)/H for old.
func TestVirtualClock(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"run", "-workload", "calibrate", "-clock", "virtual", "-cpus", "1,4,256", "-line-transfer", "0", "-ops", "1280"}
	if code := exitCode(run(context.Background(), args, &stdout, &stderr), &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	r := benchfmt.NewReader(strings.NewReader(stdout.String()), "stdout")
	got := map[string]float64{}
	for r.Scan() {
		if rec, ok := r.Result().(*benchfmt.Result); ok {
			v, _ := rec.Value("ops/s")
			got[string(rec.Name.Full())] = v
			if rec.GetConfig("clock") != "virtual" {
				t.Errorf("%s: clock config %q", rec.Name.Full(), rec.GetConfig("clock"))
			}
		}
	}
	want := map[string]float64{
		"Run/workload=calibrate/design=new/workers=1/clock=virtual-1":     50_000,
		"Run/workload=calibrate/design=old/workers=4/clock=virtual-4":     200_000,
		"Run/workload=calibrate/design=new/workers=256/clock=virtual-256": 50_000,
		"Run/workload=calibrate/design=old/workers=256/clock=virtual-256": 64 * 50_000, // M = 64 memcgs
	}
	for name, w := range want {
		if g, ok := got[name]; !ok || g < w*(1-1e-9) || g > w*(1+1e-9) {
			t.Errorf("%s: %v ops/s, want %v (have %v)", name, g, w, got)
		}
	}
}

// hangGuard is how long a test waits for a child process before it calls
// the process hung. It bounds liveness, not speed: `make test` must pass on
// a machine whose CPUs are busy with other work.
const hangGuard = 45 * time.Second

// TestInterruptWritesWhatWasMeasured starts a long run in a real process,
// stops it with each signal, and checks that it exits 1 at once, with the
// result cut short written and marked partial, and nothing else left
// beside the output.
func TestInterruptWritesWhatWasMeasured(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes and waits for their first progress lines")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out.txt")
			cmd := exec.Command(os.Args[0], "run", "-workload", "steady", "-design", "old", "-duration", "1m", "-count", "3", "-o", out)
			cmd.Env = append(os.Environ(), "MEMCGBENCH_AS_MAIN=1")
			lines := startLines(t, cmd)
			// Wait for the first progress line (after two seconds of running).
			var progress string
			select {
			case progress = <-lines:
			case <-time.After(hangGuard):
				cmd.Process.Kill()
				t.Fatalf("no progress line in %v", hangGuard)
			}
			if !strings.HasPrefix(progress, "memcgbench: steady old GOMAXPROCS=") || !strings.HasSuffix(progress, "ops/s") {
				t.Errorf("progress line %q, want workload, design, GOMAXPROCS, elapsed and ops/s", progress)
			}
			cmd.Process.Signal(sig)
			// A hang guard, not a speed bound: the run has 57 s left of its
			// minute, so exiting before the guard fires means the signal
			// stopped it.
			guard := time.AfterFunc(hangGuard, func() { cmd.Process.Kill() })
			defer guard.Stop()
			var rest []string
			for l := range lines {
				rest = append(rest, l)
			}
			err := cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != 1 {
				t.Errorf("exit %d (%v), want 1 for an interrupted run", code, err)
			}
			if len(rest) == 0 || !strings.Contains(rest[len(rest)-1], "interrupted by a signal: 1 results written to "+out+", the last cut short (its config line partial: true)") {
				t.Errorf("last stderr line of %q, want the interruption and what was written", rest)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("no output after the signal: %v", err)
			}
			if n := strings.Count(string(data), "\nBenchmarkRun/"); n != 1 {
				t.Errorf("%d results after interrupting the first of three runs, want 1:\n%s", n, data)
			}
			r := benchfmt.NewReader(strings.NewReader(string(data)), out)
			for r.Scan() {
				if res, ok := r.Result().(*benchfmt.Result); ok && res.GetConfig("partial") != "true" {
					t.Errorf("the result cut short is not marked partial: true:\n%s", data)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("files beside the output: %v, want only out.txt", entries)
			}
		})
	}
}

// startLines starts cmd and returns its stderr, line by line; the channel
// closes when cmd closes stderr.
func startLines(t *testing.T, cmd *exec.Cmd) <-chan string {
	t.Helper()
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	return lines
}

// TestMakeVariables runs make -n (print, do not run) on the Makefile and
// checks that its variables mean what they say: 0 is off, a value other
// than 0 or 1 and a label of two words are refused.
func TestMakeVariables(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	tests := []struct {
		vars    []string
		want    []string // in the sweep's command line
		notWant []string
		fails   string // in make's output, when make must fail
	}{
		{vars: nil, notWant: []string{"-quick", "-force", "-label"}},
		{vars: []string{"QUICK=1", "FORCE=1"}, want: []string{"sweep  -quick -force"}},
		{vars: []string{"QUICK=0", "FORCE=0"}, notWant: []string{"-quick", "-force"}},
		{vars: []string{"LABEL=mine", "QUICK=1"}, want: []string{"sweep -label 'mine' -quick"}},
		{vars: []string{"QUICK=yes"}, fails: "QUICK=yes: want 0 or 1"},
		{vars: []string{"FORCE=2"}, fails: "FORCE=2: want 0 or 1"},
		{vars: []string{"LABEL=a b"}, fails: `LABEL="a b": a label is one word`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.vars, " "), func(t *testing.T) {
			cmd := exec.Command("make", append([]string{"-n", "-C", "../..", "report"}, tt.vars...)...)
			out, err := cmd.CombinedOutput()
			if tt.fails != "" {
				if err == nil || !strings.Contains(string(out), tt.fails) {
					t.Errorf("make %v: %v, output %q; want a failure saying %q", tt.vars, err, out, tt.fails)
				}
				return
			}
			if err != nil {
				t.Fatalf("make %v: %v\n%s", tt.vars, err, out)
			}
			var sweep string
			for _, l := range strings.Split(string(out), "\n") {
				if strings.Contains(l, "memcgbench sweep") {
					sweep = l
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(sweep, w) {
					t.Errorf("sweep line %q, want %q", sweep, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(sweep, w) {
					t.Errorf("sweep line %q has %q", sweep, w)
				}
			}
		})
	}
}

// TestMakeBenchFails: make bench fails when the benchmarks do (the tee
// that shows them does not hide it) and writes no file.
func TestMakeBenchFails(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "bench.txt")
	cmd := exec.Command("make", "-C", "../..", "bench", "CPUS=0", "BENCHOUT="+out)
	msg, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(msg), "make bench: the benchmarks failed; "+out+" not written") {
		t.Errorf("make bench CPUS=0: %v, output:\n%s\nwant a failure", err, msg)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left %v", entries)
	}
}

// TestMakeRecipesParse checks that every make target's recipe, as make
// would run it, is valid shell (make -n, then bash -n): a stray quote in
// a recipe is found without running the sweep it ends.
func TestMakeRecipesParse(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	for _, args := range [][]string{{"bench"}, {"report"}, {"sensitivity"}, {"rates"}, {"knownanswers"}, {"fuzz"}, {"diff", "BASE=HEAD"}, {"test"}, {"vet"}} {
		t.Run(args[0], func(t *testing.T) {
			recipe, err := exec.Command("make", append([]string{"-s", "-n", "-C", "../..", "BENCHOUT=" + filepath.Join(t.TempDir(), "b.txt"), "LABEL=x"}, args...)...).Output()
			if err != nil {
				t.Fatalf("make -n %s: %v", args[0], err)
			}
			check := exec.Command("bash", "-n")
			check.Stdin = bytes.NewReader(recipe)
			if msg, err := check.CombinedOutput(); err != nil {
				t.Errorf("make %s's recipe is not valid shell: %v: %s\n%s", args[0], err, msg, recipe)
			}
		})
	}
}

// TestSignalsLeaveNoDebris stops each long command in a real process and
// checks what it leaves: the old output as it was, no temporary file, no
// temporary directory, no git worktree.
func TestSignalsLeaveNoDebris(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes that build and run the benchmarks")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	label := fmt.Sprintf("test-signals-%d", os.Getpid())
	t.Cleanup(func() { os.RemoveAll(filepath.Join(root, "results", label)) })
	tests := []struct {
		name  string
		args  []string
		sig   syscall.Signal
		ready string // the stderr line to wait for before the signal
		exit  int    // -1: killed
	}{
		{"run killed", []string{"run", "-workload", "steady", "-design", "old", "-duration", "1m", "-o", "OUT", "-force"},
			syscall.SIGKILL, "memcgbench: steady old", -1},
		{"sweep interrupted", []string{"sweep", "-label", label, "-quick", "-virtual=false", "-harness=false"},
			syscall.SIGINT, "memcgbench: round 1/", 1},
		{"sweep terminated", []string{"sweep", "-label", label, "-quick", "-virtual=false", "-harness=false"},
			syscall.SIGTERM, "memcgbench: round 1/", 1},
		{"diff interrupted", []string{"diff", "-base", "HEAD", "-count", "4", "-bench", "^BenchmarkSimulator$", "-benchtime", "1x"},
			syscall.SIGINT, "memcgbench diff: round 1/", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, tmp := t.TempDir(), t.TempDir()
			out := filepath.Join(dir, "out.txt")
			os.WriteFile(out, []byte("keep me\n"), 0o644)
			args := slices.Clone(tt.args)
			for i, a := range args {
				if a == "OUT" {
					args[i] = out
				}
			}
			cmd := exec.Command(os.Args[0], args...)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "MEMCGBENCH_AS_MAIN=1", "TMPDIR="+tmp)
			lines := startLines(t, cmd)
			guard := time.AfterFunc(3*hangGuard, func() { cmd.Process.Kill() })
			defer guard.Stop()
			var seen []string
			for l := range lines {
				seen = append(seen, l)
				if strings.HasPrefix(l, tt.ready) {
					cmd.Process.Signal(tt.sig)
					break
				}
			}
			for l := range lines {
				seen = append(seen, l)
			}
			cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != tt.exit {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.exit, strings.Join(seen, "\n"))
			}
			if data, _ := os.ReadFile(out); string(data) != "keep me\n" {
				t.Errorf("the old output became %q", data)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("left beside the output: %v", entries)
			}
			if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
				t.Errorf("left in TMPDIR: %v", entries)
			}
			if entries, _ := os.ReadDir(filepath.Join(root, "results", label)); len(entries) != 0 {
				t.Errorf("left in results/%s: %v", label, entries)
			}
			wt, _ := exec.Command("git", "-C", root, "worktree", "list").Output()
			if strings.Contains(string(wt), tmp) {
				t.Errorf("worktrees left registered:\n%s", wt)
			}
		})
	}
}

// TestMakeHelpListsVariables: `make` lists every variable the Makefile lets
// a user set (VAR ?= ...), with its default.
func TestMakeHelpListsVariables(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("make", "-s", "-C", "../..").Output()
	if err != nil {
		t.Fatal(err)
	}
	vars := regexp.MustCompile(`(?m)^([A-Z]+)[ \t]*\?=[ \t]*(.*)$`).FindAllStringSubmatch(string(mk), -1)
	if len(vars) < 10 {
		t.Fatalf("found %d variables in the Makefile", len(vars))
	}
	for _, v := range vars {
		def := v[2]
		if def == "" {
			def = "-"
		}
		if !regexp.MustCompile(`(?m)^  ` + v[1] + `\s+` + regexp.QuoteMeta(def) + `\s+\S`).MatchString(string(out)) {
			t.Errorf("make does not list %s with its default %q:\n%s", v[1], def, out)
		}
	}
}
