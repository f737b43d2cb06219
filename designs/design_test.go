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

// TestSlabinfoSeeks: seq_read's arithmetic on /proc/slabinfo's text. cat
// reads 128 KiB a call and gets one 4 KiB chunk of whole lines a call: 235
// roots are the dev VM's 25408 bytes (here 25349), seven chunks, each but
// the last ending with a line that did not fit and is printed again, and
// an eighth read that finds the end. A stdio reader reads 1 KiB a call;
// every fill overshoots it by less than a line, so each read() takes the
// lock: 25 with data and one at the end.
func TestSlabinfoSeeks(t *testing.T) {
	for _, tt := range []struct{ roots, readBytes, seeks, reprinted int }{
		{0, designs.ReadBytesCat, 1, 0},
		{1, designs.ReadBytesCat, 2, 0},
		{36, designs.ReadBytesCat, 2, 0},
		{37, designs.ReadBytesCat, 3, 1},
		{36 + 38, designs.ReadBytesCat, 3, 1},
		{36 + 38 + 1, designs.ReadBytesCat, 4, 2},
		{235, designs.ReadBytesCat, 8, 6},
		{235, designs.ReadBytesStdio, 26, 0},
		{235, 0, 236, 0}, // a byte a read(): a line a fill, the header with the first, the rest read from the buffer
	} {
		seeks, reprinted := designs.SlabinfoSeeks(tt.roots, tt.readBytes)
		if seeks != tt.seeks || reprinted != tt.reprinted {
			t.Errorf("SlabinfoSeeks(%d, %d) = %d, %d; want %d, %d", tt.roots, tt.readBytes, seeks, reprinted, tt.seeks, tt.reprinted)
		}
	}
}
