package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeHistoryResults writes virtual results of three designs at 16 and 64
// CPUs: steady's throughput, new 10 % below old everywhere and slabmutex
// equal to old, each seed the same value (exact); and module-load's p99,
// noisy, slabmutex's twice old's, every design's half as long at 16 CPUs
// (old's floor) as at 64.
func writeHistoryResults(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, cpus := range []int{16, 64} {
		for seed := range 6 {
			for design, ops := range map[string]float64{"old": 1e6, "new": 0.9e6, "slabmutex": 1e6} {
				fmt.Fprintf(&b, "BenchmarkRegistry/workload=steady/design=%s/workers=1x/clock=virtual-%d 1000 %g ns/op %g ops/s\n",
					design, cpus, 1e9/ops, ops)
			}
			for design, p99 := range map[string]float64{"old": 1e-3, "new": 1e-3, "slabmutex": 2e-3} {
				p := p99 * (1 + 0.01*float64(seed)) * float64(cpus) / 64 * 2
				if cpus == 64 {
					p = p99 * (1 + 0.01*float64(seed))
				}
				fmt.Fprintf(&b, "BenchmarkRegistry/workload=module-load/design=%s/workers=1x/clock=virtual-%d 100 1 ns/op 10 ops/s %g module-p99-sec 0 module-unserved-%%\n",
					design, cpus, p)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "virtual.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestHistory(t *testing.T) {
	h, err := BuildHistory([]string{writeHistoryResults(t)}, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(h.Designs, ","); got != "old,new,slabmutex" {
		t.Fatalf("designs %s, want old,new,slabmutex (the list's order)", got)
	}
	rows := map[string][]string{}
	tab := h.Table(64)
	for _, r := range tab.Rows {
		rows[r[0]] = r
	}
	if got := strings.Join(tab.Header, "|"); got != "workload|metric|old|new|slabmutex" {
		t.Errorf("header %q", got)
	}
	if got := strings.Join(rows["steady"][1:], "|"); got != "ops/s|1M|900k (-10.0 %, =)|1M (+0.0 %, =)" {
		t.Errorf("steady: %q, want exact changes with no p-value", got)
	}
	if got := strings.Join(rows["module-load"][1:], "|"); !strings.HasPrefix(got, "module p99|1.0") || !strings.Contains(got, "(~)") || !strings.Contains(got, "(+100.00%)") {
		t.Errorf("module-load: %q, want p99 cells, new not significant, slabmutex +100%%", got)
	}
	// At 16 CPUs old's p99 sits at its floor: the change is a difference.
	for _, r := range h.Table(16).Rows {
		if r[0] == "module-load" && (!strings.Contains(r[4], "(+5") || strings.Contains(r[4], "%")) {
			t.Errorf("module-load at 16 CPUs, old at its floor: slabmutex %q, want a difference in seconds and no percentage", r[4])
		}
	}
	// steady, a harness check, is left out of the counts.
	if got, want := h.Summary(64), "new worse in 0, better in 0, no change in 1; slabmutex worse in 1, better in 0, no change in 0."; !strings.HasSuffix(got, want) {
		t.Errorf("summary %q, want it to end %q (a p99 twice as long; steady left out)", got, want)
	}
	if got := h.Summary(1024); got != "" {
		t.Errorf("summary at 1024 CPUs, where no design ran: %q", got)
	}
	payoffs := h.Payoffs(nil, 64)
	if len(payoffs) != 2 || !strings.Contains(payoffs[0], "**new** against old") || !strings.Contains(payoffs[0], "worse on steady") ||
		!strings.Contains(payoffs[1], "better than new by more than 5 % on steady, worse on module-load") {
		t.Errorf("payoffs %q", payoffs)
	}
	charts := h.Charts("t")
	if len(charts) != 2 || len(charts[0].Series) != 3 || len(charts[0].Series[0].Points) != 2 {
		t.Fatalf("charts %+v: want one per workload with every design at both CPU counts", charts)
	}
	if err := Draw(charts[1], t.TempDir()); err != nil {
		t.Fatal(err)
	}
}

func TestHistoryBadInput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "virtual.txt")
	os.WriteFile(path, []byte("BenchmarkRegistry/workload=steady/design=old/workers=1x/clock=virtual-64 1 1 ns/op 1 ops/s\n"), 0o644)
	if _, err := BuildHistory([]string{path}, DefaultOptions); err == nil {
		t.Error("results of the baseline alone made a history")
	}
}
