package new_test

import (
	"testing"

	"memcgbench/designs/designtest"
	"memcgbench/designs/new"
)

// The conformance suite runs over every design of designs/catalog
// (catalog_test.go); the fuzz target and the benchmark are per design.

func BenchmarkAllocHit(b *testing.B) { designtest.BenchmarkAllocHit(b, new.Design) }

func FuzzRegistry(f *testing.F) { designtest.Fuzz(f, new.Design) }
