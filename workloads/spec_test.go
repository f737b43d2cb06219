package workloads

import (
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"memcgbench/designs"
)

func TestParseMix(t *testing.T) {
	tests := []struct {
		in   string
		want Mix
		err  string // substring of the error; empty for none
	}{
		{"alloc=90,churn=5,slabinfo=5", Mix{OpAlloc: 90, OpChurn: 5, OpSlabinfo: 5}, ""},
		{" miss=1 , rootchurn=2,procslabinfo=3,shrink=4,charge=0", Mix{OpMiss: 1, OpRootChurn: 2, OpProcSlabinfo: 3, OpShrink: 4}, ""},
		{"", Mix{}, "empty"},
		{"alloc", Mix{}, "not key=weight"},
		{"allocs=3", Mix{}, `unknown key "allocs"; valid keys are alloc, miss, churn, rootchurn, slabinfo, procslabinfo, shrink, charge`},
		{"alloc=-1", Mix{}, "weight must be an integer from 0 to 1000000"},
		{"alloc=x", Mix{}, "weight must be"},
		{"alloc=1000001", Mix{}, "from 0 to 1000000"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseMix(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseMix(%q) error = %v, want one containing %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseMix(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			if again, _ := ParseMix(got.String()); again != got {
				t.Errorf("String() %q does not parse back to %v", got.String(), got)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Spec)
		want string // the error names this field and range; empty: valid
	}{
		{"default", func(*Spec) {}, ""},
		{"workers negative", func(s *Spec) { s.Workers = -1 }, "Workers = -1, allowed range is 0 (GOMAXPROCS) to 4096"},
		{"workers too many", func(s *Spec) { s.Workers = 5000 }, "Workers = 5000"},
		{"no roots", func(s *Spec) { s.Roots = 0 }, "Roots = 0, allowed range is 1 to 10000"},
		{"memcgs past the ids", func(s *Spec) { s.Memcgs = 65536 }, "Memcgs = 65536, allowed range is 1 to 65535"},
		{"working set past roots", func(s *Spec) { s.Roots, s.CachesPerMemcg = 4, 5 }, "CachesPerMemcg = 5, allowed range is 1 to Roots (4)"},
		{"negative churn poll", func(s *Spec) { s.ChurnPoll = -1 }, "ChurnPoll = -1ns, allowed range is 0 to 1s"},
		{"zipf exponent", func(s *Spec) { s.Skew = Skew{Zipf: true, S: 1} }, "Skew.S = 1, allowed range is above 1 and at most 10"},
		{"negative kworkers", func(s *Spec) { s.Kworkers = -1 }, "Kworkers = -1, allowed range is 0 (one per CPU) to 1024"},
		{"RCU share NaN", func(s *Spec) { s.RCUShare = math.NaN() }, "RCUShare = NaN, allowed range is 0 to 1"},
		{"negative duration", func(s *Spec) { s.Duration = -time.Second }, "Duration = -1s"},
		{"no ops and no duration", func(s *Spec) { s.Duration = 0 }, "Ops = 0, allowed range is 1 or more when Duration is 0"},
		{"negative cost", func(s *Spec) { s.Costs.Shrink = -1 }, "Costs.Shrink = -1ns, allowed range is 0 to 1s"},
		{"empty mix", func(s *Spec) { s.Mix = Mix{} }, "Mix = no weight, allowed range is at least one op"},
		{"negative weight", func(s *Spec) { s.Mix[OpChurn] = -2 }, "Mix.churn = -2, allowed range is 0 to 1000000"},
		{"role workers", func(s *Spec) { s.Roles = []Role{{Name: "x", Workers: -1, Mix: Mix{OpAlloc: 1}}} }, "Roles[0].Workers = -1"},
		{"role mix", func(s *Spec) { s.Roles = []Role{{Name: "x", Workers: 1}} }, "Roles[0].Mix = no weight"},
		{"open loop", func(s *Spec) { openRoles(s) }, ""},
		{"open loop without a window", func(s *Spec) { openRoles(s); s.Duration, s.Ops = 0, 100 }, "Duration = 0s, allowed range is above 0 to 24h0m0s with open-loop roles"},
		{"open loop without workers", func(s *Spec) { openRoles(s).Workers = 0 }, "Roles[1].Workers = 0, allowed range is 1 to 4096 for an open-loop role"},
		{"open loop at rate 0 is off", func(s *Spec) { openRoles(s).Rate.PerSecond = 0 }, ""},
		{"measured role at rate 0", func(s *Spec) {
			r := *openRoles(s)
			r.Rate.PerSecond = 0
			s.Roles = []Role{r}
		}, "Roles[0].Rate = poisson:0/s, allowed range is above 0 events per second for the first (measured) role"},
		{"open loop at rate NaN", func(s *Spec) { openRoles(s).Rate.PerCPU = math.NaN() }, "Roles[1].Rate.PerCPU = NaN, allowed range is 0 to 1e+06"},
		{"open loop at a negative rate", func(s *Spec) { openRoles(s).Rate.PerMemcg = -1 }, "Roles[1].Rate.PerMemcg = -1"},
		{"open loop with a bad arrival", func(s *Spec) { openRoles(s).Rate.Arrival = 7 }, "Roles[1].Rate.Arrival = arrival(7), allowed range is closed, poisson or fixed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSpec
			tt.edit(&s)
			err := s.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrSpec) {
				t.Fatalf("Validate() = %v, want an ErrSpec containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestPresets(t *testing.T) {
	want := []string{"calibrate", "faas-host", "k8s-node", "lifecycles", "module-load", "steady",
		"stress-container-churn", "stress-mixed", "stress-module-churn", "stress-slabinfo-scrape", "whatif-slabinfo-agent"}
	if got := PresetNames(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("PresetNames() = %v, want %v", got, want)
	}
	for _, name := range want {
		s, err := Preset(name)
		if err != nil || s.Name != name {
			t.Fatalf("Preset(%q) = %v, %v", name, s.Name, err)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("preset %s does not validate: %v", name, err)
		}
	}
	if _, err := Preset("nope"); err == nil || !strings.Contains(err.Error(), "valid presets are calibrate, faas-host") {
		t.Errorf("Preset(nope) = %v, want an error listing the presets", err)
	}
}

func TestRoles(t *testing.T) {
	s, _ := Preset("stress-slabinfo-scrape")
	tests := []struct {
		workers int
		want    []int // scrape, churn, alloc
	}{
		{1, []int{2, 1, 0}}, {4, []int{2, 1, 1}}, {8, []int{2, 1, 5}},
	}
	for _, tt := range tests {
		roles := s.roles(tt.workers)
		for i, r := range roles {
			if r.Workers != tt.want[i] {
				t.Errorf("on %d CPUs role %s has %d workers, want %d", tt.workers, r.Name, r.Workers, tt.want[i])
			}
		}
	}
}

func TestContendersGrow(t *testing.T) {
	want := map[string]bool{
		"steady": true, "calibrate": true, "lifecycles": true, "stress-container-churn": true, "stress-mixed": true, "stress-module-churn": true,
		// two readers and one churner at every CPU count
		"stress-slabinfo-scrape": false,
		// events at rates
		"k8s-node": false, "faas-host": false, "whatif-slabinfo-agent": false, "module-load": false,
	}
	for _, name := range PresetNames() {
		s, _ := Preset(name)
		if got, ok := want[name]; !ok || s.ContendersGrow() != got {
			t.Errorf("%s: ContendersGrow() = %v, want %v (listed: %v)", name, s.ContendersGrow(), got, ok)
		}
	}
}

func TestMemoryEstimate(t *testing.T) {
	def := DefaultSpec
	if got := def.MemoryEstimate(2, false); got > 100<<20 {
		t.Errorf("DefaultSpec at 2 CPUs: %s, want under 100 MB", FormatBytes(got))
	}
	huge := DefaultSpec
	huge.Roots, huge.Memcgs, huge.CachesPerMemcg = MaxRoots, designs.MaxMemcgs, MaxRoots
	if got := huge.MemoryEstimate(2, false); got < 100<<30 {
		t.Errorf("the largest sizes: %s, want over 100 GB", FormatBytes(got))
	}
	// Each size adds memory.
	grow := []func(s *Spec){
		func(s *Spec) { s.Roots *= 2 }, func(s *Spec) { s.Memcgs *= 2 }, func(s *Spec) { s.CachesPerMemcg *= 2 },
		func(s *Spec) { s.Workers = 64 },
	}
	for i, g := range grow {
		s := DefaultSpec
		g(&s)
		if s.MemoryEstimate(2, false) <= def.MemoryEstimate(2, false) {
			t.Errorf("size change %d did not raise the estimate", i)
		}
	}
	if DefaultSpec.MemoryEstimate(1024, true) <= DefaultSpec.MemoryEstimate(1024, false) {
		t.Errorf("virtual CPUs add nothing")
	}
}

// TestMemoryEstimateBoundsTheHeap builds a runner and checks that the heap
// it holds stays under the estimate for its sizes.
func TestMemoryEstimateBoundsTheHeap(t *testing.T) {
	spec := DefaultSpec
	spec.Roots, spec.Memcgs, spec.CachesPerMemcg, spec.Workers = 300, 1000, 30, 256
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := NewRunner(spec, mustDesign("old"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if est := spec.MemoryEstimate(2, false); held > est {
		t.Errorf("the runner holds %s of heap, the estimate is %s", FormatBytes(held), FormatBytes(est))
	}
	runtime.KeepAlive(r)
}

// TestKindsWithinClasses checks that every object kind has its share
// among the SLAB_DESTROY_BY_RCU roots and among the others, to within
// one root of each class, for the default spec and for shares that
// once lined the two sequences up.
func TestKindsWithinClasses(t *testing.T) {
	tests := []struct {
		name     string
		roots    int
		rcuShare float64
		objects  Objects
	}{
		{"default", DefaultSpec.Roots, DefaultSpec.RCUShare, DefaultSpec.Objects},
		{"a quarter never filled", DefaultSpec.Roots, DefaultSpec.RCUShare, Objects{PagesPerCache: 1, EmptyShare: 0.25, LongLivedShare: 0.25, RCUFreedShare: 0.1}},
		{"half RCU", 100, 0.5, Objects{PagesPerCache: 1, EmptyShare: 0.1, LongLivedShare: 0.3, RCUFreedShare: 0.2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shares := map[objectKind]float64{neverFilled: tt.objects.EmptyShare, longLived: tt.objects.LongLivedShare,
				rcuFreed: tt.objects.RCUFreedShare}
			shares[freedAtEnd] = 1 - shares[neverFilled] - shares[longLived] - shares[rcuFreed]
			for _, rcu := range []bool{true, false} {
				count, n := map[objectKind]int{}, 0
				for j := range tt.roots {
					if ShareHit(j, tt.rcuShare) == rcu {
						count[tt.objects.kind(j, tt.rcuShare)]++
						n++
					}
				}
				for k, share := range shares {
					if got := float64(count[k]); math.Abs(got-share*float64(n)) > 1.5 {
						t.Errorf("rcu=%v: kind %d on %v of %d roots, want %.1f", rcu, k, got, n, share*float64(n))
					}
				}
			}
		})
	}
}

// TestHostRateAt checks the positions of a host's range: its ends, the
// preset's rate in the middle, a log scale between, a straight line down
// to a Low of 0, and Position as At's inverse.
func TestHostRateAt(t *testing.T) {
	k8s := HostRate{Rate: Rate{PerSecond: 0.5}, Low: 0.05, High: 5}
	reads := HostRate{Rate: Rate{PerSecond: 1}, Low: 0, High: 10}
	for _, tc := range []struct {
		h    HostRate
		x    float64
		want float64
	}{
		{k8s, -1, 0.05}, {k8s, 0, 0.5}, {k8s, 1, 5}, {k8s, 0.5, 0.5 * math.Sqrt(10)}, {k8s, -0.5, 0.5 / math.Sqrt(10)},
		{reads, -1, 0}, {reads, -0.5, 0.5}, {reads, 1, 10},
	} {
		got := tc.h.At(tc.x)
		if math.Abs(got-tc.want) > 1e-9*tc.want+1e-12 {
			t.Errorf("%+v.At(%v) = %v, want %v", tc.h, tc.x, got, tc.want)
		}
		if back := tc.h.Position(got); math.Abs(back-tc.x) > 1e-9 {
			t.Errorf("%+v.Position(%v) = %v, want %v", tc.h, got, back, tc.x)
		}
	}
}

// TestWindowFor: a window holds the events asked for at the primary
// role's rate, within its bounds; a bound below the lower one is none.
func TestWindowFor(t *testing.T) {
	k8s, err := Preset("k8s-node")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		lo, hi, want time.Duration
	}{
		{10 * time.Second, 100 * time.Second, 80 * time.Second}, // 40 starts at 0.5/s
		{10 * time.Second, 60 * time.Second, 60 * time.Second},
		{100 * time.Second, 200 * time.Second, 100 * time.Second},
		{50 * time.Millisecond, 0, 50 * time.Millisecond},
	} {
		if got := k8s.WindowFor(64, 40, tt.lo, tt.hi); got != tt.want {
			t.Errorf("WindowFor(64, 40, %v, %v) = %v, want %v", tt.lo, tt.hi, got, tt.want)
		}
	}
}
