package asyncdestroy_test

import (
	"testing"

	"memcgbench/designs/asyncdestroy"
	"memcgbench/designs/designtest"
)

// The conformance suite runs over every design of designs/catalog
// (catalog_test.go); the fuzz target and the benchmark are per design.

func BenchmarkAllocHit(b *testing.B) { designtest.BenchmarkAllocHit(b, asyncdestroy.Design) }

func FuzzRegistry(f *testing.F) { designtest.Fuzz(f, asyncdestroy.Design) }
