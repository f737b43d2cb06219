package designs_test

import (
	"testing"
	"time"

	"memcgbench/designs"
)

// TestCostsScaled checks that Scaled multiplies every cost and keeps each
// within [0, MaxCost].
func TestCostsScaled(t *testing.T) {
	tests := []struct {
		name   string
		f      float64
		in     designs.Costs
		create time.Duration
		walk   time.Duration
	}{
		{"quarter", 0.25, designs.DefaultCosts, 75 * time.Microsecond, 12 * time.Nanosecond},
		{"four times", 4, designs.DefaultCosts, 1200 * time.Microsecond, 200 * time.Nanosecond},
		{"clamped to MaxCost", 1e9, designs.DefaultCosts, designs.MaxCost, designs.MaxCost},
		{"zero", 0, designs.DefaultCosts, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in.Scaled(tt.f)
			if got.Create != tt.create || got.WalkPerCache != tt.walk {
				t.Errorf("Scaled(%g): Create %v, WalkPerCache %v; want %v, %v", tt.f, got.Create, got.WalkPerCache, tt.create, tt.walk)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("Scaled(%g): %v", tt.f, err)
			}
		})
	}
	if d := designs.DefaultCosts.Scaled(2); d.Sysfs != 2*designs.DefaultCosts.Sysfs || d.ShrinkIPI != 2*designs.DefaultCosts.ShrinkIPI {
		t.Errorf("Scaled(2) left a cost out: %+v", d)
	}
}
