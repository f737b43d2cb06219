package catalog_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"memcgbench/designs/catalog"
	"memcgbench/designs/designtest"
	"memcgbench/kern"
)

// TestConformance runs the conformance suite over every design in the
// list: a design added to it is checked with no test of its own.
func TestConformance(t *testing.T) {
	for _, d := range catalog.All() {
		t.Run(d.Name, func(t *testing.T) { designtest.Run(t, d) })
	}
}

// TestDesignsAreComplete: every design in the list has what its consumers
// read, under a name of its own that its registries report.
func TestDesignsAreComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range catalog.All() {
		if d.Name == "" || strings.ContainsAny(d.Name, ", \t") || d.Name == "all" {
			t.Errorf("design name %q: want one word, not \"all\"", d.Name)
		}
		if seen[d.Name] {
			t.Errorf("design %q listed twice", d.Name)
		}
		seen[d.Name] = true
		if d.Kernel == "" || d.Summary == "" || d.Why == "" || d.New == nil || !d.SharedCaches && (d.SlabinfoReaders == nil || d.DestroyGrowth == 0) {
			t.Errorf("design %q lacks its kernel, summary, constructor or a known answer (slabinfo readers, destroy growth)", d.Name)
		}
		if !slices.IsSorted(d.GraceHolders) {
			t.Errorf("design %q: GraceHolders %q not sorted", d.Name, d.GraceHolders)
		}
	}
}

// TestDesignsRunTheirKernelsMutex: a design of v4.10 or later runs on the
// kernel mutex with lock hand-off (9d659ae14b54, merged for v4.10), an
// earlier one on the 3.15 mutex without it; the version is the one its
// Kernel field starts with.
func TestDesignsRunTheirKernelsMutex(t *testing.T) {
	for _, d := range catalog.All() {
		var major, minor int
		if _, err := fmt.Sscanf(d.Kernel, "v%d.%d", &major, &minor); err != nil {
			t.Errorf("design %q: Kernel %q does not start with vMAJOR.MINOR: %v", d.Name, d.Kernel, err)
			continue
		}
		want := kern.KernelMutex
		if major > 4 || major == 4 && minor >= 10 {
			want = kern.HandoffKernelMutex
		}
		if d.Mutex != want {
			t.Errorf("design %q (%s) runs on the %v mutex, want %v", d.Name, d.Kernel, d.Mutex, want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		list string
		want []string
		err  string
	}{
		{"all", catalog.Names(), ""},
		{"old", []string{"old"}, ""},
		{"new,old", []string{"new", "old"}, ""},
		{" new , old ", []string{"new", "old"}, ""},
		{"old,old", nil, `design "old" given twice`},
		{"nosuch", nil, `unknown design "nosuch": the designs are ` + strings.Join(catalog.Names(), ", ")},
		{"", nil, `unknown design ""`},
		{"old,", nil, `unknown design ""`},
	} {
		ds, err := catalog.Parse(tt.list)
		var got []string
		for _, d := range ds {
			got = append(got, d.Name)
		}
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("Parse(%q) error %v, want one saying %q", tt.list, err, tt.err)
		case tt.err == "" && (err != nil || !slices.Equal(got, tt.want)):
			t.Errorf("Parse(%q) = %q, %v; want %q", tt.list, got, err, tt.want)
		}
	}
	if _, err := catalog.Lookup("nosuch"); !errors.Is(err, catalog.ErrUnknown) {
		t.Errorf("Lookup of an unknown name: %v, want ErrUnknown", err)
	}
}

func ExampleLookup() {
	d, err := catalog.Lookup("new")
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Name, "models", d.Kernel)
	fmt.Println("slabinfo readers at once, 8 readers of 8 memcgs on 4 CPUs:", d.SlabinfoReaders(8, 8, 4))
	// Output:
	// new models v3.16 (bd67314586)
	// slabinfo readers at once, 8 readers of 8 memcgs on 4 CPUs: 1
}
