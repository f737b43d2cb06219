package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportCommand builds a report from the report package's committed
// results in a scratch directory, then checks that a corrupt results file
// fails with its file and line and leaves the good report in place.
func TestReportCommand(t *testing.T) {
	data, err := os.ReadFile("../../report/testdata/sweep.txt")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	os.MkdirAll("results/t", 0o755)
	os.WriteFile("results/t/bench.txt", data, 0o644)

	var stdout, stderr bytes.Buffer
	if code := exitCode(run([]string{"report", "-label", "t"}, &stdout, &stderr), &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	report, err := os.ReadFile("results/t/REPORT.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Verdict", "| calibrate | 1 | 2 | -52 % ± 3 % |", "## Machine", "## Reproduce",
		"![calibrate: throughput (t)](../../plots/t/calibrate-throughput.png)"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("REPORT.md lacks %q", want)
		}
	}
	for _, f := range []string{"calibrate-throughput.png", "calibrate-throughput.svg", "slabinfo-scrape-latency.svg"} {
		if _, err := os.Stat(filepath.Join("plots/t", f)); err != nil {
			t.Errorf("plot %s: %v", f, err)
		}
	}
	if !strings.Contains(stdout.String(), "calibrate: the claim does not hold") {
		t.Errorf("stdout lacks the claims:\n%s", stdout.String())
	}

	os.WriteFile("results/t/bench.txt", []byte("BenchmarkRegistry/workload=x/design=old/workers=1x 1 x ns/op\n"), 0o644)
	stderr.Reset()
	if code := exitCode(run([]string{"report", "-label", "t"}, &stdout, &stderr), &stderr); code != 1 {
		t.Errorf("corrupt results: exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "results/t/bench.txt:1:") {
		t.Errorf("stderr %q, want the file and line of the bad measurement", stderr.String())
	}
	if again, _ := os.ReadFile("results/t/REPORT.md"); !bytes.Equal(again, report) {
		t.Error("a failed report run changed REPORT.md")
	}
	if _, err := os.Stat("results/none/bench.txt"); err == nil {
		t.Fatal("unexpected file")
	}
	stderr.Reset()
	if code := exitCode(run([]string{"report", "-label", "none"}, &stdout, &stderr), &stderr); code != 1 || !strings.Contains(stderr.String(), "results/none/bench.txt") {
		t.Errorf("missing results: exit %d, stderr %q", code, stderr.String())
	}
}
