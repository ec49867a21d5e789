package cuda

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// directUnary are the unary ops whose kernel op takes no parameters.
var directUnary = map[backend.UnaryOp]kernels.UnaryOp{
	backend.Neg: kernels.Neg, backend.Abs: kernels.Abs, backend.Exp: kernels.Exp,
	backend.Expm1: kernels.Expm1, backend.Log: kernels.Log, backend.Log1p: kernels.Log1p,
	backend.Sqrt: kernels.Sqrt, backend.Rsqrt: kernels.Rsqrt, backend.Square: kernels.Square,
	backend.Sin: kernels.Sin, backend.Cos: kernels.Cos, backend.Tanh: kernels.Tanh,
	backend.Sigmoid: kernels.Sigmoid, backend.Relu: kernels.Relu, backend.Gelu: kernels.Gelu,
	backend.GeluTanh: kernels.GeluTanh, backend.Silu: kernels.Silu, backend.Floor: kernels.Floor,
	backend.Ceil: kernels.Ceil, backend.Round: kernels.Round, backend.Trunc: kernels.Trunc,
	backend.Reciprocal: kernels.Reciprocal, backend.Erf: kernels.Erf,
}

// unaryKernel maps a backend unary op on a float dtype to the unary
// kernel's op code and parameters. ok is false for ops (or parameter
// values) that the kernel does not compute with the CPU backend's
// semantics; identity is true when the op leaves x unchanged.
func unaryKernel(op backend.UnaryOp, a, b float64) (k kernels.UnaryOp, p0, p1 float64, identity, ok bool) {
	if k, ok := directUnary[op]; ok {
		return k, 0, 0, false, true
	}
	switch op {
	case backend.LeakyRelu:
		return kernels.LeakyRelu, a, 0, false, true
	case backend.Clamp:
		// NaN bounds compare false in the kernel: no bound, as on the CPU.
		return kernels.Clamp, a, b, false, true
	case backend.AddScalar:
		return kernels.Affine, 1, a, false, true
	case backend.MulScalar:
		return kernels.Affine, a, 0, false, true
	case backend.Softplus:
		// The kernel has PyTorch's defaults built in: beta 1, threshold 20.
		return kernels.Softplus, 0, 0, false, a == 1 && b == 20
	case backend.PowScalar:
		switch a {
		case 1:
			return 0, 0, 0, true, true
		case 2:
			return kernels.Square, 0, 0, false, true
		case 0.5:
			return kernels.Sqrt, 0, 0, false, true
		}
		return kernels.PowScalar, a, 0, false, true
	}
	return 0, 0, 0, false, false
}

// Unary applies op elementwise: dst = op(src; a, b).
func (b *Backend) Unary(op backend.UnaryOp, dst, src backend.View, a, p float64) {
	const name = "Unary"
	sameShape(name, dst.Shape, src)
	dt := src.DType()
	switch op {
	case backend.IsNan, backend.IsInf, backend.IsFinite, backend.Not:
	default:
		if dst.DType() != dt {
			misuse(name, "%v: dst %v, src %v", op, dst.DType(), dt)
		}
	}
	if dt.IsFloat() {
		if k, p0, p1, identity, ok := unaryKernel(op, a, p); ok {
			b.bind(name)
			defer b.g.unbind()
			if identity {
				b.copyView(name, dst, src)
				return
			}
			b.unaryOn(name, k, dst, src, p0, p1)
			return
		}
	}
	b.fallback("Unary/"+op.String(), []hostArg{out(dst), in(src)}, func(h []backend.View) {
		b.host.Unary(op, h[0], h[1], a, p)
	})
}

// unaryOn runs the unary kernel with op code k on a float view. Bound.
func (b *Backend) unaryOn(name string, k kernels.UnaryOp, dst, src backend.View, p0, p1 float64) {
	c := ewCall{kind: ewUnary, k: unaryKernelOf(kdt(src.DType())), op: int32(k), p0: p0, p1: p1}
	b.elementwise(name, c, dst.Shape, b.viewOperand(name, dst), b.viewOperand(name, src))
	keep(dst, src)
}
