package main

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

// A phaseTime is how long one phase of make report took on the reference
// machine (the 2-CPU AMD EPYC VM of results/2cpu-amd-epyc), measured from
// the progress lines of make report FORCE=1 at 3b6181e and make report
// QUICK=1 from a fresh clone at dd764fd (harness: sweep -real=false
// -virtual=false at 5b50e30).
type phaseTime struct {
	full, quick time.Duration
	// parallel phases are simulations, which use every CPU: on n CPUs
	// they take about 2/n of the reference's time.
	parallel bool
}

var phaseTimes = map[string]phaseTime{
	"real":        {660 * time.Second, 90 * time.Second, false},
	"harness":     {30 * time.Second, 10 * time.Second, false},
	"virtual":     {330 * time.Second, 110 * time.Second, true},
	"sensitivity": {250 * time.Second, 70 * time.Second, true},
	"rates":       {450 * time.Second, 55 * time.Second, false}, // its real-clock runs do not parallelize
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
