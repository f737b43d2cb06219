// Package bench holds the go test -bench sweep of memcgbench: one benchmark
// body looped over every design and workload, whose output benchstat reads as
// is. The sweep itself lands with the workloads; see the README.
package bench
