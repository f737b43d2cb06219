package objcg_test

import (
	"testing"

	"memcgbench/designs/designtest"
	"memcgbench/designs/objcg"
)

// The conformance suite runs over every design of designs/catalog
// (catalog_test.go); the fuzz target and the benchmark are per design.

func BenchmarkAllocHit(b *testing.B) { designtest.BenchmarkAllocHit(b, objcg.Design) }

func FuzzRegistry(f *testing.F) { designtest.Fuzz(f, objcg.Design) }
