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

// TestSlabinfoReads: the reads of /proc/slabinfo, by its text in 4 KiB
// chunks of whole lines and the empty read that ends it. 235 roots are the
// dev VM's 25408 bytes, read by cat in seven chunks and an eighth read.
func TestSlabinfoReads(t *testing.T) {
	for _, tt := range []struct{ roots, want int }{
		{0, 2}, {1, 2}, {36, 2}, {37, 3}, {36 + 38, 3}, {36 + 38 + 1, 4}, {116, 5}, {235, 8},
	} {
		if got := designs.SlabinfoReads(tt.roots); got != tt.want {
			t.Errorf("SlabinfoReads(%d) = %d, want %d", tt.roots, got, tt.want)
		}
	}
}
