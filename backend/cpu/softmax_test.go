package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExpFast compares expFast with math.Exp across its range and at the
// special values.
func TestExpFast(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(x float64) {
		got, want := expFast(x), math.Exp(x)
		if want == 0 || math.IsInf(want, 0) {
			return
		}
		if rel := math.Abs(got-want) / want; rel > 1e-9 {
			t.Fatalf("expFast(%v) = %v, want %v (relative error %.3g)", x, got, want, rel)
		}
	}
	for range 200000 {
		check(r.Float64()*200 - 100)
	}
	for range 20000 {
		check(r.Float64()*1400 - 700)
	}
	for _, x := range []float64{0, -0.0, 1, -1, 0.5 * math.Ln2, -0.5 * math.Ln2, 88.7, -87.3, -103.9, 707.9, -707.9, 709} {
		check(x)
	}
	special := []struct{ x, want float64 }{
		{math.Inf(-1), 0}, {-800, 0}, {-708, 0}, {math.Inf(1), math.Inf(1)}, {710, math.Inf(1)}, {0, 1},
	}
	for _, s := range special {
		if got := expFast(s.x); got != s.want {
			t.Errorf("expFast(%v) = %v, want %v", s.x, got, s.want)
		}
	}
	if got := expFast(math.NaN()); !math.IsNaN(got) {
		t.Errorf("expFast(NaN) = %v", got)
	}
}

func BenchmarkExp(b *testing.B) {
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = float64(i)/64 - 12
	}
	b.Run("math.Exp", func(b *testing.B) {
		s := 0.0
		for b.Loop() {
			for _, x := range xs {
				s += math.Exp(x)
			}
		}
		_ = s
	})
	b.Run("expFast", func(b *testing.B) {
		s := 0.0
		for b.Loop() {
			for _, x := range xs {
				s += expFast(x)
			}
		}
		_ = s
	})
}
