package cuda

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// binaryKernels maps the backend's arithmetic ops on float dtypes to the
// binary kernel's codes, and comparisons to the compare kernel's.
var (
	binaryKernels = map[backend.BinaryOp]kernels.BinaryOp{
		backend.Add: kernels.Add, backend.Sub: kernels.Sub, backend.Mul: kernels.Mul, backend.Div: kernels.Div,
		backend.Maximum: kernels.Maximum, backend.Minimum: kernels.Minimum, backend.Pow: kernels.Pow,
		backend.Remainder: kernels.Remainder,
	}
	compareKernels = map[backend.BinaryOp]kernels.CompareOp{
		backend.Eq: kernels.Eq, backend.Ne: kernels.Ne, backend.Lt: kernels.Lt, backend.Le: kernels.Le,
		backend.Gt: kernels.Gt, backend.Ge: kernels.Ge,
	}
)

// Binary applies op elementwise to x and y (one dtype, dst's shape); dst
// has that dtype, or bool for comparisons and logical ops.
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
	if dt.IsFloat() {
		if k, ok := binaryKernels[op]; ok {
			b.zip(name, ewCall{kind: ewBinary, k: binaryKernelOf(kdt(dt)), op: int32(k)}, dst, x, y)
			return
		}
		if k, ok := compareKernels[op]; ok {
			b.zip(name, ewCall{kind: ewCompare, k: compareKernelOf(kdt(dt)), op: int32(k)}, dst, x, y)
			return
		}
	}
	b.fallback("Binary/"+op.String(), []hostArg{out(dst), in(x), in(y)}, func(h []backend.View) {
		b.host.Binary(op, h[0], h[1], h[2])
	})
}

// zip runs a two-input elementwise kernel.
func (b *Backend) zip(name string, c ewCall, dst, x, y backend.View) {
	b.bind(name)
	defer b.g.unbind()
	b.elementwise(name, c, dst.Shape, b.viewOperand(name, dst), b.viewOperand(name, x), b.viewOperand(name, y))
	keep(dst, x, y)
}

// Where sets dst = cond ? x : y elementwise.
func (b *Backend) Where(dst, cond, x, y backend.View) {
	sameShape("Where", dst.Shape, cond, x, y)
	b.fallback("Where", []hostArg{out(dst), in(cond), in(x), in(y)}, func(h []backend.View) {
		b.host.Where(h[0], h[1], h[2], h[3])
	})
}
