package workloads

import (
	"testing"
	"time"
)

// Calibration bounds on this machine (2 cores, shared). Throughput above
// the known limit means the harness is wrong (a critical section shorter
// than it claims, or a lock that does not exclude): the upper bound allows
// only Task.Work's measured error of a few percent. Below the limit the
// run loses time to lock hand-off, wake-ups and other load on the machine,
// so the lower bound is loose, and it is held by the best of several runs,
// since noise only ever slows a run down.
const (
	calibrateMin  = 0.5
	calibrateMax  = 1.10
	calibrateRuns = 3
)

// TestCalibrate runs the calibrate preset on both designs with one worker
// per CPU and checks measured/theory against the bounds above.
func TestCalibrate(t *testing.T) {
	if testing.Short() {
		t.Skip("timing run; skipped with -short")
	}
	for _, d := range Designs() {
		t.Run(d.Name, func(t *testing.T) {
			spec, _ := Preset("calibrate")
			spec.Workers = CPUs()
			limit, err := CalibrateLimit(d.Name, spec.Workers, spec.Memcgs, CPUs(), CalibrateHold)
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
		got, err := CalibrateLimit(tt.design, tt.workers, tt.memcgs, tt.cpus, 20*time.Microsecond)
		if err != nil || got < tt.want*0.999999 || got > tt.want*1.000001 {
			t.Errorf("CalibrateLimit(%s, P=%d, M=%d, C=%d) = %v, %v; want %v", tt.design, tt.workers, tt.memcgs, tt.cpus, got, err, tt.want)
		}
	}
	if _, err := CalibrateLimit("other", 1, 1, 1, time.Microsecond); err == nil {
		t.Error("CalibrateLimit of an unknown design did not fail")
	}
}
