package report

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"
)

// TestAgreesWithBenchstat runs the benchstat command this module pins on the
// committed results and checks that the Model holds the same medians,
// confidence intervals, deltas and p-values for every point and every unit.
// (testdata/sweep.txt is a real sweep whose ns units were converted to the
// sec units the harness now emits: benchfmt leaves an exact 0 ns in ns, so
// benchstat split each wait and hold unit in two.)
func TestAgreesWithBenchstat(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go tool benchstat")
	}
	// The test file, and the reference results the repository ships (a
	// real sweep with every unit the harness emits today).
	files, _ := filepath.Glob("../results/*/bench.txt")
	if len(files) == 0 {
		t.Fatal("no reference results in ../results/*/bench.txt")
	}
	for _, file := range append([]string{"testdata/sweep.txt"}, files...) {
		t.Run(filepath.Base(filepath.Dir(file)), func(t *testing.T) { agreesWithBenchstat(t, file) })
	}
}

// agreesWithBenchstat checks the model of file against go tool benchstat
// on every unit the file has.
func agreesWithBenchstat(t *testing.T, file string) {
	m, err := Build([]string{file}, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	var units []string
	for _, p := range m.Points {
		for _, u := range p.Units {
			if !slices.Contains(units, u) {
				units = append(units, u)
			}
		}
	}
	if len(units) < 20 {
		t.Fatalf("only %d units in %s", len(units), file)
	}
	for _, unit := range units {
		out, err := exec.Command("go", "tool", "benchstat", "-col", "/design", "-format", "csv",
			"-filter", `.name:Registry .unit:"`+unit+`" /design:(old OR new)`, file).Output()
		if err != nil {
			t.Fatalf("benchstat: %v", err)
		}
		r := csv.NewReader(strings.NewReader(csvPart(string(out))))
		r.FieldsPerRecord = -1 // a point only one design measured has that design's cells only
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatalf("benchstat csv: %v\n%s", err, out)
		}
		if len(rows) < 2 {
			continue // a unit of the other designs in the file only
		}
		checked := 0
		for _, row := range rows[2:] {
			if row[0] == "geomean" {
				continue
			}
			p := pointFor(m, row[0])
			if p == nil {
				t.Errorf("%s: no point in the model", row[0])
				continue
			}
			met := p.Metrics[unit]
			if met == nil {
				continue // the unit is not measured at this point
			}
			checked++
			// The header names each design's column; a unit only one
			// design reports (its own lock) has only that column.
			sides := []struct {
				name string
				sum  *Summary
			}{{"old", met.Baseline}, {"new", met.Candidate}}
			for _, side := range sides {
				i := slices.Index(rows[0], side.name)
				if i >= 0 && (i+1 >= len(row) || row[i] == "") {
					i = -1 // this point has no cells of this design
				}
				if (i < 0) != (side.sum == nil) {
					t.Errorf("%s %s: %s in benchstat %v, in the model %v", row[0], unit, side.name, i >= 0, side.sum != nil)
					continue
				}
				if i < 0 {
					continue
				}
				want, _ := strconv.ParseFloat(row[i], 64)
				if !near(side.sum.Center, want) {
					t.Errorf("%s %s: %s median %v; benchstat %v", row[0], unit, side.name, side.sum.Center, want)
				}
				if got := side.sum.PctRangeString(); got != row[i+1] {
					t.Errorf("%s %s: %s CI %s; benchstat %s", row[0], unit, side.name, got, row[i+1])
				}
			}
			if met.Comparison == nil || len(row) < 7 {
				if (met.Comparison == nil) != (len(row) < 7) {
					t.Errorf("%s %s: comparison in the model %v, in benchstat %v", row[0], unit, met.Comparison != nil, len(row) >= 7)
				}
				continue
			}
			if met.Delta != row[5] {
				t.Errorf("%s %s: delta %s; benchstat %s", row[0], unit, met.Delta, row[5])
			}
			if got := met.Comparison.String(); got != row[6] {
				t.Errorf("%s %s: %s; benchstat %s", row[0], unit, got, row[6])
			}
		}
		if checked == 0 {
			t.Errorf("%s: no row checked", unit)
		}
	}
}

// csvPart drops the config lines benchstat prints before its CSV table.
func csvPart(out string) string {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ",") {
			return strings.Join(lines[i:], "\n")
		}
	}
	return ""
}

// pointFor finds the point of a benchstat row name such as
// "Registry/workload=calibrate/workers=1x-2".
func pointFor(m *Model, name string) *Point {
	procs := 1
	if i := strings.LastIndex(name, "-"); i > strings.LastIndex(name, "/") {
		procs, _ = strconv.Atoi(name[i+1:])
		name = name[:i]
	}
	for _, p := range m.Points {
		if name == fmt.Sprintf("Registry/workload=%s/workers=%s", p.Workload, p.Workers) && p.Procs == procs && p.Clock == Real {
			return p
		}
	}
	return nil
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	tests := []struct {
		name string
		path string
		want string
		is   error
	}{
		{"missing file", filepath.Join(dir, "nope.txt"), "nope.txt", os.ErrNotExist},
		{"empty file", write("empty.txt", ""), "empty.txt: no benchmark results of BenchmarkRegistry", ErrNoResults},
		{"other benchmarks only", write("other.txt", "BenchmarkFoo 10 5 ns/op\n"), "no benchmark results", ErrNoResults},
		{"truncated file", write("cut.txt", "goos: linux\nBenchmarkRegistry/workload=x/design=old/workers=1x 10 5 ns/op\nBenchmarkRegistry/workload=x/design=new/workers=1x 10 5 ns/op 3 activa"),
			"cut.txt:3: the last line is cut short (no newline at the end)", nil},
		{"corrupt line", write("corrupt.txt", "goos: linux\nBenchmarkRegistry/workload=x/design=old/workers=1x 10 5 ns/op\nBenchmarkRegistry/workload=x/design=new/workers=1x 10 five ns/op\n"),
			"corrupt.txt:3: parsing measurement", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build([]string{tt.path}, DefaultOptions)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Build = %v, want an error containing %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			var se *benchfmt.SyntaxError
			if tt.name == "corrupt line" && !errors.As(err, &se) {
				t.Errorf("error %T is not a benchfmt.SyntaxError", err)
			}
		})
	}
}

// TestUntrustedPointsAreFlagged: a point with fewer samples than the U
// test needs, or with samples from two commits, gets a flag, and its
// workload's claim is not stated.
func TestUntrustedPointsAreFlagged(t *testing.T) {
	line := func(design string, v float64) string {
		return fmt.Sprintf("BenchmarkRegistry/workload=w/design=%s/workers=1x-2 100 %g ns/op %g ops/s\n", design, v, 1e9/v)
	}
	tests := []struct {
		name, content, flag string
	}{
		{"two samples each", "commit: a\n" + line("old", 100) + line("new", 90) + line("old", 101) + line("new", 91),
			"too few samples to test: n=2+2, the U test needs 4 per design at α=0.05"},
		{"two commits", "commit: a\n" + line("old", 100) + line("new", 90) + line("old", 101) + line("new", 91) +
			"commit: b\n" + line("old", 102) + line("new", 92) + line("old", 103) + line("new", 93),
			"samples from 2 values of commit (a, b)"},
		{"enough, one commit", "commit: a\n" + strings.Repeat(line("old", 100)+line("new", 90), 4), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bench.txt")
			os.WriteFile(path, []byte(tt.content), 0o644)
			m, err := Build([]string{path}, DefaultOptions)
			if err != nil {
				t.Fatal(err)
			}
			flags := strings.Join(m.Flags(m.Points[0]), "; ")
			if tt.flag == "" {
				if flags != "" || m.Claims[0].Flagged {
					t.Errorf("flags %q, claim flagged %v; want none", flags, m.Claims[0].Flagged)
				}
				return
			}
			if !strings.Contains(flags, tt.flag) {
				t.Errorf("flags %q, want %q", flags, tt.flag)
			}
			if c := m.Claims[0]; !c.Flagged || c.Holds || !strings.Contains(c.Text, "not stated") {
				t.Errorf("claim %+v, want it flagged and not stated", c)
			}
		})
	}
}

// TestDeterministicSamplesGetNoPValue: where each design's samples repeat
// one value (a simulation whose seeds change nothing), the tables print no
// p-value and no interval, and the change is exact.
func TestDeterministicSamplesGetNoPValue(t *testing.T) {
	summary := func(vals ...float64) *Summary {
		s := benchmath.NewSample(vals, &benchmath.DefaultThresholds)
		return &Summary{Sample: s, Summary: benchmath.AssumeNothing.Summary(s, 0.95)}
	}
	metric := func(base, cand *Summary) *Metric {
		c := benchmath.AssumeNothing.Compare(base.Sample, cand.Sample)
		return &Metric{Unit: Throughput, Baseline: base, Candidate: cand, Comparison: &c,
			Delta: c.FormatDelta(base.Center, cand.Center)}
	}
	tests := []struct {
		name          string
		met           *Metric
		change        float64
		p, formatted  string
		deterministic bool
	}{
		{"copies that differ", metric(summary(100, 100, 100, 100, 100, 100), summary(50, 50, 50, 50, 50, 50)), -0.5,
			"all samples equal", "-50 % (deterministic)", true},
		{"copies that agree", metric(summary(7, 7, 7, 7), summary(7, 7, 7, 7)), 0, "all samples equal", "= (deterministic)", true},
		{"one design varies", metric(summary(100, 100, 100, 100, 100, 100), summary(50, 51, 52, 50, 49, 50)), -0.5,
			"0.002", "-50 %", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.met.Deterministic(); got != tt.deterministic {
				t.Errorf("Deterministic() = %v, want %v", got, tt.deterministic)
			}
			if got := tt.met.PCell(); got != tt.p {
				t.Errorf("PCell() = %q, want %q", got, tt.p)
			}
			v := &Verdict{Metric: tt.met, Change: tt.change, ChangeLo: tt.change - 0.01, ChangeHi: tt.change + 0.01}
			if got := FormatChange(v); !strings.HasPrefix(got, tt.formatted) {
				t.Errorf("FormatChange() = %q, want it to start with %q", got, tt.formatted)
			}
			if got := formatSummary(tt.met.Baseline, benchunit.Scaler{Factor: 1}.Format); tt.deterministic && !strings.HasSuffix(got, "(one value)") {
				t.Errorf("formatSummary() = %q, want no interval", got)
			}
		})
	}
}

// TestWaitCellIsNet: the lock-wait cell gives the net change per operation
// with the classes that moved, largest first, and nothing where the
// throughput did not change.
func TestWaitCellIsNet(t *testing.T) {
	copies := func(v float64) *Summary {
		s := benchmath.NewSample([]float64{v, v, v, v}, &benchmath.DefaultThresholds)
		return &Summary{Sample: s, Summary: benchmath.AssumeNothing.Summary(s, 0.95)}
	}
	classes := []ClassWait{{"memcg_slab_mutex", 800e-6}, {"slab_mutex", -701e-6}}
	tests := []struct {
		name   string
		new    float64 // candidate throughput; the baseline's is 100
		change float64
		want   string
	}{
		{"throughput differs", 80, -0.2, "+99 µs/op net (memcg_slab_mutex +800 µs, slab_mutex -701 µs)"},
		{"throughput equal", 100, 0, "—"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &Verdict{Metric: &Metric{Baseline: copies(100), Candidate: copies(tt.new)}, Change: tt.change,
				WaitDelta: 99e-6, WaitClasses: classes}
			if got := v.WaitCell(); got != tt.want {
				t.Errorf("WaitCell() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestBuildSeveralBenchmarks: Options.Benchmark may name several
// benchmarks, as make diff reads the registry sweep and the simulator's.
func TestBuildSeveralBenchmarks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.txt")
	os.WriteFile(path, []byte("BenchmarkRegistry/workload=w/design=old-2 1 10 ns/op\nBenchmarkRegistry/workload=w/design=new-2 1 12 ns/op\n"+
		"BenchmarkSimulator/workload=simulate-x-64cpus/design=old/workers=1x-2 1 100 ns/op\n"+
		"BenchmarkSimulator/workload=simulate-x-64cpus/design=new/workers=1x-2 1 90 ns/op\n"+
		"BenchmarkOther/workload=o/design=old-2 1 1 ns/op\n"), 0o644)
	opts := DefaultOptions
	opts.Benchmark = "Registry,Simulator"
	m, err := Build([]string{path}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Workloads, ","); got != "w,simulate-x-64cpus" {
		t.Errorf("workloads %q, want the registry's and the simulator's, not BenchmarkOther's", got)
	}
}

// TestReadersRefuseTruncatedFiles: every results reader refuses a file
// whose last line was cut short, naming the file and the line.
func TestReadersRefuseTruncatedFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cut.txt")
	os.WriteFile(path, []byte("goos: linux\nBenchmarkX 10 5 ns/op 3 activa"), 0o644)
	readers := map[string]func() error{
		"Build":           func() error { _, err := Build([]string{path}, DefaultOptions); return err },
		"ReadHarness":     func() error { _, err := ReadHarness(path, DefaultOptions); return err },
		"ReadRates":       func() error { _, err := ReadRates(path, DefaultOptions); return err },
		"ReadSensitivity": func() error { _, err := ReadSensitivity(path, DefaultOptions); return err },
	}
	for name, read := range readers {
		if err := read(); err == nil || !strings.Contains(err.Error(), path+":2: the last line is cut short") {
			t.Errorf("%s = %v, want the truncation at %s:2", name, err, path)
		}
	}
}

// TestPredictionsFromAnotherCommitAreFlagged: a verdict row whose simulated
// columns come from another commit than its measurement says so.
func TestPredictionsFromAnotherCommitAreFlagged(t *testing.T) {
	var real, virt strings.Builder
	real.WriteString("commit: aaa\n")
	virt.WriteString("commit: bbb\n")
	for i := range 4 {
		for _, d := range []string{"old", "new"} {
			fmt.Fprintf(&real, "BenchmarkRegistry/workload=w/design=%s/workers=1x-2 100 %d ns/op %g ops/s\n", d, 100+i, 1e7+float64(i))
			for _, n := range []int{64, 256} {
				fmt.Fprintf(&virt, "BenchmarkRegistry/workload=w/design=%s/workers=1x/clock=virtual-%d 100 %d ns/op %g ops/s\n", d, n, 100+i, 1e7+float64(i))
			}
		}
	}
	m := buildRealVirtual(t, real.String(), virt.String())
	notes := strings.Join(m.VerdictTable().Notes, "\n")
	if !strings.Contains(notes, "the simulated columns come from commit bbb, the measurement from aaa") {
		t.Errorf("notes do not flag the mixed commits:\n%s", notes)
	}
	// The machine section keeps both values, with their files.
	var md strings.Builder
	if err := WriteMarkdown(&md, m, Document{Title: "t"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "- commit ⚑: `aaa` (") || !strings.Contains(md.String(), "bench.txt); `bbb` (") {
		t.Errorf("the machine section does not list both commits with their files:\n%s", md.String()[strings.Index(md.String(), "## Machine"):])
	}
}

// TestWarningsAreFootnotesOfTheirRows: a benchstat warning appears under
// the verdict table only with a mark on a row it concerns; warnings of
// points not in the table (virtual-clock ones) do not leak into it.
func TestWarningsAreFootnotesOfTheirRows(t *testing.T) {
	var real, virt strings.Builder
	for i := range 4 {
		for _, d := range []string{"old", "new"} {
			// Four samples each: a test, but no 95 % interval (benchstat
			// warns "need >= 6 samples").
			fmt.Fprintf(&real, "BenchmarkRegistry/workload=w/design=%s/workers=1x-2 100 %d ns/op %g ops/s\n", d, 100+i, 1e7+float64(i))
			// All equal: "all samples are equal".
			fmt.Fprintf(&virt, "BenchmarkRegistry/workload=w/design=%s/workers=1x/clock=virtual-64 100 100 ns/op 1e7 ops/s\n", d)
		}
	}
	m := buildRealVirtual(t, real.String(), virt.String())
	tab := m.VerdictTable()
	notes := strings.Join(tab.Notes, "\n")
	if strings.Contains(notes, "all samples are equal") {
		t.Errorf("a virtual point's warning leaks under the table:\n%s", notes)
	}
	if !strings.Contains(notes, "[1] benchstat: need >= 6 samples") {
		t.Errorf("the real row's warning is not a numbered note:\n%s", notes)
	}
	if p := tab.Rows[0][4]; !strings.HasSuffix(p, " [1]") {
		t.Errorf("p cell %q, want it marked [1]", p)
	}
}

// buildRealVirtual writes a real-clock and a virtual-clock results file and
// builds their Model.
func buildRealVirtual(t *testing.T, real, virt string) *Model {
	t.Helper()
	dir := t.TempDir()
	rp, vp := filepath.Join(dir, "bench.txt"), filepath.Join(dir, "virtual.txt")
	os.WriteFile(rp, []byte(real), 0o644)
	os.WriteFile(vp, []byte(virt), 0o644)
	m, err := Build([]string{rp, vp}, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestFormatChangeShowsBothEnds: a ratio's interval is asymmetric, so the
// change prints both ends, not a ±.
func TestFormatChangeShowsBothEnds(t *testing.T) {
	s := func(vals ...float64) *Summary {
		smp := benchmath.NewSample(vals, &benchmath.DefaultThresholds)
		return &Summary{Sample: smp, Summary: benchmath.AssumeNothing.Summary(smp, 0.95)}
	}
	met := &Metric{Baseline: s(100, 101, 102, 103, 104, 105), Candidate: s(90, 91, 92, 93, 94, 95)}
	c := benchmath.AssumeNothing.Compare(met.Baseline.Sample, met.Candidate.Sample)
	met.Comparison, met.Delta = &c, c.FormatDelta(met.Baseline.Center, met.Candidate.Center)
	v := &Verdict{Metric: met, Change: -0.03, ChangeLo: -0.08, ChangeHi: 0.01}
	if got, want := FormatChange(v), "-3 % (-8 % to +1 %)"; got != want {
		t.Errorf("FormatChange = %q, want %q", got, want)
	}
}
