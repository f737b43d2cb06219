package kmem

import (
	"testing"
	"unsafe"

	"memcgbench/kern"
)

// TestLayout holds the cache-line layouts that keep the harness free of
// false sharing: each struct a whole number of lines, and what one writer
// changes often on a line of its own.
func TestLayout(t *testing.T) {
	var c Cache
	var m Memcg
	tests := []struct {
		name       string
		size, want uintptr
	}{
		{"Cache size", unsafe.Sizeof(c), 256},
		{"Cache.Pages offset", unsafe.Offsetof(c.Pages), 256 - cacheLine},
		{"Memcg size", unsafe.Sizeof(m), 2 * cacheLine},
		{"Memcg.list offset", unsafe.Offsetof(m.list), cacheLine},
		{"kern.Mutex size", unsafe.Sizeof(kern.Mutex{}), cacheLine},
	}
	for _, tt := range tests {
		if tt.size != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.size, tt.want)
		}
	}
	if off := unsafe.Offsetof(m.state); off >= cacheLine {
		t.Errorf("Memcg.state at %d, want it on the first line with id and Owner", off)
	}
}
