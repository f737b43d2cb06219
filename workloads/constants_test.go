package workloads

import (
	"fmt"
	"os"
	"strings"
	"testing"
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
			for _, factor := range []float64{0.25, 4} {
				s, v := DefaultSpec, DefaultVirtual(64)
				c.Set(&s, &v, d*factor)
				got, want := c.Get(&s, &v), min(max(d*factor, c.Min), c.Max)
				if c.Name == "CachesPerMemcg" {
					want = min(want, float64(s.Roots))
				}
				if diff := got - want; diff > 0.5 || diff < -0.5 {
					t.Errorf("Set(%v x default) then Get = %v, want %v", factor, got, want)
				}
				if err := s.Validate(); err != nil {
					t.Errorf("after Set(%v x default): %v", factor, err)
				}
			}
			if !strings.Contains(string(readme), "| `"+c.Name+"` |") {
				t.Errorf("README.md's table of constants has no row | `%s` |", c.Name)
			}
		})
	}
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
