// Package catalog is the one list of registry designs that everything
// reads: the workloads, the conformance suite, the known-answer workloads,
// the CLI's -design flag, the sweeps and the report. A design is looked up
// by name, never by position. Adding one is its own package, which exports
// a designs.Design, and one line in the list below.
package catalog

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"memcgbench/designs"
	"memcgbench/designs/asyncdestroy"
	"memcgbench/designs/createwq"
	"memcgbench/designs/new"
	"memcgbench/designs/objcg"
	"memcgbench/designs/old"
	"memcgbench/designs/slabmutex"
)

// all is the list, oldest kernel first.
var all = []designs.Design{
	old.Design,
	new.Design,
	slabmutex.Design,
	createwq.Design,
	asyncdestroy.Design,
	objcg.Design,
}

// All returns every design, oldest kernel first.
func All() []designs.Design { return slices.Clone(all) }

// Names returns every design's name, oldest kernel first.
func Names() []string {
	names := make([]string, len(all))
	for i, d := range all {
		names[i] = d.Name
	}
	return names
}

// ErrUnknown is the error of a name no design has.
var ErrUnknown = errors.New("unknown design")

// Lookup returns the design called name; an unknown name is an error that
// lists the known ones.
func Lookup(name string) (designs.Design, error) {
	i := slices.IndexFunc(all, func(d designs.Design) bool { return d.Name == name })
	if i < 0 {
		return designs.Design{}, fmt.Errorf("%w %q: the designs are %s", ErrUnknown, name, strings.Join(Names(), ", "))
	}
	return all[i], nil
}

// Parse returns the designs a -design flag names: "all" for every design,
// or a comma-separated list of names, each once, in the order given.
func Parse(list string) ([]designs.Design, error) {
	if list == "all" {
		return All(), nil
	}
	var out []designs.Design
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		d, err := Lookup(name)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(o designs.Design) bool { return o.Name == name }) {
			return nil, fmt.Errorf("design %q given twice", name)
		}
		out = append(out, d)
	}
	return out, nil
}
