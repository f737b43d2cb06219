package usl_test

import (
	"fmt"

	"memcgbench/usl"
)

// A global lock held for a quarter of each operation (σ = 0.25), with a
// small coherency cost, measured at 1 to 32 CPUs: the fit recovers the law
// and says where throughput peaks.
func ExampleFitCurve() {
	law := usl.Params{Lambda: 100_000, Sigma: 0.25, Kappa: 0.001}
	var n, x []float64
	for _, cpus := range []float64{1, 2, 4, 8, 16, 32} {
		n = append(n, cpus)
		x = append(x, law.Throughput(cpus))
	}
	fit, err := usl.FitCurve(n, x)
	if err != nil {
		panic(err)
	}
	fmt.Printf("σ=%.3f κ=%.4f λ=%.0f N*=%.1f R²=%.3f\n", fit.Sigma, fit.Kappa, fit.Lambda, fit.Peak(), fit.R2)
	fmt.Printf("predicted X(64) = %.0f ops/s\n", fit.Throughput(64))
	// Output:
	// σ=0.250 κ=0.0010 λ=100000 N*=27.4 R²=1.000
	// predicted X(64) = 307959 ops/s
}
