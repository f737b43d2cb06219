package report

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeKnownAnswers writes known-answer results: old's destruction
// linear in the memcgs, a stall past max_active and /proc/slabinfo reads
// that step over each dead cache once a read (8 x 50 ns + 300 ns, and no
// line printed twice); "new"
// given a quadratic destruction, no stall and reads that step over no
// dead cache, against its known answers (linear, stalls, a step a read),
// so its checks must fail. Dead caches: old keeps its long-lived caches
// dead under SLUB and none under SLAB, as known; new none under either,
// where it is known to keep them; objcg none at any time.
func writeKnownAnswers(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("walk-cost: 50ns\nslabinfo-child-cost: 300ns\n")
	for _, n := range []int{10, 100, 1000, 10000} {
		for design, secs := range map[string]float64{"old": 0.01 * float64(n), "new": 1e-4 * float64(n*n)} {
			fmt.Fprintf(&b, "BenchmarkKnownAnswer/scenario=mass-destroy/design=%s/memcgs=%d/roots=10/clock=virtual-16 1 %g ns/op %g destroy-sec %d caches\n",
				design, n, secs*1e9, secs, 10*n)
		}
	}
	for _, n := range []int{64, 256} {
		for design, wait := range map[string]float64{"old": map[int]float64{64: 0, 256: 0.2}[n], "new": 3e-6} {
			fmt.Fprintf(&b, "BenchmarkKnownAnswer/scenario=mass-create/design=%s/memcgs=%d/roots=8/clock=virtual-4 1 1 ns/op %g probe-wait-sec 0.5 create-sec %d caches 1024 max-active\n",
				design, n, wait, 8*n)
		}
	}
	for _, n := range []int{100, 1000, 10000} {
		fmt.Fprintf(&b, "BenchmarkKnownAnswer/scenario=dead-slabinfo/design=objcg/memcgs=%d/roots=235/clock=virtual-4 1 1e6 ns/op 1e-3 read-sec 0 caches 8 seeks 6 reprinted\n", n)
		for design, perCache := range map[string]float64{"old": 700e-9, "new": 300e-9} {
			secs := 1e-3 + perCache*float64(10*n)
			fmt.Fprintf(&b, "BenchmarkKnownAnswer/scenario=dead-slabinfo/design=%s/memcgs=%d/roots=235/clock=virtual-4 1 %g ns/op %g read-sec %d caches 8 seeks 0 reprinted\n",
				design, n, secs*1e9, secs, 10*n)
		}
	}
	for _, n := range []int{16, 32} {
		for scenario, left := range map[string]map[string]int{
			"dead-caches":      {"old": 10 * n, "new": 0, "objcg": 0},
			"dead-caches-slab": {"old": 0, "new": 0, "objcg": 0},
		} {
			for design, l := range left {
				caches, most := 40*n, l+30
				if design == "objcg" {
					caches, most = 0, 0
				}
				fmt.Fprintf(&b, "BenchmarkKnownAnswer/scenario=%s/design=%s/memcgs=%d/roots=116/clock=virtual-4 1 %d dead-left %d dead-pages-left %d dead-max %d long-lived %d caches\n",
					scenario, design, n, l, 4*l, most, 10*n, caches)
			}
		}
	}
	for f, secs := range map[string]float64{"0.25": 540, "1": 2160, "4": 8640} {
		fmt.Fprintf(&b, "BenchmarkKnownAnswer/scenario=mass-destroy-costs-x%s/design=new/memcgs=65535/roots=10/clock=virtual-16 1 %g ns/op %g destroy-sec 655350 caches\n", f, secs*1e9, secs)
	}
	path := filepath.Join(t.TempDir(), "knownanswers.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestKnownAnswers(t *testing.T) {
	ka, err := ReadKnownAnswers(writeKnownAnswers(t))
	if err != nil {
		t.Fatal(err)
	}
	if k, r2, ok := ka.DestroyExponent("new"); !ok || k < 1.99 || k > 2.01 || r2 < 0.999 {
		t.Errorf("new's exponent %g (R² %g, %v), want 2", k, r2, ok)
	}
	rows := map[string][]string{}
	for _, r := range ka.KnownAnswerTable().Rows {
		rows[r[0]] = r
	}
	for design, want := range map[string][]string{
		"old": {"N^1.00 (R² 1.000)", "none (0.0 % of the largest)", "N^1", "✓", "0 ns (512 creations)", "200 ms (2048 creations)", "stalls", "✓",
			"700ns: 8.00 list steps (8 reads)", "a step a read", "✓",
			"320 of 1280 after 32 containers (most 350 at once)", "stay, grow with the containers", "✓",
			"0 of 1280 after 32 containers (most 30 at once)", "none left", "✓"},
		"new": {"N^2.00 (R² 1.000)", "N^2.00, 89 % of the largest", "N^1", "✗", "3 µs (512 creations)", "3 µs (2048 creations)", "stalls", "✗",
			"300ns: 0.00 list steps (8 reads)", "a step a read", "✗",
			"0 of 1280 after 32 containers (most 30 at once)", "stay, grow with the containers", "✗",
			"0 of 1280 after 32 containers (most 30 at once)", "stay, grow with the containers", "✗"},
		"objcg": {"—", "—", "", "", "—", "—", "", "", "no dead caches", "none", "✓",
			"0 of 0 after 32 containers (most 0 at once)", "none left", "✓",
			"0 of 0 after 32 containers (most 0 at once)", "none left", "✓"},
	} {
		if got := strings.Join(rows[design][2:], "|"); got != strings.Join(want, "|") {
			t.Errorf("%s: %q, want %q", design, rows[design][2:], want)
		}
	}
	if note := ka.ScaleNote(); !strings.Contains(note, "655350 caches (65535 memcgs)") || !strings.Contains(note, "new 9 min at x0.25, 36 min at x1, 2.4 h at x4") ||
		!strings.Contains(note, "The longest, 2.4 h, is under the half day") {
		t.Errorf("scale note %q: want new's three times at 655350 caches", note)
	}
	charts := ka.KnownAnswerCharts("t")
	if len(charts) != 4 || len(charts[3].Series) != 3 || len(charts[2].Series) != 2 || !strings.Contains(charts[2].Series[0].Label, "700ns a dead cache") ||
		len(charts[0].Series) != 2 || !strings.Contains(charts[0].Series[1].Label, "N^2.00") ||
		len(charts[1].Marks) != 1 || charts[1].Marks[0].X != 1024 || !strings.Contains(charts[0].XLabel, "10 caches each") {
		t.Errorf("charts %+v: want destruction with each design's exponent and 10 caches per memcg, creation with max_active marked", charts)
	}
	for _, c := range charts[1:] {
		if err := Draw(c, t.TempDir()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReadKnownAnswersBadInput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "knownanswers.txt")
	os.WriteFile(path, []byte("BenchmarkKnownAnswer/scenario=mass-destroy/design=old/memcgs=10/roots=10/clock=virtual-16 1 1 ns/op\n"), 0o644)
	if _, err := ReadKnownAnswers(path); err == nil || !strings.Contains(err.Error(), "want caches and destroy-sec") {
		t.Errorf("a run without its values: %v", err)
	}
	for _, tt := range []struct{ line, want string }{
		{"BenchmarkKnownAnswer/scenario=mass-flood/design=old/memcgs=10/roots=10/clock=virtual-16 1 1 ns/op", `unknown scenario "mass-flood"`},
		{"BenchmarkKnownAnswer/scenario=dead-slabinfo/design=old/memcgs=10/roots=10/clock=virtual-16 1 1 ns/op 1 read-sec 10 caches 8 seeks 0 reprinted", "want seeks, reprinted and roots, and walk-cost (above 0) and slabinfo-child-cost"},
	} {
		os.WriteFile(path, []byte(tt.line+"\n"), 0o644)
		if _, err := ReadKnownAnswers(path); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.line, err, tt.want)
		}
	}
	os.WriteFile(path, []byte("BenchmarkOther 1 1 ns/op\n"), 0o644)
	if _, err := ReadKnownAnswers(path); err == nil {
		t.Error("a file without known-answer runs was read")
	}
}

// TestReferenceKnownAnswersHold: every committed results directory with
// known answers shows each design's known answer (no ✗ in its table).
// (cmd/memcgbench's TestKnownAnswersCmd holds the quick run to the same.)
func TestReferenceKnownAnswersHold(t *testing.T) {
	files, _ := filepath.Glob("../results/*/knownanswers.txt")
	if len(files) == 0 {
		t.Fatal("no reference results in ../results/*/knownanswers.txt")
	}
	for _, file := range files {
		t.Run(filepath.Base(filepath.Dir(file)), func(t *testing.T) {
			ka, err := ReadKnownAnswers(file)
			if err != nil {
				t.Fatal(err)
			}
			tab := ka.KnownAnswerTable()
			if len(tab.Rows) == 0 {
				t.Fatal("no designs in the known-answer table")
			}
			for _, r := range tab.Rows {
				if slices.Contains(r, "✗") {
					t.Errorf("%s: %q: a known answer the model does not show", r[0], r)
				}
			}
		})
	}
}

// TestKnownAnswersBadDeadCaches feeds the reader dead-caches and
// cost-scaled records that no run can write and expects an error naming
// the record, never a row.
func TestKnownAnswersBadDeadCaches(t *testing.T) {
	const dead = "BenchmarkKnownAnswer/scenario=dead-caches/design=old/memcgs=%s/roots=116/clock=virtual-4 1 %s dead-left 0 dead-pages-left 10 dead-max 40 long-lived 640 caches\n"
	const scaled = "BenchmarkKnownAnswer/scenario=mass-destroy-costs-x%s/design=slabmutex/memcgs=65535/roots=10/clock=virtual-16 1 1 ns/op %s destroy-sec 655350 caches\n"
	tests := []struct{ name, line, want string }{
		{"NaN count", fmt.Sprintf(dead, "16", "NaN"), "dead-left = NaN"},
		{"Inf count", fmt.Sprintf(dead, "16", "+Inf"), "dead-left = +Inf"},
		{"negative count", fmt.Sprintf(dead, "16", "-3"), "dead-left = -3"},
		{"fraction", fmt.Sprintf(dead, "16", "2.5"), "dead-left = 2.5"},
		{"more left than at most", fmt.Sprintf(dead, "16", "50"), "want dead-left <= dead-max <= caches"},
		{"no containers", fmt.Sprintf(dead, "0", "0"), "memcgs (containers) = 0"},
		{"missing unit", "BenchmarkKnownAnswer/scenario=dead-caches/design=old/memcgs=16/roots=116/clock=virtual-4 1 0 dead-left 40 dead-max 160 long-lived 640 caches\n", "no dead-pages-left"},
		{"dying NaN", strings.TrimSuffix(fmt.Sprintf(dead, "16", "0"), "\n") + " NaN dying-memcgs 0 dying-memcgs-left 16 long-lived-containers\n", "dying-memcgs = NaN"},
		{"dying past the containers", strings.TrimSuffix(fmt.Sprintf(dead, "16", "0"), "\n") + " 17 dying-memcgs 0 dying-memcgs-left 16 long-lived-containers\n", "dying-memcgs = 17"},
		{"dying without the rest", strings.TrimSuffix(fmt.Sprintf(dead, "16", "0"), "\n") + " 16 dying-memcgs\n", "no dying-memcgs-left"},
		{"the rest without dying", strings.TrimSuffix(fmt.Sprintf(dead, "16", "0"), "\n") + " 16 dying-memcgs-left 99999 long-lived-containers\n", "no dying-memcgs:"},
		{"more dying left than dying", strings.TrimSuffix(fmt.Sprintf(dead, "16", "0"), "\n") + " 0 dying-memcgs 7 dying-memcgs-left 16 long-lived-containers\n", "dying-memcgs-left = 7 above"},
		{"more containers than caches", strings.Replace(strings.TrimSuffix(fmt.Sprintf(dead, "16", "0"), "\n"), " 40 long-lived", " 1 long-lived", 1) + " 16 dying-memcgs 16 dying-memcgs-left 16 long-lived-containers\n", "long-lived-containers = 16 above long-lived = 1"},
		{"dying on another scenario", strings.TrimSuffix(fmt.Sprintf(scaled, "1", "100"), "\n") + " NaN dying-memcgs\n", "dying-memcgs on a mass-destroy-costs-x1 record"},
		{"repeated unit", strings.TrimSuffix(fmt.Sprintf(dead, "16", "0"), "\n") + " 0 dying-memcgs 16 dying-memcgs 16 long-lived-containers\n", "dying-memcgs given twice"},
		{"zero scale", fmt.Sprintf(scaled, "0", "100"), "cost scale \"0\""},
		{"infinite scale", fmt.Sprintf(scaled, "Inf", "100"), "cost scale \"Inf\""},
		{"negative time", fmt.Sprintf(scaled, "1", "-10"), "want destroy-sec above 0"},
		{"NaN time", fmt.Sprintf(scaled, "1", "NaN"), "want destroy-sec above 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "knownanswers.txt")
			if err := os.WriteFile(path, []byte("walk-cost: 50ns\nslabinfo-child-cost: 300ns\n"+tt.line), 0o644); err != nil {
				t.Fatal(err)
			}
			ka, err := ReadKnownAnswers(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadKnownAnswers = %v, %v; want an error with %q", ka, err, tt.want)
			}
		})
	}
}
