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
