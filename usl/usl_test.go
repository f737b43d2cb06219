package usl

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// curve samples the law at N = 1, 2, 4, ..., 1024, each value perturbed by
// a fixed, alternating relative noise.
func curve(p Params, noise float64) (n, x []float64) {
	for i, v := 0, 1.0; v <= 1024; i, v = i+1, v*2 {
		sign := 1.0
		if i%2 == 1 {
			sign = -1
		}
		n = append(n, v)
		x = append(x, p.Throughput(v)*(1+sign*noise))
	}
	return n, x
}

func TestFitRecoversKnownParameters(t *testing.T) {
	tests := []struct {
		want  Params
		noise float64
		tol   float64 // relative tolerance on λ, σ and κ
	}{
		{Params{Lambda: 1000, Sigma: 0.05, Kappa: 0.0002}, 0, 1e-3},
		{Params{Lambda: 50000, Sigma: 0.3, Kappa: 0.00001}, 0, 1e-3},
		{Params{Lambda: 1000, Sigma: 0.05, Kappa: 0.0002}, 0.01, 0.15},
		{Params{Lambda: 200, Sigma: 0.9, Kappa: 0.01}, 0.005, 0.1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v/noise=%v", tt.want, tt.noise), func(t *testing.T) {
			n, x := curve(tt.want, tt.noise)
			fit, err := FitCurve(n, x)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{{"λ", fit.Lambda, tt.want.Lambda}, {"σ", fit.Sigma, tt.want.Sigma}, {"κ", fit.Kappa, tt.want.Kappa}} {
				if math.Abs(c.got/c.want-1) > tt.tol {
					t.Errorf("%s = %v, want %v within %v", c.name, c.got, c.want, tt.tol)
				}
			}
			if fit.R2 < 0.99 {
				t.Errorf("R² = %v, want at least 0.99", fit.R2)
			}
			if wantPeak := tt.want.Peak(); math.Abs(fit.Peak()/wantPeak-1) > 2*tt.tol {
				t.Errorf("N* = %v, want %v", fit.Peak(), wantPeak)
			}
		})
	}
}

func TestPeak(t *testing.T) {
	if got := (Params{Lambda: 1, Sigma: 0.19, Kappa: 0.01}).Peak(); math.Abs(got-9) > 1e-12 {
		t.Errorf("Peak = %v, want sqrt(0.81/0.01) = 9", got)
	}
	if got := (Params{Lambda: 1, Sigma: 0.1}).Peak(); !math.IsInf(got, 1) {
		t.Errorf("Peak without coherency = %v, want +Inf (Amdahl)", got)
	}
	// Amdahl's limit: with κ = 0, X tends to λ/σ.
	if got := (Params{Lambda: 10, Sigma: 0.5}).Throughput(1e9); math.Abs(got-20) > 1e-6 {
		t.Errorf("X(∞) = %v, want λ/σ = 20", got)
	}
}

func TestFitBadInput(t *testing.T) {
	tests := []struct {
		name string
		n, x []float64
		is   error
		msg  string
	}{
		{"two points", []float64{1, 2}, []float64{1, 2}, ErrTooFew, ""},
		{"repeated N", []float64{1, 1, 2, 2}, []float64{1, 1, 2, 2}, ErrTooFew, ""},
		{"lengths", []float64{1, 2, 3}, []float64{1, 2}, nil, "3 concurrencies but 2 throughputs"},
		{"zero X", []float64{1, 2, 3}, []float64{1, 0, 2}, nil, "point 1 (N=2, X=0)"},
		{"N below 1", []float64{0, 2, 3}, []float64{1, 1, 2}, nil, "point 0 (N=0, X=1)"},
		{"NaN", []float64{1, 2, math.NaN()}, []float64{1, 1, 2}, nil, "point 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FitCurve(tt.n, tt.x)
			if err == nil || tt.is != nil && !errors.Is(err, tt.is) || tt.msg != "" && !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("FitCurve = %v, want %v %q", err, tt.is, tt.msg)
			}
		})
	}
}

// cisco is the Cisco router benchmark of Baron Schwartz's "Practical
// Scalability Analysis with the Universal Scalability Law" (VividCortex,
// 2015): throughput at concurrency 1 to 32. The book fits it with
// nonlinear least squares and lists σ = 0.02671591, κ = 7.690945e-4 and
// λ = 995.6486, with the peak at N = 35 and X = 12 341; codahale/usl4j's
// tests hold its fit to those within 0.02 %.
var cisco = []float64{955.16, 1878.91, 2688.01, 3548.68, 4315.54, 5130.43, 5931.37, 6531.08,
	7219.8, 7867.61, 8278.71, 8646.7, 9047.84, 9426.55, 9645.37, 9897.24,
	10097.6, 10240.5, 10532.39, 10798.52, 11151.43, 11518.63, 11806, 12089.37,
	12075.41, 12177.29, 12211.41, 12158.93, 12155.27, 12118.04, 12140.4, 12074.39}

func TestFitPublishedDataset(t *testing.T) {
	var n []float64
	for i := range cisco {
		n = append(n, float64(i+1))
	}
	fit, err := FitCurve(n, cisco)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"σ", fit.Sigma, 0.02671591}, {"κ", fit.Kappa, 7.690945e-4}, {"λ", fit.Lambda, 995.6486},
		{"N*", math.Floor(fit.Peak()), 35}, {"X(N*)", math.Floor(fit.Throughput(math.Floor(fit.Peak()))), 12341},
	} {
		if math.Abs(c.got/c.want-1) > 2e-4 {
			t.Errorf("%s = %v, the book's %v (within 0.02 %%)", c.name, c.got, c.want)
		}
	}
}

// TestFitBounds: a curve that no law with 0 <= σ <= 1 fits (throughput
// that falls faster than 1/N) gets σ at its bound, never above 1 or below
// 0, and a κ of at least 0.
func TestFitBounds(t *testing.T) {
	tests := []struct {
		name string
		x    []float64
	}{
		{"falls faster than 1/N", []float64{1000, 300, 80, 20, 5}},
		{"flat", []float64{500, 500, 500, 500, 500}},
		{"superlinear", []float64{100, 250, 600, 1500, 4000}},
	}
	n := []float64{1, 2, 4, 8, 16}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fit, err := FitCurve(n, tt.x)
			if err != nil {
				t.Fatal(err)
			}
			if !(fit.Sigma >= 0 && fit.Sigma <= 1 && fit.Kappa >= 0 && fit.Lambda > 0) {
				t.Errorf("fit %+v: want 0 <= σ <= 1, κ >= 0, λ > 0", fit.Params)
			}
		})
	}
}
