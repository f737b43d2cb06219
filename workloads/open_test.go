package workloads

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"memcgbench/kern"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in      string
		want    Rate
		wantErr string
	}{
		{"closed", Rate{}, ""},
		{"poisson:5/s", Rate{PerSecond: 5, Arrival: Poisson}, ""},
		{"fixed:0.333/s", Rate{PerSecond: 0.333, Arrival: Fixed}, ""},
		{"poisson:2/s+0.1/cpu+0.1/memcg", Rate{PerSecond: 2, PerCPU: 0.1, PerMemcg: 0.1, Arrival: Poisson}, ""},
		{"poisson", Rate{}, "no rate after"},
		{"poisson:", Rate{}, "no rate after"},
		{"uniform:5/s", Rate{}, "want poisson:N/s"},
		{"poisson:5/min", Rate{}, `unit "/min"`},
		{"poisson:-1/s", Rate{}, "N from 0 to 1e+06"},
		{"poisson:NaN/s", Rate{}, "N from 0 to 1e+06"},
		{"poisson:2e6/s", Rate{}, "N from 0 to 1e+06"},
		{"fixed:5", Rate{}, "want N/s, N/cpu or N/memcg"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRate(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRate(%q) = %v, %v; want an error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseRate(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			if again, err := ParseRate(got.String()); err != nil || again != got {
				t.Errorf("ParseRate(%q.String() = %q) = %+v, %v; want it back", tt.in, got.String(), again, err)
			}
		})
	}
}

// openRoles gives s an allocator and an open-loop churn role, and returns
// the open one, for TestValidate's open-loop cases.
func openRoles(s *Spec) *Role {
	s.Roles = []Role{{Name: "alloc", Workers: 1, Mix: Mix{OpAlloc: 1}},
		{Name: "churn", Workers: 2, Mix: Mix{OpChurn: 1}, Rate: Rate{PerSecond: 5, Arrival: Poisson}}}
	return &s.Roles[1]
}

// readers is a known-answer open-loop workload: one closed-loop allocator
// (the measured role) and a pool of readers serving memory.kmem.slabinfo
// reads that arrive at rate, each holding the new design's global mutex
// for CalibrateHold and nothing else; so the reads queue on one lock whose
// capacity is 1/CalibrateHold = 50 000 a second.
func readers(rate Rate, window time.Duration) Spec {
	s, _ := Preset("calibrate")
	s.Name = "readers"
	s.OpCost = DefaultSpec.OpCost // the allocator's time must pass
	s.Duration = window
	s.Roles = []Role{{Name: "alloc", Workers: 1, Mix: Mix{OpAlloc: 1}},
		{Name: "read", Workers: 4, Mix: Mix{OpSlabinfo: 1}, Rate: rate}}
	return s
}

func roleNamed(t *testing.T, res *Result, name string) RoleResult {
	t.Helper()
	for _, r := range res.Roles {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no role %q in %+v", name, res.Roles)
	return RoleResult{}
}

// TestOpenLoopQueueing drives the readers below, near and past the lock's
// capacity on the virtual clock, where the answers are known: below it
// every read arrives to a free lock and takes CalibrateHold; past it the
// lock serves its capacity, the rest of the arrivals are never started,
// and the latency, timed from arrival, grows with the window instead of
// staying at the hold.
func TestOpenLoopQueueing(t *testing.T) {
	const window = 100 * time.Millisecond
	v := &kern.Virtual{CPUs: 8}
	new := mustDesign("new")
	t.Run("below capacity", func(t *testing.T) {
		res := mustRun(t, readers(Rate{PerSecond: 10_000, Arrival: Fixed}, window), new, Options{Virtual: v}, 0, window)
		read := roleNamed(t, res, "read")
		if read.Arrived < 999 || read.Arrived > 1000 || read.Backlog != 0 || read.Ops != read.Arrived {
			t.Errorf("arrived %d, served %d, backlog %d; want 999 or 1000 arrivals in 100 ms at 10 000/s, all served", read.Arrived, read.Ops, read.Backlog)
		}
		if hold := float64(CalibrateHold); read.Latency.P50 < hold || read.Latency.P99 > 1.02*hold {
			t.Errorf("latency p50 %v p99 %v; want the hold, %v, to within the histogram's 1 %%", time.Duration(read.Latency.P50), time.Duration(read.Latency.P99), CalibrateHold)
		}
		if got := res.Elapsed; got != window {
			t.Errorf("elapsed %v, want the window, %v", got, window)
		}
	})
	t.Run("past capacity", func(t *testing.T) {
		res := mustRun(t, readers(Rate{PerSecond: 100_000, Arrival: Fixed}, window), new, Options{Virtual: v}, 0, window)
		read := roleNamed(t, res, "read")
		capacity := int64(window / CalibrateHold) // 5000
		if read.Arrived < 9999 || read.Ops < capacity-5 || read.Ops > capacity+5 || read.Backlog != read.Arrived-read.Ops {
			t.Errorf("arrived %d, served %d, backlog %d; want 10 000 arrivals, %d±5 served, the rest in the backlog", read.Arrived, read.Ops, read.Backlog, capacity)
		}
		// The queue grows by half the arrival rate: a read arriving at a
		// starts near 2a, so the served ones (arrived in the first half)
		// waited up to half the window, and the unserved ones wait from
		// half the window down to nothing: the median is a quarter of it.
		if lat := read.Latency; lat.P50 < float64(window/5) || lat.P50 > float64(window/3) || lat.P99 < float64(window*45/100) || lat.Censored != read.Backlog {
			t.Errorf("latency p50 %v p99 %v with %d censored; want about %v and %v, the backlog censored",
				time.Duration(lat.P50), time.Duration(lat.P99), lat.Censored, window/4, window/2)
		}
		if m := metric(res, "read-unserved-%"); m < 45 || m > 55 {
			t.Errorf("read-unserved-%% = %.1f, want about 50", m)
		}
	})
}

// TestOpenLoopSeeds expects Poisson arrivals to be the same for one seed
// and to differ between seeds, with the count of arrivals within four
// standard deviations of rate x window.
func TestOpenLoopSeeds(t *testing.T) {
	const window = 200 * time.Millisecond
	run := func(seed uint64) RoleResult {
		s := readers(Rate{PerSecond: 5000, Arrival: Poisson}, window)
		s.Seed = seed
		res := mustRun(t, s, mustDesign("new"), Options{Virtual: &kern.Virtual{CPUs: 4}}, 0, window)
		return roleNamed(t, res, "read")
	}
	a, again, b := run(1), run(1), run(2)
	if fmt.Sprint(a) != fmt.Sprint(again) {
		t.Errorf("seed 1 twice: %+v and %+v", a, again)
	}
	if a.Arrived == b.Arrived && a.Latency == b.Latency {
		t.Errorf("seeds 1 and 2 drew the same arrivals: %+v", a)
	}
	for _, r := range []RoleResult{a, b} {
		if mean := 5000 * window.Seconds(); math.Abs(float64(r.Arrived)-mean) > 4*math.Sqrt(mean) {
			t.Errorf("%d Poisson arrivals, want %.0f ± %.0f", r.Arrived, mean, 4*math.Sqrt(mean))
		}
	}
}

// TestOpenLoopRoleOff runs the readers with their rate at 0, or so
// small that not one event is due in the window, on both clocks: the
// role is off, nothing arrives, and the run ends.
func TestOpenLoopRoleOff(t *testing.T) {
	const window = 50 * time.Millisecond
	for _, tt := range []struct {
		name    string
		perSec  float64
		virtual bool
	}{
		{"zero, virtual", 0, true},
		{"zero, real", 0, false},
		{"1e-300, virtual", 1e-300, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := readers(Rate{PerSecond: tt.perSec, Arrival: Poisson}, window)
			opts := Options{}
			if tt.virtual {
				opts.Virtual = &kern.Virtual{CPUs: 2}
			}
			r := roleNamed(t, mustRun(t, s, mustDesign("new"), opts, 0, window), "read")
			if r.Arrived != 0 || r.Backlog != 0 {
				t.Errorf("%d arrived, %d in the backlog; want none", r.Arrived, r.Backlog)
			}
		})
	}
}

// TestOpenLoopRealClock runs the readers on the real clock: arrivals come
// from the schedule, so their count is known whatever the machine's load;
// every one is served or counted in the backlog, and each served read's
// latency includes at least the hold.
func TestOpenLoopRealClock(t *testing.T) {
	const window = 300 * time.Millisecond
	s := readers(Rate{PerSecond: 100, Arrival: Fixed}, window)
	s.Costs.SlabinfoPerCache = 10 * time.Microsecond
	res := mustRun(t, s, mustDesign("old"), Options{}, 0, window)
	read := roleNamed(t, res, "read")
	if read.Arrived < 29 || read.Arrived > 30 || read.Ops+read.Backlog != read.Arrived {
		t.Errorf("arrived %d, served %d, backlog %d; want 29 or 30 arrivals in 300 ms at 100/s, each served or in the backlog", read.Arrived, read.Ops, read.Backlog)
	}
	if read.Latency.N != read.Arrived || read.Latency.P50 < float64(10*time.Microsecond) {
		t.Errorf("latency %+v: want one value per arrival, each at least the 10 µs hold", read.Latency)
	}
}

// TestOpenLoopNeedsDuration: an open-loop Spec runs for its window.
func TestOpenLoopNeedsDuration(t *testing.T) {
	s := readers(Rate{PerSecond: 100, Arrival: Fixed}, time.Second)
	r, err := NewRunner(s, mustDesign("old"), Options{Virtual: &kern.Virtual{CPUs: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Run(context.Background(), 100, 0); err == nil || !strings.Contains(err.Error(), "runs for a duration") {
		t.Fatalf("Run(ops=100, dur=0) = %v, want an error that it runs for a duration", err)
	}
}

func metric(res *Result, unit string) float64 {
	for _, m := range res.Metrics() {
		if m.Unit == unit {
			return m.Value
		}
	}
	return math.NaN()
}
