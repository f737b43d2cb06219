package main

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

// A phaseTime is how long one phase of make report took on the reference
// machine (the 2-CPU AMD EPYC VM of results/2cpu-amd-epyc): the full run's
// from the timestamped progress lines of its phases with the six designs
// (real and harness of 372096f; virtual, sensitivity and rates of one make
// report FORCE=1 at d682722, each design on its kernel's mutex, the
// closed loops of the virtual sweep and the sensitivity run capped by
// closedLoopCap), the quick run's from make
// report QUICK=1 with the plans of cb5cce8 and two designs.
type phaseTime struct {
	full, quick time.Duration
	// parallel phases are simulations, which use every CPU: on n CPUs
	// they take about 2/n of the reference's time.
	parallel bool
}

var phaseTimes = map[string]phaseTime{
	"real":        {391 * time.Second, 18 * time.Second, false},
	"harness":     {44 * time.Second, 7 * time.Second, false},
	"virtual":     {696 * time.Second, 9 * time.Second, true},
	"sensitivity": {443 * time.Second, 11 * time.Second, true},
	"rates":       {354 * time.Second, 6 * time.Second, false}, // its real-clock runs do not parallelize
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
