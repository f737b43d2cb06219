package designs_test

import (
	"fmt"

	"memcgbench/designs"
	"memcgbench/designs/new"
	"memcgbench/designs/old"
	"memcgbench/kern"
)

// Both designs sit behind one interface; the same calls drive either.
func Example() {
	for _, build := range []func(*kern.Runtime, designs.Config) (designs.Registry, error){
		func(rt *kern.Runtime, cfg designs.Config) (designs.Registry, error) { return old.New(rt, cfg) },
		func(rt *kern.Runtime, cfg designs.Config) (designs.Registry, error) { return new.New(rt, cfg) },
	} {
		rt := kern.New(kern.Config{})
		reg, err := build(rt, designs.DefaultConfig)
		if err != nil {
			panic(err)
		}
		task := rt.NewTask("example")
		root, _ := reg.CreateRoot(task, "kmalloc-64")
		memcg, _ := reg.ActivateMemcg(task)

		first, _ := reg.Alloc(task, memcg, root) // a miss queues the child's creation
		reg.Quiesce(task)
		second, _ := reg.Alloc(task, memcg, root) // now the child serves it
		reg.OfflineMemcg(task, memcg)
		reg.Quiesce(task)
		_, err = reg.Alloc(task, memcg, root)

		s := reg.Snapshot()
		fmt.Printf("%s: hit %v then %v; created %d, destroyed %d; after offline: %v\n",
			reg.Name(), first, second, s.ChildrenCreated, s.ChildrenDestroyed, err)
		reg.Close()
	}
	// Output:
	// old: hit false then true; created 1, destroyed 1; after offline: alloc: memcg 0: memcg offline
	// new: hit false then true; created 1, destroyed 1; after offline: alloc: memcg 0: memcg offline
}
