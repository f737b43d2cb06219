package workloads

import (
	"memcgbench/designs"
	"memcgbench/designs/catalog"
)

// mustDesign returns the design of the list called name.
func mustDesign(name string) designs.Design {
	d, err := catalog.Lookup(name)
	if err != nil {
		panic(err)
	}
	return d
}
