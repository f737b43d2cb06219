// Package workloads holds the parameterized multi-core workloads that drive
// a designs.Registry: a Spec of every parameter with its unit and range,
// named presets of real situations (steady allocation, container churn,
// module churn, slabinfo scraping), and the driver that runs N workers, each
// with its own kern.Task, random source and sample buffers, sharing nothing
// on the hot path. It lands with the benchmark sweep; until then this file
// only marks its place in the layout.
package workloads
