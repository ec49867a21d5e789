package cpu

import (
	"sync"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu/vec"
)

// The float32 elementwise ops go through package vec's vector kernels on
// every run whose views are dense along the inner dim (or broadcast a
// scalar along it); other runs take the generic loops.

// vecCost is the per-element cost given to the loop for vector kernels
// (the unit of its parallel grain).
const vecCost = 1

// binaryF32 runs op with the vector kernels, reporting false for ops it
// does not have.
func binaryF32(l *loop, op backend.BinaryOp, d, x, y []float32) bool {
	var vv func(d, x, y []float32)
	var vs func(d, x []float32, s float32)
	var sv func(d []float32, s float32, y []float32)
	switch op {
	case backend.Add:
		vv, vs = vec.Add, vec.AddScalar
		sv = func(d []float32, s float32, y []float32) { vec.AddScalar(d, y, s) }
	case backend.Sub:
		vv, vs, sv = vec.Sub, vec.SubScalar, vec.ScalarSub
	case backend.Mul:
		vv, vs = vec.Mul, vec.MulScalar
		sv = func(d []float32, s float32, y []float32) { vec.MulScalar(d, y, s) }
	case backend.Div:
		vv, vs, sv = vec.Div, vec.DivScalar, vec.ScalarDiv
	case backend.Maximum:
		vv = vec.Maximum
	case backend.ReluGrad:
		vv = vec.ReluGrad
	case backend.GeluGrad:
		vv = vec.GeluGrad
	default:
		return false
	}
	scalar := floatBinary[float32](op)
	// GELU's gradient has no cheap scalar twin: strided runs gather up to
	// gatherRun elements at a time into buffers for the vector kernel (so
	// results do not depend on the layout either).
	gather := op == backend.GeluGrad
	l.run(vecCost, func(off [maxOps]int, m int) {
		o0, o1, o2 := off[0], off[1], off[2]
		s0, s1, s2 := l.inner[0], l.inner[1], l.inner[2]
		if s0 == 1 {
			dd := d[o0 : o0+m]
			switch {
			case s1 == 1 && s2 == 1:
				vv(dd, x[o1:o1+m], y[o2:o2+m])
				return
			case s1 == 1 && s2 == 0 && vs != nil:
				vs(dd, x[o1:o1+m], y[o2])
				return
			case s1 == 0 && s2 == 1 && sv != nil:
				sv(dd, x[o1], y[o2:o2+m])
				return
			}
		}
		if gather {
			geluGradStrided(d[o0:], s0, x[o1:], s1, y[o2:], s2, m)
			return
		}
		for i := 0; i < m; i++ {
			d[o0+i*s0] = scalar(x[o1+i*s1], y[o2+i*s2])
		}
	})
	return true
}

// gatherRun is how many elements geluGradStrided passes to the kernel at
// once.
const gatherRun = 64

// gatherPool holds geluGradStrided's buffers (on the stack they would
// escape to the heap through the vector kernels' function values).
var gatherPool = sync.Pool{New: func() any { return new([3][gatherRun]float32) }}

// geluGradStrided runs vec.GeluGrad on m strided elements
// (d[i*s0] = GeluGrad(g[i*s1], x[i*s2])) through pooled buffers.
func geluGradStrided(d []float32, s0 int, x []float32, s1 int, y []float32, s2 int, m int) {
	bufs := gatherPool.Get().(*[3][gatherRun]float32)
	defer gatherPool.Put(bufs)
	db, xb, yb := &bufs[0], &bufs[1], &bufs[2]
	for i0 := 0; i0 < m; i0 += gatherRun {
		n := min(gatherRun, m-i0)
		for i := range n {
			xb[i], yb[i] = x[(i0+i)*s1], y[(i0+i)*s2]
		}
		vec.GeluGrad(db[:n], xb[:n], yb[:n])
		for i := range n {
			d[(i0+i)*s0] = db[i]
		}
	}
}

// unaryF32 runs op with the vector kernels, reporting false for ops it
// does not have.
func unaryF32(l *loop, op backend.UnaryOp, d, s []float32, a float64) bool {
	var f func(d, x []float32)
	switch op {
	case backend.Relu:
		f = vec.Relu
	case backend.Exp:
		f = vec.Exp
	case backend.Log:
		f = vec.Log
	case backend.Tanh:
		f = vec.Tanh
	case backend.Sigmoid:
		f = vec.Sigmoid
	case backend.Erf:
		f = vec.Erf
	case backend.Gelu:
		f = vec.Gelu
	case backend.Neg:
		f = func(d, x []float32) { vec.MulScalar(d, x, -1) }
	case backend.Square:
		f = func(d, x []float32) { vec.Mul(d, x, x) }
	case backend.MulScalar:
		av := float32(a)
		f = func(d, x []float32) { vec.MulScalar(d, x, av) }
	case backend.AddScalar:
		av := float32(a)
		f = func(d, x []float32) { vec.AddScalar(d, x, av) }
	default:
		return false
	}
	l.run(vecCost, func(off [maxOps]int, m int) {
		o0, o1, s0, s1 := off[0], off[1], l.inner[0], l.inner[1]
		if s0 == 1 && s1 == 1 {
			f(d[o0:o0+m], s[o1:o1+m])
			return
		}
		// Strided: gather, apply, scatter, a chunk at a time (the same
		// kernel, so results do not depend on the layout).
		var buf [64]float32
		for lo := 0; lo < m; lo += len(buf) {
			c := buf[:min(len(buf), m-lo)]
			for i := range c {
				c[i] = s[o1+(lo+i)*s1]
			}
			f(c, c)
			for i, v := range c {
				d[o0+(lo+i)*s0] = v
			}
		}
	})
	return true
}
