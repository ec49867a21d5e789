package cpu

import (
	"math"

	"github.com/emberdl/ember/backend"
)

// activation32 runs float32 sigmoid or tanh with expFast (whose relative
// error, ~4e-14, is far below float32's rounding) and a direct call per
// element: the gate activations of recurrent layers spend most of their
// element-wise time here.
func activation32(l *loop, op backend.UnaryOp, d, s []float32) {
	tanh := op == backend.Tanh
	l.run(8, func(off [maxOps]int, m int) {
		o0, o1, s0, s1 := off[0], off[1], l.inner[0], l.inner[1]
		if s0 == 1 && s1 == 1 {
			dd, ss := d[o0:o0+m], s[o1:o1+m]
			if tanh {
				for i, x := range ss {
					dd[i] = float32(tanhFast(float64(x)))
				}
			} else {
				for i, x := range ss {
					dd[i] = float32(sigmoidFast(float64(x)))
				}
			}
			return
		}
		for i := 0; i < m; i++ {
			x := float64(s[o1+i*s1])
			if tanh {
				d[o0+i*s0] = float32(tanhFast(x))
			} else {
				d[o0+i*s0] = float32(sigmoidFast(x))
			}
		}
	})
}

// sigmoidFast is 1/(1 + e^-x) with expFast, without branches on x (a
// branch on the sign is mispredicted half the time on real activations):
// e^-x overflowing to +Inf gives 0, as it should.
func sigmoidFast(x float64) float64 {
	return 1 / (1 + expFast(-x))
}

// tanhFast is tanh with expFast: (1 - e^-2|x|)/(1 + e^-2|x|) with the sign
// of x, and the Taylor series where that would cancel (|x| < 1/16, error
// below 1e-15 relative). Both are computed and one is selected, so the
// choice needs no branch.
func tanhFast(x float64) float64 {
	a := math.Abs(x)
	e := expFast(-2 * a)
	t := (1 - e) / (1 + e)
	x2 := x * x
	p := a * (1 + x2*(-1.0/3+x2*(2.0/15+x2*(-17.0/315+x2*(62.0/2835)))))
	if a < 0.0625 {
		t = p
	}
	return math.Copysign(t, x) // NaN stays NaN: expFast(NaN) is NaN
}
