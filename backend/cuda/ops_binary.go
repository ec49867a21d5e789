package cuda

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// Binary applies op elementwise to x and y (one dtype, dst's shape); dst
// has that dtype, or bool for comparisons and logical ops. Semantics are
// the CPU backend's (Python's floor division and remainder, NaN-propagating
// maximum and minimum, bool Add/Mul as or/and), with one difference: an
// integer division by zero gives an unspecified value instead of a panic
// (checking would mean waiting for the GPU after every integer division).
func (b *Backend) Binary(op backend.BinaryOp, dst, x, y backend.View) {
	const name = "Binary"
	sameShape(name, dst.Shape, x, y)
	dt := x.DType()
	if y.DType() != dt {
		misuse(name, "%v: operands %v and %v", op, dt, y.DType())
	}
	if op.IsComparison() && dst.DType() != backend.Bool || !op.IsComparison() && dst.DType() != dt {
		misuse(name, "%v of %v into %v", op, dt, dst.DType())
	}
	code, compare, ok := kernels.BinaryOpFor(op, kdt(dt))
	if !ok {
		b.fallback("Binary/"+op.String(), []hostArg{out(dst), in(x), in(y)}, func(h []backend.View) {
			b.host.Binary(op, h[0], h[1], h[2])
		})
		return
	}
	var c ewCall
	switch {
	case compare:
		c = ewCall{kind: ewCompare, k: compareKernelOf(kdt(dt)), op: code}
	case dt.IsFloat():
		c = ewCall{kind: ewBinary, k: binaryKernelOf(kdt(dt)), op: code}
	default:
		c = ewCall{kind: ewBinaryInt, k: binaryIntKernelOf(kdt(dt)), op: code}
	}
	first, second := x, y
	if kernels.SwapsOperands(op) {
		first, second = y, x
	}
	b.bind(name)
	defer b.g.unbind()
	b.elementwise(name, c, dst.Shape, b.viewOperand(name, dst), b.viewOperand(name, first), b.viewOperand(name, second))
	keep(dst, x, y)
}

// Where sets dst = cond ? x : y elementwise (cond bool, any dtype).
func (b *Backend) Where(dst, cond, x, y backend.View) {
	const name = "Where"
	sameShape(name, dst.Shape, cond, x, y)
	if cond.DType() != backend.Bool || x.DType() != dst.DType() || y.DType() != dst.DType() {
		misuse(name, "cond %v, x %v, y %v into %v", cond.DType(), x.DType(), y.DType(), dst.DType())
	}
	b.bind(name)
	defer b.g.unbind()
	c := ewCall{kind: ewWhere, k: whereKernelOf(kdt(dst.DType()))}
	b.elementwise(name, c, dst.Shape, b.viewOperand(name, dst), b.viewOperand(name, cond), b.viewOperand(name, x), b.viewOperand(name, y))
	keep(dst, cond, x, y)
}
