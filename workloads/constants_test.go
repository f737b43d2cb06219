package workloads

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestConstants checks the table of constants: each has a source of a known
// kind and a default within its range; setting a value and reading it back
// gives it (or its clamp), and the workload stays valid; and the README's
// table of constants lists every one.
func TestConstants(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range Constants() {
		t.Run(c.Name, func(t *testing.T) {
			if seen[c.Name] {
				t.Errorf("listed twice")
			}
			seen[c.Name] = true
			if c.Source == "" || (c.Kind != Measured && c.Kind != Cited && c.Kind != Estimate) {
				t.Errorf("source %q of kind %q: want a source of kind measured, cited or estimate", c.Source, c.Kind)
			}
			d := c.Default()
			if d < c.Min || d > c.Max {
				t.Errorf("default %v outside [%v, %v]", d, c.Min, c.Max)
			}
			for _, x := range []float64{d / 4, d * 4, c.Low, c.High} {
				s, v := DefaultSpec, DefaultVirtual(64)
				if c.Name == "HostRates" {
					s, _ = Preset("k8s-node")
				}
				c.Set(&s, &v, x)
				got, want := c.Get(&s, &v), min(max(x, c.Min), c.Max)
				if c.Name == "CachesPerMemcg" {
					want = min(want, float64(s.Roots))
				}
				if diff := got - want; diff > 0.5 || diff < -0.5 || (x == c.Low || x == c.High) && math.Abs(diff) > 1e-9*math.Max(1, math.Abs(want)) {
					t.Errorf("Set(%v) then Get = %v, want %v", x, got, want)
				}
				if err := s.Validate(); err != nil {
					t.Errorf("after Set(%v): %v", x, err)
				}
			}
			// KworkersPerCPU's default, a managed pool (0), is no pool
			// size: its ends are the fixed pools it is compared with.
			if (d < c.Low || d > c.High) && c.Name != "KworkersPerCPU" || c.Low > c.High || c.Low < c.Min || c.High > c.Max {
				t.Errorf("default %v, hosts' range %v to %v, allowed %v to %v: want Min <= Low <= default <= High <= Max", d, c.Low, c.High, c.Min, c.Max)
			}
			for _, x := range []float64{c.Low, d, c.High} {
				if f := c.Format(x); strings.ContainsAny(f, "/=") {
					t.Errorf("Format(%v) = %q: a benchmark name's value cannot hold '/' or '='", x, f)
				}
			}
			if row := readmeRow(c); !strings.Contains(string(readme), row) {
				t.Errorf("README.md's table of constants has no row\n%s", row)
			}
		})
	}
}

// readmeRow is c's row of the README's table of constants.
func readmeRow(c Constant) string {
	bound := func(x float64) string {
		if c.Unit == "ns" {
			return time.Duration(x).String()
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprintf("| `%s` | %s | %s to %s | %s to %s | %s: %s |", c.Name, c.Format(c.Default()),
		c.Format(c.Low), c.Format(c.High), bound(c.Min), bound(c.Max), c.Kind, strings.ReplaceAll(c.Source, "|", "\\|"))
}

// ExampleConstants prints where the model's wake-up latency comes from.
func ExampleConstants() {
	for _, c := range Constants() {
		if c.Name == "WakeLatency" {
			fmt.Printf("%s = %v %s (%s)\n", c.Name, c.Default(), c.Unit, c.Kind)
		}
	}
	// Output: WakeLatency = 3100 ns (measured)
}
