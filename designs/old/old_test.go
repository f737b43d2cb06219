package old_test

import (
	"testing"

	"memcgbench/designs"
	"memcgbench/designs/designtest"
	"memcgbench/designs/old"
	"memcgbench/kern"
)

var design = designtest.Design{
	Name: "old",
	New: func(rt *kern.Runtime, cfg designs.Config) (designs.Registry, error) {
		r, err := old.New(rt, cfg)
		if err != nil {
			return nil, err
		}
		return r, nil
	},
	DeferredDestroy: true,
	GraceHolders:    nil,
}

func TestConformance(t *testing.T) { designtest.Run(t, design) }

func BenchmarkAllocHit(b *testing.B) { designtest.BenchmarkAllocHit(b, design) }

func FuzzRegistry(f *testing.F) { designtest.Fuzz(f, design) }
