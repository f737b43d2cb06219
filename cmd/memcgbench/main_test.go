package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"
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

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.txt")
	os.WriteFile(existing, []byte("keep me"), 0o644)
	tests := []struct {
		args []string
		want string // the one line on stderr, after "memcgbench: "
	}{
		{nil, "no command"},
		{[]string{"frob"}, `unknown command "frob"; valid commands are: run, sweep, sensitivity, rates, report, diff`},
		{[]string{"run", "-roots", "0"}, "-roots = 0: allowed range is 1 to 10000"},
		{[]string{"run", "-roots", "x"}, `invalid value "x" for flag -roots: parse error; -roots: root caches, 1 to 10000`},
		{[]string{"run", "-memcgs", "65536"}, "-memcgs = 65536: allowed range is 1 to 65535"},
		{[]string{"run", "-workers", "5000"}, "-workers = 5000: allowed range is 0 (GOMAXPROCS) to 4096"},
		{[]string{"run", "-caches", "0"}, "-caches = 0: allowed range is 1 to Roots (116)"},
		{[]string{"run", "-kworkers", "-2"}, "-kworkers = -2: allowed range is 0 (one per CPU) to 1024"},
		{[]string{"run", "-rcu-share", "1.5"}, "-rcu-share = 1.5: allowed range is 0 to 1"},
		{[]string{"run", "-grace-period", "2s"}, "-grace-period = 2s: allowed range is 0 to 1s"},
		{[]string{"run", "-mutex", "futex"}, "-mutex \"futex\": valid mutex models are kernel, go-handoff"},
		{[]string{"run", "-clock", "virtual", "-wake-latency", "2s"}, "-wake-latency = 2s: allowed range is 0 to 1s"},
		{[]string{"run", "-shrink", "-1ms"}, "-shrink = -1ms: allowed range is 0 to 1s"},
		{[]string{"run", "-slabinfo-cost", "2s"}, "-slabinfo-cost = 2s: allowed range is 0 to 1s"},
		{[]string{"run", "-churn-poll", "5s"}, "-churn-poll = 5s: allowed range is 0 to 1s"},
		{[]string{"run", "-skew", "zipf:1"}, "-skew = 1: allowed range is above 1 and at most 10"},
		{[]string{"run", "-skew", "pareto"}, `-skew "pareto": want uniform or zipf:S`},
		{[]string{"run", "-workload", "x"}, `-workload "x": valid presets are calibrate, faas-host, k8s-node, lifecycles, module-load, monitoring, steady, stress-container-churn, stress-mixed, stress-module-churn, stress-slabinfo-scrape`},
		{[]string{"run", "-workload", "k8s-node", "-rate", "nosuch=poisson:1/s"}, `-rate "nosuch=poisson:1/s": no role "nosuch" in k8s-node; its roles are alloc, start, scrape`},
		{[]string{"run", "-workload", "k8s-node", "-rate", "start=poisson:1/min"}, `-rate: rate "poisson:1/min": unit "/min": want /s, /cpu or /memcg`},
		{[]string{"run", "-workload", "k8s-node", "-rate", "start=fixed:0/s"}, "Roles[1].Rate = fixed:0/s: allowed range is above 0 events per second"},
		{[]string{"run", "-workload", "k8s-node", "-rate-scale", "0"}, "-rate-scale = 0: allowed range is above 0 to 1e6"},
		{[]string{"run", "-workload", "k8s-node", "-ops", "100"}, "-duration = 0s: allowed range is above 0 to 24h0m0s with open-loop roles"},
		{[]string{"run", "-grain", "1s"}, "-grain = 1s: allowed range is 0 to 100ms"},
		{[]string{"run", "-mix", "alloc=5,bad=1"}, `-mix: unknown key "bad"; valid keys are alloc, miss`},
		{[]string{"run", "-mix", "alloc=0"}, "-mix = no weight: allowed range is at least one op with weight 1 to 1000000"},
		{[]string{"run", "-design", "x"}, `-design "x": valid designs are old, new, both`},
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
		{[]string{"sensitivity", "-cpus", "0"}, "-cpus = 0: allowed range is 1 to 1024"},
		{[]string{"sensitivity", "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := exitCode(run(tt.args, &stdout, &stderr), &stderr)
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

// TestRunWritesBenchmarkFormat runs both designs briefly into a file and
// reads it back with benchfmt.
func TestRunWritesBenchmarkFormat(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.txt")
	prof := filepath.Join(dir, "mutex.pprof")
	var stdout, stderr bytes.Buffer
	args := []string{"run", "-workload", "calibrate", "-ops", "200", "-count", "2", "-cpu", "1,2", "-o", out, "-mutexprofile", prof}
	if code := exitCode(run(args, &stdout, &stderr), &stderr); code != 0 {
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
	if code := exitCode(run(append(args, "-force"), &stdout, &stderr), &stderr); code != 0 {
		t.Errorf("with -force: exit %d: %s", code, stderr.String())
	}
}

// TestVirtualClock runs calibrate on the virtual clock and reads back its
// known answers: 1/H for new, min(P, M, C)/H for old.
func TestVirtualClock(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"run", "-workload", "calibrate", "-clock", "virtual", "-cpus", "1,4,256", "-line-transfer", "0", "-ops", "1280"}
	if code := exitCode(run(args, &stdout, &stderr), &stderr); code != 0 {
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
// interrupts it, and checks that it exits at once with a result written.
func TestInterruptWritesWhatWasMeasured(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process and waits for its first progress line")
	}
	out := filepath.Join(t.TempDir(), "out.txt")
	cmd := exec.Command(os.Args[0], "run", "-workload", "steady", "-design", "old", "-duration", "1m", "-count", "3", "-o", out)
	cmd.Env = append(os.Environ(), "MEMCGBENCH_AS_MAIN=1")
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
	cmd.Process.Signal(syscall.SIGINT)
	// A hang guard, not a speed bound: the run has 57 s left of its minute,
	// so exiting before the guard fires means the interrupt stopped it.
	guard := time.AfterFunc(hangGuard, func() { cmd.Process.Kill() })
	defer guard.Stop()
	var rest []string
	for l := range lines {
		rest = append(rest, l)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("interrupted run: %v (killed after %v if it did not stop); stderr: %q", err, hangGuard, rest)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no output after the interrupt: %v", err)
	}
	if n := strings.Count(string(data), "\nBenchmarkRun/"); n != 1 {
		t.Errorf("%d results after interrupting the first of three runs, want 1:\n%s", n, data)
	}
}
