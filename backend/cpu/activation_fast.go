package cpu

import (
	"math"

	"github.com/emberdl/ember/backend"
)

// activation32 runs float32 sigmoid or tanh with an inlined copy of
// expFast (whose relative error, ~4e-14, is far below float32's rounding)
// and no call or branch per element: the gate activations of recurrent
// layers spend most of their element-wise time here.
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
					// sigmoidFast, written out so that expInRange is inlined.
					dd[i] = float32(1 / (1 + expInRange(-min(max(float64(x), -104), 104))))
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

// expInRange is expFast without its range checks, for |x| <= 708 (NaN
// gives NaN): small enough to be inlined into the activation loops, whose
// callers clamp x so that no branch is needed.
func expInRange(x float64) float64 {
	const (
		scale = 64 * 1.44269504088896340736     // 64/ln2
		ln2hi = 6.93147180369123816490e-01 / 64 // ln2/64 in two parts
		ln2lo = 1.90821492927058770002e-10 / 64
		round = 6755399441055744.0 // 1.5·2^52: adding it rounds to an integer
	)
	kf := (x*scale + round) - round
	r := x - kf*ln2hi - kf*ln2lo
	k := int64(kf)
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24))))
	return p * expTable[k&63] * math.Float64frombits(uint64((k>>6)+1023)<<52)
}

// sigmoidFast is 1/(1 + e^-x) without branches on x (a branch on the sign
// is mispredicted half the time on real activations). x is clamped to
// ±104, beyond which the float32 result no longer changes (0 or 1).
func sigmoidFast(x float64) float64 {
	return 1 / (1 + expInRange(-min(max(x, -104), 104)))
}

// tanhFast is tanh: (1 - e^-2|x|)/(1 + e^-2|x|) with the sign of x, and the
// Taylor series where that would cancel (|x| < 1/16, error below 1e-15
// relative). Both are computed and one selected, so the choice needs no
// branch; |x| is clamped to 20, where tanh is 1 in float32.
func tanhFast(x float64) float64 {
	a := min(math.Abs(x), 20)
	e := expInRange(-2 * a)
	t := (1 - e) / (1 + e)
	x2 := x * x
	p := a * (1 + x2*(-1.0/3+x2*(2.0/15+x2*(-17.0/315+x2*(62.0/2835)))))
	if a < 0.0625 {
		t = p
	}
	return math.Copysign(t, x) // NaN stays NaN through min and expInRange
}
