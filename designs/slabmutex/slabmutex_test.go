package slabmutex_test

import (
	"testing"

	"memcgbench/designs/designtest"
	"memcgbench/designs/slabmutex"
)

// The conformance suite runs over every design of designs/catalog
// (catalog_test.go); the fuzz target and the benchmark are per design.

func BenchmarkAllocHit(b *testing.B) { designtest.BenchmarkAllocHit(b, slabmutex.Design) }

func FuzzRegistry(f *testing.F) { designtest.Fuzz(f, slabmutex.Design) }
