package new_test

import (
	"testing"

	"memcgbench/designs"
	"memcgbench/designs/designtest"
	"memcgbench/designs/new"
	"memcgbench/kern"
)

var design = designtest.Design{
	Name: "new",
	New: func(rt *kern.Runtime, cfg designs.Config) (designs.Registry, error) {
		r, err := new.New(rt, cfg)
		if err != nil {
			return nil, err
		}
		return r, nil
	},
	DeferredDestroy: false,
	GraceHolders:    []string{"cgroup_mutex", "memcg_slab_mutex"},
}

func TestConformance(t *testing.T) { designtest.Run(t, design) }

func BenchmarkAllocHit(b *testing.B) { designtest.BenchmarkAllocHit(b, design) }

func FuzzRegistry(f *testing.F) { designtest.Fuzz(f, design) }
