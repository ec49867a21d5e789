package cpu

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu/vec"
)

// geluCost is the loop cost per element of the fused GELU forward (an erf
// and an exp: several times a plain vector kernel's).
const geluCost = 8

// GeluWithGrad sets y = GELU(x) (exact, x·Φ(x)) and d = Φ(x) + x·φ(x),
// the derivative, in one pass over float32 views of one shape: the forward
// pass of a GELU that keeps d for its backward, g·d, which then has the
// same bits as the GeluGrad kernel's. It reports false, doing nothing, for
// other dtypes.
func (c *Backend) GeluWithGrad(y, d, x backend.View) bool {
	if buf(x).dt != backend.Float32 || buf(y).dt != backend.Float32 || buf(d).dt != backend.Float32 {
		return false
	}
	checkSameShape("GeluWithGrad", y, d, x)
	ys, ds, xs := buf(y).F32, buf(d).F32, buf(x).F32
	l := newLoop(y.Shape, []int{y.Offset, d.Offset, x.Offset}, y.Strides, d.Strides, x.Strides)
	defer l.free()
	l.run(geluCost, func(off [maxOps]int, m int) {
		o0, o1, o2 := off[0], off[1], off[2]
		s0, s1, s2 := l.inner[0], l.inner[1], l.inner[2]
		if s0 == 1 && s1 == 1 && s2 == 1 {
			vec.GeluAndGrad(ys[o0:o0+m], ds[o1:o1+m], xs[o2:o2+m])
			return
		}
		// Strided: gatherRun at a time through geluGradStrided's pooled
		// buffers (the same kernel, so the results do not depend on the
		// layout).
		bufs := gatherPool.Get().(*[3][gatherRun]float32)
		defer gatherPool.Put(bufs)
		by, bd, bx := &bufs[0], &bufs[1], &bufs[2]
		for lo := 0; lo < m; lo += gatherRun {
			n := min(gatherRun, m-lo)
			for i := range n {
				bx[i] = xs[o2+(lo+i)*s2]
			}
			vec.GeluAndGrad(by[:n], bd[:n], bx[:n])
			for i := range n {
				ys[o0+(lo+i)*s0], ds[o1+(lo+i)*s1] = by[i], bd[i]
			}
		}
	})
	return true
}
