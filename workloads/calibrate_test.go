package workloads

import (
	"flag"
	"testing"
	"time"

	"memcgbench/designs"
	"memcgbench/designs/catalog"
)

// realCalibration turns on TestCalibrateRealClock. The real clock's answer
// depends on what else the machine runs (on a 2-CPU machine kept busy by
// other work its best measured/theory was 0.27 to 0.34), so it is not part
// of `make test`; the benchmark sweep reports the same ratio as the
// measured/theory metric, and the report flags it outside ±5 %.
var realCalibration = flag.Bool("calibrate", false, "run TestCalibrateRealClock (needs an otherwise idle machine)")

// Calibration bounds on an idle machine. Throughput above the known limit
// means the harness is wrong (a critical section shorter than it claims, or
// a lock that does not exclude); below it the run loses time to wake-ups
// and to other load, so the lower bound is held by the best of several
// runs, since noise only ever slows a run down.
const (
	calibrateMin  = 0.95
	calibrateMax  = 1.05
	calibrateRuns = 3
)

// TestCalibrateRealClock runs the calibrate preset on both designs with one
// worker per CPU on the real clock and checks measured/theory against the
// bounds above. Run it with
//
//	go test -run CalibrateRealClock ./workloads -calibrate
func TestCalibrateRealClock(t *testing.T) {
	if !*realCalibration {
		t.Skip("real-clock timing; run with -calibrate on an idle machine")
	}
	for _, d := range catalog.All() {
		t.Run(d.Name, func(t *testing.T) {
			spec, _ := Preset("calibrate")
			spec.Workers = CPUs()
			limit, err := CalibrateLimit(d, spec.Workers, spec.Memcgs, CPUs(), CalibrateHold)
			if err != nil {
				t.Fatal(err)
			}
			best := 0.0
			for range calibrateRuns {
				res := mustRun(t, spec, d, Options{}, 0, 300*time.Millisecond)
				ratio := res.OpsPerSec() / limit
				t.Logf("%s: %.0f ops/s, limit %.0f, measured/theory %.3f", d.Name, res.OpsPerSec(), limit, ratio)
				if ratio > calibrateMax {
					t.Errorf("measured/theory %.3f above %.2f: the harness runs faster than its known limit", ratio, calibrateMax)
				}
				best = max(best, ratio)
			}
			if best < calibrateMin {
				t.Errorf("best measured/theory %.3f below %.2f", best, calibrateMin)
			}
		})
	}
}

func TestCalibrateLimit(t *testing.T) {
	tests := []struct {
		design                string
		workers, memcgs, cpus int
		want                  float64
	}{
		{"new", 8, 64, 16, 50_000},
		{"old", 8, 64, 16, 400_000},
		{"old", 32, 64, 16, 800_000},
		{"old", 32, 4, 16, 200_000},
		{"old", 1, 64, 16, 50_000},
	}
	for _, tt := range tests {
		got, err := CalibrateLimit(mustDesign(tt.design), tt.workers, tt.memcgs, tt.cpus, 20*time.Microsecond)
		if err != nil || got < tt.want*0.999999 || got > tt.want*1.000001 {
			t.Errorf("CalibrateLimit(%s, P=%d, M=%d, C=%d) = %v, %v; want %v", tt.design, tt.workers, tt.memcgs, tt.cpus, got, err, tt.want)
		}
	}
	if _, err := CalibrateLimit(designs.Design{Name: "other"}, 1, 1, 1, time.Microsecond); err == nil {
		t.Error("CalibrateLimit of an unknown design did not fail")
	}
}
