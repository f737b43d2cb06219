package main

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

// A phaseTime is how long one phase of make report took on the reference
// machine, a 2-CPU VM: the full run's from make report FORCE=1
// LABEL=2cpu-intel-xeon at 91a027d (six designs, each on its kernel's
// mutex; the virtual sweep's real-rate windows of 40 primary events, the
// uncertainty run on old and new), whose progress lines give each
// simulation's time; the quick run's from make report QUICK=1 with the
// plans of cb5cce8 and two designs, and the quick uncertainty run of
// 92dfde8 (46 s).
type phaseTime struct {
	full, quick time.Duration
	// parallel phases are simulations, which use every CPU: on n CPUs
	// they take about 2/n of the reference's time.
	parallel bool
}

var phaseTimes = map[string]phaseTime{
	"real":        {391 * time.Second, 18 * time.Second, false},
	"harness":     {44 * time.Second, 7 * time.Second, false},
	"virtual":     {1988 * time.Second, 9 * time.Second, true},
	"sensitivity": {997 * time.Second, 46 * time.Second, true},
	"rates":       {406 * time.Second, 6 * time.Second, false}, // its real-clock runs do not parallelize
}

// estimate prints, before a phase starts, how long it should take: the
// reference machine's time, scaled by this machine's CPUs for simulations.
func estimate(w io.Writer, phase string, quick bool) {
	p, ok := phaseTimes[phase]
	if !ok {
		return
	}
	d := p.full
	if quick {
		d = p.quick
	}
	if p.parallel {
		d = d * 2 / time.Duration(max(runtime.GOMAXPROCS(0), 1))
	}
	fmt.Fprintf(w, "memcgbench: %s: expect about %v (it took %v on the 2-CPU reference machine)\n",
		phase, d.Round(time.Second), map[bool]time.Duration{true: p.quick, false: p.full}[quick])
}
