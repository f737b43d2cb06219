// Package bench holds memcgbench's go test -bench sweep, in output that
// benchstat reads as is:
//
//	go test -run '^$' -bench . -cpu 1,2,4 -count 10 ./bench > new.txt
//	go tool benchstat -col /design new.txt
//
// BenchmarkRegistry is one body looped over every workload preset, both
// designs and two levels of oversubscription, named
// workload=W/design=D/workers=Kx (K workers per CPU). -cpu sets GOMAXPROCS,
// so one file holds a whole contention curve. Beside ns/op each run reports
// ops/s, the allocation hit rate, per lock class the wait and hold per
// operation and the contended share of acquisitions, the p50 and p99 latency
// of the slow operations, the old design's destroy backlog, the time from
// offline to destroy, and the drain time. For the calibrate preset it also
// reports measured/theory, the throughput over its known limit.
//
// BenchmarkHarnessOverhead measures the harness itself and BenchmarkScale
// the kernel's limits (run it alone, with -benchtime 1x).
package bench
