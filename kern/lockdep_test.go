package kern

import (
	"errors"
	"strings"
	"testing"
)

func TestOrderChecking(t *testing.T) {
	outer := NewClass("test::outer")
	middle := NewClass("test::middle")
	inner := NewClass("test::inner")
	free1 := NewClass("test::free1")
	free2 := NewClass("test::free2")

	tests := []struct {
		name string
		// steps: each is a list of classes one task takes nested, then releases
		steps [][]*Class
		// want: substrings of the single expected violation, or none
		want []string
	}{
		{"declared order kept", [][]*Class{{outer, middle, inner}, {outer, inner}, {middle, inner}}, nil},
		{"declared order broken", [][]*Class{{inner, outer}},
			[]string{"declared order", "test::inner -> test::outer", "test::outer -> test::middle -> test::inner"}},
		{"declared order broken deep", [][]*Class{{outer, inner, middle}},
			[]string{"declared order", "test::outer -> test::inner -> test::middle"}},
		{"observed cycle", [][]*Class{{free1, free2}, {free2, free1}},
			[]string{"cycle with observed order", "task1 takes test::free2 -> test::free1",
				"against test::free1 -> test::free2 taken by task0"}},
		{"cycle through declared classes", [][]*Class{{outer, free1}, {free1, outer}},
			[]string{"cycle with observed order", "test::free1 -> test::outer", "test::outer -> test::free1"}},
		{"recursive class", [][]*Class{{free1, free1}}, []string{"recursive locking"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := New(Config{CheckOrder: true})
			rt.DeclareOrder(outer, middle, inner)
			for i, step := range tt.steps {
				task := rt.NewTask("task" + string(rune('0'+i)))
				var held []*Mutex
				for _, c := range step {
					m := NewMutex(c)
					task.Lock(m)
					held = append(held, m)
				}
				for j := len(held) - 1; j >= 0; j-- {
					task.Unlock(held[j])
				}
			}
			errs := rt.OrderViolations()
			if tt.want == nil {
				if len(errs) != 0 {
					t.Fatalf("violations = %v, want none", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("violations = %v, want exactly one", errs)
			}
			var oe *OrderError
			if !errors.As(errs[0], &oe) {
				t.Fatalf("violation %T is not an *OrderError", errs[0])
			}
			for _, w := range tt.want {
				if !strings.Contains(oe.Error(), w) {
					t.Errorf("violation %q does not mention %q", oe, w)
				}
			}
		})
	}
}

func TestUnlockNotHeldPanics(t *testing.T) {
	rt := New(Config{CheckOrder: true})
	a, b := rt.NewTask("a"), rt.NewTask("b")
	m := NewMutex(NewClass("test::owned"))
	a.Lock(m)
	defer a.Unlock(m)
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "does not hold") {
			t.Errorf("Unlock by non-owner: recover() = %v, want a panic naming the owner rule", r)
		}
	}()
	b.Unlock(m)
}

func TestOrderCheckingOffRecordsNothing(t *testing.T) {
	rt := New(Config{})
	rt.DeclareOrder(NewClass("test::x"), NewClass("test::y"))
	task := rt.NewTask("t")
	y, x := NewMutex(NewClass("test::y")), NewMutex(NewClass("test::x"))
	task.Lock(y)
	task.Lock(x)
	task.Unlock(x)
	task.Unlock(y)
	if errs := rt.OrderViolations(); errs != nil {
		t.Errorf("violations with checking off = %v, want nil", errs)
	}
}
