package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadHarness(t *testing.T) {
	var b strings.Builder
	ns := map[string]float64{
		"op=alloc-hit/impl=interface": 2, "op=alloc-hit/impl=registry": 6, "op=alloc-hit/impl=driver-1cache": 10,
		"op=alloc-hit/impl=registry-alloc": 9,
		"op=alloc-hit/impl=driver":         25,
		"op=lock/contention=none/stats=on": 60, "op=lock/contention=none/stats=off": 15,
		"op=lock/contention=all/stats=on": 390, "op=lock/contention=all/stats=off": 300,
	}
	for i := range 6 {
		for name, v := range ns {
			fmt.Fprintf(&b, "BenchmarkHarnessOverhead/%s-2 1000 %g ns/op\n", name, v*(1+0.001*float64(i)))
		}
	}
	path := filepath.Join(t.TempDir(), "harness.txt")
	os.WriteFile(path, []byte(b.String()), 0o644)
	rs, err := ReadHarness(path, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		ratio float64
		over  bool
	}{
		"registry hit (Lookup) / interface call": {3, true},
		"hit through Alloc / Lookup":             {1.5, false},
		"driver hit / registry hit, one cache":   {10.0 / 6, false},
		"driver hit, working set / one cache":    {2.5, false},
		"lock_stat on / off, uncontended":        {4, false},
		"lock_stat on / off, contended":          {1.3, false},
	}
	if len(rs) != len(want) {
		t.Fatalf("%d ratios, want %d", len(rs), len(want))
	}
	for _, r := range rs {
		w := want[r.Name]
		if d := r.Ratio/w.ratio - 1; d > 0.01 || d < -0.01 || r.Over() != w.over || r.N != 6 || !(r.Lo <= r.Ratio && r.Ratio <= r.Hi) {
			t.Errorf("%s: ratio %.3f [%.3f, %.3f] over %v n %d; want %.3f, over %v, 6 samples", r.Name, r.Ratio, r.Lo, r.Hi, r.Over(), r.N, w.ratio, w.over)
		}
	}
	if rows := HarnessTable(rs).Rows; rows[0][6] != "⚑ above the goal" || rows[2][6] != "ok" || rows[0][4] != "—" {
		t.Errorf("flags %q and %q, allocs %q; want the first above its goal, the second ok, no allocs reported",
			rows[0][6], rows[2][6], rows[0][4])
	}

	// Allocations: a hit that allocates in any sample is flagged; one
	// that allocates nothing shows 0.
	for _, tt := range []struct {
		allocs string
		cell   string
		flag   bool
	}{{"0 allocs/op", "0", false}, {"1 allocs/op", "1", true}} {
		var b strings.Builder
		for i := range 6 {
			for name, v := range ns {
				extra := ""
				if name == "op=alloc-hit/impl=driver-1cache" {
					extra = " 0 allocs/op"
					if i == 3 {
						extra = " " + tt.allocs
					}
				}
				fmt.Fprintf(&b, "BenchmarkHarnessOverhead/%s-2 1000 %g ns/op%s\n", name, v, extra)
			}
		}
		os.WriteFile(path, []byte(b.String()), 0o644)
		rs, err := ReadHarness(path, DefaultOptions)
		if err != nil {
			t.Fatal(err)
		}
		row := HarnessTable(rs).Rows[2] // driver hit / registry hit
		if row[4] != tt.cell || strings.Contains(row[6], "allocates") != tt.flag {
			t.Errorf("with %s in one sample: allocs cell %q, flags %q; want %q, flagged %v", tt.allocs, row[4], row[6], tt.cell, tt.flag)
		}
	}
	os.WriteFile(path, []byte("BenchmarkHarnessOverhead/op=alloc-hit/impl=driver-2 1 1 ns/op\n"), 0o644)
	if _, err := ReadHarness(path, DefaultOptions); err == nil || !strings.Contains(err.Error(), "no BenchmarkHarnessOverhead/op=alloc-hit/impl=") {
		t.Errorf("missing benchmarks: %v", err)
	}
}
