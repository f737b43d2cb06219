// Package report turns benchmark results into the answer a kernel or Go
// engineer wants about a claim like bd67314586's "it shouldn't hurt
// concurrency a lot": does the candidate design (the global mutex) cost
// throughput, where, by how much, how sure we are, and how the lock wait
// per operation changed (net, and per class).
//
// It is one pipeline over golang.org/x/perf, the stages benchstat uses:
//
//  1. Read the results with benchfmt (benchfmt.Files); a syntax error is
//     reported with its file and line.
//  2. Group them with benchproc projections: /workload, /workers,
//     /gomaxprocs and /design, per unit.
//  3. Summarize each cell with benchmath (median and 95 % confidence
//     interval, with no distributional assumption) and compare the
//     candidate with the baseline (Mann-Whitney U test, "~" when the
//     difference is not significant): the numbers benchstat prints.
//
// The result is one Model. Every renderer (the markdown and text tables,
// the plots) reads the Model; none computes a number of its own.
package report
