// Package usl fits Gunther's Universal Scalability Law to a throughput
// curve:
//
//	X(N) = λN / (1 + σ(N-1) + κN(N-1))
//
// where N is the concurrency (CPUs), λ the throughput of one, σ the
// contention (the serialized share, 0 to 1) and κ the coherency cost
// (crosstalk between every pair, 0 or more). The fit is nonlinear least
// squares on the throughputs themselves, as R's usl package and Baron
// Schwartz's reference fits do, inside those bounds: it starts from
// Gunther's linearization (N/X is a quadratic in N, solved with gonum/mat)
// and refines with gonum/optimize, Nelder-Mead then BFGS on a
// reparameterization that keeps the bounds (λ = e^a, σ = sin²b, κ = c²).
package usl

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Params are the law's three parameters.
type Params struct {
	Lambda float64 // throughput at N = 1, in the unit of X
	Sigma  float64 // contention, at least 0
	Kappa  float64 // coherency, at least 0
}

// Throughput returns X(n).
func (p Params) Throughput(n float64) float64 {
	return p.Lambda * n / (1 + p.Sigma*(n-1) + p.Kappa*n*(n-1))
}

// Peak returns N* = sqrt((1-σ)/κ), the concurrency of the highest
// throughput: +Inf without coherency cost (κ = 0), 1 when σ ≥ 1.
func (p Params) Peak() float64 {
	if p.Sigma >= 1 {
		return 1
	}
	if p.Kappa == 0 {
		return math.Inf(1)
	}
	return math.Sqrt((1 - p.Sigma) / p.Kappa)
}

// A Fit is the fitted law and how well it fits.
type Fit struct {
	Params
	// R2 is the coefficient of determination of X over the points.
	R2 float64
	// RMSRel is the root mean square of the relative errors (X_fit/X - 1).
	RMSRel float64
	// Points is the number of points fitted.
	Points int
}

// ErrTooFew is returned for fewer than three distinct concurrencies: the
// law has three parameters.
var ErrTooFew = errors.New("usl: need at least 3 distinct N to fit 3 parameters")

// FitCurve fits the law to throughputs x measured at concurrencies n.
func FitCurve(n, x []float64) (Fit, error) {
	if len(n) != len(x) {
		return Fit{}, fmt.Errorf("usl: %d concurrencies but %d throughputs", len(n), len(x))
	}
	for i := range n {
		if !(n[i] >= 1) || !(x[i] > 0) || math.IsInf(n[i], 0) || math.IsInf(x[i], 0) {
			return Fit{}, fmt.Errorf("usl: point %d (N=%v, X=%v): want N >= 1 and X > 0, both finite", i, n[i], x[i])
		}
	}
	distinct := slices.Compact(slices.Sorted(slices.Values(n)))
	if len(distinct) < 3 {
		return Fit{}, ErrTooFew
	}
	start := linearized(n, x)
	toParams := func(v []float64) Params {
		sb := math.Sin(v[1])
		return Params{Lambda: math.Exp(v[0]), Sigma: sb * sb, Kappa: v[2] * v[2]}
	}
	// Squared residuals of X, scaled by the largest throughput so the
	// objective is of order one whatever X's unit.
	scale := slices.Max(x)
	objective := func(v []float64) float64 {
		p := toParams(v)
		var sum float64
		for i := range n {
			r := (p.Throughput(n[i]) - x[i]) / scale
			sum += r * r
		}
		return sum
	}
	best := []float64{math.Log(start.Lambda), math.Asin(math.Sqrt(math.Min(start.Sigma, 1))), math.Sqrt(start.Kappa)}
	for _, method := range []optimize.Method{&optimize.NelderMead{}, &optimize.BFGS{}} {
		problem := optimize.Problem{Func: objective, Grad: func(grad, v []float64) {
			fd.Gradient(grad, objective, v, &fd.Settings{Formula: fd.Central})
		}}
		res, err := optimize.Minimize(problem, best, &optimize.Settings{FuncEvaluations: 50000}, method)
		if res != nil && !math.IsNaN(res.F) && res.F <= objective(best) {
			best = res.X
		} else if err != nil && res == nil {
			return Fit{}, fmt.Errorf("usl: %w", err)
		}
	}
	return score(toParams(best), n, x), nil
}

// linearized solves N/X = a + bN + cN² by least squares and maps it back:
// λ = 1/(a+b+c), κ = cλ, σ = bλ + κ, clamped to the law's ranges.
func linearized(n, x []float64) Params {
	a := mat.NewDense(len(n), 3, nil)
	y := mat.NewVecDense(len(n), nil)
	for i := range n {
		a.Set(i, 0, 1)
		a.Set(i, 1, n[i])
		a.Set(i, 2, n[i]*n[i])
		y.SetVec(i, n[i]/x[i])
	}
	var coef mat.VecDense
	p := Params{Lambda: x[slices.Index(n, slices.Min(n))] / slices.Min(n), Sigma: 0.01, Kappa: 1e-4}
	if err := coef.SolveVec(a, y); err == nil {
		sum := coef.AtVec(0) + coef.AtVec(1) + coef.AtVec(2)
		if sum > 0 {
			lambda := 1 / sum
			kappa := coef.AtVec(2) * lambda
			sigma := coef.AtVec(1)*lambda + kappa
			p = Params{Lambda: lambda, Sigma: math.Max(sigma, 1e-6), Kappa: math.Max(kappa, 1e-9)}
		}
	}
	return p
}

// score computes the goodness of fit of p.
func score(p Params, n, x []float64) Fit {
	var mean float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	var ssRes, ssTot, rel float64
	for i := range n {
		f := p.Throughput(n[i])
		ssRes += (x[i] - f) * (x[i] - f)
		ssTot += (x[i] - mean) * (x[i] - mean)
		r := f/x[i] - 1
		rel += r * r
	}
	r2 := 1.0
	if ssTot > 0 {
		r2 = 1 - ssRes/ssTot
	}
	return Fit{Params: p, R2: r2, RMSRel: math.Sqrt(rel / float64(len(n))), Points: len(n)}
}
