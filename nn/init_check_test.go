package nn

import (
	"math"
	"testing"

	"github.com/emberdl/ember"
)

// checkBounded fails unless every value of t lies in [-bound, bound].
func checkBounded(t *testing.T, what string, x *ember.Tensor, bound float64) {
	t.Helper()
	for i, v := range x.Float64s() {
		if math.Abs(v) > bound*(1+1e-7) {
			t.Fatalf("%s: element %d = %v outside ±%v", what, i, v, bound)
		}
	}
}

// checkUniform fails unless t looks drawn from U(-bound, bound): within the
// bounds, reaching close to them, with mean ~0 and variance ~bound²/3
// (five standard errors).
func checkUniform(t *testing.T, what string, x *ember.Tensor, bound float64) {
	t.Helper()
	checkBounded(t, what, x, bound)
	v := x.Float64s()
	n := float64(len(v))
	mean, sq, top := 0.0, 0.0, 0.0
	for _, e := range v {
		mean += e
		sq += e * e
		top = math.Max(top, math.Abs(e))
	}
	mean /= n
	variance := sq/n - mean*mean
	want := bound * bound / 3
	if math.Abs(mean) > 5*bound/math.Sqrt(3*n) {
		t.Errorf("%s: mean %.4g, want ~0 (n = %d)", what, mean, len(v))
	}
	// The variance of U² is 4b⁴/45.
	if math.Abs(variance-want) > 5*math.Sqrt(4.0/45/n)*bound*bound {
		t.Errorf("%s: variance %.4g, want %.4g", what, variance, want)
	}
	if top < bound*(1-20/n) {
		t.Errorf("%s: largest |value| %.4g never comes near the bound %.4g", what, top, bound)
	}
}
