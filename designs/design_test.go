package designs_test

import (
	"errors"
	"testing"

	"memcgbench/designs"
	"memcgbench/designs/old"
	"memcgbench/kern"
)

// TestConstructorReturnsNilOnError: a failing constructor's registry is a
// nil interface, which callers compare with nil, not a nil pointer in it.
func TestConstructorReturnsNilOnError(t *testing.T) {
	boom := errors.New("boom")
	newReg := designs.Constructor(func(*kern.Runtime, designs.Config) (*old.Registry, error) { return nil, boom })
	r, err := newReg(kern.New(kern.Config{}), designs.Config{})
	if r != nil || !errors.Is(err, boom) {
		t.Errorf("got %v, %v; want a nil Registry and the constructor's error", r, err)
	}
	r, err = old.Design.New(kern.New(kern.Config{}), designs.Config{})
	if r == nil || err != nil || r.Name() != "old" {
		t.Errorf("old.Design.New: %v, %v; want old's registry", r, err)
	}
}
