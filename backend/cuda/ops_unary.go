package cuda

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// intUnary are the unary ops of integer dtypes (the CPU backend's set).
var intUnary = map[backend.UnaryOp]bool{
	backend.Neg: true, backend.Abs: true, backend.Sign: true, backend.Square: true, backend.Relu: true,
	backend.Clamp: true, backend.Floor: true, backend.Ceil: true, backend.Round: true, backend.Trunc: true,
	backend.AddScalar: true, backend.MulScalar: true,
}

// Unary applies op elementwise: dst = op(src; a, b), with the CPU
// backend's semantics for every op and dtype it accepts: float dtypes
// compute in float32 registers (float64 for float64), IsNan, IsInf,
// IsFinite and Not write bool.
func (b *Backend) Unary(op backend.UnaryOp, dst, src backend.View, a, p float64) {
	const name = "Unary"
	sameShape(name, dst.Shape, src)
	dt := src.DType()
	boolOut := op == backend.IsNan || op == backend.IsInf || op == backend.IsFinite || op == backend.Not
	if boolOut && dst.DType() != backend.Bool || !boolOut && dst.DType() != dt {
		misuse(name, "%v: dst %v, src %v", op, dst.DType(), dt)
	}
	k, ok := kernels.UnaryOpFor(op)
	var c ewCall
	switch {
	case !ok:
	case boolOut:
		c = ewCall{kind: ewUnaryBool, k: unaryBoolKernelOf(kdt(dt)), op: int32(k)}
	case dt.IsFloat():
		c = ewCall{kind: ewUnary, k: unaryKernelOf(kdt(dt)), op: int32(k), p0: a, p1: p}
	case dt.IsInt() && intUnary[op]:
		c = ewCall{kind: ewUnary, k: unaryIntKernelOf(kdt(dt)), op: int32(k), p0: a, p1: p}
	default:
		ok = false
	}
	if !ok {
		// An op the CPU backend rejects for this dtype: its panic says so.
		b.fallback("Unary/"+op.String(), []hostArg{out(dst), in(src)}, func(h []backend.View) {
			b.host.Unary(op, h[0], h[1], a, p)
		})
		return
	}
	b.bind(name)
	defer b.g.unbind()
	b.elementwise(name, c, dst.Shape, b.viewOperand(name, dst), b.viewOperand(name, src))
	keep(dst, src)
}

// scale multiplies a float view by s in place. Bound.
func (b *Backend) scale(op string, v backend.View, s float64) {
	c := ewCall{kind: ewUnary, k: unaryKernelOf(kdt(v.DType())), op: int32(kernels.MulScalar), p0: s}
	b.elementwise(op, c, v.Shape, b.viewOperand(op, v), b.viewOperand(op, v))
	keep(v)
}
